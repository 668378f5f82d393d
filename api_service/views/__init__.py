"""Saved views ("custom inboxes") and the built-in ones."""
