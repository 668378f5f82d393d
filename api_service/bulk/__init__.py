"""Bulk actions over a selection: delete and assign tags, run as background jobs."""
