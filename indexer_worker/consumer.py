"""The worker's Celery consumer: Celery's own, made to survive a broker restart with tasks in flight.

Root cause of the random `make test` failure of the Redis-restart fault test (issue 19): with
Celery 5.7 / kombu 5.7 and Redis as the broker, when the connection is lost while the worker holds
a delivered but not yet acknowledged message (late acks: any task received or running at that
moment), `Consumer.on_connection_error_after_connected` first *collects* the connection and then
*closes* it. The collect detaches kombu's transport from its connection (`transport.client = None`)
but can leave the channel open (its first close stops at the broken BRPOP socket); the close then
closes that channel again, kombu tries to restore the unacknowledged messages, builds a Redis client
from `transport.client` and raises `AttributeError: 'NoneType' object has no attribute 'hostname'`.
`ignore_errors` only ignores connection and channel errors, so the AttributeError reaches the
worker as "Unrecoverable error" and the worker shuts down: no more consuming, ever, while the
processes of a supervisor-less deployment look alive until the shutdown finishes.

The close is best effort by nature (the broker is gone; the messages it would restore stay in
Redis' unacked set and come back after the visibility timeout, and the outbox sweep and the job
re-queue make them redundant anyway), so here any error of that close is logged and ignored, and the
consumer goes on to reconnect exactly as Celery intends.
"""

from __future__ import annotations

import logging
from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer

log = logging.getLogger("indexer.consumer")


def _close_ignoring_errors(close: Any) -> Any:
    def close_broken_connection(*args: Any, **kwargs: Any) -> None:
        try:
            close(*args, **kwargs)
        except Exception as exc:  # the connection is being dropped anyway
            log.warning("closing the lost broker connection failed, ignored: %r", exc)

    return close_broken_connection


class Consumer(CeleryConsumer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _current.append(self)  # for the health check (indexer_worker.health)

    def on_connection_error_after_connected(self, exc: Exception) -> None:
        connection = self.connection
        if connection is not None:
            # Celery calls `ignore_errors(connection, connection.close)` on this very object.
            connection.close = connection.release = _close_ignoring_errors(connection.close)  # type: ignore[method-assign]
        super().on_connection_error_after_connected(exc)


_current: list[Consumer] = []


def current_pool_size() -> int:
    """Pool processes of this worker's consumer (0 before it started)."""
    if not _current:
        return 0
    pool = getattr(_current[-1], "pool", None)
    try:
        return int(pool.num_processes) if pool is not None else 0
    except (AttributeError, TypeError, ValueError):
        return 0
