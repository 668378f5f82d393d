"""A search answer built from only some of its shards is an outage, never a short answer.

OpenSearch answers 200 when a shard has no live copy (a node lost with its replicas, an index still
being allocated) and counts only the shards it reached. Here an index of 3 shards is allowed one
shard per node on a one-node cluster, so two of its shards stay unassigned: the API must answer
503 with Retry-After (not a 200 whose total, facet counts or page is short) and the job selection
must refuse to run, while writes still land in PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opensearchpy.exceptions import TransportError

from api_service.main import create_app
from shared.search.index import live_index_settings, make_client
from shared.search.mapping import index_mappings
from shared.search.outage import is_search_outage
from shared.selection import count_matching, stream_matching_ids
from shared.settings import Settings


@pytest.fixture
def short_index(settings: Settings) -> Iterator[tuple[Settings, Any]]:
    """Settings whose alias names an index with two of its three shards unassigned."""
    alias = f"{settings.index_alias}_short_{uuid.uuid4().hex[:6]}"
    short = settings.model_copy(
        update={"index_alias": alias, "index_shards": 3, "index_routing_partition_size": 2}
    )
    client = make_client(short, timeout=30)
    body_settings = {**live_index_settings(short), "routing.allocation.total_shards_per_node": 1}
    name = f"{alias}_v1"
    client.indices.create(
        index=name, body={"settings": body_settings, "mappings": index_mappings()}, wait_for_active_shards=0
    )
    client.indices.put_alias(index=name, name=alias)
    health = client.cluster.health(index=name, wait_for_active_shards=1)
    assert health["unassigned_shards"] == 2, health
    try:
        yield short, client
    finally:
        client.indices.delete(index=name)
        client.close()


def test_the_api_answers_503_not_a_short_answer_while_shards_have_no_copy(short_index, workspace) -> None:
    short, _ = short_index
    with TestClient(create_app(short), raise_server_exceptions=False) as api:
        made = api.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Ana"})
        assert made.status_code == 201, made.text
        for path, body in (
            ("/v1/contacts/search", {"query": "ana"}),
            ("/v1/contacts/search", {}),
            ("/v1/contacts/aggregate", {"facets": [{"field": "country"}]}),
        ):
            response = api.post(path, headers=workspace.headers, json=body)
            assert response.status_code == 503, f"{path}: {response.status_code} {response.text[:300]}"
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["retry-after"]) > 0
            assert "search" in response.json()["detail"].lower()


def test_counts_and_job_selections_refuse_to_run_on_missing_shards(short_index, workspace) -> None:
    short, client = short_index
    workspace_id = uuid.UUID(workspace.id)
    query: dict[str, Any] = {"term": {"workspace_id": str(workspace_id)}}
    with pytest.raises(TransportError) as counted:
        count_matching(client, short.index_alias, workspace_id, query)
    assert is_search_outage(counted.value)
    with pytest.raises(TransportError) as streamed:
        next(stream_matching_ids(client, short.index_alias, workspace_id, query))
    assert is_search_outage(streamed.value)
