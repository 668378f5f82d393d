"""The same searches, aggregations and cursors over an index whose workspaces spread over several
shards: 4 shards, `index.routing_partition_size` 2 (a workspace's contacts on 2 of the 4 shards,
chosen by workspace, then by contact id), on the single node of the normal suite.

The differential property of test_filter_differential runs unchanged against it (the reference
evaluator decides what each search and aggregation must answer), cursor pages walk a sort across
shards, and every request of the API about a workspace is routed: it reads only the shards of the
workspace's partition, never the others.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from shared.search.mapping import routing
from shared.settings import Settings
from shared.text import fold
from tests.integration.test_filter_differential import Dataset, build_dataset, check_differential
from tests.integration.test_search_sort_pagination import all_pages

SHARDS, PARTITION = 4, 2


@pytest.fixture(scope="module")
def part_settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "index_alias": f"{settings.index_alias}_part",
            "index_shards": SHARDS,
            "index_routing_partition_size": PARTITION,
        }
    )


@pytest.fixture(scope="module")
def part_search(part_settings: Settings, search_client: Any) -> Iterator[Any]:
    from shared.search.index import make_client

    client = make_client(part_settings, timeout=30)
    for name in client.indices.get(index=f"{part_settings.index_alias}_v*", expand_wildcards="all"):
        client.indices.delete(index=name)
    yield client
    client.close()


@pytest.fixture(scope="module")
def part_client(migrated_db: str, part_search: Any, part_settings: Settings) -> Iterator[Any]:
    """The API on the partitioned alias (its lifespan creates the index from part_settings)."""
    from fastapi.testclient import TestClient

    from api_service.main import create_app

    with TestClient(create_app(part_settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def part_dataset(
    part_client: Any, session_factory: Any, part_search: Any, part_settings: Settings
) -> Dataset:
    return build_dataset(part_client, session_factory, part_search, part_settings)


def _index_name(client: Any, alias: str) -> str:
    (name,) = client.indices.get_alias(name=alias)
    return str(name)


def test_the_index_is_partitioned_and_a_workspace_spans_several_shards(
    part_search: Any, part_settings: Settings, part_dataset: Dataset
) -> None:
    name = _index_name(part_search, part_settings.index_alias)
    index = part_search.indices.get_settings(index=name)[name]["settings"]["index"]
    assert (int(index["number_of_shards"]), int(index["routing_partition_size"])) == (SHARDS, PARTITION)
    hits = part_search.search(
        index=part_settings.index_alias,
        routing=routing(part_dataset.ws.id),
        body={"query": {"term": {"workspace_id": part_dataset.ws.id}}, "size": 200, "explain": True},
    )["hits"]["hits"]
    assert len(hits) == len(part_dataset.contacts)
    assert len({h["_shard"] for h in hits}) == PARTITION
    # A write without the workspace's routing is refused, never sent to a shard of its own.
    with pytest.raises(Exception, match=r"routing_missing_exception|routing is required"):
        part_search.index(index=part_settings.index_alias, id="no-routing", body={"id": "x"})


def test_filters_and_aggregations_match_the_reference_across_shards(
    part_client: Any, part_dataset: Dataset
) -> None:
    check_differential(part_client, part_dataset)


def _reference_order(dataset: Dataset, key: Any) -> list[str]:
    """Values ascending, empties last, ties (and empties) in id order."""
    contacts = dataset.contacts.values()
    valued = sorted((c for c in contacts if key(c) is not None), key=lambda c: (key(c), c["id"]))
    empty = sorted(c["id"] for c in contacts if key(c) is None)
    return [c["id"] for c in valued] + empty


def test_cursor_pages_across_shards_follow_the_reference_order(
    part_client: Any, part_dataset: Dataset
) -> None:
    ws = part_dataset.ws
    by_last_name = _reference_order(part_dataset, lambda c: fold(c["last_name"]) if c["last_name"] else None)
    pages = all_pages(part_client, ws, 7, sort=[{"field": "last_name", "order": "asc"}])
    assert pages == by_last_name
    score = _reference_order(part_dataset, lambda c: c["custom_fields"].get("score"))
    assert all_pages(part_client, ws, 5, sort=[{"field": "custom.score", "order": "asc"}]) == score


def _query_totals(client: Any, name: str) -> dict[int, int]:
    stats = client.indices.stats(index=name, metric="search", level="shards")["indices"][name]["shards"]
    return {
        int(shard): sum(copy["search"]["query_total"] for copy in copies) for shard, copies in stats.items()
    }


def test_every_api_read_of_a_workspace_reads_only_its_partition(
    part_client: Any, part_search: Any, part_settings: Settings, part_dataset: Dataset
) -> None:
    alias, ws = part_settings.index_alias, part_dataset.ws
    name = _index_name(part_search, alias)
    own = {
        int(s[0]["shard"]) for s in part_search.search_shards(index=alias, routing=routing(ws.id))["shards"]
    }
    assert len(own) == PARTITION
    before = _query_totals(part_search, name)
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/v1/contacts/search", {"query": "zoe", "page_size": 3}),
        (
            "POST",
            "/v1/contacts/search",
            {"filter": {"and": [{"field": "country", "op": "eq", "value": "MY"}]}},
        ),
        ("GET", "/v1/contacts?page_size=4", None),
        ("POST", "/v1/contacts/aggregate", {"facets": [{"field": "country"}]}),
        ("POST", "/v1/contacts/aggregate", {"histograms": [{"field": "created_at", "interval": "day"}]}),
        ("GET", "/v1/ops/sync", None),  # a count
    ]
    for method, path, body in requests:
        response = part_client.request(method, path, headers=ws.headers, json=body)
        assert response.status_code == 200, (path, response.text)
    after = _query_totals(part_search, name)
    grew = {shard for shard in after if after[shard] > before.get(shard, 0)}
    assert grew, "no search reached the index"
    assert grew <= own, f"shards outside the workspace's partition were read: {sorted(grew - own)}"
