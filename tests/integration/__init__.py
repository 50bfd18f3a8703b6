"""Tests through real sockets, Redis, databases and a browser."""
