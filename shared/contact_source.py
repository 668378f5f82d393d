"""What a contact's search document and card are built from: the current contact row plus what it
joins to (its channels, and its workspace's custom field types)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, make_dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shared.fields import PLAIN


@dataclass(frozen=True)
class ChannelIdentity:
    channel_id: str
    channel_name: str
    channel_type: str
    external_id: str


@dataclass
class _SourceFields:
    """ContactSource's fields but the plain ones (shared.fields.PLAIN), which are added from the
    registry."""

    id: str
    workspace_id: str
    version: int
    email: str | None
    phone: str | None
    country: str | None
    language: str | None
    assignee_id: str | None
    tags: list[str]
    custom_fields: dict[str, Any]
    source: str
    conversation_status: str
    conversation_opened_at: datetime | None
    last_interaction_at: datetime | None
    last_incoming_message_at: datetime | None
    last_interacted_channel_id: str | None
    created_at: datetime
    updated_at: datetime
    profile_pic_url: str | None
    channels: list[ChannelIdentity] = field(default_factory=list)
    # key -> field type for the workspace's custom field definitions
    field_types: dict[str, str] = field(default_factory=dict)
    # key -> the field's sort slot (see shared.search.mapping.sort_slot_field)
    field_slots: dict[str, int] = field(default_factory=dict)


_SOURCE_DOC = "What the document is built from: the current contact row plus what it joins to."

# The plain fields (None unless given) come from their registry rows; the declarations under
# TYPE_CHECKING only tell the type checker about the ones the code reads by name.
if TYPE_CHECKING:

    @dataclass
    class ContactSource(_SourceFields):
        first_name: str | None = None
        last_name: str | None = None

else:
    ContactSource = make_dataclass(
        "ContactSource",
        [(spec.name, str | None, field(default=None)) for spec in PLAIN],
        bases=(_SourceFields,),
        namespace={"__doc__": _SOURCE_DOC, "__module__": __name__},
    )


def display_name(
    first_name: str | None,
    last_name: str | None,
    phone: str | None,
    email: str | None,
    channel_external_ids: Sequence[str],
) -> str:
    """The one rule for the name a contact is shown by, everywhere (the API's card and so the
    table, the CSV export, the merge list): first and last name; else the phone number; else the
    e-mail address; else, for a contact that came from a channel without any of them (e.g. a
    Messenger user who shares no name), its id on its first channel (channels in the order they were
    linked), so it never appears nameless. `channel_external_ids` is required so that no caller
    can forget the last fallback."""
    name = " ".join(part for part in (first_name, last_name) if part)
    return name or phone or email or next(iter(channel_external_ids), "")
