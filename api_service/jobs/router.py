from __future__ import annotations

import uuid

from fastapi import APIRouter
from sqlalchemy import select

from api_service.deps import ModuleUser, SessionDep
from api_service.errors import NotFound
from api_service.jobs.schemas import JobOut, present_job
from shared.models import Job

router = APIRouter(prefix="/v1", tags=["jobs"])

__all__ = ["JobOut", "get_job", "router"]


def get_job(
    session: SessionDep, workspace_id: uuid.UUID, raw_id: str, kinds: tuple[str, ...] | None = None
) -> Job:
    """The job of this workspace, or 404 (a job of another workspace is answered like a missing one)."""
    try:
        job_id = uuid.UUID(raw_id)
    except ValueError:
        raise NotFound("job") from None
    stmt = select(Job).where(Job.id == job_id, Job.workspace_id == workspace_id)
    if kinds:
        stmt = stmt.where(Job.kind.in_(kinds))
    job = session.scalars(stmt).one_or_none()
    if job is None:
        raise NotFound("job")
    return job


@router.get("/jobs/{job_id}", response_model=JobOut)
def read_job(job_id: str, principal: ModuleUser, session: SessionDep) -> JobOut:
    return present_job(get_job(session, principal.workspace_id, job_id))
