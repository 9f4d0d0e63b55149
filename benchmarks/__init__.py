"""Benchmarks and the load test: `make bench`, `make loadtest`. Not part of the installed package."""
