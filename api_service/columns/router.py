from __future__ import annotations

from fastapi import APIRouter

from api_service.columns import service
from api_service.columns.schemas import ColumnsIn, ColumnsOut
from api_service.deps import AuthFirstRoute, ModuleUser, SessionDep

router = APIRouter(prefix="/v1/me", tags=["columns"], route_class=AuthFirstRoute)


@router.get("/columns", response_model=ColumnsOut)
def get_columns(principal: ModuleUser, session: SessionDep) -> ColumnsOut:
    return service.get_columns(session, principal)


@router.put("/columns", response_model=ColumnsOut)
def set_columns(body: ColumnsIn, principal: ModuleUser, session: SessionDep) -> ColumnsOut:
    return service.set_columns(session, principal, body)
