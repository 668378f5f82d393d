"""Filter tree through the API: limits and 422s naming the node, and the contract's semantics on
hand-picked cases (the differential test covers random trees)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import add_channel, add_field, new_contact
from tests.integration.search_support import search_ids, set_activity


def cond(field: str, op: str, value: Any = None) -> dict[str, Any]:
    node = {"field": field, "op": op}
    if value is not None:
        node["value"] = value
    return node


def rejected(client: Any, ws: Any, filter_tree: Any) -> dict[str, Any]:
    response = client.post("/v1/contacts/search", headers=ws.headers, json={"filter": filter_tree})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("tree", "loc"),
    [
        (
            {"and": [cond("country", "eq", "MY"), {"or": [cond("nope", "eq", "x")]}]},
            ["filter", "and", 1, "or", 0, "field"],
        ),
        ({"and": [cond("tags", "eq", "vip")]}, ["filter", "and", 0, "op"]),
        ({"and": [cond("first_name", "gt", "a")]}, ["filter", "and", 0, "op"]),
        ({"and": [cond("custom.missing", "eq", "x")]}, ["filter", "and", 0, "field"]),
        ({"and": [cond("custom.score", "contains", "x")]}, ["filter", "and", 0, "op"]),
        ({"and": [cond("custom.score", "eq", "ten")]}, ["filter", "and", 0, "value"]),
        ({"and": [cond("custom.active", "eq", "yes")]}, ["filter", "and", 0, "value"]),
        ({"or": [cond("created_at", "before", "yesterday")]}, ["filter", "or", 0, "value"]),
        ({"or": [cond("created_at", "before", "2024-01-01T10:00:00")]}, ["filter", "or", 0, "value"]),
        (
            {"or": [cond("created_at", "between", ["2024-02-01T00:00:00Z", "2024-01-01T00:00:00Z"])]},
            ["filter", "or", 0, "value"],
        ),
        (
            {"or": [cond("created_at", "within_last", {"amount": 2, "unit": "years"})]},
            ["filter", "or", 0, "value", "unit"],
        ),
        (
            {"or": [cond("created_at", "older_than", {"amount": 0, "unit": "days"})]},
            ["filter", "or", 0, "value", "amount"],
        ),
        ({"and": [cond("country", "in", ["MY", "XX"])]}, ["filter", "and", 0, "value", 1]),
        ({"and": [cond("country", "in", [])]}, ["filter", "and", 0, "value"]),
        ({"and": [cond("assignee_id", "eq", "not-a-uuid")]}, ["filter", "and", 0, "value"]),
        ({"and": [cond("conversation_status", "eq", "pending")]}, ["filter", "and", 0, "value"]),
        ({"and": [cond("first_name", "eq", "x" * 257)]}, ["filter", "and", 0, "value"]),
        ({"and": [cond("tags", "has_any", ["x"] * 501)]}, ["filter", "and", 0, "value"]),
        ({"and": [cond("tags", "has_any", ["ok", "y" * 257])]}, ["filter", "and", 0, "value", 1]),
        ({"and": [{"field": "email", "op": "exists", "extra": 1}]}, ["filter", "and", 0, "extra"]),
        ({"and": [cond("email", "exists", "yes")]}, ["filter", "and", 0, "value"]),
        ({"and": [], "or": []}, ["filter"]),
        ({"and": []}, ["filter", "and"]),
        ({"xor": [cond("email", "exists")]}, ["filter", "xor"]),
        ({"and": ["email"]}, ["filter", "and", 0]),
    ],
)
def test_bad_filters_are_422_naming_the_node(client, workspace, session_factory, tree, loc) -> None:
    add_field(session_factory, workspace, "score", "number")
    add_field(session_factory, workspace, "active", "boolean")
    body = rejected(client, workspace, tree)
    assert body["errors"][0]["loc"] == loc, body
    assert body["status"] == 422 and body["detail"]


def nest(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = cond("email", "exists")
    for _ in range(depth):
        node = {"and": [node]}
    return node


def test_limits_depth_and_condition_count(client, workspace, sync_index) -> None:
    contact = new_contact(client, workspace, email="a@example.com")
    sync_index()
    assert search_ids(client, workspace, filter=nest(5)) == {contact["id"]}
    too_deep = rejected(client, workspace, nest(6))
    assert too_deep["errors"][0]["loc"] == ["filter", "and", 0, "and", 0, "and", 0, "and", 0, "and", 0]
    fifty = {"or": [cond("first_name", "eq", f"n{i}") for i in range(49)] + [cond("email", "exists")]}
    assert search_ids(client, workspace, filter=fifty) == {contact["id"]}
    fifty_one = {"or": [cond("first_name", "eq", f"n{i}") for i in range(51)]}
    assert rejected(client, workspace, fifty_one)["errors"][0]["loc"] == ["filter", "or", 50]
    five_hundred = {"and": [cond("tags", "has_none", [f"t{i}" for i in range(500)])]}
    assert search_ids(client, workspace, filter=five_hundred) == {contact["id"]}


@pytest.fixture
def crowd(client, workspace, session_factory, sync_index) -> dict[str, str]:
    add_field(session_factory, workspace, "plan", "select", ["basic", "Pro"])
    add_field(session_factory, workspace, "score", "number")
    add_field(session_factory, workspace, "renewal", "date")
    add_field(session_factory, workspace, "active", "boolean")
    wa = add_channel(session_factory, workspace, "WA")
    mail = add_channel(session_factory, workspace, "Mail", "email")
    made = {
        "zoe": new_contact(
            client,
            workspace,
            first_name="Zoë",
            email="zoe@acme.com",
            country="MY",
            tags=["VIP", "Gold"],
            assignee_id=workspace.owner_id,
            custom_fields={"plan": "Pro", "score": 10, "renewal": "2025-01-31", "active": True},
        ),
        "ann": new_contact(
            client,
            workspace,
            first_name="ANN",
            email="ann@other.org",
            country="SG",
            tags=["vip"],
            custom_fields={"score": 20, "active": False},
        ),
        "bare": new_contact(client, workspace, phone="+60123456789"),
    }
    now = datetime.now(UTC)
    set_activity(
        session_factory,
        workspace,
        made["zoe"]["id"],
        channels=((wa, "1"), (mail, "zoe@acme.com")),
        last_incoming_message_at=now - timedelta(hours=30),
        last_interaction_at=now - timedelta(minutes=10),
        last_interacted_channel_id=wa,
        conversation_status="open",
    )
    set_activity(
        session_factory,
        workspace,
        made["ann"]["id"],
        channels=((mail, "ann@other.org"),),
        last_incoming_message_at=now - timedelta(hours=2),
        last_interacted_channel_id=mail,
    )
    sync_index()
    ids = {k: v["id"] for k, v in made.items()}
    ids["wa"], ids["mail"] = wa, mail
    return ids


def who(crowd: dict[str, str], found: set[str]) -> set[str]:
    names = {v: k for k, v in crowd.items()}
    return {names[i] for i in found}


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        (cond("first_name", "eq", "zoe"), {"zoe"}),
        (cond("first_name", "eq", "ann"), {"ann"}),
        (cond("first_name", "neq", "ZOE"), {"ann", "bare"}),  # empty first name matches neq
        (cond("first_name", "contains", "Ö"), {"zoe"}),
        (cond("first_name", "not_contains", "n"), {"zoe", "bare"}),
        (cond("email", "starts_with", "ANN@"), {"ann"}),
        (cond("first_name", "not_exists"), {"bare"}),
        (cond("country", "in", ["my", "sg"]), {"zoe", "ann"}),
        (cond("country", "not_in", ["MY"]), {"ann", "bare"}),
        (cond("tags", "has_any", ["vip"]), {"zoe", "ann"}),
        (cond("tags", "has_all", ["vip", "GOLD"]), {"zoe"}),
        (cond("tags", "has_none", ["gold"]), {"ann", "bare"}),
        (cond("tags", "not_exists"), {"bare"}),
        (cond("assignee_id", "exists"), {"zoe"}),
        (cond("assignee_id", "not_exists"), {"ann", "bare"}),
        (cond("conversation_status", "eq", "open"), {"zoe"}),
        (cond("conversation_status", "neq", "open"), {"ann", "bare"}),
        (cond("last_incoming_message_at", "older_than", {"amount": 24, "unit": "hours"}), {"zoe"}),
        (cond("last_incoming_message_at", "within_last", {"amount": 1, "unit": "days"}), {"ann"}),
        (cond("last_incoming_message_at", "within_last", {"amount": 2, "unit": "weeks"}), {"zoe", "ann"}),
        (cond("last_interaction_at", "older_than", {"amount": 1, "unit": "minutes"}), {"zoe"}),
        (cond("conversation_opened_at", "older_than", {"amount": 1, "unit": "months"}), set()),
        (cond("custom.plan", "eq", "pro"), {"zoe"}),
        (cond("custom.plan", "neq", "pro"), {"ann", "bare"}),
        (cond("custom.plan", "in", ["PRO", "basic"]), {"zoe"}),
        (cond("custom.plan", "not_in", ["PRO"]), {"ann", "bare"}),
        (cond("custom.score", "between", [10, 20]), {"zoe", "ann"}),  # both ends included
        (cond("custom.score", "gt", 10), {"ann"}),
        (cond("custom.score", "neq", 10), {"ann", "bare"}),
        (cond("custom.score", "not_exists"), {"bare"}),
        (cond("custom.renewal", "between", ["2025-01-31", "2025-02-01"]), {"zoe"}),
        (cond("custom.renewal", "before", "2025-01-31T00:00:00Z"), set()),
        (cond("custom.renewal", "after", "2025-01-30T23:00:00-02:00"), set()),  # = 01:00Z on the 31st
        (cond("custom.active", "eq", False), {"ann"}),
        (cond("custom.active", "exists"), {"zoe", "ann"}),
        (
            {
                "or": [
                    cond("country", "eq", "SG"),
                    {"and": [cond("tags", "has_any", ["gold"]), cond("custom.score", "lt", 11)]},
                ]
            },
            {"zoe", "ann"},
        ),
    ],
)
def test_filter_semantics(client, workspace, crowd, tree, expected) -> None:
    assert who(crowd, search_ids(client, workspace, filter=tree)) == expected


def test_channel_filters(client, workspace, crowd) -> None:
    def run(tree: dict[str, Any]) -> set[str]:
        return who(crowd, search_ids(client, workspace, filter=tree))

    assert run(cond("channels", "has_any", [crowd["wa"]])) == {"zoe"}
    assert run(cond("channels", "has_all", [crowd["wa"], crowd["mail"]])) == {"zoe"}
    assert run(cond("channels", "has_none", [crowd["wa"]])) == {"ann", "bare"}
    assert run(cond("channels", "not_exists")) == {"bare"}
    assert run(cond("last_interacted_channel_id", "eq", crowd["mail"])) == {"ann"}
    assert run(cond("last_interacted_channel_id", "neq", crowd["mail"])) == {"zoe", "bare"}
    assert run(cond("last_interacted_channel_id", "in", [crowd["mail"], crowd["wa"]])) == {"zoe", "ann"}


def test_filters_never_reach_another_workspace(client, make_workspace, sync_index) -> None:
    mine, theirs = make_workspace(), make_workspace()
    new_contact(client, theirs, first_name="Zoe", country="MY")
    sync_index()
    assert search_ids(client, mine, filter=cond("country", "eq", "MY")) == set()
    assert (
        search_ids(client, mine, filter={"or": [cond("country", "eq", "MY"), cond("email", "not_exists")]})
        == set()
    )
