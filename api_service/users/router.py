from __future__ import annotations

from fastapi import APIRouter, Response

from api_service.auth import revoke_credential
from api_service.deps import AnyUser, AuthFirstRoute, ModuleUser, OwnerUser, SessionDep, SettingsDep
from api_service.pagination import DEFAULT_PAGE_SIZE, Cursor, PageSize
from api_service.users import service
from api_service.users.schemas import TokenIssued, UserCreate, UserCreated, UserPage, UserUpdate
from api_service.workspaces.schemas import UserOut

router = APIRouter(prefix="/v1", tags=["users"], route_class=AuthFirstRoute)


@router.post("/users", status_code=201, response_model=UserCreated)
def create_user(body: UserCreate, principal: OwnerUser, session: SessionDep) -> UserCreated:
    user, token = service.create_user(session, principal.workspace_id, body)
    return UserCreated(user=UserOut.model_validate(user), token=token)


@router.get("/users", response_model=UserPage)
def list_users(
    principal: ModuleUser,
    session: SessionDep,
    settings: SettingsDep,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> UserPage:
    users, next_cursor = service.list_users(
        session, principal.workspace_id, page_size, cursor, settings.secret_key
    )
    return UserPage(items=[UserOut.model_validate(u) for u in users], next_cursor=next_cursor)


@router.get("/users/{user_id}", response_model=UserOut)
def read_user(user_id: str, principal: ModuleUser, session: SessionDep) -> UserOut:
    return UserOut.model_validate(service.get_user(session, principal.workspace_id, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: str, body: UserUpdate, principal: OwnerUser, session: SessionDep) -> UserOut:
    return UserOut.model_validate(service.update_user(session, principal.workspace_id, user_id, body))


@router.post("/users/{user_id}/tokens", status_code=201, response_model=TokenIssued)
def issue_token(user_id: str, principal: OwnerUser, session: SessionDep) -> TokenIssued:
    user, token = service.issue_user_token(session, principal.workspace_id, user_id)
    return TokenIssued(user_id=user.id, token=token)


@router.delete("/users/{user_id}/tokens", status_code=204)
def revoke_user_tokens(user_id: str, principal: OwnerUser, session: SessionDep) -> Response:
    service.revoke_user_tokens(session, principal.workspace_id, user_id)
    return Response(status_code=204)


@router.delete("/tokens/current", status_code=204)
def revoke_current_token(principal: AnyUser, session: SessionDep) -> Response:
    """The request's own credential: its token, or its web session when signed in by cookie."""
    revoke_credential(session, principal)
    return Response(status_code=204)
