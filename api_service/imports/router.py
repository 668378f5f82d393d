from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse

from api_service.deps import AuthFirstRoute, ModuleUser, SessionDep, SettingsDep
from api_service.imports import service
from api_service.imports.schemas import ImportAccepted, ImportOut, ImportPreview
from api_service.jobs.service import cancel_job

router = APIRouter(prefix="/v1/imports", tags=["imports"], route_class=AuthFirstRoute)


@router.post("", status_code=202, response_model=ImportAccepted)
def create_import(
    principal: ModuleUser,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="a CSV (or UTF-16 text) file or an XLSX workbook")],
    mapping: Annotated[
        str | None,
        Form(max_length=100_000, description='JSON {"CSV header": "field"}; default: the suggested one'),
    ] = None,
    on_duplicate: Annotated[Literal["skip", "update"], Form()] = "skip",
    on_invalid_cell: Annotated[Literal["skip_cell", "fail_row"], Form()] = "skip_cell",
    blank_cells: Annotated[Literal["keep", "clear"], Form()] = "keep",
) -> ImportAccepted:
    options = {"on_duplicate": on_duplicate, "on_invalid_cell": on_invalid_cell, "blank_cells": blank_cells}
    job = service.start_import(session, principal, file.file, file.filename, mapping, options, settings)
    return ImportAccepted(id=job.id, status="queued")


@router.post("/preview", response_model=ImportPreview)
def preview_import(
    principal: ModuleUser,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="a CSV (or UTF-16 text) file or an XLSX workbook")],
) -> ImportPreview:
    return service.preview(session, principal, file.file, settings)


@router.get("/{import_id}", response_model=ImportOut)
def read_import(import_id: str, principal: ModuleUser, session: SessionDep) -> ImportOut:
    return service.describe(service.get_import(session, principal.workspace_id, import_id))


@router.post("/{import_id}/cancel", response_model=ImportOut)
def cancel_import(import_id: str, principal: ModuleUser, session: SessionDep) -> ImportOut:
    return service.describe(cancel_job(session, principal.workspace_id, import_id, "import"))


@router.get("/{import_id}/errors", response_class=FileResponse)
def download_errors(import_id: str, principal: ModuleUser, session: SessionDep) -> FileResponse:
    job = service.get_import(session, principal.workspace_id, import_id)
    path = service.errors_download(job)
    return FileResponse(path, media_type="text/csv; charset=utf-8", filename=f"import-errors-{job.id}.csv")
