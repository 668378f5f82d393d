from __future__ import annotations

from fastapi import APIRouter, Response

from api_service.deps import AuthFirstRoute, ModuleUser, SessionDep
from api_service.views import service
from api_service.views.schemas import ViewCreate, ViewList, ViewOut, ViewUpdate

router = APIRouter(prefix="/v1/views", tags=["views"], route_class=AuthFirstRoute)


@router.get("", response_model=ViewList)
def list_views(principal: ModuleUser, session: SessionDep) -> ViewList:
    return ViewList(items=service.list_views(session, principal))


@router.post("", status_code=201, response_model=ViewOut)
def create_view(body: ViewCreate, principal: ModuleUser, session: SessionDep) -> ViewOut:
    return service.create_view(session, principal, body)


@router.get("/{view_id}", response_model=ViewOut)
def get_view(view_id: str, principal: ModuleUser, session: SessionDep) -> ViewOut:
    return service.get_view(session, principal, view_id)


@router.patch("/{view_id}", response_model=ViewOut)
def update_view(view_id: str, body: ViewUpdate, principal: ModuleUser, session: SessionDep) -> ViewOut:
    return service.update_view(session, principal, view_id, body)


@router.delete("/{view_id}", status_code=204)
def delete_view(view_id: str, principal: ModuleUser, session: SessionDep) -> Response:
    service.delete_view(session, principal, view_id)
    return Response(status_code=204)
