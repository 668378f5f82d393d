"""Workspaces and API tokens."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from api_service.auth import hash_token
from shared.models import ApiToken, User, Workspace

TOKEN_PREFIX = "ct_"


def issue_token(session: Session, user: User) -> str:
    """A new random token for the user; only its hash is stored, the token is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(workspace_id=user.workspace_id, user_id=user.id, token_hash=hash_token(token)))
    return token


def revoke_token(session: Session, token: str) -> bool:
    row = session.query(ApiToken).filter_by(token_hash=hash_token(token), revoked_at=None).one_or_none()
    if row is None:
        return False
    row.revoked_at = datetime.now(UTC)
    return True


def create_workspace(
    session: Session, name: str, owner_email: str, owner_name: str
) -> tuple[Workspace, User, str]:
    workspace = Workspace(name=name)
    session.add(workspace)
    session.flush()
    owner = User(
        workspace_id=workspace.id, email=owner_email.lower(), name=owner_name, role="owner", restrictions=[]
    )
    session.add(owner)
    session.flush()
    token = issue_token(session, owner)
    session.flush()
    return workspace, owner, token
