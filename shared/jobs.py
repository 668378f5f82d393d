"""Background jobs (bulk delete, bulk tags, export, import): the row the API creates and the worker runs.

The API creates the row in the request transaction and queues it by name after commit; a beat
sweep re-queues jobs left `queued` (e.g. Redis was down at commit time), so no job is lost.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from shared.models import Job

JOB_KINDS = ("bulk_delete", "bulk_tags", "export", "import")
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
    )
    session.add(job)
    session.flush()
    session.info.setdefault(JOBS_TO_QUEUE, []).append(job.id)
    return job
