"""Benchmarks. `python -m bench.retrieval` is the one command; it needs ../shared/data and skips cleanly without it."""
