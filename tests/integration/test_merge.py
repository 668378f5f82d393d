"""Merge and unmerge through the API, with channels, messages, events and comments."""

from __future__ import annotations

import uuid
from typing import Any

import pytest


def post(client: Any, ws: Any, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post(path, headers=ws.headers, json=body)
    assert response.status_code == status, response.text
    return response.json()


def contact(client: Any, ws: Any, **fields: Any) -> dict[str, Any]:
    return post(client, ws, "/v1/contacts", fields, 201)


def items(client: Any, ws: Any, path: str) -> list[dict[str, Any]]:
    response = client.get(path, headers=ws.headers, params={"page_size": 200})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def get(client: Any, ws: Any, contact_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/contacts/{contact_id}", headers=ws.headers)
    assert response.status_code == 200, response.text
    return response.json()


def merge(
    client: Any, ws: Any, primary: str, secondary: str, status: int = 200, **choose: str
) -> dict[str, Any]:
    body = {"primary_id": primary, "secondary_id": secondary, "choose": choose}
    return post(client, ws, "/v1/contacts/merge", body, status)


def unmerge(client: Any, ws: Any, primary: str, merge_id: str, status: int = 200) -> dict[str, Any]:
    return post(client, ws, f"/v1/contacts/{primary}/unmerge", {"merge_id": merge_id}, status)


def inbound(
    client: Any, ws: Any, channel: str, external_id: str, text: str, **profile: str
) -> dict[str, Any]:
    body = {"external_id": external_id, "text": text, "profile": profile}
    return post(client, ws, f"/v1/channels/{channel}/inbound", body)


def search_ids(client: Any, ws: Any, query: str) -> list[str]:
    found = post(client, ws, "/v1/contacts/search", {"query": query})
    return [c["id"] for c in found["items"]]


@pytest.fixture
def channel(client: Any, workspace: Any) -> str:
    return post(client, workspace, "/v1/channels", {"name": "Acme WhatsApp", "type": "whatsapp"}, 201)["id"]


def test_merge_preview_compares_field_by_field(client, workspace) -> None:
    post(client, workspace, "/v1/contact-fields", {"key": "plan", "label": "Plan", "type": "text"}, 201)
    a = contact(
        client, workspace, first_name="Ann", email="ann@a.com", custom_fields={"plan": "pro"}, tags=["x"]
    )
    b = contact(client, workspace, first_name="Annie", phone="+60123456789", tags=["X", "y"])
    response = client.get(
        "/v1/contacts/merge-preview",
        headers=workspace.headers,
        params={"primary_id": a["id"], "secondary_id": b["id"]},
    )
    assert response.status_code == 200, response.text
    fields = {f["field"]: (f["primary"], f["secondary"]) for f in response.json()["fields"]}
    assert fields["first_name"] == ("Ann", "Annie")
    assert fields["email"] == ("ann@a.com", None)
    assert fields["phone"] == (None, "+60123456789")
    assert fields["custom.plan"] == ("pro", None)
    assert response.json()["tags"]["merged"] == ["x", "y"]


def test_merge_applies_choices_and_defaults_and_moves_the_history(
    client, workspace, channel, sync_index
) -> None:
    primary = contact(client, workspace, first_name="Ann", last_name="Lee", tags=["VIP"])
    secondary_id = inbound(client, workspace, channel, "+60111111111", "hello", first_name="Annie")[
        "contact_id"
    ]
    client.patch(
        f"/v1/contacts/{secondary_id}",
        headers=workspace.headers,
        json={"last_name": "Tan", "email": "annie@b.com", "tags": ["vip", "lead"]},
    )
    post(client, workspace, f"/v1/contacts/{secondary_id}/comments", {"text": "called her"}, 201)
    assert get(client, workspace, secondary_id)["conversation_status"] == "open"
    secondary_messages = {m["id"] for m in items(client, workspace, f"/v1/contacts/{secondary_id}/messages")}
    secondary_events = {e["id"] for e in items(client, workspace, f"/v1/contacts/{secondary_id}/events")}
    sync_index()
    assert search_ids(client, workspace, "annie") == [secondary_id]

    result = merge(client, workspace, primary["id"], secondary_id, last_name="secondary")
    merged = result["contact"]
    assert merged["id"] == primary["id"]
    assert (merged["first_name"], merged["last_name"], merged["email"]) == ("Ann", "Tan", "annie@b.com")
    assert merged["tags"] == ["VIP", "lead"]
    assert [c["external_id"] for c in merged["channels"]] == ["+60111111111"]
    messages = {m["id"] for m in items(client, workspace, f"/v1/contacts/{primary['id']}/messages")}
    assert secondary_messages <= messages and secondary_messages
    events = items(client, workspace, f"/v1/contacts/{primary['id']}/events")
    assert secondary_events <= {e["id"] for e in events}
    closed = [e for e in events if e["type"] == "conversation_closed"]
    assert len(closed) == 1 and closed[0]["triggers_workflows"] is False
    assert any(e["type"] == "merged" and e["data"]["merge_id"] == result["merge_id"] for e in events)
    assert [c["text"] for c in items(client, workspace, f"/v1/contacts/{primary['id']}/comments")] == [
        "called her"
    ]

    gone = client.get(f"/v1/contacts/{secondary_id}", headers=workspace.headers)
    assert gone.status_code == 404 and gone.json()["merged_into"] == primary["id"]
    sync_index()
    assert search_ids(client, workspace, "annie") == [primary["id"]]  # by the moved channel identity
    assert search_ids(client, workspace, "tan") == [primary["id"]]

    # A later message to the secondary's identity lands on the merged contact.
    later = inbound(client, workspace, channel, "+60111111111", "again")
    assert later["contact_id"] == primary["id"] and later["contact_created"] is False


def test_a_merge_that_would_exceed_the_tag_limit_is_refused_and_changes_nothing(client, workspace) -> None:
    primary = contact(client, workspace, first_name="Pia", tags=[f"p{i}" for i in range(30)])
    secondary = contact(client, workspace, first_name="Sol", tags=[f"s{i}" for i in range(21)] + ["P1"])
    refused = merge(client, workspace, primary["id"], secondary["id"], 422)
    assert refused["errors"][0]["loc"] == ["secondary_id"]
    assert "51 tags" in refused["errors"][0]["msg"]
    assert get(client, workspace, primary["id"]) == primary
    assert get(client, workspace, secondary["id"]) == secondary
    # Shared tags (ignoring case) count once: 30 + 20 is allowed.
    trimmed = client.patch(
        f"/v1/contacts/{secondary['id']}",
        headers=workspace.headers,
        json={"tags": [f"s{i}" for i in range(20)] + ["P1"]},
    )
    assert trimmed.status_code == 200, trimmed.text
    assert len(merge(client, workspace, primary["id"], secondary["id"])["contact"]["tags"]) == 50


def test_merge_refuses_self_merged_away_unknown_and_foreign_contacts(client, make_workspace) -> None:
    ws, other = make_workspace(), make_workspace()
    a, b, c = (contact(client, ws, first_name=n) for n in ("A", "B", "C"))
    foreign = contact(client, other, first_name="F")
    assert merge(client, ws, a["id"], a["id"], 422)["errors"][0]["loc"] == ["secondary_id"]
    assert merge(client, ws, a["id"], b["id"], 422, nickname="secondary")["errors"][0]["loc"] == [
        "choose",
        "nickname",
    ]
    merge(client, ws, a["id"], b["id"], 422, email="both")
    merge(client, ws, a["id"], foreign["id"], 404)
    merge(client, ws, a["id"], str(uuid.uuid4()), 404)
    response = client.post(
        "/v1/contacts/merge",
        headers=ws.headers,
        json={"primary_id": a["id"], "secondary_id": b["id"], "version": 1},
    )
    assert response.status_code == 422
    merge(client, ws, a["id"], b["id"])
    assert merge(client, ws, c["id"], b["id"], 422)["merged_into"] == a["id"]
    merge(client, ws, b["id"], c["id"], 422)
    preview = client.get(
        "/v1/contacts/merge-preview",
        headers=ws.headers,
        params={"primary_id": a["id"], "secondary_id": foreign["id"]},
    )
    assert preview.status_code == 404


def test_unmerge_restores_the_secondary_and_keeps_later_activity_on_the_primary(
    client, workspace, channel, sync_index
) -> None:
    primary = contact(client, workspace, first_name="Omar", tags=["gold"])
    sec_id = inbound(client, workspace, channel, "ext-77", "before merge", first_name="Sara")["contact_id"]
    client.patch(
        f"/v1/contacts/{sec_id}",
        headers=workspace.headers,
        json={"email": "sara@s.com", "phone": "+6590000000", "country": "SG", "tags": ["Gold", "new"]},
    )
    post(client, workspace, f"/v1/contacts/{sec_id}/comments", {"text": "old note"}, 201)
    own_before = get(client, workspace, sec_id)
    merged = merge(client, workspace, primary["id"], sec_id)
    assert merged["contact"]["email"] == "sara@s.com" and merged["contact"]["tags"] == ["gold", "new"]
    # Someone changes the phone the primary took; a message arrives after the merge.
    client.patch(f"/v1/contacts/{primary['id']}", headers=workspace.headers, json={"phone": "+6591111111"})
    after = inbound(client, workspace, channel, "ext-77", "after merge")
    assert after["contact_id"] == primary["id"]

    listed = items(client, workspace, f"/v1/contacts/{primary['id']}/merges")
    assert [m["id"] for m in listed] == [merged["merge_id"]] and listed[0]["secondary_id"] == sec_id
    result = unmerge(client, workspace, primary["id"], merged["merge_id"])
    back, restored = result["contact"], result["secondary"]
    assert restored["id"] == sec_id
    for field in ("first_name", "email", "phone", "country", "tags", "conversation_status"):
        assert restored[field] == own_before[field], field
    assert [c["external_id"] for c in restored["channels"]] == ["ext-77"]
    assert back["email"] is None  # taken from the secondary and unchanged since: reverted
    assert back["phone"] == "+6591111111"  # changed since the merge: kept
    assert back["country"] is None and back["tags"] == ["gold"] and back["channels"] == []
    sec_texts = [m["text"] for m in items(client, workspace, f"/v1/contacts/{sec_id}/messages")]
    assert sec_texts == ["before merge"]
    assert [m["text"] for m in items(client, workspace, f"/v1/contacts/{primary['id']}/messages")] == [
        "after merge"
    ]
    assert [c["text"] for c in items(client, workspace, f"/v1/contacts/{sec_id}/comments")] == ["old note"]
    assert any(
        e["type"] == "unmerged" for e in items(client, workspace, f"/v1/contacts/{primary['id']}/events")
    )
    assert any(e["type"] == "created" for e in items(client, workspace, f"/v1/contacts/{sec_id}/events"))
    # The identity is the secondary's again: new messages go to it.
    assert inbound(client, workspace, channel, "ext-77", "again")["contact_id"] == sec_id
    unmerge(client, workspace, primary["id"], merged["merge_id"], 409)
    assert items(client, workspace, f"/v1/contacts/{primary['id']}/merges")[0]["undone_at"] is not None
    sync_index()
    assert search_ids(client, workspace, "sara") == [sec_id]


def test_unmerge_keeps_a_tag_readded_since_the_merge(client, workspace) -> None:
    primary = contact(client, workspace, first_name="P", tags=["a"])
    secondary = contact(client, workspace, first_name="S", tags=["b", "c"])
    merged = merge(client, workspace, primary["id"], secondary["id"])
    assert merged["contact"]["tags"] == ["a", "b", "c"]
    client.patch(f"/v1/contacts/{primary['id']}", headers=workspace.headers, json={"tags": ["a", "c"]})
    client.patch(f"/v1/contacts/{primary['id']}", headers=workspace.headers, json={"tags": ["a", "c", "B"]})
    result = unmerge(client, workspace, primary["id"], merged["merge_id"])
    assert result["contact"]["tags"] == ["a", "B"]
    assert result["secondary"]["tags"] == ["b", "c"]


@pytest.mark.parametrize("order", ["oldest_first", "newest_first"])
def test_several_merges_into_one_primary_undo_in_any_order(client, workspace, order) -> None:
    primary = contact(client, workspace, first_name="Pat")
    b = contact(client, workspace, first_name="Bea", email="bea@b.com", tags=["t"])
    c = contact(client, workspace, first_name="Cy", email="cy@c.com", phone="+60123456789", tags=["t", "u"])
    first = merge(client, workspace, primary["id"], b["id"])
    second = merge(client, workspace, primary["id"], c["id"], email="secondary")
    merged = second["contact"]
    assert (merged["email"], merged["phone"], merged["tags"]) == ("cy@c.com", "+60123456789", ["t", "u"])
    listed = [m["id"] for m in items(client, workspace, f"/v1/contacts/{primary['id']}/merges")]
    assert listed == [second["merge_id"], first["merge_id"]]
    steps = [first, second] if order == "oldest_first" else [second, first]
    for step in steps:
        unmerge(client, workspace, primary["id"], step["merge_id"])
    final = get(client, workspace, primary["id"])
    assert (final["first_name"], final["email"], final["phone"], final["tags"]) == ("Pat", None, None, [])
    assert get(client, workspace, b["id"])["email"] == "bea@b.com"
    assert get(client, workspace, c["id"])["tags"] == ["t", "u"]


def test_unmerge_of_unknown_or_foreign_merge_is_404(client, make_workspace) -> None:
    ws, other = make_workspace(), make_workspace()
    a, b = contact(client, ws, first_name="A"), contact(client, ws, first_name="B")
    done = merge(client, ws, a["id"], b["id"])
    x = contact(client, other, first_name="X")
    unmerge(client, other, x["id"], done["merge_id"], 404)
    unmerge(client, ws, a["id"], str(uuid.uuid4()), 404)
    unmerge(client, ws, b["id"], done["merge_id"], 404)  # the secondary is hidden
    assert client.get(f"/v1/contacts/{a['id']}/merges", headers=other.headers).status_code == 404


def test_undoing_an_earlier_merge_leaves_the_primary_as_if_only_the_later_one_happened(
    client, workspace
) -> None:
    primary = contact(client, workspace, first_name="Pat")
    b = contact(client, workspace, first_name="Bea", email="bea@b.com", tags=["t"])
    c = contact(client, workspace, first_name="Cy", email="cy@c.com", tags=["t"])
    first = merge(client, workspace, primary["id"], b["id"])
    second = merge(client, workspace, primary["id"], c["id"])
    assert second["contact"]["email"] == "bea@b.com"  # the primary had one by then
    after_first = unmerge(client, workspace, primary["id"], first["merge_id"])["contact"]
    assert (after_first["email"], after_first["tags"]) == ("cy@c.com", ["t"])
    final = unmerge(client, workspace, primary["id"], second["merge_id"])["contact"]
    assert (final["email"], final["tags"]) == (None, [])


def test_a_merge_of_a_contact_another_transaction_holds_is_a_409(client, workspace, session_factory) -> None:
    from sqlalchemy import select

    from shared.models import Contact

    a, b = contact(client, workspace, first_name="A"), contact(client, workspace, first_name="B")
    with session_factory() as session, session.begin():
        session.execute(select(Contact.id).where(Contact.id == uuid.UUID(b["id"])).with_for_update())
        response = merge(client, workspace, a["id"], b["id"], 409)
        assert response["status"] == 409
    assert get(client, workspace, b["id"])["id"] == b["id"]  # nothing was half-done
    merge(client, workspace, a["id"], b["id"])


def test_parallel_merges_of_one_contact_one_wins(client, workspace) -> None:
    import threading

    secondary = contact(client, workspace, first_name="Shared")
    primaries = [contact(client, workspace, first_name=f"P{i}") for i in range(6)]
    barrier = threading.Barrier(len(primaries))
    statuses: list[int] = []

    def attempt(primary_id: str) -> None:
        barrier.wait()
        body = {"primary_id": primary_id, "secondary_id": secondary["id"]}
        statuses.append(client.post("/v1/contacts/merge", headers=workspace.headers, json=body).status_code)

    threads = [threading.Thread(target=attempt, args=(p["id"],)) for p in primaries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 409, 422}, statuses
    gone = client.get(f"/v1/contacts/{secondary['id']}", headers=workspace.headers)
    winner = gone.json()["merged_into"]
    assert [len(items(client, workspace, f"/v1/contacts/{p['id']}/merges")) for p in primaries].count(1) == 1
    assert len(items(client, workspace, f"/v1/contacts/{winner}/merges")) == 1
