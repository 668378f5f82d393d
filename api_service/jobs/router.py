from __future__ import annotations

from fastapi import APIRouter

from api_service.deps import AuthFirstRoute, ModuleUser, OwnerUser, SessionDep
from api_service.jobs.repository import get_job, list_jobs
from api_service.jobs.schemas import JobOut, JobPage, present_job
from api_service.jobs.service import cancel_job
from api_service.pagination import PageParams

router = APIRouter(prefix="/v1", tags=["jobs"], route_class=AuthFirstRoute)


@router.get("/jobs", response_model=JobPage)
def read_jobs(principal: OwnerUser, session: SessionDep, page: PageParams) -> JobPage:
    """Every job of the workspace (bulk actions, exports, imports), newest first: the ops page."""
    jobs, next_cursor = list_jobs(session, principal.workspace_id, page)
    return JobPage(items=[present_job(j) for j in jobs], next_cursor=next_cursor)


@router.get("/jobs/{job_id}", response_model=JobOut)
def read_job(job_id: str, principal: ModuleUser, session: SessionDep) -> JobOut:
    return present_job(get_job(session, principal.workspace_id, job_id))


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
def cancel(job_id: str, principal: ModuleUser, session: SessionDep) -> JobOut:
    return present_job(cancel_job(session, principal.workspace_id, job_id))
