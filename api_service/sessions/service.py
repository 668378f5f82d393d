"""Sign-in links and web sessions. Only hashes of the link codes and session secrets are stored,
in PostgreSQL, so every API replica sees the same sessions and a sign-out counts everywhere."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql import func

from api_service.auth import csrf_token, hash_secret
from api_service.auth.tokens import new_secret
from api_service.errors import NotFound, ProblemError
from shared.models import ApiToken, SignInLink, User, WebSession, Workspace
from shared.settings import Settings


@dataclass(frozen=True)
class OpenedSession:
    secret: str
    csrf_token: str
    expires_at: datetime


def create_sign_in_link(
    session: Session, settings: Settings, workspace_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[str, datetime]:
    """A one-time link for a user of the workspace (a user of another workspace is not found)."""
    found = session.scalar(select(User.id).where(User.id == user_id, User.workspace_id == workspace_id))
    if found is None:
        raise NotFound("user")
    # Housekeeping: this user's used and expired links are of no further use.
    session.execute(
        delete(SignInLink).where(
            SignInLink.user_id == user_id,
            or_(SignInLink.used_at.is_not(None), SignInLink.expires_at <= func.now()),
        )
    )
    code = new_secret()
    expires_at = datetime.now(UTC) + timedelta(minutes=settings.sign_in_link_ttl_minutes)
    session.add(
        SignInLink(
            workspace_id=workspace_id, user_id=user_id, code_hash=hash_secret(code), expires_at=expires_at
        )
    )
    session.flush()
    return f"{settings.app_url}/sign-in?{urlencode({'code': code})}", expires_at


def open_session_with_code(session: Session, settings: Settings, code: str) -> OpenedSession:
    """Use the link (atomically: two concurrent uses cannot both succeed) and open a session."""
    used = session.execute(
        update(SignInLink)
        .where(
            SignInLink.code_hash == hash_secret(code),
            SignInLink.used_at.is_(None),
            SignInLink.expires_at > func.now(),
        )
        .values(used_at=func.now())
        .returning(SignInLink.workspace_id, SignInLink.user_id)
    ).first()
    if used is None:
        raise ProblemError(401, "this sign-in link was already used, has expired or does not exist")
    workspace_id, user_id = used
    return _open(session, settings, workspace_id, user_id, token_id=None)


def open_session_with_token(session: Session, settings: Settings, token: str) -> OpenedSession:
    """A session for the owner of a live API token; revoking the token ends the session too."""
    row = session.execute(
        select(ApiToken.id, ApiToken.workspace_id, ApiToken.user_id).where(
            ApiToken.token_hash == hash_secret(token), ApiToken.revoked_at.is_(None)
        )
    ).first()
    if row is None:
        raise ProblemError(401, "invalid or revoked token")
    token_id, workspace_id, user_id = row
    return _open(session, settings, workspace_id, user_id, token_id=token_id)


def _open(
    session: Session,
    settings: Settings,
    workspace_id: uuid.UUID,
    user_id: uuid.UUID,
    token_id: uuid.UUID | None,
) -> OpenedSession:
    session.execute(
        delete(WebSession).where(
            WebSession.user_id == user_id,
            or_(WebSession.revoked_at.is_not(None), WebSession.expires_at <= func.now()),
        )
    )
    secret = new_secret()
    expires_at = datetime.now(UTC) + timedelta(hours=settings.session_ttl_hours)
    session.add(
        WebSession(
            workspace_id=workspace_id,
            user_id=user_id,
            secret_hash=hash_secret(secret),
            token_id=token_id,
            expires_at=expires_at,
        )
    )
    session.flush()
    return OpenedSession(secret, csrf_token(settings.secret_key, secret), expires_at)


def end_session(session: Session, session_id: uuid.UUID) -> None:
    session.execute(
        update(WebSession)
        .where(WebSession.id == session_id, WebSession.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )


def signed_in_user(session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID) -> tuple[User, Workspace]:
    row = session.execute(
        select(User, Workspace)
        .join(Workspace, Workspace.id == User.workspace_id)
        .where(User.id == user_id, User.workspace_id == workspace_id)
    ).first()
    if row is None:  # deleted between authentication and here
        raise NotFound("user")
    return row[0], row[1]
