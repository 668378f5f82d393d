"""Sorting (empties last both ways, id tie-breaker), cursor pagination, tamper-proof cursors, totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import add_field, new_contact
from tests.integration.search_support import search, set_activity


def all_pages(client: Any, ws: Any, page_size: int, **body: Any) -> list[str]:
    ids: list[str] = []
    cursor = None
    for _ in range(100):
        page = search(client, ws, page_size=page_size, cursor=cursor, **body)
        ids.extend(c["id"] for c in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return ids
    raise AssertionError("pagination did not end")


@pytest.fixture
def table(client, workspace, session_factory, sync_index) -> dict[str, str]:
    for key, type_ in (
        ("score", "number"),
        ("birthday", "date"),
        ("renewal", "datetime"),
        ("plan", "select"),
    ):
        add_field(
            session_factory,
            workspace,
            key,
            type_,
            ["basic", "Pro", "enterprise"] if type_ == "select" else None,
        )
    add_field(session_factory, workspace, "active", "boolean")
    rows = {
        "ana": {"first_name": "ána", "custom_fields": {"score": 5, "birthday": "1990-05-01", "plan": "Pro"}},
        "bob": {"first_name": "Bob", "custom_fields": {"score": -1, "renewal": "2030-01-01T00:00:00+00:00"}},
        "cid": {"first_name": "cid", "custom_fields": {"score": 5, "plan": "basic"}},
        "email_only": {"email": "zed@example.com", "custom_fields": {"birthday": "1980-01-01"}},
        "phone_only": {"phone": "+60123456789", "custom_fields": {"plan": "enterprise"}},
    }
    made = {k: new_contact(client, workspace, **v)["id"] for k, v in rows.items()}
    now = datetime.now(UTC)
    set_activity(session_factory, workspace, made["ana"], last_interaction_at=now - timedelta(days=3))
    set_activity(session_factory, workspace, made["cid"], last_interaction_at=now - timedelta(hours=1))
    sync_index()
    return made


def order(client: Any, ws: Any, table: dict[str, str], field: str, direction: str) -> list[str]:
    names = {v: k for k, v in table.items()}
    found = search(client, ws, sort=[{"field": field, "order": direction}], page_size=50)
    return [names[c["id"]] for c in found["items"]]


def _tie(table: dict[str, str], *names: str) -> list[str]:
    """Equal sort values come in id order."""
    return sorted(names, key=lambda n: table[n])


def test_sorting_puts_empty_values_last_in_both_orders(client, workspace, table) -> None:
    assert order(client, workspace, table, "first_name", "asc")[:3] == ["ana", "bob", "cid"]
    assert order(client, workspace, table, "first_name", "desc")[:3] == ["cid", "bob", "ana"]
    assert order(client, workspace, table, "first_name", "asc")[3:] == _tie(table, "email_only", "phone_only")
    assert order(client, workspace, table, "first_name", "desc")[3:] == _tie(
        table, "email_only", "phone_only"
    )
    # display name falls back to phone, then e-mail: "+6012..." < "ana" < ... < "zed@..."
    assert order(client, workspace, table, "display_name", "asc") == [
        "phone_only",
        "ana",
        "bob",
        "cid",
        "email_only",
    ]
    assert order(client, workspace, table, "last_interaction_at", "desc")[:2] == ["cid", "ana"]
    assert order(client, workspace, table, "last_interaction_at", "asc")[:2] == ["ana", "cid"]


def test_sorting_on_custom_fields_of_every_sortable_type(client, workspace, table) -> None:
    five = _tie(table, "ana", "cid")
    assert order(client, workspace, table, "custom.score", "asc")[:3] == ["bob", *five]
    assert order(client, workspace, table, "custom.score", "desc")[:3] == [*five, "bob"]
    assert order(client, workspace, table, "custom.score", "desc")[3:] == _tie(
        table, "email_only", "phone_only"
    )
    assert order(client, workspace, table, "custom.birthday", "asc")[:2] == ["email_only", "ana"]
    assert order(client, workspace, table, "custom.birthday", "desc")[:2] == ["ana", "email_only"]
    assert order(client, workspace, table, "custom.renewal", "desc")[0] == "bob"
    assert order(client, workspace, table, "custom.plan", "asc")[:3] == ["cid", "phone_only", "ana"]
    assert order(client, workspace, table, "custom.plan", "desc")[:3] == ["ana", "phone_only", "cid"]
    assert set(order(client, workspace, table, "custom.plan", "desc")[3:]) == {"bob", "email_only"}


def test_default_sort_is_last_interaction_newest_first(client, workspace, table) -> None:
    names = {v: k for k, v in table.items()}
    found = search(client, workspace)["items"]
    assert [names[c["id"]] for c in found][:2] == ["cid", "ana"]


def test_bad_sorts_are_422(client, workspace, table) -> None:
    for bad in ("shoe_size", "custom.nope", "custom.active", "tags"):
        response = client.post(
            "/v1/contacts/search", headers=workspace.headers, json={"sort": [{"field": bad, "order": "asc"}]}
        )
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["loc"][0] == "sort"
    assert (
        client.get("/v1/contacts", headers=workspace.headers, params={"sort": "first_name:up"}).status_code
        == 422
    )
    too_many = ",".join(["first_name:asc"] * 6)
    assert client.get("/v1/contacts", headers=workspace.headers, params={"sort": too_many}).status_code == 422
    assert client.get("/v1/contacts", headers=workspace.headers, params={"page_size": 201}).status_code == 422


def test_pages_cover_every_contact_once_with_exact_totals(client, workspace, table) -> None:
    for field in ("first_name", "custom.score", "custom.plan", "last_interaction_at", "display_name"):
        for direction in ("asc", "desc"):
            ids = all_pages(client, workspace, 2, sort=[{"field": field, "order": direction}])
            assert sorted(ids) == sorted(table.values()), (field, direction)
            single = search(client, workspace, sort=[{"field": field, "order": direction}], page_size=50)
            assert ids == [c["id"] for c in single["items"]]
    assert search(client, workspace, page_size=1)["total"] == {"value": 5, "relation": "eq"}


def test_get_contacts_lists_the_table_with_sort_and_cursor(client, workspace, table) -> None:
    ids: list[str] = []
    params: dict[str, Any] = {"sort": "custom.score:desc,first_name:asc", "page_size": 2}
    while True:
        page = client.get("/v1/contacts", headers=workspace.headers, params=params)
        assert page.status_code == 200, page.text
        ids.extend(c["id"] for c in page.json()["items"])
        if not page.json()["next_cursor"]:
            break
        params["cursor"] = page.json()["next_cursor"]
    # No score and no first name: the id decides.
    assert ids == [table[n] for n in ("ana", "cid", "bob", *_tie(table, "email_only", "phone_only"))]


def test_cursor_is_stable_while_contacts_come_and_go(client, workspace, sync_index) -> None:
    kept = [new_contact(client, workspace, first_name=f"k{i:02d}")["id"] for i in range(0, 20, 2)]
    doomed = [new_contact(client, workspace, first_name=f"k{i:02d}x")["id"] for i in range(1, 20, 4)]
    sync_index()
    sort = [{"field": "first_name", "order": "asc"}]
    seen: list[str] = []
    page = search(client, workspace, sort=sort, page_size=3)
    step = 0
    while True:
        seen.extend(c["id"] for c in page["items"])
        if page["next_cursor"] is None:
            break
        # Between pages: add contacts before and after the cursor, delete some not yet seen.
        new_contact(client, workspace, first_name=f"a-new{step}")
        new_contact(client, workspace, first_name=f"z-new{step}")
        for contact_id in doomed[step : step + 1]:
            if contact_id not in seen:
                assert (
                    client.delete(f"/v1/contacts/{contact_id}", headers=workspace.headers).status_code == 204
                )
        step += 1
        sync_index()
        page = search(client, workspace, sort=sort, page_size=3, cursor=page["next_cursor"])
    assert len(seen) == len(set(seen)), "a contact was repeated"
    assert set(kept) <= set(seen), "a contact that existed throughout was skipped"
    assert [c for c in seen if c in kept] == kept


def test_forged_stale_or_foreign_cursors_are_400(client, make_workspace, sync_index) -> None:
    ws, other = make_workspace(), make_workspace()
    for i in range(3):
        new_contact(client, ws, first_name=f"c{i}")
        new_contact(client, other, first_name=f"c{i}")
    sync_index()
    sort = [{"field": "first_name", "order": "asc"}]
    cursor = search(client, ws, sort=sort, page_size=1)["next_cursor"]
    assert cursor
    body, signature = cursor.rsplit(".", 1)
    forged = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature

    def status(who: Any, cursor_value: str, **extra: Any) -> int:
        response = client.post(
            "/v1/contacts/search",
            headers=who.headers,
            json={"sort": sort, "page_size": 1, "cursor": cursor_value, **extra},
        )
        if response.status_code != 200:
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["errors"][0]["loc"] == ["cursor"]
        return response.status_code

    assert status(ws, cursor) == 200
    assert status(ws, forged) == 400
    assert status(ws, "garbage") == 400
    assert status(ws, cursor, query="c") == 400  # another search
    assert status(ws, cursor, filter={"field": "first_name", "op": "exists"}) == 400
    assert status(other, cursor) == 400  # another workspace
    other_sort = client.post(
        "/v1/contacts/search",
        headers=ws.headers,
        json={"sort": [{"field": "first_name", "order": "desc"}], "cursor": cursor},
    )
    assert other_sort.status_code == 400


def test_until_the_reindex_after_an_upgrade_pages_of_older_documents_neither_repeat_nor_skip(
    app, client, workspace, search_client, settings, sync_index
) -> None:
    """Documents written before mapping version 3 lack the numeric form of the id that breaks ties.
    Until `contacts-index reindex` has rebuilt them, the index's recorded version says so and ties
    are broken by the id itself: five contacts with the same sort value, one per page, all seen once,
    in id order."""
    from shared.search.mapping import ID_ORDER_FIELDS, MAPPING_VERSION

    alias = settings.index_alias
    ids = [new_contact(client, workspace, first_name="Tiebreak")["id"] for _ in range(5)]
    sync_index()
    for contact_id in ids:  # as the older version wrote them
        doc = search_client.get(index=alias, id=contact_id, routing=workspace.id)["_source"]
        for name in ID_ORDER_FIELDS:
            del doc[name]
        search_client.index(index=alias, id=contact_id, routing=workspace.id, body=doc, refresh=True)
    index_version = app.state.contacts.index_version
    search_client.indices.put_mapping(index=alias, body={"_meta": {"mapping_version": MAPPING_VERSION - 1}})
    index_version.forget()
    try:
        body = {"query": "tiebreak", "sort": [{"field": "first_name", "order": "asc"}]}
        assert all_pages(client, workspace, 1, **body) == sorted(ids)
    finally:
        search_client.indices.put_mapping(index=alias, body={"_meta": {"mapping_version": MAPPING_VERSION}})
        index_version.forget()
    # Rebuilt (as the reindex or the next write would), they page by the numbers again.
    for contact_id in ids:
        client.patch(f"/v1/contacts/{contact_id}", headers=workspace.headers, json={"last_name": "X"})
    sync_index()
    assert all_pages(client, workspace, 2, **body) == sorted(ids)
