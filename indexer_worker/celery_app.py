"""The Celery application, configured from settings for at-least-once delivery."""

from __future__ import annotations

import os
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import setup_logging, worker_process_shutdown, worker_ready

from shared.logs import configure_logging
from shared.queue import RELAY_OUTBOX, REQUEUE_JOBS, queue_config
from shared.settings import Settings, get_settings


def _running_as_celery_command() -> bool:
    return "celery" in Path(sys.argv[0]).parts or Path(sys.argv[0]).name == "celery"


if _running_as_celery_command() and "prometheus_client" not in sys.modules:
    # Prefork children record metrics in files the main process serves; prometheus_client reads
    # this variable when first imported, so it is set before the task modules import it.
    # One directory per worker instance, so no files of an earlier run are summed in.
    _metrics_dir = Path(tempfile.gettempdir()) / f"contacts-worker-metrics-{os.getpid()}"
    _metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_metrics_dir))
    # Pool processes touch this file after each task: the worker's health check reads it.
    from indexer_worker.health import set_up_progress_file

    set_up_progress_file(os.getpid())


def make_celery(settings: Settings) -> Celery:
    app = Celery("contacts-worker", broker=settings.redis_url, include=["indexer_worker.tasks"])
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        # At-least-once: a task is acknowledged only after it ran; a worker killed mid-task leaves
        # the message to be redelivered (the outbox makes redelivery harmless).
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Longer than any retry delay or job, so Redis does not redeliver a task still running.
        broker_transport_options={"visibility_timeout": 3600},
        broker_connection_retry_on_startup=True,
        # A Redis restart must never end the worker: keep reconnecting.
        broker_connection_max_retries=None,
        # Unacknowledged (late-ack) tasks are redelivered after a lost connection anyway.
        worker_cancel_long_running_tasks_on_connection_loss=True,
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        # Jobs on their own queue and pool (shared.queue): a worker started with `-Q relay` relays
        # and sweeps, one started with `-Q jobs` runs jobs; a plain worker consumes both.
        **queue_config(),
        # Celery's consumer, except that losing the broker with a task in flight cannot shut the
        # worker down (the root cause of issue 19, see indexer_worker.consumer).
        worker_consumer="indexer_worker.consumer:Consumer",
        beat_schedule={
            "outbox-sweep": {
                "task": RELAY_OUTBOX,
                "schedule": settings.outbox_sweep_seconds,
                "options": {"expires": max(5.0, settings.outbox_sweep_seconds * 5)},
            },
            "jobs-requeue": {
                "task": REQUEUE_JOBS,
                "schedule": settings.job_requeue_seconds,
                "options": {"expires": 2 * settings.job_requeue_seconds},
            },
            # Expired export files (indexer_worker.jobs.export.CLEANUP_TASK).
            "exports-cleanup": {"task": "exports.cleanup", "schedule": 3600.0, "options": {"expires": 900.0}},
        },
    )
    return app


@lru_cache
def get_app() -> Celery:
    return make_celery(get_settings())


app = get_app()


@setup_logging.connect
def _log_lines(loglevel: int | str | None = None, **_: Any) -> None:
    """The worker's and beat's log lines, Celery's own included, in the services' format
    (shared.logs: JSON by default). Connected, so Celery installs no handlers of its own."""
    settings = get_settings()
    configure_logging(loglevel or settings.log_level, settings.log_format)


@worker_ready.connect
def _serve_metrics(**_: Any) -> None:
    """The main worker process serves the metrics of every pool process."""
    import logging

    from sqlalchemy import create_engine
    from sqlalchemy.orm import sessionmaker
    from sqlalchemy.pool import NullPool

    from indexer_worker import metrics

    settings = get_settings()
    if not settings.worker_metrics_port:
        return
    # No pooled connections in the main process: pool processes forked from it later (after a
    # child died) must not inherit open database sockets.
    scrapes = sessionmaker(bind=create_engine(settings.database_url, poolclass=NullPool))
    try:
        port, stall = settings.worker_metrics_port, settings.indexing_stall_seconds
        metrics.serve(settings.api_host, port, scrapes, stall)
    except OSError as exc:  # e.g. a second worker on this host: it still works, without metrics
        logging.getLogger("indexer.metrics").warning(
            "worker metrics not served on port %d: %s", settings.worker_metrics_port, exc
        )


@worker_process_shutdown.connect
def _forget_process_metrics(pid: int | None = None, **_: Any) -> None:
    from indexer_worker import metrics

    metrics.process_exited(pid or os.getpid())
