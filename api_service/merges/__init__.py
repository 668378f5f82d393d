"""Merge two contacts into one, and undo a merge exactly."""
