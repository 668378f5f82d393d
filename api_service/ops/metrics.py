"""The API's own Prometheus metrics (the backlog gauges are refreshed by GET /metrics).

Labels stay bounded: `route` is the matched route's path template ("/v1/contacts/{contact_id}"),
never the raw path, and "unmatched" for paths no route serves; `status_class` is 2xx..5xx;
`operation` names what the API asked OpenSearch for. No workspace label: workspaces are unbounded.
"""

from __future__ import annotations

import os
import time
from typing import Any

from opensearchpy import OpenSearch
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from starlette.types import Scope

from api_service.asgi import matched_route

# Several API processes (uvicorn --workers) share PROMETHEUS_MULTIPROC_DIR: counters and histograms
# add up across them; a backlog gauge is whatever the process serving the last scrape read.
OUTBOX_BACKLOG = Gauge(
    "contacts_outbox_backlog",
    "Outbox rows not yet relayed to the index (rows)",
    multiprocess_mode="mostrecent",
)
OUTBOX_OLDEST = Gauge(
    "contacts_outbox_oldest_pending_seconds",
    "Age of the oldest pending outbox row (seconds)",
    multiprocess_mode="mostrecent",
)
OUTBOX_PARKED = Gauge(
    "contacts_outbox_parked",
    "Outbox rows parked after repeated failures (rows)",
    multiprocess_mode="mostrecent",
)
SEARCH_LATENCY = Histogram(
    "contacts_search_latency_seconds",
    "Time OpenSearch took to answer a request of the API, as seen by the API (seconds); "
    "operation: search (a page of contacts) or aggregate (dashboard counts)",
    ["operation"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
SEARCH_OPERATIONS = ("search", "aggregate")
HTTP_REQUESTS = Counter(
    "contacts_http_requests",
    "HTTP requests answered by the API (requests), by method, route template and status class",
    ["method", "route", "status_class"],
)
HTTP_DURATION = Histogram(
    "contacts_http_request_duration_seconds",
    "Time from receiving an HTTP request to the end of its response (seconds), by route template",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
for _operation in SEARCH_OPERATIONS:
    SEARCH_LATENCY.labels(_operation)  # exported from the start, so rates begin at zero


def exposition() -> bytes:
    """The metrics page: of every API process when PROMETHEUS_MULTIPROC_DIR is set (the run
    scripts set it and empty it at start), else of this process."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


def timed_search(client: OpenSearch, *, operation: str = "search", **kwargs: Any) -> Any:
    """`client.search(**kwargs)`, observed in the search latency histogram under `operation`."""
    started = time.perf_counter()
    try:
        return client.search(**kwargs)
    finally:
        SEARCH_LATENCY.labels(operation).observe(time.perf_counter() - started)


def observe_request(scope: Scope, status: int, seconds: float) -> None:
    """Count one answered HTTP request by method, route template ("unmatched" when no route
    matched, so a scan of made-up paths adds no series) and status class, and time it by route.
    Called once per request by api_service.tracing.RequestTracing, which measured `seconds`."""
    route = matched_route(scope) or "unmatched"
    HTTP_REQUESTS.labels(scope.get("method", ""), route, f"{status // 100}xx").inc()
    HTTP_DURATION.labels(route).observe(seconds)
