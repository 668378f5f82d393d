"""Pure checks of the filter parser and compiler (no services)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.search.filters import (
    Condition,
    FilterError,
    Group,
    RelativeTime,
    compile_filter,
    months_before,
    parse_filter,
    relative_bound,
)
from shared.search.query import build_search_query, compile_text

TYPES = {"plan": "select", "score": "number", "renewal": "datetime"}


def test_parse_builds_typed_nodes_with_normalised_values() -> None:
    tree = parse_filter(
        {
            "and": [
                {"field": "first_name", "op": "eq", "value": "ZOË"},
                {"or": [{"field": "country", "op": "in", "value": ["my", "SG"]}]},
                {"field": "custom.renewal", "op": "after", "value": "2024-05-01T09:00:00+08:00"},
                {"field": "created_at", "op": "within_last", "value": {"amount": 3, "unit": "days"}},
            ]
        },
        TYPES,
    )
    assert isinstance(tree, Group) and tree.combinator == "and"
    first, group, renewal, recent = tree.nodes
    assert isinstance(first, Condition) and first.value == "zoe"
    assert isinstance(group, Group) and group.nodes[0].value == ["MY", "SG"]  # type: ignore[union-attr]
    assert isinstance(renewal, Condition) and renewal.value == datetime(2024, 5, 1, 1, tzinfo=UTC)
    assert isinstance(recent, Condition) and recent.value == RelativeTime(amount=3, unit="days")


def test_a_bare_condition_is_a_tree_and_none_is_no_filter() -> None:
    assert isinstance(parse_filter({"field": "email", "op": "exists"}, {}), Condition)
    assert parse_filter(None, {}) is None


def test_errors_point_at_the_node_under_a_given_root() -> None:
    with pytest.raises(FilterError) as caught:
        parse_filter(
            {"or": [{"field": "custom.score", "op": "gt", "value": True}]}, TYPES, ("view", "filter")
        )
    assert caught.value.loc == ["view", "filter", "or", 0, "value"]


def test_wildcard_metacharacters_are_escaped() -> None:
    node = parse_filter({"field": "first_name", "op": "contains", "value": "a*b?c\\"}, {})
    assert node is not None
    clause = compile_filter(node)
    assert clause == {"wildcard": {"first_name": {"value": "*a\\*b\\?c\\\\*"}}}


def test_negations_wrap_the_positive_clause_so_empties_match() -> None:
    node = parse_filter({"field": "custom.plan", "op": "neq", "value": "Pro"}, TYPES)
    assert node is not None
    assert compile_filter(node) == {"bool": {"must_not": [{"term": {"custom_kv": "plan\x1fpro"}}]}}


def test_custom_number_ranges_stay_within_their_key_and_keep_numeric_order() -> None:
    from shared.search.mapping import sortable_number

    values = [-1e15, -2.5, -1, -0.0, 0, 1e-9, 1, 2, 2.5, 50, 100, 1e15]
    assert [sortable_number(v) for v in values] == sorted(sortable_number(v) for v in values)
    assert sortable_number(-0.0) == sortable_number(0)
    node = parse_filter({"field": "custom.score", "op": "gte", "value": 50}, TYPES)
    assert node is not None
    assert compile_filter(node) == {
        "range": {"custom_num": {"gte": f"score\x1f{sortable_number(50)}", "lt": "score\x1f~"}}
    }


def test_a_custom_text_pattern_escapes_the_users_text() -> None:
    node = parse_filter({"field": "custom.plan", "op": "contains", "value": "a*?"}, {"plan": "text"})
    assert node is not None
    assert compile_filter(node) == {"wildcard": {"custom_kv": {"value": "plan\x1f*a\\*\\?*"}}}


def test_relative_times() -> None:
    now = datetime(2024, 3, 31, 12, 0, tzinfo=UTC)
    assert months_before(now, 1) == datetime(2024, 2, 29, 12, 0, tzinfo=UTC)
    assert months_before(now, 13) == datetime(2023, 2, 28, 12, 0, tzinfo=UTC)
    assert relative_bound(now, RelativeTime(amount=2, unit="weeks")) == datetime(2024, 3, 17, 12, tzinfo=UTC)
    node = parse_filter(
        {"field": "last_incoming_message_at", "op": "older_than", "value": {"amount": 24, "unit": "hours"}},
        {},
    )
    assert node is not None
    assert compile_filter(node, now) == {
        "range": {"last_incoming_message_at": {"lt": "2024-03-30T12:00:00+00:00"}}
    }


def test_relative_times_count_from_the_next_whole_second_so_a_second_of_searches_shares_one_clause() -> None:
    within = parse_filter(
        {"field": "created_at", "op": "within_last", "value": {"amount": 1, "unit": "hours"}}, {}
    )
    assert within is not None
    before = datetime.now(UTC)
    first, second = compile_filter(within), compile_filter(within)
    after = datetime.now(UTC)
    bounds = first["range"]["created_at"]
    upper = datetime.fromisoformat(bounds["lte"])
    # Whole seconds, never before the moment of the search (a contact written just now matches).
    assert upper.microsecond == 0 and upper >= before
    assert upper - after < timedelta(seconds=1)
    assert datetime.fromisoformat(bounds["gte"]) == upper - timedelta(hours=1)
    # The same clause twice (unless the second ticked over in between), so OpenSearch can cache it.
    if upper >= after:
        assert first == second


def test_the_workspace_clause_is_always_added_by_the_compiler() -> None:
    query = build_search_query("ws-1", None, {"or": [{"field": "email", "op": "not_exists"}]}, {})
    assert query["bool"]["filter"][0] == {"term": {"workspace_id": "ws-1"}}
    assert build_search_query("ws-2", "", None, {}) == {
        "bool": {"filter": [{"term": {"workspace_id": "ws-2"}}]}
    }
    with_text = build_search_query("ws-3", "zoe", None, {}, view_query="acme")
    assert with_text["bool"]["filter"][0] == {"term": {"workspace_id": "ws-3"}}
    assert len(with_text["bool"]["filter"]) == 3  # workspace, the view's text, the request's text


def test_text_query_only_uses_plain_text_clauses() -> None:
    compiled = str(compile_text("name:bob* OR /re.*/ ~2"))
    for forbidden in ("query_string", "regexp", "wildcard", "fuzzy", "simple_query_string"):
        assert forbidden not in compiled
    assert compile_text("   ") is None


def test_id_order_sorts_as_the_id_text_does() -> None:
    """Ties are broken by id: the two numbers a document sorts by must order contacts exactly as
    their ids' text does, across the sign boundary of each half."""
    import uuid

    from shared.search.mapping import id_order

    ids = [str(uuid.uuid4()) for _ in range(2000)]
    ids += [
        "00000000-0000-4000-8000-000000000000",
        "7fffffff-ffff-4fff-bfff-ffffffffffff",
        "80000000-0000-4000-8000-000000000000",
        "ffffffff-ffff-4fff-bfff-ffffffffffff",
        "80000000-0000-4000-7fff-ffffffffffff",
        "80000000-0000-4000-8000-000000000001",
    ]
    assert sorted(ids, key=id_order) == sorted(ids)
    assert all(-(2**63) <= half < 2**63 for i in ids for half in id_order(i))


def test_custom_fields_sort_by_their_slot_unless_the_index_holds_older_documents() -> None:
    from shared.search.query import compile_sort

    types = {"score": "number", "plan": "select", "renewal": "date"}
    slots = {"score": 4, "plan": 0, "renewal": 7}.get
    sort = [("custom.score", "desc"), ("custom.plan", "asc"), ("custom.renewal", "asc")]
    assert compile_sort(sort, types, slot_of=slots) == [
        {"sort_num_4": {"order": "desc", "missing": "_last"}},
        {"sort_text_0": {"order": "asc", "missing": "_last"}},
        {"sort_num_7": {"order": "asc", "missing": "_last"}},
        {"id_high": {"order": "asc"}},
        {"id_low": {"order": "asc"}},
    ]
    older = compile_sort(sort[:1], types, slot_of=slots, older_documents=True)
    assert older == [
        {
            "custom.num": {
                "order": "desc",
                "missing": "_last",
                "nested": {"path": "custom", "filter": {"term": {"custom.key": "score"}}},
            }
        },
        {"id": {"order": "asc"}},
    ]
