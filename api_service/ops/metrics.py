"""The API's own Prometheus metrics (the backlog gauges are refreshed by GET /metrics)."""

from __future__ import annotations

import time
from typing import Any

from opensearchpy import OpenSearch
from prometheus_client import Gauge, Histogram

OUTBOX_BACKLOG = Gauge("contacts_outbox_backlog", "Outbox rows not yet relayed to the index")
OUTBOX_OLDEST = Gauge("contacts_outbox_oldest_pending_seconds", "Age of the oldest pending outbox row")
OUTBOX_PARKED = Gauge("contacts_outbox_parked", "Outbox rows parked after repeated failures")
SEARCH_LATENCY = Histogram(
    "contacts_search_latency_seconds",
    "Time OpenSearch took to answer a contact search, as seen by the API",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)


def timed_search(client: OpenSearch, **kwargs: Any) -> Any:
    """`client.search(**kwargs)`, observed in the search latency histogram."""
    started = time.perf_counter()
    try:
        return client.search(**kwargs)
    finally:
        SEARCH_LATENCY.observe(time.perf_counter() - started)
