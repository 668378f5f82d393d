"""A contact as the API shows it (the "card"): display name and avatar fallbacks, channels, and
JSON-ready values.

One builder for both services: the API presents single contacts with it, and the indexer stores
the same card in every search document, so a page of the contacts table is served straight from
the search hits and still shows exactly what the contact's own page shows.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_jsonable_python

from shared.contact_source import ContactSource, display_name
from shared.fields import PLAIN

# Readable on white text; the colour is picked from the contact id so it never changes.
AVATAR_COLORS = (
    "#E57373",
    "#F06292",
    "#BA68C8",
    "#9575CD",
    "#7986CB",
    "#64B5F6",
    "#4DB6AC",
    "#81C784",
    "#FFB74D",
    "#FF8A65",
    "#A1887F",
    "#90A4AE",
    "#4FC3F7",
    "#AED581",
    "#DCE775",
    "#F4A261",
)


def initials(first_name: str | None, last_name: str | None, fallback: str) -> str:
    parts = [p for p in (first_name, last_name) if p and p.strip()]
    if parts:
        return "".join(p.strip()[0] for p in parts).upper()
    for ch in fallback:
        if ch.isalnum():
            return ch.upper()
    return "?"


def shown_name(src: ContactSource) -> str:
    """The contact's display name (shared.contact_source.display_name: the one rule)."""
    external_ids = [c.external_id for c in src.channels]
    return display_name(src.first_name, src.last_name, src.phone, src.email, external_ids)


def avatar(src: ContactSource, name: str) -> dict[str, str]:
    if src.profile_pic_url:
        return {"url": src.profile_pic_url}
    digest = hashlib.sha256(uuid.UUID(src.id).bytes).digest()
    color = AVATAR_COLORS[digest[0] % len(AVATAR_COLORS)]
    return {"initials": initials(src.first_name, src.last_name, name), "color": color}


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def contact_card(src: ContactSource) -> dict[str, Any]:
    """The API representation (ContactOut's fields, in order) as JSON-ready data: ids and times
    are strings formatted exactly as the API's models format them."""
    name = shown_name(src)
    card = {
        "id": src.id,
        **{spec.name: getattr(src, spec.name) for spec in PLAIN},  # the plain fields, as stored
        "email": src.email,
        "phone": src.phone,
        "country": src.country,
        "language": src.language,
        "profile_pic_url": src.profile_pic_url,
        "assignee_id": src.assignee_id,
        "tags": list(src.tags),
        "custom_fields": dict(src.custom_fields),
        "display_name": name,
        "avatar": avatar(src, name),
        "channels": [
            {
                "channel_id": c.channel_id,
                "channel_name": c.channel_name,
                "type": c.channel_type,
                "external_id": c.external_id,
            }
            for c in src.channels
        ],
        "source": src.source,
        "conversation_status": src.conversation_status,
        "conversation_opened_at": _utc(src.conversation_opened_at),
        "last_interaction_at": _utc(src.last_interaction_at),
        "last_incoming_message_at": _utc(src.last_incoming_message_at),
        "last_interacted_channel_id": src.last_interacted_channel_id,
        "created_at": _utc(src.created_at),
        "updated_at": _utc(src.updated_at),
        "version": src.version,
    }
    result: dict[str, Any] = to_jsonable_python(card)
    return result
