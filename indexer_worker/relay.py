"""Outbox relay: claims pending outbox rows and makes the index match the current database rows.

Rows are claimed with FOR UPDATE SKIP LOCKED so several workers share the backlog, coalesced to one
action per contact, and written with the row's version as an external version (version_type
external_gte), so replays and out-of-order deliveries cannot move a document backwards. A contact
that no longer exists (or was merged away) becomes a delete carrying the newest version seen.
Per-document failures back off exponentially and are parked after too many attempts; when
OpenSearch itself is unreachable nothing is touched and the rows stay pending for the next sweep.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import ConnectionTimeout, TransportError
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.models import OutboxEntry
from shared.search.documents import load_sources
from shared.search.index import write_indices
from shared.search.mapping import build_document
from shared.settings import Settings

log = logging.getLogger("indexer.relay")


class IndexUnavailable(Exception):
    """OpenSearch could not be reached; the claimed rows were left pending."""


@dataclass
class BatchResult:
    claimed: int = 0
    indexed: int = 0
    deleted: int = 0
    failed: int = 0
    parked: int = 0
    oldest_created_at: datetime | None = None


def backoff_seconds(attempts: int, cap: float) -> float:
    """Capped exponential back-off: 1, 2, 4, ... seconds, never more than `cap`."""
    return float(min(cap, 2 ** max(0, attempts - 1)))


def _claim(session: Session, batch_size: int) -> list[OutboxEntry]:
    stmt = (
        select(OutboxEntry)
        .where(OutboxEntry.parked_at.is_(None), OutboxEntry.available_at <= func.now())
        .order_by(OutboxEntry.id)
        .limit(batch_size)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(stmt))


def _actions(session: Session, rows: list[OutboxEntry], indices: list[str]) -> list[dict[str, Any]]:
    newest: dict[uuid.UUID, OutboxEntry] = {}
    for row in rows:
        seen = newest.get(row.contact_id)
        if seen is None or row.version > seen.version:
            newest[row.contact_id] = row
    sources = load_sources(session, list(newest))
    actions: list[dict[str, Any]] = []
    for contact_id, row in newest.items():
        src = sources.get(contact_id)
        for index in indices:
            base = {
                "_index": index,
                "_id": str(contact_id),
                "routing": str(row.workspace_id),
                "version_type": "external_gte",
            }
            if src is not None:
                actions.append(
                    {**base, "_op_type": "index", "version": src.version, "_source": build_document(src)}
                )
            else:
                actions.append({**base, "_op_type": "delete", "version": row.version})
    return actions


# Item statuses that mean "try again later" rather than "this document is bad": never parked.
TRANSIENT_STATUSES = frozenset({429, 500, 502, 503, 504})


def _failures(items: list[dict[str, Any]]) -> dict[uuid.UUID, tuple[str, bool]]:
    """Contact id -> (error, transient), ignoring version conflicts (the index already holds a
    newer version) and deletes of documents that are already gone."""
    failed: dict[uuid.UUID, tuple[str, bool]] = {}
    for item in items:
        ((op, info),) = item.items()
        status = int(info.get("status", 500))
        if status < 300 or status == 409 or (op == "delete" and status == 404):
            continue
        error = str(info.get("error", f"status {status}"))[:2000]
        failed[uuid.UUID(info["_id"])] = (error, status in TRANSIENT_STATUSES)
    return failed


def relay_batch(session: Session, client: OpenSearch, settings: Settings) -> BatchResult:
    """Process one batch inside the caller's transaction. Raises IndexUnavailable on outages."""
    rows = _claim(session, settings.outbox_batch_size)
    result = BatchResult(claimed=len(rows))
    if not rows:
        return result
    result.oldest_created_at = min(r.created_at for r in rows)
    try:
        indices = write_indices(client, settings.index_alias)
        if not indices:
            raise IndexUnavailable(f"alias {settings.index_alias!r} does not exist")
        actions = _actions(session, rows, indices)
        _, errors = helpers.bulk(
            client, actions, raise_on_error=False, raise_on_exception=False, stats_only=False
        )
    except (OSConnectionError, ConnectionTimeout) as exc:
        raise IndexUnavailable(str(exc)) from exc
    except TransportError as exc:
        if isinstance(exc.status_code, int) and exc.status_code >= 500:
            raise IndexUnavailable(str(exc)) from exc
        raise
    failed = _failures(errors if isinstance(errors, list) else [])
    ok_ids = [r.id for r in rows if r.contact_id not in failed]
    if ok_ids:
        session.execute(delete(OutboxEntry).where(OutboxEntry.id.in_(ok_ids)))
    now = datetime.now(UTC)
    for row in rows:
        if row.contact_id not in failed:
            continue
        error, transient = failed[row.contact_id]
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": error}
        if attempts >= settings.outbox_max_attempts and not transient:
            values["parked_at"] = now
            result.parked += 1
            log.error("outbox row %s for contact %s parked: %s", row.id, row.contact_id, error)
        else:
            delay = backoff_seconds(attempts, settings.outbox_max_backoff_seconds)
            values["available_at"] = now + timedelta(seconds=delay)
        session.execute(update(OutboxEntry).where(OutboxEntry.id == row.id).values(**values))
    result.failed = len(failed)
    per_index = max(1, len(indices))
    result.indexed = sum(1 for a in actions if a["_op_type"] == "index") // per_index
    result.deleted = sum(1 for a in actions if a["_op_type"] == "delete") // per_index
    return result


def drain(
    session_factory: sessionmaker[Session],
    client: OpenSearch,
    settings: Settings,
    *,
    max_seconds: float = 30.0,
    on_batch: Any = None,
) -> int:
    """Relay batches until the outbox has nothing ready (or time is up). Returns rows relayed."""
    total = 0
    deadline = time.monotonic() + max_seconds
    while time.monotonic() < deadline:
        with session_factory() as session, session.begin():
            result = relay_batch(session, client, settings)
        if on_batch is not None:
            on_batch(result)
        total += result.claimed
        if result.claimed < settings.outbox_batch_size:
            break
    return total
