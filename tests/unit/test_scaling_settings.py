"""Shards, replicas and the routing partition are settings; an impossible layout is refused at start."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.search.index import live_index_settings, opensearch_hosts
from shared.settings import Settings


def test_a_partition_must_be_smaller_than_the_shard_count() -> None:
    with pytest.raises(ValidationError, match="CONTACTS_INDEX_ROUTING_PARTITION_SIZE"):
        Settings(index_shards=2, index_routing_partition_size=2)
    assert Settings(index_shards=1, index_routing_partition_size=1).index_routing_partition_size == 1


def test_a_new_index_takes_shards_replicas_and_partition_from_the_settings() -> None:
    built = live_index_settings(Settings(index_shards=6, index_replicas=1, index_routing_partition_size=3))
    assert (built["number_of_shards"], built["number_of_replicas"]) == (6, 1)
    # Routing shards equal to the shards, so the partition offsets land on different shards.
    assert (built["routing_partition_size"], built["number_of_routing_shards"]) == (3, 6)
    assert "routing_partition_size" not in live_index_settings(Settings(index_shards=3))


def test_several_nodes_are_given_comma_separated() -> None:
    urls = "http://127.0.0.1:9201, http://127.0.0.1:9202,http://127.0.0.1:9203"
    assert opensearch_hosts(Settings(opensearch_url=urls)) == [
        "http://127.0.0.1:9201",
        "http://127.0.0.1:9202",
        "http://127.0.0.1:9203",
    ]
