"""A contact's events (its activity history): the event types, and the one way they are written,
whether one at a time (add_event) or many in one INSERT (event_row)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from shared.models import Contact, Event


class EventType(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    TAGGED = "tagged"
    ASSIGNED = "assigned"
    MERGED = "merged"
    UNMERGED = "unmerged"
    CONVERSATION_OPENED = "conversation_opened"
    CONVERSATION_CLOSED = "conversation_closed"


def conversation_event(status: str) -> EventType:
    """The event of a conversation that became `status` ("open" or "closed")."""
    return EventType.CONVERSATION_OPENED if status == "open" else EventType.CONVERSATION_CLOSED


def assignment_change(before: uuid.UUID | None, after: uuid.UUID | None) -> dict[str, str | None]:
    """The data of an "assigned" event."""
    return {"from": str(before) if before else None, "to": str(after) if after else None}


def add_event(
    session: Session,
    contact: Contact,
    type_: EventType,
    actor_id: uuid.UUID | None,
    data: dict[str, Any] | None = None,
    *,
    triggers_workflows: bool = True,
) -> None:
    session.add(
        Event(
            workspace_id=contact.workspace_id,
            contact_id=contact.id,
            type=type_.value,
            # The wall clock, not the transaction start, so events of one request keep their order.
            at=datetime.now(UTC),
            actor_id=actor_id,
            data=data or {},
            triggers_workflows=triggers_workflows,
        )
    )


def event_row(
    workspace_id: uuid.UUID,
    contact_id: uuid.UUID,
    type_: EventType,
    actor_id: uuid.UUID | None,
    data: dict[str, Any],
    *,
    triggers_workflows: bool = True,
) -> dict[str, Any]:
    """One event as the column values of a many-row INSERT into events (its time: the server's)."""
    return {
        "workspace_id": workspace_id,
        "contact_id": contact_id,
        "type": type_.value,
        "actor_id": actor_id,
        "data": data,
        "triggers_workflows": triggers_workflows,
    }
