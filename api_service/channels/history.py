"""A contact's message history, activity log and comments: newest first, cursor-paginated."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from api_service.contacts import repository
from api_service.pagination import PageRequest, keyset_page
from shared.models import Comment, Event, Message

HistoryKind = Literal["messages", "events", "comments"]
# Each kind of history row: its model and the moment it is ordered by.
_KINDS: dict[str, tuple[type[Message | Event | Comment], InstrumentedAttribute[datetime]]] = {
    "messages": (Message, Message.sent_at),
    "events": (Event, Event.at),
    "comments": (Comment, Comment.created_at),
}


def list_history(
    session: Session,
    kind: HistoryKind,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    page: PageRequest,
) -> tuple[list[Message | Event | Comment], str | None]:
    """One page of a contact's messages, events or comments, newest first; the cursor is bound to
    the contact and the kind of row."""
    contact = repository.get_contact(session, workspace_id, contact_id)
    model, ordered_by = _KINDS[kind]
    return keyset_page(
        session,
        select(model).where(model.contact_id == contact.id, model.workspace_id == workspace_id),
        ordered_by,
        model.id,
        page,
        scope=f"{model.__tablename__}:{contact.id}",
    )


def add_comment(
    session: Session, workspace_id: uuid.UUID, author_id: uuid.UUID, contact_id: uuid.UUID, text: str
) -> Comment:
    """Comments are notes for the team; search does not see them, so no outbox row."""
    contact = repository.get_contact(session, workspace_id, contact_id)
    comment = Comment(workspace_id=workspace_id, contact_id=contact.id, author_id=author_id, text=text)
    session.add(comment)
    session.flush()
    session.refresh(comment)
    return comment
