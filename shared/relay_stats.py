"""Recent relay throughput per workspace, for the ops page (GET /v1/ops/sync).

Each relay batch adds, per workspace, the documents it made searchable and the commit-to-searchable
delay of each outbox row it settled, into a Redis hash per workspace and 10-second slot (kept
STATS_TTL_SECONDS). Reading sums the slots of the last `window` seconds: the indexing rate
(documents per second over the window) and the mean and worst commit-to-searchable delay. Kept in
Redis rather than read from the worker's Prometheus metrics because the API cannot scrape the
worker, and the metrics have no workspace label (workspaces are unbounded).
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from redis import Redis

SLOT_SECONDS = 10
WINDOW_SECONDS = 300
STATS_TTL_SECONDS = WINDOW_SECONDS + 2 * SLOT_SECONDS
_PREFIX = "contacts:relay:stats"
# HINCRBYFLOAT has no max: the worst delay of a slot is kept by this script.
_RECORD = """
redis.call('HINCRBY', KEYS[1], 'documents', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'rows', ARGV[2])
redis.call('HINCRBYFLOAT', KEYS[1], 'lag_sum', ARGV[3])
local worst = tonumber(redis.call('HGET', KEYS[1], 'lag_max') or '0')
if tonumber(ARGV[4]) > worst then redis.call('HSET', KEYS[1], 'lag_max', ARGV[4]) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


@dataclass
class WorkspaceBatch:
    """What one batch did for one workspace: documents written or deleted, and the delay of each
    outbox row settled (seconds from its commit to the bulk write)."""

    documents: int = 0
    lags: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class RelayStats:
    window_seconds: int
    documents: int
    indexing_rate_per_second: float
    commit_to_searchable_avg_seconds: float | None
    commit_to_searchable_max_seconds: float | None


def _key(workspace_id: uuid.UUID | str, slot: int) -> str:
    return f"{_PREFIX}:{workspace_id}:{slot}"


def record_batch(redis: Redis, batches: Mapping[uuid.UUID, WorkspaceBatch], now: float | None = None) -> None:
    slot = int((time.time() if now is None else now) // SLOT_SECONDS)
    pipe = redis.pipeline(transaction=False)
    for workspace_id, batch in batches.items():
        if not batch.documents and not batch.lags:
            continue
        lag_sum = sum(batch.lags)
        lag_max = max(batch.lags, default=0.0)
        pipe.eval(
            _RECORD,
            1,
            _key(workspace_id, slot),
            batch.documents,
            len(batch.lags),
            repr(lag_sum),
            repr(lag_max),
            STATS_TTL_SECONDS,
        )
    pipe.execute()


def _slots(now: float, window: int) -> Iterable[int]:
    last = int(now // SLOT_SECONDS)
    return range(last - math.ceil(window / SLOT_SECONDS) + 1, last + 1)


def read_stats(
    redis: Redis, workspace_id: uuid.UUID | str, window: int = WINDOW_SECONDS, now: float | None = None
) -> RelayStats:
    moment = time.time() if now is None else now
    pipe = redis.pipeline(transaction=False)
    for slot in _slots(moment, window):
        pipe.hgetall(_key(workspace_id, slot))
    documents = rows = 0
    lag_sum, lag_max = 0.0, None
    for raw in pipe.execute():
        if not raw:
            continue
        values = {(k.decode() if isinstance(k, bytes) else k): float(v) for k, v in raw.items()}
        documents += int(values.get("documents", 0))
        rows += int(values.get("rows", 0))
        lag_sum += values.get("lag_sum", 0.0)
        if "lag_max" in values:
            lag_max = max(lag_max or 0.0, values["lag_max"])
    return RelayStats(
        window_seconds=window,
        documents=documents,
        indexing_rate_per_second=round(documents / window, 3),
        commit_to_searchable_avg_seconds=round(lag_sum / rows, 3) if rows else None,
        commit_to_searchable_max_seconds=round(lag_max, 3) if rows and lag_max is not None else None,
    )
