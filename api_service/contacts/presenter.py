"""Contacts -> the API representation: the card shared.contact_card builds (the same one the search
index stores for the contacts table), checked against ContactOut."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from api_service.contacts.schemas import ContactOut
from shared.contact_card import contact_card
from shared.models import Contact
from shared.search.documents import load_sources


def cards(
    session: Session, workspace_id: uuid.UUID, contact_ids: Sequence[uuid.UUID]
) -> list[dict[str, Any]]:
    """Cards of the visible contacts among these ids, built from PostgreSQL, in the order given."""
    sources = load_sources(session, contact_ids, workspace_id)
    return [contact_card(sources[i]) for i in contact_ids if i in sources]


def present_many(session: Session, contacts: Sequence[Contact]) -> list[ContactOut]:
    """Contacts this request just read or changed, as the API shows them."""
    if not contacts:
        return []
    session.flush()
    by_id = {card["id"]: card for card in cards(session, contacts[0].workspace_id, [c.id for c in contacts])}
    return [ContactOut.model_validate(by_id[str(c.id)]) for c in contacts]
