"""POST /v1/contacts/aggregate: facets and date histograms over what the same search selects, in a
workspace of its own, through the real API, PostgreSQL and OpenSearch. The random-tree proof that
every count equals a plain-Python count is in test_filter_differential.py; these are the cases a
dashboard user notices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shared.search.aggregations import MAX_BUCKETS, MAX_FACETS, MAX_HISTOGRAMS
from tests.factories import add_field, add_user
from tests.factories import new_contact as create_contact
from tests.integration.search_support import search, set_activity


def aggregate(client: Any, ws: Any, status: int = 200, **body: Any) -> dict[str, Any]:
    response = client.post("/v1/contacts/aggregate", headers=ws.headers, json=body)
    assert response.status_code == status, response.text
    result: dict[str, Any] = response.json()
    return result


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_a_contact_at_2330_utc_is_counted_on_the_next_day_in_kuala_lumpur(
    client: Any, session_factory: Any, workspace: Any, sync_index: Any
) -> None:
    contact = create_contact(client, workspace, first_name="Late")
    set_activity(
        session_factory, workspace, contact["id"], last_incoming_message_at=at("2024-05-01T23:30:00Z")
    )
    sync_index()
    field = "last_incoming_message_at"
    by_zone = {
        zone: aggregate(
            client, workspace, histograms=[{"field": field, "interval": "day", "time_zone": zone}]
        )["histograms"][field]
        for zone in ("UTC", "Asia/Kuala_Lumpur")
    }
    assert by_zone["UTC"] == [{"start": "2024-05-01T00:00:00+00:00", "count": 1}]
    assert by_zone["Asia/Kuala_Lumpur"] == [{"start": "2024-05-02T00:00:00+08:00", "count": 1}]
    # Half-hour offsets: the hour starts at local :00 (= :30 UTC).
    hours = aggregate(
        client, workspace, histograms=[{"field": field, "interval": "hour", "time_zone": "Asia/Kolkata"}]
    )["histograms"][field]
    assert hours == [{"start": "2024-05-02T05:00:00+05:30", "count": 1}]
    # A local week (Monday) and month.
    week = aggregate(
        client,
        workspace,
        histograms=[{"field": field, "interval": "week", "time_zone": "Asia/Kuala_Lumpur"}],
    )["histograms"][field]
    assert week == [{"start": "2024-04-29T00:00:00+08:00", "count": 1}]


def test_bounds_give_every_bucket_in_range_zero_counts_included(
    client: Any, session_factory: Any, workspace: Any, sync_index: Any
) -> None:
    for moment in ("2024-05-02T10:00:00+08:00", "2024-05-02T11:00:00+08:00", "2024-05-04T09:00:00+08:00"):
        contact = create_contact(client, workspace, first_name="In")
        set_activity(session_factory, workspace, contact["id"], last_interaction_at=at(moment))
    outside = create_contact(client, workspace, first_name="Out")
    set_activity(
        session_factory, workspace, outside["id"], last_interaction_at=at("2024-06-20T10:00:00+08:00")
    )
    sync_index()
    spec = {
        "field": "last_interaction_at",
        "interval": "day",
        "time_zone": "Asia/Kuala_Lumpur",
        "from": "2024-05-01",
        "to": "2024-05-05",
    }
    result = aggregate(client, workspace, histograms=[spec])
    assert result["histograms"]["last_interaction_at"] == [
        {"start": f"2024-05-0{d}T00:00:00+08:00", "count": {2: 2, 4: 1}.get(d, 0)} for d in range(1, 6)
    ]
    # Total counts every contact the search selects, whatever the histogram's range.
    assert result["total"] == 4
    # Without bounds: from the first to the last value, the empty days between included.
    unbounded = aggregate(
        client,
        workspace,
        histograms=[{"field": "last_interaction_at", "interval": "month", "time_zone": "Asia/Kuala_Lumpur"}],
    )["histograms"]["last_interaction_at"]
    assert unbounded == [
        {"start": "2024-05-01T00:00:00+08:00", "count": 3},
        {"start": "2024-06-01T00:00:00+08:00", "count": 1},
    ]


def test_assignee_null_counts_the_unassigned_and_values_sort_by_count_then_value(
    client: Any, session_factory: Any, workspace: Any, sync_index: Any
) -> None:
    manager = add_user(session_factory, workspace).id
    for assignee, tags in [
        (None, ["b", "a"]),
        (None, ["c"]),
        (None, ["a", "b", "c"]),
        (workspace.owner_id, ["Zed"]),
        (manager, []),
        (manager, ["zed"]),
    ]:
        body: dict[str, Any] = {"first_name": "X", "tags": tags}
        if assignee:
            body["assignee_id"] = assignee
        create_contact(client, workspace, **body)
    sync_index()
    result = aggregate(client, workspace, facets=[{"field": "assignee_id"}, {"field": "tags", "size": 3}])
    assert result["facets"]["assignee_id"] == [
        {"value": None, "count": 3},
        {"value": manager, "count": 2},
        {"value": workspace.owner_id, "count": 1},
    ]
    # a, b, c and zed all count 2: the first three by value; tags compare folded ("Zed" is "zed").
    assert result["facets"]["tags"] == [
        {"value": "a", "count": 2},
        {"value": "b", "count": 2},
        {"value": "c", "count": 2},
    ]
    all_tags = aggregate(client, workspace, facets=[{"field": "tags", "size": 100}])["facets"]["tags"]
    assert [t["value"] for t in all_tags] == ["a", "b", "c", "zed"]
    # The unassigned can be the smaller group too, and null is left out when nobody is unassigned.
    assigned = aggregate(
        client,
        workspace,
        filter={"and": [{"field": "assignee_id", "op": "exists"}]},
        facets=[{"field": "assignee_id"}],
    )
    assert None not in [v["value"] for v in assigned["facets"]["assignee_id"]]


def test_custom_select_boolean_and_text_facets(
    client: Any, session_factory: Any, workspace: Any, sync_index: Any
) -> None:
    add_field(session_factory, workspace, "plan", "select", ["Basic", "Pro Plus"])
    add_field(session_factory, workspace, "active", "boolean")
    add_field(session_factory, workspace, "note", "text")
    for custom in [
        {"plan": "Pro Plus", "active": True, "note": "Café"},
        {"plan": "Pro Plus", "active": False, "note": "cafe"},
        {"plan": "Basic", "active": True},
        {"active": True},
        {},
    ]:
        create_contact(client, workspace, first_name="C", custom_fields=custom)
    sync_index()
    facets = aggregate(
        client,
        workspace,
        facets=[{"field": "custom.plan"}, {"field": "custom.active"}, {"field": "custom.note"}],
    )["facets"]
    # Select values as their options are spelled; booleans as booleans; text folded.
    assert facets["custom.plan"] == [{"value": "Pro Plus", "count": 2}, {"value": "Basic", "count": 1}]
    assert facets["custom.active"] == [{"value": True, "count": 3}, {"value": False, "count": 1}]
    assert facets["custom.note"] == [{"value": "cafe", "count": 2}]


def test_custom_date_and_datetime_histograms(
    client: Any, session_factory: Any, workspace: Any, sync_index: Any
) -> None:
    add_field(session_factory, workspace, "renewal", "date")
    add_field(session_factory, workspace, "trial_end", "datetime")
    for custom in [
        {"renewal": "2024-01-31", "trial_end": "2024-03-31T20:00:00+00:00"},
        {"renewal": "2024-03-01", "trial_end": "2024-03-31T15:00:00+00:00"},
        {"renewal": "2024-03-15"},
        {},
    ]:
        create_contact(client, workspace, first_name="D", custom_fields=custom)
    sync_index()
    result = aggregate(
        client,
        workspace,
        histograms=[
            # A date is the same day everywhere: the time zone does not move it.
            {"field": "custom.renewal", "interval": "month", "time_zone": "America/New_York"},
            {"field": "custom.trial_end", "interval": "day", "time_zone": "Asia/Kuala_Lumpur"},
        ],
    )["histograms"]
    assert result["custom.renewal"] == [
        {"start": "2024-01-01", "count": 1},
        {"start": "2024-02-01", "count": 0},
        {"start": "2024-03-01", "count": 2},
    ]
    assert result["custom.trial_end"] == [
        {"start": "2024-03-31T00:00:00+08:00", "count": 1},
        {"start": "2024-04-01T00:00:00+08:00", "count": 1},
    ]


def test_view_query_and_filter_combine_as_in_search(
    client: Any, session_factory: Any, workspace: Any, sync_index: Any
) -> None:
    rows = [
        ("Anna", "MY", ["vip"]),
        ("Anna", "MY", []),
        ("Anna", "SG", ["vip"]),
        ("Bob", "MY", ["vip"]),
        ("Annabel", "MY", ["vip", "gold"]),
    ]
    for name, country, tags in rows:
        create_contact(client, workspace, first_name=name, country=country, tags=tags)
    sync_index()
    view = client.post(
        "/v1/views",
        headers=workspace.headers,
        json={
            "name": "Malaysia",
            "filter": {"and": [{"field": "country", "op": "eq", "value": "MY"}]},
            "visibility": "workspace",
        },
    )
    assert view.status_code == 201, view.text
    criteria = {
        "view_id": view.json()["id"],
        "query": "anna",
        "filter": {"and": [{"field": "tags", "op": "has_any", "value": ["VIP"]}]},
    }
    result = aggregate(client, workspace, **criteria, facets=[{"field": "tags"}, {"field": "country"}])
    assert result["total"] == search(client, workspace, **criteria)["total"]["value"] == 2
    assert result["facets"]["tags"] == [{"value": "vip", "count": 2}, {"value": "gold", "count": 1}]
    assert result["facets"]["country"] == [{"value": "MY", "count": 2}]
    # The built-in views too.
    mine = aggregate(client, workspace, view_id="mine", facets=[{"field": "country"}])
    assert mine == {"total": 0, "facets": {"country": []}, "histograms": {}}
    assert (
        client.post("/v1/contacts/aggregate", headers=workspace.headers, json={"view_id": "nope"}).status_code
        == 404
    )


def test_counts_never_include_another_workspace(
    client: Any, make_workspace: Any, session_factory: Any, sync_index: Any
) -> None:
    mine, theirs = make_workspace(), make_workspace()
    create_contact(client, mine, first_name="Mine", tags=["shared"], country="MY")
    for _ in range(3):
        contact = create_contact(client, theirs, first_name="Theirs", tags=["shared", "other"], country="SG")
        set_activity(session_factory, theirs, contact["id"], last_interaction_at=at("2024-05-01T10:00:00Z"))
    sync_index()
    result = aggregate(
        client,
        mine,
        facets=[{"field": "tags"}, {"field": "country"}, {"field": "assignee_id"}],
        histograms=[{"field": "last_interaction_at", "interval": "day"}],
    )
    assert result == {
        "total": 1,
        "facets": {
            "tags": [{"value": "shared", "count": 1}],
            "country": [{"value": "MY", "count": 1}],
            "assignee_id": [{"value": None, "count": 1}],
        },
        "histograms": {"last_interaction_at": []},
    }


BAD_REQUESTS = [
    ({"facets": [{"field": "nickname"}]}, ["facets", 0, "field"], "not a facet field"),
    ({"facets": [{"field": "custom.score"}]}, ["facets", 0, "field"], "a number field"),
    ({"facets": [{"field": "custom.missing"}]}, ["facets", 0, "field"], "unknown custom field"),
    ({"facets": [{"field": "tags"}, {"field": "tags"}]}, ["facets", 1, "field"], "twice"),
    ({"facets": [{"field": "tags", "size": 0}]}, ["facets", 0, "size"], "from 1 to 100"),
    ({"facets": [{"field": "tags", "size": 101}]}, ["facets", 0, "size"], "from 1 to 100"),
    ({"facets": [{"field": "tags"}] * (MAX_FACETS + 1)}, ["facets"], f"at most {MAX_FACETS}"),
    (
        {"histograms": [{"field": "created_at", "interval": "day"}] * (MAX_HISTOGRAMS + 1)},
        ["histograms"],
        f"at most {MAX_HISTOGRAMS}",
    ),
    (
        {"histograms": [{"field": "country", "interval": "day"}]},
        ["histograms", 0, "field"],
        "not a histogram",
    ),
    (
        {"histograms": [{"field": "custom.plan", "interval": "day"}]},
        ["histograms", 0, "field"],
        "a select field",
    ),
    ({"histograms": [{"field": "created_at", "interval": "year"}]}, ["histograms", 0, "interval"], "one of"),
    ({"histograms": [{"field": "custom.renewal", "interval": "hour"}]}, ["histograms", 0, "interval"], "day"),
    (
        {"histograms": [{"field": "created_at", "interval": "day", "time_zone": "Mars/Olympus"}]},
        ["histograms", 0, "time_zone"],
        "IANA",
    ),
    (
        {"histograms": [{"field": "created_at", "interval": "day", "time_zone": "+08:00"}]},
        ["histograms", 0, "time_zone"],
        "IANA",
    ),
    (
        {"histograms": [{"field": "created_at", "interval": "day", "from": "2024-05-01T10:00:00"}]},
        ["histograms", 0, "from"],
        "UTC offset",
    ),
    (
        {
            "histograms": [
                {"field": "created_at", "interval": "day", "from": "2024-05-02", "to": "2024-05-01"}
            ]
        },
        ["histograms", 0, "to"],
        "before from",
    ),
    (
        {
            "histograms": [
                {"field": "created_at", "interval": "hour", "from": "2020-01-01", "to": "2024-01-01"}
            ]
        },
        ["histograms", 0],
        f"more than {MAX_BUCKETS}",
    ),
    (
        {"filter": {"and": [{"field": "tags", "op": "eq", "value": "x"}]}, "facets": [{"field": "tags"}]},
        ["filter", "and", 0, "op"],
        "operator",
    ),
]


@pytest.mark.parametrize(
    ("body", "loc", "message"), BAD_REQUESTS, ids=[str(b[1]) + b[2] for b in BAD_REQUESTS]
)
def test_each_bad_request_is_a_422_naming_the_node(
    client: Any, session_factory: Any, workspace: Any, body: dict[str, Any], loc: list[Any], message: str
) -> None:
    add_field(session_factory, workspace, "score", "number")
    add_field(session_factory, workspace, "plan", "select", ["a"])
    add_field(session_factory, workspace, "renewal", "date")
    response = client.post("/v1/contacts/aggregate", headers=workspace.headers, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["errors"][0]["loc"] == loc, problem
    assert message in problem["errors"][0]["msg"], problem


def test_too_many_buckets_from_the_data_itself_is_a_422(
    client: Any, session_factory: Any, workspace: Any, sync_index: Any
) -> None:
    for moment in ("2020-01-01T00:00:00Z", "2024-01-01T00:00:00Z"):
        contact = create_contact(client, workspace, first_name="Span")
        set_activity(session_factory, workspace, contact["id"], last_interaction_at=at(moment))
    sync_index()
    response = client.post(
        "/v1/contacts/aggregate",
        headers=workspace.headers,
        json={"histograms": [{"field": "last_interaction_at", "interval": "hour"}]},
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["histograms", 0]
    # Narrowed by a filter, the same histogram is fine.
    narrowed = aggregate(
        client,
        workspace,
        filter={"and": [{"field": "last_interaction_at", "op": "after", "value": "2023-12-31T23:00:00Z"}]},
        histograms=[{"field": "last_interaction_at", "interval": "hour"}],
    )
    assert narrowed["histograms"]["last_interaction_at"] == [
        {"start": "2024-01-01T00:00:00+00:00", "count": 1}
    ]
