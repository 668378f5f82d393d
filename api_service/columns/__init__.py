"""The user's contacts table columns."""
