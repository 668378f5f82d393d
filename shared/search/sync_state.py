"""How far the index lags behind PostgreSQL, and the outbox rows parked after repeated failures.

Used by the API (`/v1/ops/sync`, `/metrics`) and by the worker (its metrics, the CLI), so it lives
in shared and takes an optional workspace to scope to.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shared.models import OutboxEntry
from shared.outbox import OUTBOX_WRITTEN


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_pending_seconds: float
    parked: int


@dataclass(frozen=True)
class ParkedChange:
    id: int
    workspace_id: uuid.UUID
    contact_id: uuid.UUID
    version: int
    attempts: int
    last_error: str | None
    created_at: datetime
    parked_at: datetime


def outbox_backlog(session: Session, workspace_id: uuid.UUID | None = None) -> Backlog:
    pending = select(
        func.count(), func.extract("epoch", func.now() - func.min(OutboxEntry.created_at))
    ).where(OutboxEntry.parked_at.is_(None))
    parked = select(func.count()).where(OutboxEntry.parked_at.is_not(None))
    if workspace_id is not None:
        pending = pending.where(OutboxEntry.workspace_id == workspace_id)
        parked = parked.where(OutboxEntry.workspace_id == workspace_id)
    count, oldest = session.execute(pending).one()
    return Backlog(int(count), max(0.0, float(oldest or 0.0)), int(session.scalar(parked) or 0))


def parked_changes(
    session: Session, workspace_id: uuid.UUID | None = None, limit: int = 100
) -> list[ParkedChange]:
    stmt = select(OutboxEntry).where(OutboxEntry.parked_at.is_not(None)).order_by(OutboxEntry.id).limit(limit)
    if workspace_id is not None:
        stmt = stmt.where(OutboxEntry.workspace_id == workspace_id)
    return [
        ParkedChange(
            r.id, r.workspace_id, r.contact_id, r.version, r.attempts, r.last_error, r.created_at, r.parked_at
        )
        for r in session.scalars(stmt)
        if r.parked_at is not None
    ]


def retry_parked(session: Session, workspace_id: uuid.UUID | None = None) -> int:
    """Put parked rows back in the queue with a fresh attempt budget; returns how many."""
    stmt = (
        update(OutboxEntry)
        .where(OutboxEntry.parked_at.is_not(None))
        .values(parked_at=None, attempts=0, available_at=func.now())
    )
    if workspace_id is not None:
        stmt = stmt.where(OutboxEntry.workspace_id == workspace_id)
    retried = int(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
    if retried:
        session.info[OUTBOX_WRITTEN] = True  # the request scope nudges the relay after commit
    return retried
