"""Contact rows -> API representation, with display name and avatar fallbacks."""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from api_service.contacts.schemas import ChannelRef, ContactOut
from shared.models import Channel, Contact, ContactChannel
from shared.search.mapping import display_name

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


def contact_display_name(contact: Contact, channels: Sequence[ChannelRef]) -> str:
    """First and last name, else phone, else e-mail. A channel contact with none of them (e.g. a
    Messenger user who shares no name) is shown by its id on the channel it wrote from, so it never
    appears nameless in the table."""
    name = display_name(contact.first_name, contact.last_name, contact.phone, contact.email)
    if not name and channels:
        return channels[0].external_id
    return name


def avatar(contact: Contact, name: str) -> dict[str, str]:
    if contact.profile_pic_url:
        return {"url": contact.profile_pic_url}
    digest = hashlib.sha256(contact.id.bytes).digest()
    color = AVATAR_COLORS[digest[0] % len(AVATAR_COLORS)]
    return {"initials": initials(contact.first_name, contact.last_name, name), "color": color}


def channels_of(session: Session, contact_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[ChannelRef]]:
    result: dict[uuid.UUID, list[ChannelRef]] = defaultdict(list)
    if not contact_ids:
        return result
    rows = session.execute(
        select(ContactChannel.contact_id, Channel.id, Channel.name, Channel.type, ContactChannel.external_id)
        .join(Channel, Channel.id == ContactChannel.channel_id)
        .where(ContactChannel.contact_id.in_(contact_ids))
        .order_by(ContactChannel.created_at, ContactChannel.id)
    ).all()
    for contact_id, channel_id, name, ctype, external_id in rows:
        result[contact_id].append(
            ChannelRef(channel_id=channel_id, channel_name=name, type=ctype, external_id=external_id)
        )
    return result


def present(contact: Contact, channels: list[ChannelRef]) -> ContactOut:
    name = contact_display_name(contact, channels)
    return ContactOut(
        id=contact.id,
        first_name=contact.first_name,
        last_name=contact.last_name,
        email=contact.email,
        phone=contact.phone,
        country=contact.country,
        language=contact.language,
        profile_pic_url=contact.profile_pic_url,
        assignee_id=contact.assignee_id,
        tags=list(contact.tags),
        custom_fields=dict(contact.custom_fields),
        display_name=name,
        avatar=avatar(contact, name),
        channels=channels,
        source=contact.source,
        conversation_status=contact.conversation_status,
        conversation_opened_at=contact.conversation_opened_at,
        last_interaction_at=contact.last_interaction_at,
        last_incoming_message_at=contact.last_incoming_message_at,
        last_interacted_channel_id=contact.last_interacted_channel_id,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
        version=contact.version,
    )


def present_many(session: Session, contacts: Sequence[Contact]) -> list[ContactOut]:
    channels = channels_of(session, [c.id for c in contacts])
    return [present(c, channels.get(c.id, [])) for c in contacts]
