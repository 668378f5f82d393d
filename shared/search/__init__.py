"""Search: the index mapping and document builder (mapping.py), the query compiler (query.py)."""
