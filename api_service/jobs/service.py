"""Job rules the API applies: cancelling a queued or running job."""

from __future__ import annotations

import uuid

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from api_service.errors import Conflict
from api_service.jobs.repository import get_job
from shared.jobs import ACTIVE_STATUSES
from shared.models import Job


def cancel_job(session: Session, workspace_id: uuid.UUID, raw_id: str, kind: str | None = None) -> Job:
    """Mark the workspace's queued or running job `cancelled`. A worker running it stops at its
    next chunk and rolls that chunk back: what earlier chunks committed stays. The status changes
    in one guarded UPDATE, so a job finishing at the same moment is either finished (409) or
    cancelled, never both. Another workspace's job is a 404, a finished one a 409."""
    job = get_job(session, workspace_id, raw_id, kind)
    cancelled = session.execute(
        update(Job)
        .where(Job.id == job.id, Job.status.in_(ACTIVE_STATUSES))
        .values(status="cancelled", finished_at=func.now())
        .returning(Job.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.refresh(job)
    if cancelled is None:
        what = kind or "job"
        raise Conflict(
            f"the {what} has already finished ({job.status}); "
            f"only a queued or running {what} can be cancelled"
        )
    return job
