"""Looking jobs up for the API: jobs, exports and imports are all rows of the jobs table."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from api_service.errors import NotFound
from api_service.pagination import PageRequest, keyset_page
from shared.models import Job


def get_job(session: Session, workspace_id: uuid.UUID, raw_id: str, kind: str | None = None) -> Job:
    """The workspace's job (of this kind, when given), or 404 naming the kind: a malformed id or a
    job of another workspace is answered exactly like a missing one."""
    what = kind or "job"
    try:
        job_id = uuid.UUID(raw_id)
    except ValueError:
        raise NotFound(what) from None
    stmt = select(Job).where(Job.id == job_id, Job.workspace_id == workspace_id)
    if kind is not None:
        stmt = stmt.where(Job.kind == kind)
    job = session.scalars(stmt).one_or_none()
    if job is None:
        raise NotFound(what)
    return job


def list_jobs(session: Session, workspace_id: uuid.UUID, page: PageRequest) -> tuple[list[Job], str | None]:
    """The workspace's jobs of every kind, newest first (the ops page's running and recent jobs)."""
    stmt = select(Job).where(Job.workspace_id == workspace_id)
    return keyset_page(session, stmt, Job.created_at, Job.id, page, scope=f"jobs:{workspace_id}")
