"""Kith's domain core: communities, members, threads and the outbound ledger.

Imports only the standard library, SQLAlchemy and small pure helpers; see README.md.
"""
