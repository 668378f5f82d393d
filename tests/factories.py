"""Test data, made in one place: workspaces (through the API, as a client would), and the rows
other tests only need to exist (users with a token, channels, custom field definitions, channel
identities), inserted straight into PostgreSQL; contacts through the API."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from api_service.auth import hash_token
from shared.models import ApiToken, Channel, ContactChannel, ContactField, User

ADMIN_KEY = "test-admin-key"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class WorkspaceCtx:
    id: str
    owner_id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


@dataclass(frozen=True)
class UserCtx:
    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.token)


Workspace = WorkspaceCtx | str


def _workspace_id(workspace: Workspace) -> uuid.UUID:
    return uuid.UUID(workspace if isinstance(workspace, str) else workspace.id)


def new_workspace(client: Any, name: str | None = None) -> WorkspaceCtx:
    """A workspace with its owner, made through POST /v1/workspaces."""
    suffix = uuid.uuid4().hex[:8]
    response = client.post(
        "/v1/workspaces",
        headers={"X-Admin-Key": ADMIN_KEY},
        json={
            "name": name or f"ws-{suffix}",
            "owner": {"email": f"owner-{suffix}@example.com", "name": "Owner"},
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return WorkspaceCtx(id=body["workspace"]["id"], owner_id=body["user"]["id"], token=body["token"])


def add_user(
    session_factory: Any, workspace: Workspace, role: str = "manager", restrictions: list[str] | None = None
) -> UserCtx:
    """A user of the workspace with a working API token."""
    token = secrets.token_urlsafe(24)
    with session_factory() as session, session.begin():
        user = User(
            workspace_id=_workspace_id(workspace),
            email=f"{role}-{uuid.uuid4().hex[:8]}@example.com",
            name=f"A {role}",
            role=role,
            restrictions=restrictions or [],
        )
        session.add(user)
        session.flush()
        session.add(ApiToken(workspace_id=user.workspace_id, user_id=user.id, token_hash=hash_token(token)))
        return UserCtx(id=str(user.id), token=token)


def add_channel(session_factory: Any, workspace: Workspace, name: str, type_: str = "whatsapp") -> str:
    with session_factory.begin() as session:
        channel = Channel(workspace_id=_workspace_id(workspace), name=name, type=type_)
        session.add(channel)
        session.flush()
        return str(channel.id)


def add_field(
    session_factory: Any,
    workspace: Workspace,
    key: str,
    type_: str,
    options: list[str] | None = None,
    *,
    label: str | None = None,
) -> None:
    """A custom field definition (label: the key in title case unless given)."""
    with session_factory.begin() as session:
        session.add(
            ContactField(
                workspace_id=_workspace_id(workspace),
                key=key,
                label=label or key.title(),
                type=type_,
                options=options or [],
            )
        )


def add_channel_identity(
    session_factory: Any, workspace: Workspace, contact_id: str, name: str, type_: str, external_id: str
) -> str:
    """A new channel and the contact's identity on it; returns the channel id."""
    channel_id = add_channel(session_factory, workspace, name, type_)
    with session_factory.begin() as session:
        session.add(
            ContactChannel(
                workspace_id=_workspace_id(workspace),
                contact_id=uuid.UUID(contact_id),
                channel_id=uuid.UUID(channel_id),
                external_id=external_id,
            )
        )
    return channel_id


def new_contact(client: Any, workspace: Any, **fields: Any) -> dict[str, Any]:
    """A contact made through POST /v1/contacts."""
    response = client.post("/v1/contacts", headers=workspace.headers, json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def post_user(client: Any, workspace: WorkspaceCtx, role: str = "manager", **body: Any) -> dict[str, Any]:
    """POST /v1/users by the workspace's owner (a made-up e-mail unless given); the 201's body:
    the user and its token."""
    payload = {"email": f"{uuid.uuid4().hex[:8]}@example.com", "name": role.title(), "role": role, **body}
    response = client.post("/v1/users", headers=workspace.headers, json=payload)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def invite_user(client: Any, workspace: WorkspaceCtx, role: str = "manager") -> UserCtx:
    """A user added by the workspace's owner through POST /v1/users, with the token it answers."""
    body = post_user(client, workspace, role, name="Second")
    return UserCtx(id=body["user"]["id"], token=body["token"])
