"""A contact's message history, activity log and comments: newest first, cursor-paginated."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from api_service.contacts import repository
from api_service.pagination import keyset_page
from shared.models import Comment, Event, Message

HistoryRow = TypeVar("HistoryRow", Message, Event, Comment)
# Each kind of history row, by the moment it is ordered by.
_ORDERED_BY: dict[type[Message | Event | Comment], InstrumentedAttribute[datetime]] = {
    Message: Message.sent_at,
    Event: Event.at,
    Comment: Comment.created_at,
}


def list_history(
    session: Session,
    model: type[HistoryRow],
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    page_size: int,
    cursor: str | None,
    secret: str,
) -> tuple[list[HistoryRow], str | None]:
    """One page of a contact's messages, events or comments, newest first; the cursor is bound to
    the contact and the kind of row."""
    contact = repository.get_contact(session, workspace_id, contact_id)
    return keyset_page(
        session,
        select(model).where(model.contact_id == contact.id, model.workspace_id == workspace_id),
        _ORDERED_BY[model],
        model.id,
        page_size=page_size,
        cursor=cursor,
        secret=secret,
        scope=f"{model.__tablename__}:{contact.id}",
    )


def list_messages(
    session: Session,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    page_size: int,
    cursor: str | None,
    secret: str,
) -> tuple[list[Message], str | None]:
    return list_history(session, Message, workspace_id, contact_id, page_size, cursor, secret)


def list_events(
    session: Session,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    page_size: int,
    cursor: str | None,
    secret: str,
) -> tuple[list[Event], str | None]:
    return list_history(session, Event, workspace_id, contact_id, page_size, cursor, secret)


def list_comments(
    session: Session,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    page_size: int,
    cursor: str | None,
    secret: str,
) -> tuple[list[Comment], str | None]:
    return list_history(session, Comment, workspace_id, contact_id, page_size, cursor, secret)


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
