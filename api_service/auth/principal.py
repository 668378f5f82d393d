"""The one authentication path: credentials -> Principal -> role and restriction checks.

Every route answers in the same order, whichever way it is wired (a dependency chain or the
single-thread-hop `deps.as_module_user`; `deps.AuthFirstRoute` puts validation errors last):

1. no credentials: 401;
2. a token or session that is unknown, revoked or expired: 401;
3. a state-changing request authenticated by the session cookie without its CSRF token: 403;
4. a role or restriction that does not allow the route: 403;
5. only then the request's own validation (422) and the work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from redis import Redis
from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from api_service.auth.cache import PrincipalCache
from api_service.auth.tokens import csrf_matches, hash_secret, new_secret
from api_service.errors import Forbidden, ProblemError
from shared.models import ApiToken, User, WebSession

MODULE_ROLES = frozenset({"owner", "manager"})
# Methods that never change state; every other method needs the CSRF token with a cookie.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the credential decides the workspace and the user. Read with one light query
    (no ORM objects), or from the per-process cache while the auth epoch is unchanged, so a revoked
    token or a changed role counts immediately.
    Exactly one of token_id (bearer token) and session_id (web session cookie) is set."""

    user_id: uuid.UUID
    workspace_id: uuid.UUID
    role: str
    restrictions: tuple[str, ...]
    token_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Credentials:
    """What a request presented, read without I/O. `csrf_missing` is only ever true for a
    state-changing request authenticated by the session cookie."""

    kind: Literal["bearer", "session"]
    secret: str
    csrf_missing: bool = False
    # The auth epoch, when it was read with the request's rate-limit count (api_service.ratelimit):
    # the principal cache then needs no Redis read of its own.
    epoch: bytes | None = None


def credentials_from(
    *,
    authorization: str | None,
    session_cookie: str | None,
    csrf_header: str | None,
    method: str,
    secret_key: str,
) -> Credentials:
    """A bearer token wins over a cookie: another site can make a browser send the cookie, never
    an Authorization header, so a bearer request needs no CSRF proof."""
    if authorization and authorization.lower().startswith("bearer "):
        return Credentials("bearer", authorization[7:].strip())
    if session_cookie:
        missing = method.upper() not in SAFE_METHODS and not csrf_matches(
            secret_key, session_cookie, csrf_header
        )
        return Credentials("session", session_cookie, csrf_missing=missing)
    raise ProblemError(401, "missing bearer token or session cookie", headers=_UNAUTHORIZED)


# Built once: constructing a statement costs more than running it, on every request.
_BY_TOKEN = (
    select(User.id, User.workspace_id, User.role, User.restrictions, ApiToken.id)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("secret_hash"), ApiToken.revoked_at.is_(None))
)
_BY_SESSION = (
    select(User.id, User.workspace_id, User.role, User.restrictions, WebSession.id, WebSession.expires_at)
    .join(WebSession, WebSession.user_id == User.id)
    .outerjoin(ApiToken, ApiToken.id == WebSession.token_id)
    .where(
        WebSession.secret_hash == bindparam("secret_hash"),
        WebSession.revoked_at.is_(None),
        WebSession.expires_at > func.now(),
        or_(WebSession.token_id.is_(None), ApiToken.revoked_at.is_(None)),
    )
)


def authenticate(
    session: Session,
    credentials: Credentials,
    *,
    cache: PrincipalCache | None = None,
    redis: Redis | None = None,
) -> Principal:
    """Steps 2 and 3 of the order above. With a cache (and the Redis holding the auth epoch), a
    principal read under the current epoch is reused without a query; see api_service.auth.cache
    for why a revocation still counts on the very next request."""
    key = (credentials.kind, hash_secret(credentials.secret))
    epoch = None
    if cache is not None and redis is not None:
        epoch = credentials.epoch or cache.epoch(redis)
    principal = cache.get(key, epoch) if cache is not None and epoch is not None else None
    if principal is None:
        principal, expires_at = _read_principal(session, credentials.kind, key[1])
        if cache is not None and epoch is not None:
            cache.put(key, epoch, principal, expires_at)
    if credentials.csrf_missing:
        raise Forbidden("a write with the session cookie needs the X-CSRF-Token header (the csrf cookie)")
    return principal


def _read_principal(session: Session, kind: str, secret_hash: str) -> tuple[Principal, datetime | None]:
    if kind == "bearer":
        row = session.execute(_BY_TOKEN, {"secret_hash": secret_hash}).first()
        if row is None:
            raise ProblemError(401, "invalid or revoked token", headers=_UNAUTHORIZED)
        user_id, workspace_id, role, restrictions, token_id = row
        return Principal(user_id, workspace_id, role, tuple(restrictions), token_id=token_id), None
    found = session.execute(_BY_SESSION, {"secret_hash": secret_hash}).first()
    if found is None:
        raise ProblemError(401, "the session has ended or expired; sign in again", headers=_UNAUTHORIZED)
    user_id, workspace_id, role, restrictions, session_id, expires_at = found
    return Principal(user_id, workspace_id, role, tuple(restrictions), session_id=session_id), expires_at


def require_module_role(principal: Principal) -> Principal:
    """The contacts module is for owners and managers only."""
    if principal.role not in MODULE_ROLES:
        raise Forbidden("the contacts module is for owners and managers")
    return principal


def require_owner(principal: Principal) -> Principal:
    if principal.role != "owner":
        raise Forbidden("only an owner may do this")
    return principal


def require_unrestricted(principal: Principal, restriction: str) -> Principal:
    """A manager carrying `restriction` is refused; owners are never restricted."""
    if principal.role != "owner" and restriction in principal.restrictions:
        raise Forbidden(f"your role is restricted from this action ({restriction})")
    return principal


API_TOKEN_PREFIX = "ct_"


def issue_token(session: Session, user: User) -> str:
    """A new random API token for the user; only its hash is stored, the token is shown once."""
    token = new_secret(API_TOKEN_PREFIX)
    session.add(ApiToken(workspace_id=user.workspace_id, user_id=user.id, token_hash=hash_secret(token)))
    return token


def revoke_credential(session: Session, principal: Principal) -> None:
    """End what the request was authenticated with: its API token or its web session."""
    now = datetime.now(UTC)
    if principal.token_id is not None:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == principal.token_id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
    if principal.session_id is not None:
        session.execute(
            update(WebSession)
            .where(WebSession.id == principal.session_id, WebSession.revoked_at.is_(None))
            .values(revoked_at=now)
        )
