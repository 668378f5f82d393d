"""How far the index lags behind PostgreSQL."""

from __future__ import annotations

import uuid
from typing import Any

from opensearchpy import OpenSearch
from prometheus_client import Gauge
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.models import Contact, OutboxEntry
from shared.settings import Settings

OUTBOX_BACKLOG = Gauge("contacts_outbox_backlog", "Outbox rows not yet relayed to the index")
OUTBOX_OLDEST = Gauge("contacts_outbox_oldest_pending_seconds", "Age of the oldest pending outbox row")
OUTBOX_PARKED = Gauge("contacts_outbox_parked", "Outbox rows parked after repeated failures")


def _backlog(session: Session, workspace_id: uuid.UUID | None = None) -> tuple[int, float, int]:
    pending = select(
        func.count(), func.extract("epoch", func.now() - func.min(OutboxEntry.created_at))
    ).where(OutboxEntry.parked_at.is_(None))
    parked = select(func.count()).where(OutboxEntry.parked_at.is_not(None))
    if workspace_id is not None:
        pending = pending.where(OutboxEntry.workspace_id == workspace_id)
        parked = parked.where(OutboxEntry.workspace_id == workspace_id)
    count, oldest = session.execute(pending).one()
    return int(count), float(oldest or 0.0), int(session.scalar(parked) or 0)


def refresh_backlog_gauges(session: Session) -> None:
    count, oldest, parked = _backlog(session)
    OUTBOX_BACKLOG.set(count)
    OUTBOX_OLDEST.set(oldest)
    OUTBOX_PARKED.set(parked)


def sync_status(
    session: Session, client: OpenSearch, settings: Settings, workspace_id: uuid.UUID
) -> dict[str, Any]:
    count, oldest, parked = _backlog(session, workspace_id)
    db_contacts = session.scalar(
        select(func.count()).where(Contact.workspace_id == workspace_id, Contact.merged_into_id.is_(None))
    )
    index_contacts = client.count(
        index=settings.index_alias,
        body={"query": {"term": {"workspace_id": str(workspace_id)}}},
        routing=str(workspace_id),
    )["count"]
    return {
        "pending_changes": count,
        "oldest_pending_seconds": round(oldest, 3),
        "parked_changes": parked,
        "db_contacts": int(db_contacts or 0),
        "index_contacts": int(index_contacts),
    }
