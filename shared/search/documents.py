"""Loads the current state of contacts from PostgreSQL as ContactSource values, from which the
index documents and the API's contact cards are built."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.contact_source import ChannelIdentity, ContactSource
from shared.fields import PLAIN
from shared.models import Channel, Contact, ContactChannel, ContactField
from shared.visibility import visible

_CONTACT_COLUMNS = [attr.class_attribute for attr in Contact.__mapper__.column_attrs]


def _opt(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None


def load_sources(
    session: Session, contact_ids: Sequence[uuid.UUID], workspace_id: uuid.UUID | None = None
) -> dict[uuid.UUID, ContactSource]:
    """Current state of these contacts (of one workspace when given). Deleted or merged-away
    contacts are absent."""
    if not contact_ids:
        return {}
    # Rows of the mapped columns, not ORM objects: they are only read, and building no identity map
    # halves the load's cost (the reindex and the relay load thousands a second). Still an ORM
    # statement, so the session flushes pending changes first.
    stmt = select(*_CONTACT_COLUMNS).where(Contact.id.in_(contact_ids), visible())
    if workspace_id is not None:
        stmt = stmt.where(Contact.workspace_id == workspace_id)
    contacts = session.execute(stmt).all()
    if not contacts:
        return {}
    found = [c.id for c in contacts]
    channels: dict[uuid.UUID, list[ChannelIdentity]] = defaultdict(list)
    rows = session.execute(
        select(ContactChannel.contact_id, Channel.id, Channel.name, Channel.type, ContactChannel.external_id)
        .join(Channel, Channel.id == ContactChannel.channel_id)
        .where(ContactChannel.contact_id.in_(found))
        .order_by(ContactChannel.created_at, ContactChannel.id)
    ).all()
    for contact_id, channel_id, name, ctype, external_id in rows:
        channels[contact_id].append(ChannelIdentity(str(channel_id), name, ctype, external_id))
    workspaces = {c.workspace_id for c in contacts}
    field_types: dict[uuid.UUID, dict[str, str]] = defaultdict(dict)
    field_slots: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    for ws, key, ftype, slot in session.execute(
        select(ContactField.workspace_id, ContactField.key, ContactField.type, ContactField.sort_slot).where(
            ContactField.workspace_id.in_(workspaces)
        )
    ).all():
        field_types[ws][key] = ftype
        if slot is not None:
            field_slots[ws][key] = slot
    return {
        c.id: ContactSource(
            id=str(c.id),
            workspace_id=str(c.workspace_id),
            version=c.version,
            **{spec.name: getattr(c, spec.name) for spec in PLAIN},
            email=c.email,
            phone=c.phone,
            country=c.country,
            language=c.language,
            assignee_id=_opt(c.assignee_id),
            tags=list(c.tags),
            custom_fields=dict(c.custom_fields),
            source=c.source,
            conversation_status=c.conversation_status,
            conversation_opened_at=c.conversation_opened_at,
            last_interaction_at=c.last_interaction_at,
            last_incoming_message_at=c.last_incoming_message_at,
            last_interacted_channel_id=_opt(c.last_interacted_channel_id),
            created_at=c.created_at,
            updated_at=c.updated_at,
            profile_pic_url=c.profile_pic_url,
            channels=channels.get(c.id, []),
            field_types=field_types.get(c.workspace_id, {}),
            field_slots=field_slots.get(c.workspace_id, {}),
        )
        for c in contacts
    }
