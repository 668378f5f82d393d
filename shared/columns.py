"""Contacts table columns: which exist and their labels (also CSV headers), from the field registry
(shared.fields), and the default set."""

from __future__ import annotations

from shared.fields import BY_NAME, COLUMNS, CUSTOM_PREFIX

__all__ = ["COLUMN_LABELS", "CUSTOM_PREFIX", "DEFAULT_COLUMNS", "REQUIRED_COLUMN"]

COLUMN_LABELS: dict[str, str] = {name: BY_NAME[name].label for name in COLUMNS}
REQUIRED_COLUMN = "display_name"
DEFAULT_COLUMNS: tuple[str, ...] = (
    "display_name",
    "email",
    "phone",
    "tags",
    "channels",
    "country",
    "assignee_id",
    "created_at",
    "last_interaction_at",
)
