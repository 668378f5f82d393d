"""The Celery application, configured from settings for at-least-once delivery."""

from __future__ import annotations

from functools import lru_cache

from celery import Celery

from shared.queue import RELAY_OUTBOX, REQUEUE_JOBS
from shared.settings import Settings, get_settings


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
        task_ignore_result=True,
        worker_hijack_root_logger=False,
        beat_schedule={
            "outbox-sweep": {
                "task": RELAY_OUTBOX,
                "schedule": settings.outbox_sweep_seconds,
                "options": {"expires": max(5.0, settings.outbox_sweep_seconds * 5)},
            },
            "jobs-requeue": {"task": REQUEUE_JOBS, "schedule": 30.0, "options": {"expires": 60.0}},
        },
    )
    return app


@lru_cache
def get_app() -> Celery:
    return make_celery(get_settings())


app = get_app()
