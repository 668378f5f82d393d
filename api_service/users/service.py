"""Users of a workspace: roles, manager restrictions and API tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql import func

from api_service.auth import issue_token
from api_service.errors import Conflict, NotFound, invalid
from api_service.pagination import PageRequest, keyset_page
from api_service.users.schemas import UserCreate, UserUpdate
from shared.contact_rules import normalize_email
from shared.models import ApiToken, User, WebSession


def _check_restrictions(role: str, restrictions: Sequence[str]) -> list[str]:
    """Restrictions narrow what a manager may do; owners are never restricted and agents have no
    access to the module at all, so a restriction on them would be meaningless."""
    if restrictions and role != "manager":
        raise invalid(["restrictions"], f"only managers can be restricted, not a user with role '{role}'")
    return sorted(set(restrictions))


def get_user(session: Session, workspace_id: uuid.UUID, raw_id: str, *, for_update: bool = False) -> User:
    try:
        user_id = uuid.UUID(raw_id)
    except ValueError:
        raise NotFound("user") from None
    stmt = select(User).where(User.id == user_id, User.workspace_id == workspace_id)
    if for_update:
        stmt = stmt.with_for_update()
    user = session.scalars(stmt).one_or_none()
    if user is None:
        raise NotFound("user")
    return user


def create_user(session: Session, workspace_id: uuid.UUID, body: UserCreate) -> tuple[User, str]:
    email = normalize_email(body.email, ["email"])
    restrictions = _check_restrictions(body.role, list(body.restrictions))
    if session.scalar(select(User.id).where(User.workspace_id == workspace_id, User.email == email)):
        raise Conflict(f"a user with e-mail {email} already exists in this workspace")
    user = User(
        workspace_id=workspace_id, email=email, name=body.name, role=body.role, restrictions=restrictions
    )
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:  # a concurrent request added the same address first
        raise Conflict(f"a user with e-mail {email} already exists in this workspace") from None
    token = issue_token(session, user)
    session.flush()
    return user, token


def update_user(session: Session, workspace_id: uuid.UUID, raw_id: str, body: UserUpdate) -> User:
    # Lock every owner row first so two concurrent demotions cannot both see "another owner left".
    session.execute(
        select(User.id).where(User.workspace_id == workspace_id, User.role == "owner").with_for_update()
    )
    user = get_user(session, workspace_id, raw_id, for_update=True)
    role = body.role if body.role is not None else user.role
    if user.role == "owner" and role != "owner":
        owners = session.scalar(
            select(func.count()).where(User.workspace_id == workspace_id, User.role == "owner")
        )
        if (owners or 0) <= 1:
            raise Conflict("the workspace's last owner cannot be demoted; make another user owner first")
    if body.restrictions is not None:
        restrictions: list[str] = list(body.restrictions)
    else:
        # Restrictions only mean something for managers: a role change away from manager drops them.
        restrictions = list(user.restrictions) if role == "manager" else []
    user.role = role
    user.restrictions = _check_restrictions(role, restrictions)
    session.flush()
    return user


def list_users(session: Session, workspace_id: uuid.UUID, page: PageRequest) -> tuple[list[User], str | None]:
    """The workspace's users, oldest first."""
    return keyset_page(
        session,
        select(User).where(User.workspace_id == workspace_id),
        User.created_at,
        User.id,
        page,
        scope=f"users:{workspace_id}",
        newest_first=False,
    )


def issue_user_token(session: Session, workspace_id: uuid.UUID, raw_id: str) -> tuple[User, str]:
    user = get_user(session, workspace_id, raw_id)
    token = issue_token(session, user)
    session.flush()
    return user, token


def revoke_user_tokens(session: Session, workspace_id: uuid.UUID, raw_id: str) -> int:
    """Revoke every live token of a user (e.g. someone left the team), and end their web sessions."""
    user = get_user(session, workspace_id, raw_id)
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    session.execute(
        update(WebSession)
        .where(WebSession.user_id == user.id, WebSession.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
