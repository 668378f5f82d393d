"""Helpers for the search tests: contacts through the API; definitions, channels and activity that
other modules own are written straight to PostgreSQL (with the outbox row, like their services)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from shared.models import Contact, ContactChannel
from shared.outbox import record_change


def search(client: Any, ws: Any, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/contacts/search", headers=ws.headers, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def search_ids(client: Any, ws: Any, **body: Any) -> set[str]:
    body.setdefault("page_size", 200)
    return {c["id"] for c in search(client, ws, **body)["items"]}


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
