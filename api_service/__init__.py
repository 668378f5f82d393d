"""The HTTP API of the contacts module."""
