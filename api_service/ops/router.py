"""Health, readiness, Prometheus metrics and the sync status of the index."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST

from api_service.deps import AuthFirstRoute, OwnerUser, SessionDep, StateDep
from api_service.errors import problem
from api_service.ops import service
from api_service.ops.metrics import exposition
from shared.indexing_health import indexing_health

router = APIRouter(tags=["ops"], route_class=AuthFirstRoute)
log = logging.getLogger("api.ops")


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
def readyz(state: StateDep) -> Any:
    checks: dict[str, str] = {}
    try:
        service.ping_database(state.engine)
        checks["postgres"] = "ok"
    except Exception as exc:
        checks["postgres"] = f"unreachable: {type(exc).__name__}"
    try:
        state.redis.ping()
        checks["redis"] = "ok"
    except Exception as exc:
        checks["redis"] = f"unreachable: {type(exc).__name__}"
    try:
        state.search.info()
        checks["opensearch"] = "ok"
    except Exception as exc:
        checks["opensearch"] = f"unreachable: {type(exc).__name__}"
    # Said, not failed on: the API serves reads and writes while the index lags, so a stalled relay
    # must not take it out of rotation; the worker's own health check is what restarts a worker.
    indexing: dict[str, Any] = {}
    if checks["postgres"] == "ok":
        try:
            with state.session_factory() as session:
                health = indexing_health(
                    session,
                    state.redis,
                    state.settings.indexing_stall_seconds,
                    index_reachable=checks["opensearch"] == "ok",
                )
            indexing = service.indexing_fields(health)
        except Exception as exc:
            log.warning("indexing health not read: %s", exc)
    if all(v == "ok" for v in checks.values()):
        return {"status": "ready", "checks": checks, **indexing}
    failing = ", ".join(k for k, v in checks.items() if v != "ok")
    return problem(503, f"not ready: {failing} unreachable", checks=checks, **indexing)


@router.get("/metrics")
def metrics(state: StateDep) -> Response:
    try:
        with state.session_factory() as session:
            service.refresh_backlog_gauges(session)
    except Exception as exc:  # the process metrics are still worth serving
        log.warning("backlog gauges not refreshed: %s", exc)
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/ops/sync")
def sync_status(principal: OwnerUser, session: SessionDep, state: StateDep) -> dict[str, Any]:
    return service.sync_status(session, state.search, state.redis, state.settings, principal.workspace_id)


@router.get("/v1/ops/sync/parked")
def parked_changes(principal: OwnerUser, session: SessionDep) -> dict[str, Any]:
    """Changes the relay gave up on after repeated failures, with their last error."""
    return service.list_parked(session, principal.workspace_id)


@router.post("/v1/ops/sync/parked/retry")
def retry_parked_changes(principal: OwnerUser, session: SessionDep) -> dict[str, int]:
    return service.retry_parked_changes(session, principal.workspace_id)
