from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse

from api_service.auth import Principal
from api_service.deps import AuthFirstRoute, SessionDep, StateDep, unrestricted
from api_service.exports import service
from api_service.exports.schemas import ExportAccepted, ExportCreate, ExportOut
from api_service.jobs.service import cancel_job

router = APIRouter(prefix="/v1/exports", tags=["exports"], route_class=AuthFirstRoute)
Exporter = Annotated[Principal, Depends(unrestricted("export_contacts"))]


@router.post("", status_code=202, response_model=ExportAccepted)
def create_export(
    body: ExportCreate, principal: Exporter, session: SessionDep, state: StateDep
) -> ExportAccepted:
    job = service.start_export(session, state, principal, body)
    return ExportAccepted(id=job.id, status="queued")


@router.get("/{export_id}", response_model=ExportOut)
def read_export(export_id: str, principal: Exporter, session: SessionDep) -> ExportOut:
    return service.describe(service.get_export(session, principal.workspace_id, export_id))


@router.post("/{export_id}/cancel", response_model=ExportOut)
def cancel_export(export_id: str, principal: Exporter, session: SessionDep) -> ExportOut:
    return service.describe(cancel_job(session, principal.workspace_id, export_id, "export"))


@router.get("/{export_id}/download", response_class=FileResponse)
def download_export(export_id: str, principal: Exporter, session: SessionDep) -> FileResponse:
    job = service.get_export(session, principal.workspace_id, export_id)
    path = service.download_path(job)
    filename = f"contacts-{job.created_at:%Y%m%d-%H%M%S}.csv"
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=filename)
