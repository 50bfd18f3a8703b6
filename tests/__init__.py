"""Kith's test suite."""
