"""Contact records: create, read, partial update, delete; fallbacks, validation and caps; and bad
input for every write endpoint answering a 4xx problem without writing anything."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from shared.contact_card import AVATAR_COLORS
from shared.models import Comment, ContactChannel, Event, Message, OutboxEntry
from tests.integration.records_support import build_world, snapshot


def create(client: Any, ws: Any, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/contacts", headers=ws.headers, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_create_normalises_values_and_reads_back(client, workspace) -> None:
    contact = create(
        client,
        workspace,
        first_name="  Aisyah ",
        last_name="Rahman",
        email="Aisyah.Rahman@Example.MY",
        phone="012-345 6789",
        country="my",
        language="ms-MY",
        tags=["VIP", "vip", "lead"],
    )
    assert contact["first_name"] == "Aisyah"
    assert contact["email"] == "aisyah.rahman@example.my"
    assert contact["phone"] == "+60123456789"
    assert contact["country"] == "MY"
    assert contact["tags"] == ["VIP", "lead"]
    assert contact["source"] == "contacts_module"
    assert contact["version"] == 1
    assert contact["channels"] == []
    assert contact["conversation_status"] == "closed"
    read = client.get(f"/v1/contacts/{contact['id']}", headers=workspace.headers).json()
    assert read == contact
    events = client.get(f"/v1/contacts/{contact['id']}/events", headers=workspace.headers).json()["items"]
    # Contacts added in the module run no automations.
    assert [(e["type"], e["triggers_workflows"]) for e in events] == [("created", False)]


def test_display_name_and_avatar_fallbacks(client, workspace) -> None:
    named = create(client, workspace, first_name="John", last_name="Doe", phone="+60123456789")
    assert named["display_name"] == "John Doe"
    assert named["avatar"]["initials"] == "JD"
    assert named["avatar"]["color"] in AVATAR_COLORS
    phone_only = create(client, workspace, phone="+60123456789", email="x@example.com")
    assert phone_only["display_name"] == "+60123456789"
    email_only = create(client, workspace, email="zed@example.com")
    assert email_only["display_name"] == "zed@example.com"
    assert email_only["avatar"]["initials"] == "Z"
    pictured = create(client, workspace, first_name="Pic", profile_pic_url="https://cdn.example/p.png")
    assert pictured["avatar"] == {"url": "https://cdn.example/p.png"}


def test_avatar_colour_is_stable_for_a_contact(client, workspace) -> None:
    contact = create(client, workspace, first_name="Lee")
    renamed = client.patch(
        f"/v1/contacts/{contact['id']}",
        headers=workspace.headers,
        json={"first_name": "Kim", "last_name": "Ng"},
    ).json()
    assert renamed["avatar"] == {"initials": "KN", "color": contact["avatar"]["color"]}
    colours = {create(client, workspace, first_name=f"C{n}")["avatar"]["color"] for n in range(12)}
    assert len(colours) > 1  # colours differ between contacts


def test_partial_update_changes_only_given_fields_and_bumps_the_version(client, workspace) -> None:
    contact = create(client, workspace, first_name="Ana", email="ana@example.com", country="SG")
    cid = contact["id"]
    patched = client.patch(f"/v1/contacts/{cid}", headers=workspace.headers, json={"phone": "8123 4567"})
    assert patched.status_code == 200, patched.text
    body = patched.json()
    assert body["phone"] == "+6581234567"  # the stored country is the region hint
    assert (body["first_name"], body["email"]) == ("Ana", "ana@example.com")
    assert body["version"] == 2
    tagged = client.patch(f"/v1/contacts/{cid}", headers=workspace.headers, json={"tags": ["vip"]}).json()
    assigned = client.patch(
        f"/v1/contacts/{cid}", headers=workspace.headers, json={"assignee_id": workspace.owner_id}
    ).json()
    cleared = client.patch(f"/v1/contacts/{cid}", headers=workspace.headers, json={"email": None}).json()
    assert [tagged["version"], assigned["version"], cleared["version"]] == [3, 4, 5]
    assert cleared["email"] is None
    unchanged = client.patch(
        f"/v1/contacts/{cid}", headers=workspace.headers, json={"first_name": "Ana"}
    ).json()
    assert unchanged["version"] == 5
    types = [
        e["type"] for e in client.get(f"/v1/contacts/{cid}/events", headers=workspace.headers).json()["items"]
    ]
    assert types.count("tagged") == 1 and types.count("assigned") == 1 and "updated" in types


def test_a_contact_needs_a_first_name_email_or_phone(client, workspace) -> None:
    response = client.post("/v1/contacts", headers=workspace.headers, json={"last_name": "Only"})
    assert response.status_code == 422
    contact = create(client, workspace, first_name="Ana")
    cleared = client.patch(
        f"/v1/contacts/{contact['id']}", headers=workspace.headers, json={"first_name": None}
    )
    assert cleared.status_code == 422
    assert (
        client.get(f"/v1/contacts/{contact['id']}", headers=workspace.headers).json()["first_name"] == "Ana"
    )


def test_delete_takes_channels_messages_events_and_comments_and_tells_search(
    client, workspace, session_factory
) -> None:
    channel = client.post(
        "/v1/channels", headers=workspace.headers, json={"name": "WA", "type": "whatsapp"}
    ).json()
    result = client.post(
        f"/v1/channels/{channel['id']}/inbound",
        headers=workspace.headers,
        json={"external_id": "60123456789", "text": "hi", "profile": {"first_name": "Del"}},
    ).json()
    cid = result["contact_id"]
    client.post(f"/v1/contacts/{cid}/comments", headers=workspace.headers, json={"text": "note"})
    version = client.get(f"/v1/contacts/{cid}", headers=workspace.headers).json()["version"]
    assert client.delete(f"/v1/contacts/{cid}", headers=workspace.headers).status_code == 204
    assert client.get(f"/v1/contacts/{cid}", headers=workspace.headers).status_code == 404
    assert client.delete(f"/v1/contacts/{cid}", headers=workspace.headers).status_code == 404
    with session_factory() as session:
        for model in (ContactChannel, Message, Event, Comment):
            left = session.scalar(select(func.count()).select_from(model).where(model.contact_id == cid))
            assert left == 0, model.__tablename__
        newest = session.scalar(select(func.max(OutboxEntry.version)).where(OutboxEntry.contact_id == cid))
    assert newest == version + 1
    # The identity is free again: the next message from that number makes a new contact.
    again = client.post(
        f"/v1/channels/{channel['id']}/inbound",
        headers=workspace.headers,
        json={"external_id": "60123456789", "text": "back"},
    ).json()
    assert again["contact_created"] is True and again["contact_id"] != cid


INVALID_CONTACTS = [
    ({"first_name": "A", "phone": "12345"}, ["phone"]),
    ({"first_name": "A", "phone": "012-345 6789"}, ["phone"]),  # national form needs a country
    ({"first_name": "A", "email": "a@"}, ["email"]),
    ({"first_name": "A", "country": "XX"}, ["country"]),
    ({"first_name": "A", "country": "MYS"}, ["country"]),
    ({"first_name": "A", "language": "english!"}, ["language"]),
    ({"first_name": "A", "profile_pic_url": "javascript:alert(1)"}, ["profile_pic_url"]),
    ({"first_name": "A" * 201}, ["first_name"]),
    ({"first_name": "A", "tags": [f"t{n}" for n in range(51)]}, ["tags"]),
    ({"first_name": "A", "tags": ["x" * 101]}, ["tags", 0]),
    ({"first_name": "A", "tags": [""]}, ["tags", 0]),
    ({"first_name": "A", "custom_fields": {"nope": 1}}, ["custom_fields", "nope"]),
    ({"first_name": "A", "assignee_id": "00000000-0000-0000-0000-000000000000"}, ["assignee_id"]),
    ({"first_name": "A", "id": "00000000-0000-0000-0000-000000000000"}, ["id"]),
    ({"first_name": "A", "workspace_id": "00000000-0000-0000-0000-000000000000"}, ["workspace_id"]),
    ({"first_name": "A", "version": 7}, ["version"]),
    ({"first_name": "A", "source": "import"}, ["source"]),
    ({"first_name": "A", "display_name": "X"}, ["display_name"]),
    ({"first_name": "A", "created_at": "2020-01-01T00:00:00Z"}, ["created_at"]),
]


@pytest.mark.parametrize(("body", "loc"), INVALID_CONTACTS, ids=[str(loc) for _, loc in INVALID_CONTACTS])
def test_invalid_contact_input_is_a_422_naming_the_field(
    client, workspace, session_factory, body: dict[str, Any], loc: list[Any]
) -> None:
    contact = create(client, workspace, first_name="Keep")
    before = snapshot(session_factory, workspace.id)
    for method, path in (("POST", "/v1/contacts"), ("PATCH", f"/v1/contacts/{contact['id']}")):
        response = client.request(method, path, headers=workspace.headers, json=body)
        assert response.status_code == 422, (method, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == loc
    assert snapshot(session_factory, workspace.id) == before


# Bad input for every write endpoint: (method, path, raw body or JSON, expected status).
BAD_WRITES: list[tuple[str, str, Any, int]] = [
    ("POST", "/v1/contacts", "{not json", 422),
    ("POST", "/v1/contacts", [1, 2], 422),
    ("POST", "/v1/contacts", {"first_name": "A", "custom_fields": {"plan": {"nested": True}}}, 422),
    ("POST", "/v1/contacts", {"first_name": "A", "custom_fields": {"plan": 10**30}}, 422),
    ("POST", "/v1/contacts", {"first_name": "A\u0000B"}, 422),
    ("PATCH", "/v1/contacts/{contact}", {"tags": "vip"}, 422),
    ("PATCH", "/v1/contacts/{contact}", {"tags": ["ok", "n\u0000l"]}, 422),
    ("PATCH", "/v1/contacts/{contact}", {"first_name": None, "email": None, "last_name": "x"}, 422),
    ("POST", "/v1/channels", {"name": "", "type": "whatsapp"}, 422),
    ("POST", "/v1/channels", {"name": "X", "type": "whatsapp", "workspace_id": "x"}, 422),
    ("POST", "/v1/channels/{channel}/inbound", {"text": "no external id"}, 422),
    ("POST", "/v1/channels/{channel}/inbound", {"external_id": "1", "text": ""}, 422),
    ("POST", "/v1/channels/{channel}/inbound", {"external_id": "1", "text": "x" * 10_001}, 422),
    ("POST", "/v1/channels/{channel}/inbound", {"external_id": "x" * 201, "text": "hi"}, 422),
    (
        "POST",
        "/v1/channels/{channel}/inbound",
        {"external_id": "1", "text": "hi", "profile": {"profile_pic_url": "data:x"}},
        422,
    ),
    (
        "POST",
        "/v1/channels/{channel}/inbound",
        {"external_id": "1", "text": "hi", "profile": {"age": 3}},
        422,
    ),
    (
        "POST",
        "/v1/channels/{channel}/inbound",
        {"external_id": "1", "text": "hi", "sent_at": "3000-01-01T00:00:00Z"},
        422,
    ),
    ("POST", "/v1/channels/{channel}/inbound", {"external_id": "a\u0000", "text": "hi"}, 422),
    (
        "POST",
        "/v1/channels/{channel}/inbound",
        {"external_id": "1", "text": "hi", "sent_at": "0001-01-01T00:00:00+14:00"},
        422,
    ),
    ("POST", "/v1/contacts/{contact}/messages", {"channel_id": "not-a-uuid", "text": "hi"}, 422),
    ("POST", "/v1/contacts/{contact}/messages", {"channel_id": "{channel}"}, 422),
    ("POST", "/v1/contacts/{contact}/conversation", {"status": "OPEN"}, 422),
    ("POST", "/v1/contacts/{contact}/conversation", {}, 422),
    ("POST", "/v1/contacts/{contact}/comments", {"text": ""}, 422),
    ("POST", "/v1/contacts/{contact}/comments", {"text": "\u0000"}, 422),
    ("POST", "/v1/contacts/{contact}/comments", {"text": "x", "author_id": "{owner}"}, 422),
    ("POST", "/v1/contact-fields", {"key": "plan", "label": "Dup", "type": "text"}, 409),
    ("POST", "/v1/contact-fields", {"key": "x", "label": "X", "type": "select", "options": ["a", "a"]}, 422),
    ("PATCH", "/v1/contact-fields/{field}", {"type": "number"}, 422),
    ("PATCH", "/v1/contact-fields/{field}", {"options": ["a"]}, 422),
    ("PATCH", "/v1/contact-fields/{field}", {"key": "renamed"}, 422),
    ("POST", "/v1/users", {"email": "x@example.com", "name": "X", "role": "root"}, 422),
    (
        "POST",
        "/v1/users",
        {"email": "x@example.com", "name": "X", "role": "agent", "restrictions": ["x"]},
        422,
    ),
    ("PATCH", "/v1/users/{owner}", {"role": "agent"}, 409),
    ("PATCH", "/v1/users/{manager}", {"restrictions": ["export_contacts", "nope"]}, 422),
    ("PATCH", "/v1/users/{agent}", {"restrictions": ["export_contacts"]}, 422),
    ("PATCH", "/v1/users/{agent}", {"email": "new@example.com"}, 422),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    BAD_WRITES,
    ids=[f"{m} {p} #{n}" for n, (m, p, _, _) in enumerate(BAD_WRITES)],
)
def test_bad_input_to_any_write_endpoint_is_a_problem_and_writes_nothing(
    client, make_workspace, session_factory, method: str, path: str, body: Any, status: int
) -> None:
    world = build_world(client, make_workspace)
    before = snapshot(session_factory, world.workspace_id)
    if isinstance(body, str):
        kwargs: dict[str, Any] = {
            "content": body,
            "headers": {**world.headers(), "Content-Type": "application/json"},
        }
    else:
        filled = (
            {k: world.fill(v) if isinstance(v, str) else v for k, v in body.items()}
            if isinstance(body, dict)
            else body
        )
        kwargs = {"json": filled, "headers": world.headers()}
    response = client.request(method, world.fill(path), **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert {"type", "title", "status", "detail"} <= set(problem)
    if status == 422:
        assert problem["errors"] and problem["errors"][0]["loc"]
    assert snapshot(session_factory, world.workspace_id) == before


def test_the_table_row_and_the_contact_page_show_the_same_contact(
    client, workspace, session_factory, sync_index
) -> None:
    """The contacts table is served by a faster path than a single contact (no model per row); a
    user must still see exactly the same values in both, channels and timestamps included."""
    from api_service.contacts.schemas import ContactOut

    shop = {"name": "Shop", "type": "telegram"}
    channel = client.post("/v1/channels", headers=workspace.headers, json=shop)
    assert channel.status_code == 201, channel.text
    first = client.post(
        f"/v1/channels/{channel.json()['id']}/inbound",
        headers=workspace.headers,
        json={"external_id": "tg-4471", "profile": {"first_name": "Ngozi"}, "text": "hi"},
    )
    assert first.status_code == 200, first.text
    contact_id = first.json()["contact_id"]
    patched = client.patch(
        f"/v1/contacts/{contact_id}",
        headers=workspace.headers,
        json={"tags": ["vip", "b2b"], "email": "ngozi@example.com", "country": "NG"},
    )
    assert patched.status_code == 200, patched.text
    sync_index()
    page = client.post("/v1/contacts/search", headers=workspace.headers, json={"query": "ngozi"}).json()
    listed = client.get("/v1/contacts", headers=workspace.headers, params={"q": "ngozi"}).json()
    single = client.get(f"/v1/contacts/{contact_id}", headers=workspace.headers).json()
    assert page["items"] == [single] == listed["items"]
    assert single == patched.json()
    assert single["channels"][0]["external_id"] == "tg-4471"
    assert single["tags"] == ["vip", "b2b"]
    ContactOut.model_validate(page["items"][0])


def test_documents_indexed_before_cards_existed_are_shown_from_the_database(
    client, workspace, search_client, settings, sync_index
) -> None:
    """An index written by an older version holds documents without a card; until they are
    rewritten, their rows are read from PostgreSQL, so the table still shows them in full."""
    kept = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Olumide"}).json()
    gone = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Olumide2"}).json()
    sync_index()
    for contact in (kept, gone):
        doc = search_client.get(index=settings.index_alias, id=contact["id"], routing=workspace.id)
        old = doc["_source"]  # the card is stored outside _source: rewritten without it
        search_client.index(
            index=settings.index_alias, id=contact["id"], routing=workspace.id, body=old, refresh=True
        )
    # Deleted in PostgreSQL, its document not yet removed from the index: not shown.
    client.delete(f"/v1/contacts/{gone['id']}", headers=workspace.headers)
    page = client.post("/v1/contacts/search", headers=workspace.headers, json={"query": "olumide"}).json()
    single = client.get(f"/v1/contacts/{kept['id']}", headers=workspace.headers).json()
    assert page["items"] == [single]
