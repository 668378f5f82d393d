"""Whether an OpenSearch failure is an outage (retry later) or a bug in the request we sent.

Unreachable nodes and timeouts (the client's ConnectionError), and answers saying "busy" (429,
502, 503, 504), are outages. So is any other answer whose cause is a node or shard copy going away:
while a cluster loses a node, a search in flight on it can fail with `node_disconnected_exception`
inside a 500 `search_phase_execution_exception`, and it succeeds again once the shard copies are
re-routed. The API answers such failures 503 with Retry-After; a job stops and resumes later.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from opensearchpy.exceptions import ConnectionError as SearchUnreachable
from opensearchpy.exceptions import TransportError

BUSY_STATUSES = frozenset({429, 502, 503, 504})
# Error types OpenSearch reports when a node, or the shard copy a request went to, is gone.
NODE_LOSS_TYPES = frozenset(
    {
        "node_disconnected_exception",
        "node_not_connected_exception",
        "node_closed_exception",
        "connect_transport_exception",
        "receive_timeout_transport_exception",
        "send_request_transport_exception",
        "no_shard_available_action_exception",
        "shard_not_available_exception",
        "unavailable_shards_exception",
        "cluster_block_exception",
        # A shard copy closing, moving or not started yet on the node the request reached, while
        # the cluster re-routes after a node loss.
        "index_shard_closed_exception",
        "illegal_index_shard_state_exception",
        "shard_not_found_exception",
        "already_closed_exception",
        "no_such_node_exception",
        "primary_missing_action_exception",
        "retry_on_primary_exception",
        # OpenSearch failing inside itself on a shard while the cluster re-routes: seen as the only
        # cause of a 500 search_phase_execution_exception in the cluster fault test (five searches
        # in five seconds, between which others succeeded), so retried like a node loss.
        "null_pointer_exception",
        # The alias unknown to the node asked: a node just restarted and not yet holding the
        # cluster's metadata answers 404 for it (seen once in the cluster fault test, on the
        # mapping read before a search, right after two nodes came back). A deleted index is also
        # answered 503: the service cannot search until `contacts-index` creates it again.
        "index_not_found_exception",
    }
)


def _error_types(error: Any) -> Iterator[str]:
    """Every `type` in an OpenSearch error body: the error, its root causes, failed shards, causes."""
    if isinstance(error, dict):
        kind = error.get("type")
        if isinstance(kind, str):
            yield kind
        for key in ("root_cause", "failed_shards"):
            for item in error.get(key) or ():
                yield from _error_types(
                    item
                )  # a root cause: {type, reason: text}; a failed shard: {shard, reason: {type}}
        for key in ("caused_by", "reason"):
            if isinstance(error.get(key), dict):
                yield from _error_types(error[key])


def is_search_outage(exc: BaseException) -> bool:
    if isinstance(exc, SearchUnreachable):
        return True
    if not isinstance(exc, TransportError):
        return False
    if exc.status_code in BUSY_STATUSES:
        return True
    return any(kind in NODE_LOSS_TYPES for kind in error_types(exc))


def error_types(exc: TransportError) -> list[str]:
    """The error types of an OpenSearch answer, outermost first (for the log of a failure)."""
    info = exc.info if isinstance(exc.info, dict) else {}
    return list(_error_types(info.get("error")))
