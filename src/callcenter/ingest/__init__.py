"""Readers: one module per source format -> canonical Arrow tables. Never touches a database."""
