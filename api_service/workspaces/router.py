from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Header

from api_service.deps import AnyUser, AuthFirstRoute, OwnerUser, SessionDep, SettingsDep
from api_service.errors import ProblemError
from api_service.workspaces import service
from api_service.workspaces.schemas import (
    UserOut,
    WorkspaceCreate,
    WorkspaceCreated,
    WorkspaceOut,
    WorkspaceUpdate,
)

router = APIRouter(prefix="/v1", tags=["workspaces"], route_class=AuthFirstRoute)


def require_admin_key(settings: SettingsDep, x_admin_key: Annotated[str | None, Header()] = None) -> None:
    if not x_admin_key or not secrets.compare_digest(x_admin_key.encode(), settings.admin_key.encode()):
        raise ProblemError(401, "missing or wrong X-Admin-Key")


@router.post(
    "/workspaces", status_code=201, response_model=WorkspaceCreated, dependencies=[Depends(require_admin_key)]
)
def create_workspace(body: WorkspaceCreate, session: SessionDep) -> WorkspaceCreated:
    workspace, owner, token = service.create_workspace(session, body.name, body.owner.email, body.owner.name)
    return WorkspaceCreated(
        workspace=WorkspaceOut.model_validate(workspace), user=UserOut.model_validate(owner), token=token
    )


@router.get("/workspaces/current", response_model=WorkspaceOut)
def read_current_workspace(principal: AnyUser, session: SessionDep) -> WorkspaceOut:
    return WorkspaceOut.model_validate(service.get_workspace(session, principal.workspace_id))


@router.patch("/workspaces/current", response_model=WorkspaceOut)
def update_current_workspace(
    body: WorkspaceUpdate, principal: OwnerUser, session: SessionDep
) -> WorkspaceOut:
    workspace = service.update_settings(session, principal.workspace_id, body.model_dump(exclude_unset=True))
    return WorkspaceOut.model_validate(workspace)
