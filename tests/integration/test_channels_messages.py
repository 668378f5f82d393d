"""Channels, the inbound flow, outgoing messages, conversation state, events and comments."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from shared.models import Contact, ContactChannel, Message, OutboxEntry


def make_channel(client: Any, ws: Any, type_: str = "whatsapp", name: str = "Acme WhatsApp") -> str:
    response = client.post("/v1/channels", headers=ws.headers, json={"name": name, "type": type_})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def inbound(client: Any, ws: Any, channel_id: str, **body: Any) -> dict[str, Any]:
    body.setdefault("text", "hello")
    response = client.post(f"/v1/channels/{channel_id}/inbound", headers=ws.headers, json=body)
    assert response.status_code == 200, response.text
    return dict(response.json())


def contact(client: Any, ws: Any, contact_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/contacts/{contact_id}", headers=ws.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def iso(moment: datetime) -> str:
    return moment.isoformat()


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_channels_are_created_and_listed_per_workspace(client, make_workspace) -> None:
    acme, other = make_workspace(), make_workspace()
    whatsapp = make_channel(client, acme, "whatsapp", "Acme WhatsApp")
    telegram = make_channel(client, acme, "telegram", "Acme Telegram")
    listed = client.get("/v1/channels", headers=acme.headers).json()
    assert [c["id"] for c in listed["items"]] == [whatsapp, telegram]
    assert listed["next_cursor"] is None
    assert client.get("/v1/channels", headers=other.headers).json()["items"] == []
    first = client.get("/v1/channels?page_size=1", headers=acme.headers).json()
    second = client.get(
        f"/v1/channels?page_size=1&cursor={first['next_cursor']}", headers=acme.headers
    ).json()
    assert [c["id"] for c in first["items"] + second["items"]] == [whatsapp, telegram]


def test_a_channel_type_outside_the_list_is_refused(client, workspace) -> None:
    response = client.post("/v1/channels", headers=workspace.headers, json={"name": "X", "type": "pager"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["type"]


def test_first_message_creates_the_contact_from_the_channel_profile(client, workspace) -> None:
    channel = make_channel(client, workspace, "whatsapp")
    sent = datetime.now(UTC) - timedelta(minutes=1)
    result = inbound(
        client,
        workspace,
        channel,
        external_id="60123456789",
        profile={"first_name": "Siti", "last_name": "Aminah", "profile_pic_url": "https://cdn.example/s.png"},
        text="Hi, is my order shipped?",
        sent_at=iso(sent),
    )
    assert result["contact_created"] is True
    body = contact(client, workspace, result["contact_id"])
    assert body["source"] == "channel"
    assert body["display_name"] == "Siti Aminah"
    assert body["avatar"] == {"url": "https://cdn.example/s.png"}
    # A WhatsApp id is the phone number; the contact gets it in E.164.
    assert body["phone"] == "+60123456789"
    assert body["channels"] == [
        {
            "channel_id": channel,
            "channel_name": "Acme WhatsApp",
            "type": "whatsapp",
            "external_id": "60123456789",
        }
    ]
    assert body["conversation_status"] == "open"
    assert parse(body["conversation_opened_at"]) == sent
    assert parse(body["last_interaction_at"]) == sent
    assert parse(body["last_incoming_message_at"]) == sent
    assert body["last_interacted_channel_id"] == channel
    assert body["version"] == result["version"]
    messages = client.get(f"/v1/contacts/{result['contact_id']}/messages", headers=workspace.headers).json()
    assert [(m["id"], m["direction"], m["text"]) for m in messages["items"]] == [
        (result["message_id"], "incoming", "Hi, is my order shipped?")
    ]
    events = client.get(f"/v1/contacts/{result['contact_id']}/events", headers=workspace.headers).json()
    assert [e["type"] for e in events["items"]] == ["conversation_opened", "created"]
    assert set(events["items"][0]) == {"id", "type", "at", "actor_id", "data", "triggers_workflows"}


def test_next_message_finds_the_same_contact_and_keeps_the_conversation_open(
    client, workspace, session_factory
) -> None:
    channel = make_channel(client, workspace)
    first = inbound(client, workspace, channel, external_id="60123456789", profile={"first_name": "Siti"})
    second = inbound(client, workspace, channel, external_id="60123456789", profile={"first_name": "Other"})
    assert second["contact_created"] is False
    assert second["contact_id"] == first["contact_id"]
    assert contact(client, workspace, first["contact_id"])["first_name"] == "Siti"
    events = client.get(f"/v1/contacts/{first['contact_id']}/events", headers=workspace.headers).json()
    assert [e["type"] for e in events["items"]].count("conversation_opened") == 1
    with session_factory() as session:
        outbox = session.scalar(select(func.count()).where(OutboxEntry.contact_id == first["contact_id"]))
    assert outbox == 2


def test_a_known_contact_gets_only_a_missing_name_or_picture_from_the_channel(client, workspace) -> None:
    channel = make_channel(client, workspace, "messenger", "Acme Messenger")
    first = inbound(client, workspace, channel, external_id="psid-1", profile={})
    inbound(
        client,
        workspace,
        channel,
        external_id="psid-1",
        profile={"first_name": "Noor", "profile_pic_url": "https://cdn.example/n.png"},
    )
    body = contact(client, workspace, first["contact_id"])
    assert (body["first_name"], body["profile_pic_url"]) == ("Noor", "https://cdn.example/n.png")
    client.patch(f"/v1/contacts/{first['contact_id']}", headers=workspace.headers, json={"first_name": "Nur"})
    inbound(
        client,
        workspace,
        channel,
        external_id="psid-1",
        profile={"first_name": "Other", "profile_pic_url": "https://cdn.example/o.png"},
    )
    body = contact(client, workspace, first["contact_id"])
    assert (body["first_name"], body["profile_pic_url"]) == ("Nur", "https://cdn.example/n.png")


def test_a_channel_contact_without_name_phone_or_email_is_shown_by_its_external_id(client, workspace) -> None:
    channel = make_channel(client, workspace, "messenger", "Acme Messenger")
    result = inbound(client, workspace, channel, external_id="psid-889900", profile={})
    body = contact(client, workspace, result["contact_id"])
    assert body["display_name"] == "psid-889900"
    assert body["avatar"]["initials"] == "P"
    assert body["avatar"]["color"].startswith("#")


def test_an_email_channel_fills_the_email_address(client, workspace) -> None:
    channel = make_channel(client, workspace, "email", "Support inbox")
    result = inbound(client, workspace, channel, external_id="Jane.Doe@Example.com", profile={})
    body = contact(client, workspace, result["contact_id"])
    assert body["email"] == "jane.doe@example.com"
    assert body["display_name"] == "jane.doe@example.com"


def test_late_messages_never_move_timestamps_backwards(client, workspace) -> None:
    whatsapp = make_channel(client, workspace, "whatsapp")
    telegram = make_channel(client, workspace, "telegram", "Acme Telegram")
    now = datetime.now(UTC)
    newest = now - timedelta(minutes=5)
    first = inbound(client, workspace, whatsapp, external_id="60123456789", sent_at=iso(newest))
    cid = first["contact_id"]
    client.post(f"/v1/contacts/{cid}/conversation", headers=workspace.headers, json={"status": "closed"})
    # A message sent three hours ago is delivered only now (out of order).
    late = inbound(
        client, workspace, whatsapp, external_id="60123456789", sent_at=iso(now - timedelta(hours=3))
    )
    body = contact(client, workspace, cid)
    assert parse(body["last_interaction_at"]) == newest
    assert parse(body["last_incoming_message_at"]) == newest
    assert parse(body["conversation_opened_at"]) == newest
    # The late message still reopened the closed conversation and sits in the history by its time.
    assert body["conversation_status"] == "open"
    history = client.get(f"/v1/contacts/{cid}/messages", headers=workspace.headers).json()["items"]
    assert [m["id"] for m in history] == [first["message_id"], late["message_id"]]
    # An outgoing message on another channel now is the newest interaction.
    sent = client.post(
        f"/v1/contacts/{cid}/messages",
        headers=workspace.headers,
        json={"channel_id": telegram, "text": "On it"},
    )
    assert sent.status_code == 201, sent.text
    body = contact(client, workspace, cid)
    assert body["last_interacted_channel_id"] == telegram
    assert parse(body["last_interaction_at"]) > newest
    assert parse(body["last_incoming_message_at"]) == newest
    assert body["version"] == sent.json()["contact_version"]


def test_a_late_message_on_another_channel_does_not_become_the_last_interacted_channel(
    client, workspace
) -> None:
    whatsapp = make_channel(client, workspace, "whatsapp")
    sms = make_channel(client, workspace, "sms", "Acme SMS")
    now = datetime.now(UTC)
    result = inbound(client, workspace, whatsapp, external_id="60123456789", sent_at=iso(now))
    cid = result["contact_id"]
    client.post(
        f"/v1/contacts/{cid}/messages", headers=workspace.headers, json={"channel_id": sms, "text": "hi"}
    )
    sms_time = parse(contact(client, workspace, cid)["last_interaction_at"])
    # A WhatsApp message sent before the SMS reply arrives late.
    inbound(client, workspace, whatsapp, external_id="60123456789", sent_at=iso(now - timedelta(seconds=30)))
    body = contact(client, workspace, cid)
    assert body["last_interacted_channel_id"] == sms
    assert parse(body["last_interaction_at"]) == sms_time


def test_sent_at_must_carry_an_offset_and_not_be_in_the_future(client, workspace, session_factory) -> None:
    channel = make_channel(client, workspace)
    with session_factory() as session:
        before = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.workspace_id == workspace.id)
        )
    future = datetime.now(UTC) + timedelta(hours=1)
    for sent_at in (iso(future), "2024-01-01T10:00:00", "yesterday"):
        response = client.post(
            f"/v1/channels/{channel}/inbound",
            headers=workspace.headers,
            json={"external_id": "60123456789", "text": "hi", "sent_at": sent_at},
        )
        assert response.status_code == 422, (sent_at, response.text)
        assert response.json()["errors"][0]["loc"] == ["sent_at"]
    with session_factory() as session:
        after = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.workspace_id == workspace.id)
        )
    assert after == before == 0


def test_concurrent_first_messages_create_one_contact(client, workspace, session_factory) -> None:
    channel = make_channel(client, workspace, "telegram", "Acme Telegram")
    results: list[dict[str, Any]] = []
    barrier = threading.Barrier(6)

    def send(n: int) -> None:
        barrier.wait()
        response = client.post(
            f"/v1/channels/{channel}/inbound",
            headers=workspace.headers,
            json={"external_id": "tg-424242", "text": f"msg {n}", "profile": {"first_name": "Ravi"}},
        )
        results.append({"status": response.status_code, **response.json()})

    threads = [threading.Thread(target=send, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r["status"] for r in results] == [200] * 6
    assert len({r["contact_id"] for r in results}) == 1
    assert sum(r["contact_created"] for r in results) == 1
    with session_factory() as session:
        contacts = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.workspace_id == workspace.id)
        )
        identities = session.scalar(
            select(func.count())
            .select_from(ContactChannel)
            .where(ContactChannel.workspace_id == workspace.id)
        )
        messages = session.scalar(
            select(func.count()).select_from(Message).where(Message.workspace_id == workspace.id)
        )
    assert (contacts, identities, messages) == (1, 1, 6)


def test_conversation_open_and_close_are_logged(client, workspace) -> None:
    created = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Ana"}).json()
    cid = created["id"]
    assert created["conversation_status"] == "closed"
    opened = client.post(
        f"/v1/contacts/{cid}/conversation", headers=workspace.headers, json={"status": "open"}
    )
    assert opened.status_code == 200
    assert opened.json()["conversation_status"] == "open"
    assert opened.json()["conversation_opened_at"] is not None
    assert opened.json()["version"] == created["version"] + 1
    again = client.post(
        f"/v1/contacts/{cid}/conversation", headers=workspace.headers, json={"status": "open"}
    )
    assert again.json()["version"] == opened.json()["version"]
    closed = client.post(
        f"/v1/contacts/{cid}/conversation", headers=workspace.headers, json={"status": "closed"}
    )
    assert closed.json()["conversation_status"] == "closed"
    events = client.get(f"/v1/contacts/{cid}/events", headers=workspace.headers).json()["items"]
    assert [e["type"] for e in events] == ["conversation_closed", "conversation_opened", "created"]
    assert events[0]["actor_id"] == workspace.owner_id
    bad = client.post(
        f"/v1/contacts/{cid}/conversation", headers=workspace.headers, json={"status": "snoozed"}
    )
    assert bad.status_code == 422


def test_message_history_pages_newest_first_without_repeats(client, workspace) -> None:
    channel = make_channel(client, workspace)
    base = datetime.now(UTC) - timedelta(days=1)
    ids = []
    for n in range(7):
        # Two messages share a timestamp: ties are broken by id, so no page repeats or skips one.
        moment = base + timedelta(minutes=n // 2 * 2)
        ids.append(
            inbound(client, workspace, channel, external_id="60123456789", sent_at=iso(moment))["message_id"]
        )
    cid = inbound(client, workspace, channel, external_id="60123456789", sent_at=iso(base))["contact_id"]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        url = f"/v1/contacts/{cid}/messages?page_size=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=workspace.headers).json()
        seen.extend(m["id"] for m in page["items"])
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 8
    times = [
        m["sent_at"]
        for m in client.get(f"/v1/contacts/{cid}/messages?page_size=200", headers=workspace.headers).json()[
            "items"
        ]
    ]
    assert times == sorted(times, reverse=True)
    assert (
        client.get(f"/v1/contacts/{cid}/messages?page_size=0", headers=workspace.headers).status_code == 422
    )
    assert (
        client.get(f"/v1/contacts/{cid}/messages?page_size=201", headers=workspace.headers).status_code == 422
    )
    assert (
        client.get(f"/v1/contacts/{cid}/messages?cursor=forged.x", headers=workspace.headers).status_code
        == 400
    )


def test_comments_are_added_and_listed_newest_first(client, workspace) -> None:
    cid = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Ana"}).json()["id"]
    for text in ("first", "second"):
        response = client.post(f"/v1/contacts/{cid}/comments", headers=workspace.headers, json={"text": text})
        assert response.status_code == 201, response.text
        assert response.json()["author_id"] == workspace.owner_id
    listed = client.get(f"/v1/contacts/{cid}/comments", headers=workspace.headers).json()
    assert [c["text"] for c in listed["items"]] == ["second", "first"]
    too_long = client.post(
        f"/v1/contacts/{cid}/comments", headers=workspace.headers, json={"text": "x" * 5001}
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["loc"] == ["text"]
    assert (
        client.post(
            f"/v1/contacts/{cid}/comments", headers=workspace.headers, json={"text": "  "}
        ).status_code
        == 422
    )
    assert len(client.get(f"/v1/contacts/{cid}/comments", headers=workspace.headers).json()["items"]) == 2


def test_outgoing_message_needs_a_channel_of_the_workspace(client, make_workspace, session_factory) -> None:
    acme, other = make_workspace(), make_workspace()
    foreign = make_channel(client, other)
    cid = client.post("/v1/contacts", headers=acme.headers, json={"first_name": "Ana"}).json()["id"]
    response = client.post(
        f"/v1/contacts/{cid}/messages", headers=acme.headers, json={"channel_id": foreign, "text": "hi"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["channel_id"]
    assert client.get(f"/v1/contacts/{cid}/messages", headers=acme.headers).json()["items"] == []
    assert client.get(f"/v1/contacts/{cid}", headers=acme.headers).json()["last_interaction_at"] is None


def test_inbound_changes_reach_search(client, workspace, sync_index) -> None:
    channel = make_channel(client, workspace, "telegram", "Acme Telegram")
    result = inbound(client, workspace, channel, external_id="tg-777", profile={"first_name": "Wiremu"})
    sync_index()
    found = client.post("/v1/contacts/search", headers=workspace.headers, json={"query": "wiremu"}).json()
    assert [c["id"] for c in found["items"]] == [result["contact_id"]]
    assert found["items"][0]["conversation_status"] == "open"
