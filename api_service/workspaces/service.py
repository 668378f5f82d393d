"""Workspaces: creation with their owner and first token, settings."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from api_service.auth import issue_token
from shared.countries import parse_country
from shared.models import User, Workspace


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


def get_workspace(session: Session, workspace_id: uuid.UUID) -> Workspace:
    return session.get_one(Workspace, workspace_id)


def update_settings(session: Session, workspace_id: uuid.UUID, changes: dict[str, Any]) -> Workspace:
    """The workspace's settings; a country is given by ISO code or name and stored as its code."""
    workspace = session.get_one(Workspace, workspace_id, with_for_update=True)
    if "default_country" in changes:
        raw = changes["default_country"]
        text = raw.strip() if isinstance(raw, str) else ""
        workspace.default_country = parse_country(text, ["default_country"]) if text else None
    session.flush()
    return workspace
