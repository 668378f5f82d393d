"""The contact values a merge compares, takes and restores, in JSON form for the merge record."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from shared.fields import CUSTOM_PREFIX, DATETIME, ID_VALUED, MERGEABLE
from shared.models import Contact

# Profile fields a merge lets the user choose between ("Compare Contact Profile").
STANDARD_FIELDS = MERGEABLE
# Read-only activity: the merged contact shows the latest interaction of the two.
ACTIVITY_FIELDS = ("last_interaction_at", "last_incoming_message_at", "last_interacted_channel_id")
CONVERSATION_FIELDS = ("conversation_status", "conversation_opened_at")
UUID_FIELDS = ID_VALUED
TIME_FIELDS = frozenset(DATETIME)


def is_profile_field(field: str) -> bool:
    """A field the user chooses in a merge (as opposed to activity the merge derives)."""
    return field in STANDARD_FIELDS or field.startswith(CUSTOM_PREFIX)


def dump(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in UUID_FIELDS:
        return str(value)
    if field in TIME_FIELDS:
        return value.isoformat() if isinstance(value, datetime) else str(value)
    return value


def load(field: str, value: Any) -> Any:
    if value is None:
        return None
    if field in UUID_FIELDS:
        return uuid.UUID(value)
    if field in TIME_FIELDS:
        return datetime.fromisoformat(value)
    return value


def get_value(contact: Contact, field: str) -> Any:
    """The JSON form of a standard, activity, conversation or custom.<key> value."""
    if field.startswith(CUSTOM_PREFIX):
        return contact.custom_fields.get(field.removeprefix(CUSTOM_PREFIX))
    return dump(field, getattr(contact, field))


def set_value(contact: Contact, field: str, value: Any) -> None:
    if field.startswith(CUSTOM_PREFIX):
        custom = dict(contact.custom_fields)
        key = field.removeprefix(CUSTOM_PREFIX)
        if value is None:
            custom.pop(key, None)
        else:
            custom[key] = value
        contact.custom_fields = custom  # reassigned: JSONB changes in place are not tracked
    else:
        setattr(contact, field, load(field, value))


def is_empty(value: Any) -> bool:
    return value is None or value in ("", [], {})


def choosable_fields(primary: Contact, secondary: Contact, defined_keys: list[str]) -> list[str]:
    """Standard fields, then custom.<key> for every defined field and any value either contact has."""
    keys = list(
        dict.fromkeys([*defined_keys, *sorted(primary.custom_fields), *sorted(secondary.custom_fields)])
    )
    return [*STANDARD_FIELDS, *(CUSTOM_PREFIX + key for key in keys)]


def snapshot(contact: Contact, custom_fields: list[str]) -> dict[str, Any]:
    """Everything unmerge needs to restore a contact's own profile."""
    state = {f: get_value(contact, f) for f in (*STANDARD_FIELDS, *ACTIVITY_FIELDS, *CONVERSATION_FIELDS)}
    state.update({f: get_value(contact, f) for f in custom_fields})
    state["tags"] = list(contact.tags)
    state["custom_fields"] = dict(contact.custom_fields)
    return state
