"""Queries over contacts. Every statement is scoped to one workspace and hides merged-away contacts
(get_base_statement does both)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api_service.errors import NotFound
from shared.models import Contact
from shared.visibility import visible_in


def get_base_statement(workspace_id: uuid.UUID) -> Select[Contact]:
    """Visible contacts of a workspace: merged-away contacts are hidden everywhere."""
    return select(Contact).where(visible_in(workspace_id))


def get_contact(
    session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID, *, for_update: bool = False
) -> Contact:
    """The contact, or 404. A contact merged away answers 404 naming where it went."""
    stmt = get_base_statement(workspace_id).where(Contact.id == contact_id)
    if for_update:
        stmt = stmt.with_for_update()
    contact = session.scalars(stmt).one_or_none()
    if contact is not None:
        return contact
    merged_into = session.scalar(
        select(Contact.merged_into_id).where(Contact.id == contact_id, Contact.workspace_id == workspace_id)
    )
    if merged_into is not None:
        raise NotFound("contact", merged_into=str(merged_into))
    raise NotFound("contact")


def get_many(session: Session, workspace_id: uuid.UUID, contact_ids: Sequence[uuid.UUID]) -> list[Contact]:
    """Visible contacts among these ids, in the order given (missing ones dropped)."""
    if not contact_ids:
        return []
    found = {
        c.id: c for c in session.scalars(get_base_statement(workspace_id).where(Contact.id.in_(contact_ids)))
    }
    return [found[i] for i in contact_ids if i in found]
