"""Benchmarks: each subpackage prints its figures side by side with a baseline (python -m bench.<name>)."""
