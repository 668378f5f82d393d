"""A contact's message history, activity log and comments: newest first, cursor-paginated."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from api_service.contacts import repository
from api_service.pagination import keyset_page
from shared.models import Comment, Event, Message


def list_messages(
    session: Session,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    page_size: int,
    cursor: str | None,
    secret: str,
) -> tuple[list[Message], str | None]:
    contact = repository.get_contact(session, workspace_id, contact_id)
    return keyset_page(
        session,
        select(Message).where(Message.contact_id == contact.id, Message.workspace_id == workspace_id),
        Message.sent_at,
        Message.id,
        page_size=page_size,
        cursor=cursor,
        secret=secret,
        scope=f"messages:{contact.id}",
    )


def list_events(
    session: Session,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    page_size: int,
    cursor: str | None,
    secret: str,
) -> tuple[list[Event], str | None]:
    contact = repository.get_contact(session, workspace_id, contact_id)
    return keyset_page(
        session,
        select(Event).where(Event.contact_id == contact.id, Event.workspace_id == workspace_id),
        Event.at,
        Event.id,
        page_size=page_size,
        cursor=cursor,
        secret=secret,
        scope=f"events:{contact.id}",
    )


def list_comments(
    session: Session,
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    page_size: int,
    cursor: str | None,
    secret: str,
) -> tuple[list[Comment], str | None]:
    contact = repository.get_contact(session, workspace_id, contact_id)
    return keyset_page(
        session,
        select(Comment).where(Comment.contact_id == contact.id, Comment.workspace_id == workspace_id),
        Comment.created_at,
        Comment.id,
        page_size=page_size,
        cursor=cursor,
        secret=secret,
        scope=f"comments:{contact.id}",
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
