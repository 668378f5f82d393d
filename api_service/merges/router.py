from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query

from api_service.contacts.presenter import present_many
from api_service.contacts.router import parse_id
from api_service.deps import AuthFirstRoute, ModuleUser, SessionDep, SettingsDep
from api_service.errors import ProblemError
from api_service.merges import service
from api_service.merges.schemas import (
    MergeOut,
    MergePage,
    MergePreview,
    MergeRequest,
    MergeResult,
    UnmergeRequest,
    UnmergeResult,
)
from shared.contact_source import display_name
from shared.search import cursor as cursors

router = APIRouter(prefix="/v1/contacts", tags=["merges"], route_class=AuthFirstRoute)


@router.get("/merge-preview", response_model=MergePreview)
def merge_preview(
    primary_id: uuid.UUID, secondary_id: uuid.UUID, principal: ModuleUser, session: SessionDep
) -> Any:
    return service.preview(session, principal.workspace_id, primary_id, secondary_id)


@router.post("/merge", response_model=MergeResult)
def merge(body: MergeRequest, principal: ModuleUser, session: SessionDep) -> MergeResult:
    contact, record = service.merge_contacts(session, principal.workspace_id, principal.user_id, body)
    return MergeResult(contact=present_many(session, [contact])[0], merge_id=record.id)


@router.get("/{contact_id}/merges", response_model=MergePage)
def list_merges(
    contact_id: str,
    principal: ModuleUser,
    session: SessionDep,
    settings: SettingsDep,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> MergePage:
    cid = parse_id(contact_id)
    scope = cursors.fingerprint("merges", str(cid))
    after = None
    if cursor:
        try:
            key = cursors.decode(settings.secret_key, cursor, scope)
            after = (str(key[0]), str(key[1]))
        except (cursors.CursorError, IndexError) as exc:
            raise ProblemError(
                400, "cursor is invalid", errors=[{"loc": ["cursor"], "msg": str(exc)}]
            ) from None
    rows = service.list_merges(session, principal.workspace_id, cid, limit=page_size + 1, after=after)
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1][0]
        next_cursor = cursors.encode(settings.secret_key, [last.created_at.isoformat(), str(last.id)], scope)
    items = [
        MergeOut(
            id=m.id,
            primary_id=m.primary_id,
            secondary_id=m.secondary_id,
            secondary_display_name=display_name(c.first_name, c.last_name, c.phone, c.email),
            actor_id=m.actor_id,
            created_at=m.created_at,
            undone_at=m.undone_at,
            taken=m.taken,
        )
        for m, c in rows
    ]
    return MergePage(items=items, next_cursor=next_cursor)


@router.post("/{contact_id}/unmerge", response_model=UnmergeResult)
def unmerge(
    contact_id: str, body: UnmergeRequest, principal: ModuleUser, session: SessionDep
) -> UnmergeResult:
    primary, secondary = service.unmerge(
        session, principal.workspace_id, principal.user_id, parse_id(contact_id), body.merge_id
    )
    primary_out, secondary_out = present_many(session, [primary, secondary])
    return UnmergeResult(contact=primary_out, secondary=secondary_out, merge_id=body.merge_id)
