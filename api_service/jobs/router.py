from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from api_service.deps import ModuleUser, SessionDep
from api_service.errors import NotFound
from shared.models import Job

router = APIRouter(prefix="/v1", tags=["jobs"])


class JobOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    processed: int
    total: int | None
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


def get_job(
    session: SessionDep, workspace_id: uuid.UUID, raw_id: str, kinds: tuple[str, ...] | None = None
) -> Job:
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
    job = get_job(session, principal.workspace_id, job_id)
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        processed=job.processed,
        total=job.total,
        result=job.result,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )
