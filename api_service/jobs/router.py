from __future__ import annotations

from fastapi import APIRouter

from api_service.deps import AuthFirstRoute, ModuleUser, SessionDep
from api_service.jobs.repository import get_job
from api_service.jobs.schemas import JobOut, present_job
from api_service.jobs.service import cancel_job

router = APIRouter(prefix="/v1", tags=["jobs"], route_class=AuthFirstRoute)


@router.get("/jobs/{job_id}", response_model=JobOut)
def read_job(job_id: str, principal: ModuleUser, session: SessionDep) -> JobOut:
    return present_job(get_job(session, principal.workspace_id, job_id))


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
def cancel(job_id: str, principal: ModuleUser, session: SessionDep) -> JobOut:
    return present_job(cancel_job(session, principal.workspace_id, job_id))
