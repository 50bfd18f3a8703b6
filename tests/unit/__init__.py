"""Tests of single modules; no sockets beyond the database."""
