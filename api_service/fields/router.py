from __future__ import annotations

from fastapi import APIRouter, Response

from api_service.deps import AuthFirstRoute, ModuleUser, SessionDep, SettingsDep
from api_service.fields import service
from api_service.fields.schemas import FieldCreate, FieldList, FieldOut, FieldPage, FieldUpdate
from api_service.pagination import DEFAULT_PAGE_SIZE, Cursor, PageSize

router = APIRouter(tags=["contact fields"], route_class=AuthFirstRoute)


@router.get("/v1/contact-fields", response_model=FieldPage)
def list_fields(
    principal: ModuleUser,
    session: SessionDep,
    settings: SettingsDep,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> FieldPage:
    fields, next_cursor = service.list_fields(
        session, principal.workspace_id, page_size, cursor, settings.secret_key
    )
    return FieldPage(items=[FieldOut.model_validate(f) for f in fields], next_cursor=next_cursor)


@router.post("/v1/contact-fields", status_code=201, response_model=FieldOut)
def create_field(body: FieldCreate, principal: ModuleUser, session: SessionDep) -> FieldOut:
    return FieldOut.model_validate(service.create_field(session, principal.workspace_id, body))


@router.get("/v1/contact-fields/{key}", response_model=FieldOut)
def read_field(key: str, principal: ModuleUser, session: SessionDep) -> FieldOut:
    return FieldOut.model_validate(service.get_field(session, principal.workspace_id, key))


@router.patch("/v1/contact-fields/{key}", response_model=FieldOut)
def update_field(key: str, body: FieldUpdate, principal: ModuleUser, session: SessionDep) -> FieldOut:
    return FieldOut.model_validate(service.update_field(session, principal.workspace_id, key, body))


@router.delete("/v1/contact-fields/{key}", status_code=204)
def delete_field(key: str, principal: ModuleUser, session: SessionDep) -> Response:
    service.delete_field(session, principal.workspace_id, key)
    return Response(status_code=204)


@router.get("/v1/fields", response_model=FieldList, response_model_exclude_none=True)
def list_all_fields(principal: ModuleUser, session: SessionDep) -> FieldList:
    """Every field a client can filter, sort, show as a column, aggregate or map in an import:
    the standard fields, then the workspace's custom fields (custom.<key>)."""
    return FieldList.model_validate({"items": service.all_fields(session, principal.workspace_id)})
