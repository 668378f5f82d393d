"""Which OpenSearch failures are outages (a 503 / a job that resumes) and which are bugs (a 500)."""

from __future__ import annotations

from typing import Any

import pytest
from opensearchpy.exceptions import ConnectionError as SearchUnreachable
from opensearchpy.exceptions import ConnectionTimeout, RequestError, TransportError

from shared.search.index import _is_read
from shared.search.outage import error_types, is_search_outage


def body(kind: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"type": kind, "reason": "x", **extra}, "status": 500}


NODE_GONE = body(
    "search_phase_execution_exception",
    root_cause=[{"type": "node_disconnected_exception", "reason": "[scale-node-2] disconnected"}],
    failed_shards=[{"shard": 1, "reason": {"type": "node_disconnected_exception", "reason": "gone"}}],
)
SHARD_GONE = body(
    "search_phase_execution_exception",
    failed_shards=[{"shard": 0, "reason": {"type": "no_shard_available_action_exception"}}],
)
SHARD_CLOSING = body(
    "search_phase_execution_exception",
    failed_shards=[
        {"shard": 2, "reason": {"type": "illegal_index_shard_state_exception", "reason": "CLOSED"}}
    ],
)
ROOT_CAUSE_ONLY = body(
    "search_phase_execution_exception",
    root_cause=[{"type": "node_not_connected_exception", "reason": "[scale-node-3] not connected"}],
)
INTERNAL_SHARD_FAILURE = body(
    "search_phase_execution_exception",
    root_cause=[{"type": "null_pointer_exception", "reason": "Cannot invoke ... because ... is null"}],
)
ALIAS_UNKNOWN_TO_A_RESTARTED_NODE = body("index_not_found_exception", index="contacts_faults_cluster")
DEEP_CAUSE = body("remote_transport_exception", caused_by={"type": "node_closed_exception"})
BAD_QUERY = body(
    "search_phase_execution_exception",
    root_cause=[{"type": "query_shard_exception", "reason": "failed to create query"}],
)


@pytest.mark.parametrize(
    ("exc", "outage"),
    [
        (SearchUnreachable("N/A", "refused", None), True),
        (ConnectionTimeout("TIMEOUT", "read timed out", None), True),
        (TransportError(503, "cluster_block_exception", body("cluster_block_exception")), True),
        (TransportError(429, "es_rejected_execution_exception", {}), True),
        (TransportError(500, "search_phase_execution_exception", NODE_GONE), True),
        (TransportError(500, "search_phase_execution_exception", SHARD_GONE), True),
        (TransportError(500, "search_phase_execution_exception", SHARD_CLOSING), True),
        (TransportError(500, "search_phase_execution_exception", ROOT_CAUSE_ONLY), True),
        (TransportError(500, "search_phase_execution_exception", INTERNAL_SHARD_FAILURE), True),
        (TransportError(404, "index_not_found_exception", ALIAS_UNKNOWN_TO_A_RESTARTED_NODE), True),
        (TransportError(500, "remote_transport_exception", DEEP_CAUSE), True),
        (TransportError(500, "search_phase_execution_exception", BAD_QUERY), False),
        (RequestError(400, "parsing_exception", body("parsing_exception")), False),
        (TransportError(500, "unknown", "not json"), False),
        (ValueError("not an OpenSearch error"), False),
    ],
)
def test_node_loss_is_an_outage_and_a_bad_request_is_not(exc: BaseException, outage: bool) -> None:
    assert is_search_outage(exc) is outage


@pytest.mark.parametrize(
    ("method", "url", "read"),
    [
        ("POST", "/contacts/_search", True),
        ("POST", "/contacts/_search?routing=w1", True),
        ("POST", "/contacts/_count", True),
        ("POST", "/_mget", True),
        ("GET", "/_cluster/health", True),
        ("POST", "/_bulk", False),
        ("PUT", "/contacts_v2", False),
        ("DELETE", "/contacts/_doc/1", False),
        ("POST", "/contacts/_update_by_query", False),
    ],
)
def test_only_reads_are_sent_again_after_a_node_loss(method: str, url: str, read: bool) -> None:
    assert _is_read(method, url) is read


def test_the_causes_of_a_failure_are_listed_for_its_log_line() -> None:
    exc = TransportError(500, "search_phase_execution_exception", BAD_QUERY)
    assert error_types(exc) == ["search_phase_execution_exception", "query_shard_exception"]
