"""Operator CLI: add-user and seed (run in-process against the test database)."""

from __future__ import annotations

import uuid
from typing import Any

import phonenumbers
from sqlalchemy import func, select

from api_service.cli import main
from shared.models import Channel, Contact, ContactChannel, ContactField, Message, OutboxEntry


def test_add_user_prints_a_working_token(client, workspace, capsys) -> None:
    code = main(
        [
            "add-user",
            "--workspace-id",
            workspace.id,
            "--email",
            "Ops@Example.com",
            "--name",
            "Ops",
            "--role",
            "manager",
            "--restriction",
            "export_contacts",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    token = next(line.split()[1] for line in out.splitlines() if line.startswith("token"))
    me = client.get("/v1/users", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    added = [u for u in me.json()["items"] if u["email"] == "ops@example.com"]
    assert added and added[0]["restrictions"] == ["export_contacts"]
    again = main(
        [
            "add-user",
            "--workspace-id",
            workspace.id,
            "--email",
            "ops@example.com",
            "--name",
            "X",
            "--role",
            "agent",
        ]
    )
    assert again == 1
    assert "already exists" in capsys.readouterr().err


def test_seed_writes_realistic_contacts_with_outbox_rows(
    client, workspace, session_factory, sync_index
) -> None:
    code = main(
        ["seed", "--workspace-id", workspace.id, "--count", "120", "--batch-size", "50", "--random-seed", "7"]
    )
    assert code == 0
    with session_factory() as session:
        contacts = session.scalars(select(Contact).where(Contact.workspace_id == workspace.id)).all()
        outbox = session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.workspace_id == workspace.id)
        )
        channels = session.scalar(
            select(func.count()).select_from(Channel).where(Channel.workspace_id == workspace.id)
        )
        fields = session.scalar(
            select(func.count()).select_from(ContactField).where(ContactField.workspace_id == workspace.id)
        )
        without_identity = session.scalar(
            select(func.count())
            .select_from(Contact)
            .where(Contact.workspace_id == workspace.id, ~Contact.id.in_(select(ContactChannel.contact_id)))
        )
        newest_message: dict[uuid.UUID, Any] = {
            cid: at
            for cid, at in session.execute(
                select(Message.contact_id, func.max(Message.sent_at))
                .where(Message.workspace_id == workspace.id)
                .group_by(Message.contact_id)
            )
        }
    assert len(contacts) == outbox == 120
    assert channels >= 1 and fields >= 1
    assert without_identity == 0
    countries = {c.country for c in contacts}
    assert len(countries) >= 5
    for contact in contacts:
        if contact.phone:
            parsed = phonenumbers.parse(contact.phone, None)
            assert phonenumbers.is_valid_number(parsed), contact.phone
            assert phonenumbers.region_code_for_number(parsed) == contact.country, contact.phone
        assert contact.last_interaction_at == newest_message[contact.id]
        assert contact.version == 1
    phones = [c.phone for c in contacts if c.phone]
    assert len(phones) == len(set(phones))
    assert sync_index() >= 120
    found = client.post("/v1/contacts/search", headers=workspace.headers, json={"page_size": 1}).json()
    assert found["total"]["value"] == 120


def test_seed_refuses_an_unknown_workspace(capsys) -> None:
    assert main(["seed", "--workspace-id", str(uuid.uuid4()), "--count", "5"]) == 1
    assert "does not exist" in capsys.readouterr().err
