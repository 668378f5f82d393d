"""Export rules: who may export, which columns, how many at once, and when a file may be downloaded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api_service.auth import Principal
from api_service.errors import NotFound, ProblemError
from api_service.exports.schemas import ExportCreate, ExportOut
from api_service.jobs.repository import get_job
from api_service.state import AppState
from shared.columns import COLUMN_LABELS, CUSTOM_PREFIX, DEFAULT_COLUMNS
from shared.csv_format import validate_columns
from shared.custom_fields import field_definitions
from shared.jobs import create_job
from shared.models import Job, User, Workspace
from shared.selection import SelectionNotFound, accepted_total

ACTIVE = ("queued", "running")


def _check_criteria(
    session: Session, state: AppState, principal: Principal, body: ExportCreate
) -> int | None:
    """Refuse at once what the export job could not resolve (bad filter: 422 naming the node;
    unknown view: 404) rather than failing the job later; the job's total."""
    try:
        return accepted_total(
            session,
            state.search,
            state.settings.index_alias,
            principal.workspace_id,
            principal.user_id,
            body.selection,
        )
    except SelectionNotFound:
        raise NotFound("view") from None


def start_export(session: Session, state: AppState, principal: Principal, body: ExportCreate) -> Job:
    settings = state.settings
    workspace_id = principal.workspace_id
    custom_labels = {k: f.label for k, f in field_definitions(session, workspace_id).items()}
    custom_fields = {f"{CUSTOM_PREFIX}{k}" for k in custom_labels}
    if body.columns is not None:  # an explicit empty list is a 422, not the defaults
        columns = validate_columns(body.columns, custom_labels)
    else:
        saved = session.scalar(select(User.columns).where(User.id == principal.user_id))
        # A saved column whose custom field was deleted since is dropped rather than failing the export.
        known = [c for c in saved or [] if c in COLUMN_LABELS or c in custom_fields]
        columns = known or list(DEFAULT_COLUMNS)
    total = _check_criteria(session, state, principal, body)
    # Serialise export requests of one workspace so two at once cannot both slip under the limit.
    session.execute(select(Workspace.id).where(Workspace.id == workspace_id).with_for_update())
    running = session.scalar(
        select(func.count())
        .select_from(Job)
        .where(Job.workspace_id == workspace_id, Job.kind == "export", Job.status.in_(ACTIVE))
    )
    if (running or 0) >= settings.max_concurrent_exports:
        raise ProblemError(
            429,
            f"this workspace already has {running} exports in progress "
            f"(at most {settings.max_concurrent_exports}); try again when one has finished",
            headers={"Retry-After": "30"},
        )
    selection: dict[str, Any] = body.selection.model_dump(mode="json", exclude_none=True)
    return create_job(
        session,
        workspace_id,
        principal.user_id,
        "export",
        {"selection": selection, "columns": columns},
        total=total,
    )


def get_export(session: Session, workspace_id: uuid.UUID, raw_id: str) -> Job:
    """The workspace's export job; another workspace's id answers exactly like a missing one."""
    return get_job(session, workspace_id, raw_id, "export")


def describe(job: Job) -> ExportOut:
    done = job.status == "succeeded" and job.file_path is not None
    return ExportOut(
        id=job.id,
        status=job.status,
        processed=job.processed,
        total=job.total,
        rows=(job.result or {}).get("rows"),
        columns=list(job.params.get("columns", [])),
        download_url=f"/v1/exports/{job.id}/download" if done else None,
        expires_at=job.expires_at,
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def download_path(job: Job) -> Path:
    """The finished file, 409 while it is being made, 410 once it has expired."""
    if job.status in ACTIVE:
        raise ProblemError(409, "the export is not finished yet")
    if job.status == "cancelled":
        raise ProblemError(409, "the export was cancelled")
    if job.status != "succeeded":
        raise ProblemError(409, f"the export failed: {job.error or 'unknown error'}")
    expired = job.expires_at is not None and job.expires_at <= datetime.now(UTC)
    if expired or job.file_path is None or not Path(job.file_path).is_file():
        raise ProblemError(410, "the export has expired; request a new one")
    return Path(job.file_path)
