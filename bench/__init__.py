"""Benchmarks: `python -m bench all` runs every bench/bench_*.py and updates docs/performance.md."""
