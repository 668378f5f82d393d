from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from api_service.contacts.presenter import present_many
from api_service.contacts.router import parse_id
from api_service.deps import AuthFirstRoute, ModuleUser, SessionDep
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
from api_service.pagination import PageParams
from shared.contact_source import display_name

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
def list_merges(contact_id: str, principal: ModuleUser, session: SessionDep, page: PageParams) -> MergePage:
    rows, next_cursor = service.list_merges(session, principal.workspace_id, parse_id(contact_id), page)
    channel_ids = service.moved_channel_ids(session, principal.workspace_id, [m for m, _ in rows])
    items = [
        MergeOut(
            id=m.id,
            primary_id=m.primary_id,
            secondary_id=m.secondary_id,
            secondary_display_name=display_name(
                c.first_name, c.last_name, c.phone, c.email, channel_ids[m.id]
            ),
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
