"""Helpers for the search tests: contacts through the API; definitions, channels and activity that
other modules own are written straight to PostgreSQL (with the outbox row, like their services)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from shared.models import Channel, Contact, ContactChannel, ContactField, User
from shared.outbox import record_change


def create_contact(client: Any, ws: Any, **fields: Any) -> dict[str, Any]:
    response = client.post("/v1/contacts", headers=ws.headers, json=fields)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def search(client: Any, ws: Any, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/contacts/search", headers=ws.headers, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def search_ids(client: Any, ws: Any, **body: Any) -> set[str]:
    body.setdefault("page_size", 200)
    return {c["id"] for c in search(client, ws, **body)["items"]}


def add_field(session_factory: Any, ws: Any, key: str, type_: str, options: list[str] | None = None) -> None:
    with session_factory.begin() as session:
        session.add(
            ContactField(
                workspace_id=uuid.UUID(ws.id), key=key, label=key.title(), type=type_, options=options or []
            )
        )


def add_user(session_factory: Any, ws: Any, role: str = "manager") -> str:
    with session_factory.begin() as session:
        user = User(
            workspace_id=uuid.UUID(ws.id), email=f"{uuid.uuid4().hex[:8]}@example.com", name="U", role=role
        )
        session.add(user)
        session.flush()
        return str(user.id)


def add_channel(session_factory: Any, ws: Any, name: str, type_: str = "whatsapp") -> str:
    with session_factory.begin() as session:
        channel = Channel(workspace_id=uuid.UUID(ws.id), name=name, type=type_)
        session.add(channel)
        session.flush()
        return str(channel.id)


def set_activity(
    session_factory: Any,
    ws: Any,
    contact_id: str,
    *,
    channels: tuple[tuple[str, str], ...] = (),
    **columns: datetime | str | None,
) -> None:
    """Attach channel identities and set activity columns (what inbound messages would do)."""
    with session_factory.begin() as session:
        contact = session.get(Contact, uuid.UUID(contact_id))
        assert contact is not None
        for channel_id, external_id in channels:
            session.add(
                ContactChannel(
                    workspace_id=contact.workspace_id,
                    contact_id=contact.id,
                    channel_id=uuid.UUID(channel_id),
                    external_id=external_id,
                )
            )
        for name, value in columns.items():
            is_channel = name == "last_interacted_channel_id" and value is not None
            setattr(contact, name, uuid.UUID(str(value)) if is_channel else value)
        # Always an UPDATE of the row, so the version moves and the index takes the new document.
        contact.updated_at = datetime.now(UTC)
        session.flush()
        record_change(session, contact.workspace_id, contact.id, contact.version)
