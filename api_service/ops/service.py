"""How far the index lags behind PostgreSQL, and the changes parked after repeated failures."""

from __future__ import annotations

import uuid
from typing import Any

from opensearchpy import OpenSearch
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from api_service.ops.metrics import OUTBOX_BACKLOG, OUTBOX_OLDEST, OUTBOX_PARKED
from shared.indexing_health import IndexingHealth, indexing_health
from shared.relay_stats import read_stats
from shared.search.index import documents_version
from shared.search.mapping import MAPPING_VERSION, routing
from shared.search.sync_state import outbox_backlog, parked_changes, retry_parked
from shared.settings import Settings
from shared.visibility import visible_in

# What the relay did for this workspace lately (shared.relay_stats), as GET /v1/ops/sync says it.
RECENT_FIELDS = (
    "stats_window_seconds",
    "indexed_documents_recent",
    "indexing_rate_per_second",
    "commit_to_searchable_avg_seconds",
    "commit_to_searchable_max_seconds",
)


def ping_database(engine: Engine) -> None:
    """Raises when PostgreSQL does not answer (the readiness probe's check)."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def refresh_backlog_gauges(session: Session) -> None:
    backlog = outbox_backlog(session)
    OUTBOX_BACKLOG.set(backlog.pending)
    OUTBOX_OLDEST.set(backlog.oldest_pending_seconds)
    OUTBOX_PARKED.set(backlog.parked)


def indexing_fields(health: IndexingHealth) -> dict[str, Any]:
    """How /readyz and /v1/ops/sync say whether indexing is stalled, and why."""
    return {
        "indexing_stalled": health.stalled,
        "indexing_stalled_reason": health.reason,
        "overdue_changes": health.overdue_changes,
        "last_relay_seconds_ago": (
            None if health.last_relay_seconds_ago is None else round(health.last_relay_seconds_ago, 1)
        ),
    }


def sync_status(
    session: Session, client: OpenSearch, redis: Redis, settings: Settings, workspace_id: uuid.UUID
) -> dict[str, Any]:
    backlog = outbox_backlog(session, workspace_id)
    # This workspace's changes only: other tenants' backlog is none of its business.
    health = indexing_health(session, redis, settings.indexing_stall_seconds, workspace_id)
    db_contacts = session.scalar(select(func.count()).where(visible_in(workspace_id)))
    index_contacts = client.count(
        index=settings.index_alias,
        body={"query": {"term": {"workspace_id": str(workspace_id)}}},
        routing=routing(workspace_id),
    )["count"]
    version = documents_version(client, settings.index_alias)
    try:
        relayed = read_stats(redis, workspace_id)
        recent: dict[str, Any] = {
            "stats_window_seconds": relayed.window_seconds,
            "indexed_documents_recent": relayed.documents,
            "indexing_rate_per_second": relayed.indexing_rate_per_second,
            "commit_to_searchable_avg_seconds": relayed.commit_to_searchable_avg_seconds,
            "commit_to_searchable_max_seconds": relayed.commit_to_searchable_max_seconds,
        }
    except RedisError:  # Redis down: the database figures still stand, these are unknown
        recent = dict.fromkeys(RECENT_FIELDS)
    return {
        "pending_changes": backlog.pending,
        "oldest_pending_seconds": round(backlog.oldest_pending_seconds, 3),
        "parked_changes": backlog.parked,
        "db_contacts": int(db_contacts or 0),
        "index_contacts": int(index_contacts),
        # Documents built by an older version: `contacts-index reindex` brings them up to date.
        "index_documents_version": version,
        "reindex_required": version < MAPPING_VERSION,
        **recent,
        **indexing_fields(health),
    }


def list_parked(session: Session, workspace_id: uuid.UUID) -> dict[str, Any]:
    return {
        "items": [
            {
                "id": row.id,
                "contact_id": str(row.contact_id),
                "version": row.version,
                "attempts": row.attempts,
                "error": row.last_error,
                "created_at": row.created_at.isoformat(),
                "parked_at": row.parked_at.isoformat(),
            }
            for row in parked_changes(session, workspace_id, limit=200)
        ]
    }


def retry_parked_changes(session: Session, workspace_id: uuid.UUID) -> dict[str, int]:
    return {"retried": retry_parked(session, workspace_id)}
