"""The outbox: every change search can see writes a row here in the business transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sqlalchemy.orm import Session

from shared.copy_rows import insert_rows
from shared.logs import current_request_id
from shared.models import OutboxEntry

# session.info flag telling the request scope that a relay nudge is due after commit.
OUTBOX_WRITTEN = "outbox_written"
# Relay priority: a request's own change goes ahead of the rows a background job writes by the
# thousand, so a bulk backlog in one workspace never delays another workspace's single writes.
INTERACTIVE = 0
BULK = 1


def record_changes(
    session: Session,
    workspace_id: uuid.UUID,
    changes: Iterable[tuple[uuid.UUID, int]],
    *,
    priority: int = INTERACTIVE,
) -> int:
    """Add one outbox row per (contact_id, version) to the session's transaction (jobs pass BULK),
    each with the request id bound in this context (a request's, or the job's while it runs)."""
    request_id = current_request_id()
    rows = [
        {
            "workspace_id": workspace_id,
            "contact_id": cid,
            "version": version,
            "priority": priority,
            "request_id": request_id,
        }
        for cid, version in changes
    ]
    if rows:
        insert_rows(session, OutboxEntry, rows)
        session.info[OUTBOX_WRITTEN] = True
    return len(rows)


def record_change(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID, version: int) -> None:
    record_changes(session, workspace_id, [(contact_id, version)])
