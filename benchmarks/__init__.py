"""Benchmarks: run with `python -m benchmarks.<name>`; results go to docs/benchmarks.md."""
