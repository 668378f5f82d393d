"""Search bench: python -m bench.search --count N."""
