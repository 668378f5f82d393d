from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from api_service.auth import Principal
from api_service.bulk import service
from api_service.bulk.schemas import BulkDeleteRequest, BulkTagsRequest
from api_service.deps import AuthFirstRoute, ModuleUser, SessionDep, StateDep, unrestricted
from api_service.jobs.schemas import JobOut, present_job

router = APIRouter(prefix="/v1/contacts", tags=["bulk"], route_class=AuthFirstRoute)

BulkDeleter = Annotated[Principal, Depends(unrestricted("bulk_delete_contacts"))]


@router.post("/bulk-delete", status_code=202, response_model=JobOut)
def bulk_delete(
    body: BulkDeleteRequest, principal: BulkDeleter, session: SessionDep, state: StateDep
) -> JobOut:
    return present_job(service.start_bulk_delete(session, state, principal, body))


@router.post("/bulk-tags", status_code=202, response_model=JobOut)
def bulk_tags(body: BulkTagsRequest, principal: ModuleUser, session: SessionDep, state: StateDep) -> JobOut:
    return present_job(service.start_bulk_tags(session, state, principal, body))
