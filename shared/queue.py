"""Task names and a thin Celery client: the API queues work by name, never importing the worker."""

from __future__ import annotations

from celery import Celery

from shared.settings import Settings

RELAY_OUTBOX = "indexer.relay_outbox"
RUN_JOB = "jobs.run"
REQUEUE_JOBS = "jobs.requeue_stale"


def make_celery_client(settings: Settings) -> Celery:
    app = Celery("contacts-api", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        broker_connection_retry=False,
        broker_connection_retry_on_startup=False,
        broker_connection_timeout=1.0,
        broker_transport_options={"socket_timeout": 1.0, "socket_connect_timeout": 1.0},
        task_serializer="json",
    )
    return app
