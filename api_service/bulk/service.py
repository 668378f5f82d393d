"""Bulk actions: validate the selection now, create the job; the worker does the work in chunks."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from api_service.auth import Principal
from api_service.bulk.schemas import BulkDeleteRequest, BulkTagsRequest
from api_service.errors import NotFound, invalid
from api_service.state import AppState
from shared.jobs import create_job
from shared.models import Job
from shared.selection import Selection, SelectionNotFound, accepted_total
from shared.tags import unique_tags


def check_selection(
    session: Session, state: AppState, principal: Principal, selection: Selection
) -> int | None:
    """Refuse a bad filter (422 naming the node) or an unknown view (404) before any job exists.
    Returns the job's total: the ids given, or how many contacts match now."""
    try:
        return accepted_total(
            session,
            state.search,
            state.settings.index_alias,
            principal.workspace_id,
            principal.user_id,
            selection,
        )
    except SelectionNotFound:
        raise NotFound("view") from None


def _params(selection: Selection, **extra: Any) -> dict[str, Any]:
    return {"selection": selection.model_dump(mode="json", exclude_none=True), **extra}


def start_bulk_delete(
    session: Session, state: AppState, principal: Principal, body: BulkDeleteRequest
) -> Job:
    if body.confirm is not True:
        raise invalid(["confirm"], 'deleting contacts cannot be undone: send "confirm": true')
    total = check_selection(session, state, principal, body.selection)
    return create_job(
        session,
        principal.workspace_id,
        principal.user_id,
        "bulk_delete",
        _params(body.selection),
        total=total,
    )


def start_bulk_tags(session: Session, state: AppState, principal: Principal, body: BulkTagsRequest) -> Job:
    total = check_selection(session, state, principal, body.selection)
    tags = unique_tags(list(body.tags))
    return create_job(
        session,
        principal.workspace_id,
        principal.user_id,
        "bulk_tags",
        _params(body.selection, tags=tags),
        total=total,
    )
