"""Is indexing stalled? Changes ready to relay for longer than `indexing_stall_seconds`.

A change is "ready" once its outbox row is neither parked nor backing off (`available_at` passed).
A working relay takes ready rows within about a second (nudges, and the beat sweep every
`outbox_sweep_seconds`), so a row ready for longer than the threshold means nothing relays it.
Why is told from the relay heartbeat (every relay run records its time in Redis, whatever it
found): no run for that long means no worker consumes (stopped, stalled, or no beat); runs that
still happen mean the index refuses the writes (or is unreachable) and the worker log says more.

Used by the API (`/readyz`, `/v1/ops/sync`) and by the worker's own health check, so it lives in
shared and imports neither service.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import timedelta

from redis import Redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared.models import OutboxEntry

RELAY_HEARTBEAT_KEY = "contacts:relay:last_run"


@dataclass(frozen=True)
class Overdue:
    """Outbox rows ready for longer than the threshold."""

    count: int
    oldest_ready_seconds: float


@dataclass(frozen=True)
class IndexingHealth:
    stalled: bool
    reason: str | None
    overdue_changes: int
    last_relay_seconds_ago: float | None


def overdue_changes(session: Session, after_seconds: float, workspace_id: uuid.UUID | None = None) -> Overdue:
    stmt = select(func.count(), func.extract("epoch", func.now() - func.min(OutboxEntry.available_at))).where(
        OutboxEntry.parked_at.is_(None),
        OutboxEntry.available_at <= func.now() - timedelta(seconds=after_seconds),
    )
    if workspace_id is not None:
        stmt = stmt.where(OutboxEntry.workspace_id == workspace_id)
    count, oldest = session.execute(stmt).one()
    return Overdue(int(count), max(0.0, float(oldest or 0.0)))


def record_relay_run(redis: Redis) -> None:
    redis.set(RELAY_HEARTBEAT_KEY, repr(time.time()))


def last_relay_seconds_ago(redis: Redis) -> float | None:
    raw = redis.get(RELAY_HEARTBEAT_KEY)
    if raw is None:
        return None
    try:
        return max(0.0, time.time() - float(raw))
    except ValueError:
        return None


def indexing_health(
    session: Session,
    redis: Redis,
    stall_seconds: float,
    workspace_id: uuid.UUID | None = None,
    index_reachable: bool = True,
) -> IndexingHealth:
    overdue = overdue_changes(session, stall_seconds, workspace_id)
    try:
        last_run = last_relay_seconds_ago(redis)
        redis_ok = True
    except Exception:  # Redis down: no worker can consume either
        last_run, redis_ok = None, False
    if not overdue.count:
        return IndexingHealth(False, None, 0, last_run)
    oldest = overdue.oldest_ready_seconds
    waiting = f"{overdue.count} changes ready for more than {stall_seconds:g} s (oldest {oldest:.0f} s)"
    if not redis_ok:
        why = "the broker (Redis) is unreachable, so no worker receives the relay tasks"
    elif not index_reachable:
        why = "the index (OpenSearch) is unreachable; the outbox keeps them until it is back"
    elif last_run is None or last_run > stall_seconds:
        ran = "never recorded" if last_run is None else f"{last_run:.0f} s ago"
        why = f"no worker has run the relay since (last run {ran}): the workers are stopped or stalled"
    else:
        why = f"the relay runs (last {last_run:.0f} s ago) but they stay: see the worker log"
    return IndexingHealth(True, f"{waiting}; {why}", overdue.count, last_run)
