"""Celery worker: outbox relay into OpenSearch, reindex, and background jobs."""
