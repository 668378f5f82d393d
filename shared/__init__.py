"""Code used by both the API service and the indexer worker. Imports neither of them."""
