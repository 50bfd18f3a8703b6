"""Benchmarks: scripts that measure Kith's components on shared corpora (not part of the app)."""
