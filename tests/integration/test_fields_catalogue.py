"""GET /v1/fields: every field a client can filter, sort, show, aggregate or import, as API.md says;
and every operator it lists is one the search endpoint accepts for that field."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.search_support import create_contact

TEXT = ["eq", "neq", "contains", "not_contains", "starts_with", "exists", "not_exists"]
CODE = ["eq", "neq", "in", "not_in", "exists", "not_exists"]
DATETIME = ["before", "after", "between", "within_last", "older_than", "exists", "not_exists"]
SET = ["has_any", "has_all", "has_none", "exists", "not_exists"]
NUMBER = ["eq", "neq", "gt", "gte", "lt", "lte", "between", "exists", "not_exists"]
BOOLEAN = ["eq", "exists", "not_exists"]
# API.md, "Search and filters": the operators of each standard field (sets compared: order is free).
STANDARD_OPERATORS: dict[str, list[str]] = {
    **dict.fromkeys(("first_name", "last_name", "email", "phone", "language"), TEXT),
    "country": CODE,
    "assignee_id": CODE,
    **dict.fromkeys(
        (
            "created_at",
            "updated_at",
            "last_interaction_at",
            "conversation_opened_at",
            "last_incoming_message_at",
        ),
        DATETIME,
    ),
    "conversation_status": ["eq", "neq"],
    "channels": SET,
    "last_interacted_channel_id": CODE,
    "tags": SET,
}
STANDARD_SORTABLE = {
    "display_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "country",
    "created_at",
    "updated_at",
    "last_interaction_at",
    "last_incoming_message_at",
    "conversation_opened_at",
}
# API.md, "Aggregations": the standard facet fields.
STANDARD_FACETS = {
    "tags",
    "channels",
    "country",
    "language",
    "assignee_id",
    "conversation_status",
    "source",
    "last_interacted_channel_id",
}
# API.md, "Columns" lists these among the columns a user can choose.
SOME_COLUMNS = {"display_name", "email", "phone", "tags", "channels", "country", "assignee_id", "created_at"}
IMPORTABLE = {"first_name", "last_name", "email", "phone", "country", "language", "tags", "assignee_id"}
CUSTOM = [
    ("plan", "select", ["free", "pro"]),
    ("seats", "number", None),
    ("renewal", "date", None),
    ("seen", "datetime", None),
    ("vip", "boolean", None),
    ("note", "text", None),
    ("billing", "email", None),
    ("hotline", "phone", None),
    ("site", "url", None),
]
CUSTOM_OPERATORS = {
    "select": [*TEXT, "in", "not_in"],
    "text": [*TEXT, "in", "not_in"],
    "email": [*TEXT, "in", "not_in"],
    "phone": [*TEXT, "in", "not_in"],
    "url": [*TEXT, "in", "not_in"],
    "number": NUMBER,
    "date": DATETIME,
    "datetime": DATETIME,
    "boolean": BOOLEAN,
}


def define_custom_fields(client: Any, ws: Any) -> None:
    for key, type_, options in CUSTOM:
        body: dict[str, Any] = {"key": key, "label": key.title(), "type": type_}
        if options:
            body["options"] = options
        response = client.post("/v1/contact-fields", headers=ws.headers, json=body)
        assert response.status_code == 201, response.text


def catalogue(client: Any, ws: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/fields", headers=ws.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_standard_fields_first_with_the_contract_operators(client, workspace) -> None:
    items = catalogue(client, workspace)
    assert [i["field"] for i in items[:2]] == ["display_name", "first_name"]
    assert all(not i["custom"] for i in items)  # no custom field defined yet
    by_name = {i["field"]: i for i in items}
    for name, operators in STANDARD_OPERATORS.items():
        assert sorted(by_name[name]["operators"]) == sorted(operators), name
    assert {n for n, i in by_name.items() if i["operators"]} == set(STANDARD_OPERATORS)
    assert {n for n, i in by_name.items() if i["sortable"]} == STANDARD_SORTABLE
    assert {n for n, i in by_name.items() if i["facetable"]} == STANDARD_FACETS
    assert {n for n, i in by_name.items() if i["column"]} >= SOME_COLUMNS
    assert {n for n, i in by_name.items() if i["importable"]} >= IMPORTABLE
    assert not by_name["display_name"]["importable"] and not by_name["channels"]["importable"]
    assert by_name["first_name"]["label"] == "First name" and by_name["first_name"]["type"] == "text"
    assert by_name["assignee_id"]["type"] == "user" and by_name["created_at"]["type"] == "datetime"
    assert all("options" not in i for i in items)


def test_custom_fields_follow_as_custom_keys(client, workspace) -> None:
    define_custom_fields(client, workspace)
    items = catalogue(client, workspace)
    standard = [i for i in items if not i["custom"]]
    custom = items[len(standard) :]
    assert items[: len(standard)] == standard  # every standard field before the first custom one
    assert [i["field"] for i in custom] == [f"custom.{key}" for key, _, _ in CUSTOM]  # oldest first
    for item, (key, type_, options) in zip(custom, CUSTOM, strict=True):
        assert item["custom"] and item["type"] == type_ and item["label"] == key.title()
        assert sorted(item["operators"]) == sorted(CUSTOM_OPERATORS[type_]), type_
        assert item["sortable"] == (type_ in {"number", "date", "datetime", "text", "select"}), type_
        assert item["facetable"] == (type_ in {"select", "boolean", "text"}), type_
        assert item["column"] and item["importable"]
        assert item.get("options") == options
    # A relabelled field is listed with its new label; a deleted one is gone.
    relabelled = client.patch("/v1/contact-fields/note", headers=workspace.headers, json={"label": "Memo"})
    assert relabelled.status_code == 200
    assert client.delete("/v1/contact-fields/site", headers=workspace.headers).status_code == 204
    after = {i["field"]: i for i in catalogue(client, workspace)}
    assert after["custom.note"]["label"] == "Memo" and "custom.site" not in after


def test_only_the_workspace_own_custom_fields(client, workspace, make_workspace) -> None:
    define_custom_fields(client, workspace)
    other = make_workspace()
    assert not [i for i in catalogue(client, other) if i["custom"]]


SOME_ID = "5f0c4e1e-52a1-4c4c-9a53-6d8e0d9b1c2a"
INSTANT = "2024-05-01T09:00:00+08:00"


def sample_value(item: dict[str, Any], op: str) -> Any:
    """A well-formed value for `op` on the listed field, chosen from the field's type only."""
    type_, name = item["type"], item["field"]
    if op in ("exists", "not_exists"):
        return None
    if type_ in ("datetime", "date"):
        if op == "between":
            return ["2024-01-01", INSTANT]
        if op in ("within_last", "older_than"):
            return {"amount": 3, "unit": "days"}
        return INSTANT
    if type_ == "number":
        return [1, 5] if op == "between" else 2
    if type_ == "boolean":
        return True
    if type_ == "set":
        return ["vip"] if name == "tags" else [SOME_ID]
    if type_ in ("code", "user"):
        one = {"country": "MY", "conversation_status": "open"}.get(name, SOME_ID)
        return [one] if op in ("in", "not_in") else one
    return ["pro"] if op in ("in", "not_in") else "pro"


def test_every_listed_operator_and_sort_is_accepted_by_search(client, workspace) -> None:
    define_custom_fields(client, workspace)
    create_contact(client, workspace, first_name="Mei", tags=["vip"])
    tried = 0
    for item in catalogue(client, workspace):
        for op in item["operators"]:
            condition: dict[str, Any] = {"field": item["field"], "op": op}
            value = sample_value(item, op)
            if value is not None:
                condition["value"] = value
            response = client.post(
                "/v1/contacts/search", headers=workspace.headers, json={"filter": condition}
            )
            assert response.status_code == 200, (condition, response.text)
            tried += 1
        if item["sortable"]:
            sort = [{"field": item["field"], "order": "asc"}]
            response = client.post("/v1/contacts/search", headers=workspace.headers, json={"sort": sort})
            assert response.status_code == 200, (sort, response.text)
    assert tried > 100


@pytest.mark.parametrize("field", ["source", "display_name", "profile_pic_url"])
def test_a_field_listed_without_operators_is_refused_as_a_filter(client, workspace, field: str) -> None:
    by_name = {i["field"]: i for i in catalogue(client, workspace)}
    assert by_name[field]["operators"] == []
    response = client.post(
        "/v1/contacts/search",
        headers=workspace.headers,
        json={"filter": {"field": field, "op": "eq", "value": "x"}},
    )
    assert response.status_code == 422
