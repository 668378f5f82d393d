"""Contacts table columns: which exist, their labels (also CSV headers), and the default set."""

from __future__ import annotations

COLUMN_LABELS: dict[str, str] = {
    "display_name": "Name",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "phone": "Phone",
    "tags": "Tags",
    "channels": "Channels",
    "country": "Country",
    "language": "Language",
    "assignee_id": "Assignee",
    "conversation_status": "Conversation status",
    "conversation_opened_at": "Conversation opened at",
    "last_interaction_at": "Last interaction at",
    "last_incoming_message_at": "Last incoming message at",
    "last_interacted_channel_id": "Last interacted channel",
    "source": "Source",
    "created_at": "Created at",
    "updated_at": "Updated at",
}
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
CUSTOM_PREFIX = "custom."
