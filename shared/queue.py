"""Task names and a thin Celery client: the API queues work by name, never importing the worker."""

from __future__ import annotations

from celery import Celery
from kombu import Queue

from shared.settings import Settings

RELAY_OUTBOX = "indexer.relay_outbox"
RUN_JOB = "jobs.run"
REQUEUE_JOBS = "jobs.requeue_stale"

# Two queues, each consumed by its own worker pool: the relay (and the short periodic tasks) never
# waits behind a long job. `make run` and docker-compose start one worker per queue
# (`celery worker -Q relay` with beat, `celery worker -Q jobs`).
RELAY_QUEUE = "relay"
JOBS_QUEUE = "jobs"
# Everything not named here goes to RELAY_QUEUE (the default queue).
TASK_ROUTES = {RUN_JOB: {"queue": JOBS_QUEUE}}


def queue_config() -> dict[str, object]:
    """Routing both the API's client and the worker use, so a task lands on the same queue whoever
    sends it."""
    return {
        "task_default_queue": RELAY_QUEUE,
        "task_routes": TASK_ROUTES,
        # Declared, so a worker started without -Q (tests, a one-process setup) consumes both.
        "task_queues": (Queue(RELAY_QUEUE), Queue(JOBS_QUEUE)),
    }


def make_celery_client(settings: Settings) -> Celery:
    app = Celery("contacts-api", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        broker_connection_retry=False,
        broker_connection_retry_on_startup=False,
        broker_connection_timeout=1.0,
        broker_transport_options={"socket_timeout": 1.0, "socket_connect_timeout": 1.0},
        task_serializer="json",
        **queue_config(),
    )
    return app
