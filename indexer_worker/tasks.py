"""Celery tasks. One decorator gives every task the same logging and metrics."""

from __future__ import annotations

import functools
import logging
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import and_, func, or_, select

from indexer_worker import health, relay
from indexer_worker.celery_app import app
from indexer_worker.jobs import bulk as bulk_jobs  # noqa: F401  (registers the bulk job handlers)
from indexer_worker.jobs import export, import_csv  # noqa: F401  (export and import handlers)
from indexer_worker.runtime import redis_client, search_client, session_factory
from shared.indexing_health import record_relay_run
from shared.logs import log_context
from shared.models import Job
from shared.queue import RELAY_OUTBOX, REQUEUE_JOBS, RUN_JOB
from shared.relay_stats import record_batch
from shared.settings import get_settings

log = logging.getLogger("indexer.tasks")
P = ParamSpec("P")
R = TypeVar("R")


def observed(fn: Callable[P, R]) -> Callable[P, R]:
    """Log start, end, duration and failure of a task; its lines carry the task's name."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        with log_context(task=fn.__name__):
            try:
                result = fn(*args, **kwargs)
            except Exception:
                log.exception("task %s failed after %.3fs", fn.__name__, time.perf_counter() - started)
                raise
            finally:
                health.record_progress()  # the worker's health check: this pool process still works
            log.debug("task %s done in %.3fs", fn.__name__, time.perf_counter() - started)
        return result

    return wrapper


@app.task(name=RELAY_OUTBOX)
@observed
def relay_outbox() -> dict[str, Any]:
    """Drain the outbox into the index. Nudged after each commit and swept by beat."""
    try:
        record_relay_run(redis_client())  # the heartbeat /readyz and /v1/ops/sync read
    except Exception as exc:  # the broker just delivered this task, so this is rare and harmless
        log.warning("relay heartbeat not recorded: %s", exc)
    try:
        # Linger past the API's 100 ms nudge debounce (api_service.deps.NUDGE_DEBOUNCE_MS).
        relayed = relay.drain(
            session_factory(), search_client(), get_settings(), linger=0.15, on_batch=_record_stats
        )
    except relay.IndexUnavailable as exc:
        log.warning("index unavailable, outbox rows stay pending: %s", exc)
        return {"relayed": 0, "unavailable": True}
    return {"relayed": relayed}


def _record_stats(result: relay.BatchResult) -> None:
    """The ops page's indexing rate and commit-to-searchable delay (after the batch committed)."""
    if not result.by_workspace:
        return
    try:
        record_batch(redis_client(), result.by_workspace)
    except Exception as exc:  # statistics only: the batch itself is done
        log.warning("relay statistics not recorded: %s", exc)


@app.task(name=RUN_JOB)
@observed
def run_job(job_id: str) -> str:
    from indexer_worker import jobs

    status = jobs.run_job(uuid.UUID(job_id), session_factory(), search_client(), get_settings())
    if status != jobs.DEFERRED:
        # A job of this workspace turned away while this one ran (DEFERRED, slot left to other
        # workspaces) starts now; the re-queue sweep is the safety net if this message is lost.
        waiting = jobs.next_queued_job(session_factory(), uuid.UUID(job_id))
        if waiting is not None:
            run_job.delay(str(waiting))
    return status


@app.task(name=REQUEUE_JOBS)
@observed
def requeue_stale_jobs() -> int:
    """Jobs that no worker is known to be running: still `queued` a while after creation (the
    broker was down at commit), or `running` for a while (the worker may have died). Re-queueing is
    safe: run_job takes the job's advisory lock, so a live run turns the duplicate away, and a dead
    run's lock went with its connection, so the job resumes from its last checkpoint."""
    settings = get_settings()
    queued_before = func.now() - timedelta(seconds=settings.job_requeue_seconds)
    running_before = func.now() - timedelta(seconds=settings.job_stale_seconds)
    with session_factory()() as session:
        stale = session.scalars(
            select(Job.id).where(
                or_(
                    and_(Job.status == "queued", Job.created_at < queued_before),
                    and_(Job.status == "running", Job.started_at < running_before),
                )
            )
        ).all()
    for job_id in stale:
        run_job.delay(str(job_id))
    return len(stale)
