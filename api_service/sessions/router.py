"""Sessions for the web app (API.md "Sessions for the web app")."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Request, Response

from api_service.auth import CSRF_COOKIE, SESSION_COOKIE, csrf_token
from api_service.deps import AnyUser, AuthFirstRoute, CredentialsDep, OwnerUser, SessionDep, SettingsDep
from api_service.sessions import service
from api_service.sessions.schemas import MeOut, SessionCreate, SignInLinkCreate, SignInLinkOut, WorkspaceRef
from api_service.workspaces.schemas import UserOut
from shared.settings import Settings

router = APIRouter(prefix="/v1", tags=["sessions"], route_class=AuthFirstRoute)


@router.post("/sign-in-links", status_code=201, response_model=SignInLinkOut)
def create_sign_in_link(
    body: SignInLinkCreate, principal: OwnerUser, session: SessionDep, settings: SettingsDep
) -> SignInLinkOut:
    """A one-time link (`<app>/sign-in?code=...`) for a user of the owner's workspace."""
    url, expires_at = service.create_sign_in_link(session, settings, principal.workspace_id, body.user_id)
    return SignInLinkOut(url=url, expires_at=expires_at)


def _secure(request: Request, settings: Settings) -> bool:
    return request.url.scheme == "https" or settings.app_url.startswith("https://")


@router.post(
    "/sessions",
    status_code=204,
    response_class=Response,
    responses={401: {"description": "The code was used, has expired or does not exist; or a bad token."}},
)
def sign_in(body: SessionCreate, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """Exchange a sign-in link's code (once) or an API token for a session: sets the HttpOnly
    `contacts_session` cookie and the `contacts_csrf` cookie, whose value every state-changing
    request authenticated by the session must echo in the `X-CSRF-Token` header."""
    if body.code is not None:
        opened = service.open_session_with_code(session, settings, body.code)
    else:
        assert body.token is not None
        opened = service.open_session_with_token(session, settings, body.token)
    response = Response(status_code=204)
    max_age = int((opened.expires_at - datetime.now(UTC)).total_seconds())
    secure = _secure(request, settings)
    response.set_cookie(
        SESSION_COOKIE, opened.secret, max_age=max_age, httponly=True, samesite="strict", secure=secure
    )
    response.set_cookie(
        CSRF_COOKIE, opened.csrf_token, max_age=max_age, httponly=False, samesite="strict", secure=secure
    )
    return response


@router.delete("/sessions/current", status_code=204, response_class=Response)
def sign_out(principal: AnyUser, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """End the request's web session and clear its cookies (a bearer token is left alone: DELETE
    /v1/tokens/current revokes a token)."""
    if principal.session_id is not None:
        service.end_session(session, principal.session_id)
    response = Response(status_code=204)
    secure = _secure(request, settings)
    for name, httponly in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, httponly=httponly, samesite="strict", secure=secure)
    return response


@router.get("/me", response_model=MeOut)
def read_me(
    principal: AnyUser, credentials: CredentialsDep, session: SessionDep, settings: SettingsDep
) -> MeOut:
    """The signed-in user with role and restrictions; any role, agents included (the app shows an
    agent its "no access" page)."""
    user, workspace = service.signed_in_user(session, principal.workspace_id, principal.user_id)
    by_session = principal.session_id is not None
    return MeOut(
        **UserOut.model_validate(user).model_dump(),
        workspace=WorkspaceRef(id=workspace.id, name=workspace.name),
        signed_in_with="session" if by_session else "token",
        csrf_token=csrf_token(settings.secret_key, credentials.secret) if by_session else None,
    )
