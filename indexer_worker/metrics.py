"""Prometheus metrics of the worker, and the HTTP endpoint that serves them.

Celery's prefork pool runs tasks in child processes, so counters are recorded with prometheus_client's
multiprocess mode (files under PROMETHEUS_MULTIPROC_DIR, set by celery_app before prometheus_client
is imported) and the main process serves the aggregate. Backlog gauges are read from PostgreSQL at
scrape time, so they are right whichever process answers. Without the multiprocess directory (solo
pool, tests) the same metrics are served from the process registry.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session, sessionmaker

from shared.jobs import JOB_KINDS
from shared.search.sync_state import outbox_backlog

log = logging.getLogger("indexer.metrics")
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

INDEXED_DOCUMENTS = Counter(
    "contacts_indexed_documents",
    "Documents written to (op=index) or deleted from (op=delete) the index by the relay (documents)",
    ["op"],
)
BULK_ERRORS = Counter(
    "contacts_index_bulk_errors",
    "Relay failures (errors): kind=document for a document a bulk request refused, "
    "kind=unavailable for a whole batch refused because the index was down",
    ["kind"],
)
COMMIT_TO_SEARCHABLE = Histogram(
    "contacts_commit_to_searchable_seconds",
    "From the commit that wrote an outbox row to the bulk write that made it searchable (seconds)",
    buckets=(0.05, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0),
)
JOBS_FINISHED = Counter(
    "contacts_jobs_finished",
    "Background jobs (bulk delete, bulk tags, export, import) that ended (jobs), by kind and final status",
    ["kind", "status"],
)
JOB_STATUSES = ("succeeded", "failed", "cancelled")
# Every series exists from the start (at zero), so a rule's rate() or increase() sees the first event.
for _op in ("index", "delete"):
    INDEXED_DOCUMENTS.labels(_op)
for _kind in ("document", "unavailable"):
    BULK_ERRORS.labels(_kind)
for _job_kind in JOB_KINDS:
    for _status in JOB_STATUSES:
        JOBS_FINISHED.labels(_job_kind, _status)


class BacklogCollector(Collector):
    """Outbox backlog, oldest pending age and parked rows, read at scrape time."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def collect(self) -> Iterator[Any]:
        try:
            with self._session_factory() as session:
                backlog = outbox_backlog(session)
        except Exception as exc:  # a scrape must not fail because the database is down
            log.warning("backlog metrics unavailable: %s", exc)
            return
        yield GaugeMetricFamily(
            "contacts_outbox_backlog", "Outbox rows not yet relayed to the index (rows)", backlog.pending
        )
        yield GaugeMetricFamily(
            "contacts_outbox_oldest_pending_seconds",
            "Age of the oldest pending outbox row (seconds)",
            backlog.oldest_pending_seconds,
        )
        yield GaugeMetricFamily(
            "contacts_outbox_parked", "Outbox rows parked after repeated failures (rows)", backlog.parked
        )


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def serve(
    host: str, port: int, session_factory: sessionmaker[Session], stall_seconds: float | None = None
) -> None:
    """Serve /metrics on `host:port` from this (the main) process, and /healthz (indexer_worker.health)
    when `stall_seconds` is given."""
    directory = multiprocess_dir()
    if directory is not None:
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    else:
        registry = CollectorRegistry()
        for metric in (INDEXED_DOCUMENTS, BULK_ERRORS, COMMIT_TO_SEARCHABLE, JOBS_FINISHED):
            registry.register(metric)
    registry.register(BacklogCollector(session_factory))
    if stall_seconds is None:
        start_http_server(port, addr=host, registry=registry)
    else:
        from indexer_worker import health

        health.serve_http(host, port, registry, lambda: health.check(session_factory, stall_seconds))
    log.info("worker metrics on http://%s:%d/metrics", host, port)


def process_exited(pid: int) -> None:
    if multiprocess_dir() is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]
