"""Background jobs (bulk delete, bulk tags, export, import): the row the API creates and the worker runs.

The API creates the row in the request transaction and queues it by name after commit; a beat
sweep re-queues jobs left `queued` (e.g. Redis was down at commit time), so no job is lost.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from shared.logs import current_request_id
from shared.models import Job

log = logging.getLogger("jobs")

JOB_KINDS = ("bulk_delete", "bulk_tags", "export", "import")
# A job is queued, then running, then one of the finished statuses; only an active job can be
# cancelled, and a finished one never runs again.
ACTIVE_STATUSES = ("queued", "running")
FINISHED_STATUSES = ("succeeded", "failed", "cancelled")
# session.info key: job ids to queue once the transaction has committed.
JOBS_TO_QUEUE = "jobs_to_queue"


def create_job(
    session: Session,
    workspace_id: uuid.UUID,
    user_id: uuid.UUID | None,
    kind: str,
    params: dict[str, Any],
    *,
    total: int | None = None,
) -> Job:
    if kind not in JOB_KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(
        workspace_id=workspace_id,
        user_id=user_id,
        kind=kind,
        status="queued",
        params=params,
        total=total,
        processed=0,
        # The worker binds it to its log lines while it runs the job (indexer_worker.jobs).
        request_id=current_request_id(),
    )
    session.add(job)
    session.flush()
    session.info.setdefault(JOBS_TO_QUEUE, []).append(job.id)
    log.info("job %s (%s) created", job.id, kind, extra={"job_id": str(job.id), "job_kind": kind})
    return job


def eta_seconds(
    status: str, processed: int, total: int | None, started_at: datetime | None, now: datetime
) -> int | None:
    """Seconds left for a running job at the pace it has kept since it started (processed/total
    over the elapsed time); None while nothing is known yet (queued, no total, nothing done)."""
    if status != "running" or started_at is None or not total or processed <= 0:
        return None
    if processed >= total:
        return 0
    elapsed = max((now - started_at).total_seconds(), 0.0)
    return round(elapsed * (total - processed) / processed)
