"""Outbox relay: claims pending outbox rows and makes the index match the current database rows.

Rows are claimed with FOR UPDATE SKIP LOCKED so several workers share the backlog, coalesced to one
action per contact, and written with the row's version as an external version (version_type
external_gte), so replays and out-of-order deliveries cannot move a document backwards. A contact
that no longer exists (or was merged away) becomes a delete carrying the newest version seen.
Per-document failures back off exponentially (capped) and are parked after too many attempts; when
OpenSearch itself is unreachable nothing is touched and the rows stay pending for the next sweep.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import TransportError
from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from indexer_worker.metrics import BULK_ERRORS, COMMIT_TO_SEARCHABLE, INDEXED_DOCUMENTS
from shared.models import OutboxEntry
from shared.outbox import INTERACTIVE
from shared.relay_stats import WorkspaceBatch
from shared.search.documents import load_sources
from shared.search.index import reindex_alias, write_indices
from shared.search.mapping import build_document, routing
from shared.settings import Settings

log = logging.getLogger("indexer.relay")


class IndexUnavailable(Exception):
    """OpenSearch could not be reached (or refused the whole request); claimed rows were left pending."""


@dataclass
class BatchResult:
    claimed: int = 0
    # More rows may be ready at once: the batch was full, or it held interactive changes only.
    more: bool = False
    indexed: int = 0
    deleted: int = 0
    failed: int = 0
    parked: int = 0
    oldest_created_at: datetime | None = None
    # Per workspace: documents made searchable and each settled row's commit-to-searchable delay.
    by_workspace: dict[uuid.UUID, WorkspaceBatch] = field(default_factory=dict)


@dataclass(frozen=True)
class Failure:
    error: str
    # Transient failures (overload, a shard not ready) back off but are never parked.
    transient: bool


# How often a lingering drain looks for new rows.
LINGER_POLL_SECONDS = 0.025

# Item statuses that mean "try again later" rather than "this document is bad".
TRANSIENT_STATUSES = frozenset({404, 429, 500, 502, 503, 504})


def backoff_seconds(attempts: int, cap: float) -> float:
    """Capped exponential back-off: 1, 2, 4, ... seconds, never more than `cap`."""
    return float(min(cap, 2 ** min(max(0, attempts - 1), 30)))


# Transaction-level advisory locks, one per bulk slot (the first 32 bits spell "bulk").
BULK_SLOT_KEY = 0x62756C6B_00000000


def _bulk_slot(session: Session, slots: int) -> bool:
    """One of the `slots` bulk slots, held until the batch's transaction ends; False when all are
    taken by batches in flight in other relay slots (of this process or any other)."""
    for slot in range(slots):
        if session.scalar(select(func.pg_try_advisory_xact_lock(BULK_SLOT_KEY + slot))):
            return True
    return False


def _claim(session: Session, batch_size: int, bulk_slots: int) -> list[OutboxEntry]:
    """The next batch: interactive changes alone while any are ready (shared.outbox.INTERACTIVE),
    else the rest (the rows jobs wrote), oldest first. A batch never mixes the two, so a request's
    change is not held up by the hundreds of job rows that would have filled the rest of its batch.
    At most `bulk_slots` batches of job rows are in flight at once across all relay workers, so while
    a job's backlog drains a relay slot stays free for requests' changes, instead of every slot
    being busy with a batch of job rows that the change must wait for."""
    ready = select(OutboxEntry).where(OutboxEntry.parked_at.is_(None), OutboxEntry.available_at <= func.now())
    interactive = ready.where(OutboxEntry.priority == INTERACTIVE).order_by(OutboxEntry.id)
    rows = list(session.scalars(interactive.limit(batch_size).with_for_update(skip_locked=True)))
    if rows or not _bulk_slot(session, bulk_slots):
        return rows
    anything = ready.order_by(OutboxEntry.priority, OutboxEntry.id)
    return list(session.scalars(anything.limit(batch_size).with_for_update(skip_locked=True)))


def coalesce(rows: list[OutboxEntry]) -> dict[uuid.UUID, OutboxEntry]:
    """One row per contact: the one with the newest version."""
    newest: dict[uuid.UUID, OutboxEntry] = {}
    for row in rows:
        seen = newest.get(row.contact_id)
        if seen is None or row.version > seen.version:
            newest[row.contact_id] = row
    return newest


@dataclass
class Plan:
    actions: list[dict[str, Any]]
    # Contacts gone from the database (deleted or merged away): their documents are deleted.
    deletes: set[uuid.UUID]
    # Contacts whose document could not be built: they back off, then park, like a bulk error.
    broken: dict[uuid.UUID, Failure]


def build_actions(session: Session, newest: dict[uuid.UUID, OutboxEntry], targets: list[str]) -> Plan:
    """Bulk actions rebuilt from the current rows, one per contact and write target."""
    sources = load_sources(session, list(newest))
    plan = Plan([], set(), {})
    for contact_id, row in newest.items():
        src = sources.get(contact_id)
        base = {"_id": str(contact_id), "routing": routing(row.workspace_id), "version_type": "external_gte"}
        if src is None:
            plan.deletes.add(contact_id)
            for target in targets:
                plan.actions.append({**base, "_index": target, "_op_type": "delete", "version": row.version})
            continue
        try:
            document = build_document(src)
        except Exception as exc:  # one bad row must not block the batch
            log.exception("cannot build the document of contact %s", contact_id)
            plan.broken[contact_id] = Failure(
                f"document build failed: {type(exc).__name__}: {exc}"[:2000], False
            )
            continue
        for target in targets:
            plan.actions.append(
                {**base, "_index": target, "_op_type": "index", "version": src.version, "_source": document}
            )
    return plan


def item_failures(items: list[dict[str, Any]], alias: str) -> dict[uuid.UUID, Failure]:
    """Contact id -> failure, ignoring version conflicts (the index already holds a newer version),
    deletes of documents already gone, and writes to a reindex alias that a swap just removed (the
    same action through the live alias covers them)."""
    failed: dict[uuid.UUID, Failure] = {}
    building = reindex_alias(alias)
    for item in items:
        ((op, info),) = item.items()
        try:
            status = int(info.get("status", 500))
        except (TypeError, ValueError):
            status = 500
        if status < 300 or status == 409 or (op == "delete" and status == 404):
            continue
        if status == 404 and info.get("_index") == building:
            continue
        error = str(info.get("error", f"status {status}"))[:2000]
        failed[uuid.UUID(info["_id"])] = Failure(error, status in TRANSIENT_STATUSES)
    return failed


def _bulk(client: OpenSearch, actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per-item errors are returned; a request that fails as a whole raises IndexUnavailable."""
    if not actions:
        return []
    try:
        _, errors = helpers.bulk(
            client, actions, raise_on_error=False, raise_on_exception=True, stats_only=False, max_retries=0
        )
    except TransportError as exc:  # connection refused, timeout, 5xx, cluster blocked...
        raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from exc
    return errors if isinstance(errors, list) else []


# The write targets (the alias, plus the reindex alias while a reindex runs) are looked up at most
# this often per process; a reindex waits longer than this after adding its alias before it copies,
# so no change committed before the copy reads it can miss the new index.
WRITE_TARGETS_TTL_SECONDS = 1.0
_targets: dict[str, tuple[float, list[str]]] = {}


def write_targets(client: OpenSearch, alias: str) -> list[str]:
    cached = _targets.get(alias)
    if cached is not None and time.monotonic() - cached[0] < WRITE_TARGETS_TTL_SECONDS:
        return cached[1]
    try:
        targets = write_indices(client, alias)
    except TransportError as exc:
        raise IndexUnavailable(f"{type(exc).__name__}: {exc}") from exc
    _targets[alias] = (time.monotonic(), targets)
    return targets


def relay_batch(session: Session, client: OpenSearch, settings: Settings) -> BatchResult:
    """Process one batch inside the caller's transaction. Raises IndexUnavailable on outages, which
    makes the caller roll back: the rows stay exactly as they were."""
    rows = _claim(session, settings.outbox_batch_size, settings.relay_bulk_slots)
    # A full batch, or interactive rows that went alone: bulk rows may be waiting behind them.
    more = len(rows) >= settings.outbox_batch_size or bool(rows and rows[0].priority == INTERACTIVE)
    result = BatchResult(claimed=len(rows), more=more)
    if not rows:
        return result
    result.oldest_created_at = min(r.created_at for r in rows)
    newest = coalesce(rows)
    targets = write_targets(client, settings.index_alias)
    if not targets:
        raise IndexUnavailable(f"alias {settings.index_alias!r} does not exist")
    plan = build_actions(session, newest, targets)
    failed = dict(plan.broken)
    try:
        failed.update(item_failures(_bulk(client, plan.actions), settings.index_alias))
    except IndexUnavailable:
        BULK_ERRORS.labels("unavailable").inc()
        raise
    _settle(session, rows, newest, failed, plan.deletes, settings, result)
    log_relayed(rows, failed, result)
    return result


# Request ids per "outbox rows relayed" line: a batch of distinct requests spreads over several
# lines rather than one line too long for a log shipper (some split lines at 16 KiB).
REQUEST_IDS_PER_LINE = 100


def log_relayed(rows: list[OutboxEntry], failed: dict[uuid.UUID, Failure], result: BatchResult) -> None:
    """What a batch did, with the request ids of its rows (shared.logs), so a request's change can
    be followed into the index: `request_ids` reached it, `failed_request_ids` back off or parked."""
    done = sorted({r.request_id for r in rows if r.request_id and r.contact_id not in failed})
    not_done = sorted({r.request_id for r in rows if r.request_id and r.contact_id in failed})
    counts = {
        "claimed": result.claimed,
        "indexed": result.indexed,
        "deleted": result.deleted,
        "failed": result.failed,
        "parked": result.parked,
    }
    step = REQUEST_IDS_PER_LINE
    for start in range(0, max(len(done), len(not_done), 1), step):
        extra: dict[str, Any] = {**counts, "request_ids": done[start : start + step]}
        if not_done:
            extra["failed_request_ids"] = not_done[start : start + step]
        log.info(
            "outbox rows relayed: %d indexed, %d deleted, %d failed",
            result.indexed,
            result.deleted,
            result.failed,
            extra=extra,
        )


def _settle(
    session: Session,
    rows: list[OutboxEntry],
    newest: dict[uuid.UUID, OutboxEntry],
    failed: dict[uuid.UUID, Failure],
    deletes: set[uuid.UUID],
    settings: Settings,
    result: BatchResult,
) -> None:
    """Delete the rows that reached the index; back off or park the others."""
    done = [r for r in rows if r.contact_id not in failed]
    if done:
        # Parked rows of a contact just rebuilt from its current row are superseded by it too.
        session.execute(
            delete(OutboxEntry).where(
                or_(
                    OutboxEntry.id.in_([r.id for r in done]),
                    and_(
                        OutboxEntry.contact_id.in_({r.contact_id for r in done}),
                        OutboxEntry.parked_at.is_not(None),
                    ),
                )
            )
        )
        now_ts = time.time()
        for row in done:
            lag = max(0.0, now_ts - row.created_at.timestamp())
            COMMIT_TO_SEARCHABLE.observe(lag)
            result.by_workspace.setdefault(row.workspace_id, WorkspaceBatch()).lags.append(lag)
    now = datetime.now(UTC)
    for row in rows:
        failure = failed.get(row.contact_id)
        if failure is None:
            continue
        attempts = row.attempts + 1
        values: dict[str, Any] = {"attempts": attempts, "last_error": failure.error}
        if attempts >= settings.outbox_max_attempts and not failure.transient:
            values["parked_at"] = now
            result.parked += 1
            log.error(
                "outbox row %s of contact %s parked: %s",
                row.id,
                row.contact_id,
                failure.error,
                extra={"request_id": row.request_id},
            )
        else:
            delay = backoff_seconds(attempts, settings.outbox_max_backoff_seconds)
            values["available_at"] = now + timedelta(seconds=delay)
        session.execute(update(OutboxEntry).where(OutboxEntry.id == row.id).values(**values))
    result.failed = len(failed)
    if failed:
        BULK_ERRORS.labels("document").inc(len(failed))
    ok_contacts = [cid for cid in newest if cid not in failed]
    result.deleted = sum(1 for cid in ok_contacts if cid in deletes)
    result.indexed = len(ok_contacts) - result.deleted
    for cid in ok_contacts:
        result.by_workspace.setdefault(newest[cid].workspace_id, WorkspaceBatch()).documents += 1
    INDEXED_DOCUMENTS.labels("index").inc(result.indexed)
    INDEXED_DOCUMENTS.labels("delete").inc(result.deleted)


def drain(
    session_factory: sessionmaker[Session],
    client: OpenSearch,
    settings: Settings,
    *,
    max_seconds: float = 30.0,
    linger: float = 0.0,
    on_batch: Callable[[BatchResult], None] | None = None,
) -> int:
    """Relay batches until the outbox has had nothing ready for `linger` seconds (or time is up).
    Returns rows relayed.

    Lingering a little longer than the API's nudge debounce closes the gap a debounced nudge would
    leave: a change committed just after a nudge was sent (its own nudge suppressed) is still taken
    by the task that nudge started, instead of waiting for the next beat sweep."""
    total = 0
    deadline = time.monotonic() + max_seconds
    quiet_since: float | None = None
    while time.monotonic() < deadline:
        with session_factory() as session, session.begin():
            result = relay_batch(session, client, settings)
        if on_batch is not None:
            on_batch(result)
        total += result.claimed
        if result.more:
            continue
        now = time.monotonic()
        if result.claimed or quiet_since is None:
            quiet_since = now
        if now - quiet_since >= linger:
            break
        time.sleep(LINGER_POLL_SECONDS)
    return total
