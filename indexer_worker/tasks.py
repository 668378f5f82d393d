"""Celery tasks. One decorator gives every task the same logging and metrics."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from indexer_worker import relay
from indexer_worker.celery_app import app
from indexer_worker.runtime import search_client, session_factory
from shared.queue import RELAY_OUTBOX
from shared.settings import get_settings

log = logging.getLogger("indexer.tasks")
P = ParamSpec("P")
R = TypeVar("R")


def observed(fn: Callable[P, R]) -> Callable[P, R]:
    """Log start, end, duration and failure of a task."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        started = time.perf_counter()
        try:
            result = fn(*args, **kwargs)
        except Exception:
            log.exception("task %s failed after %.3fs", fn.__name__, time.perf_counter() - started)
            raise
        log.debug("task %s done in %.3fs", fn.__name__, time.perf_counter() - started)
        return result

    return wrapper


@app.task(name=RELAY_OUTBOX)
@observed
def relay_outbox() -> dict[str, Any]:
    """Drain the outbox into the index. Nudged after each commit and swept by beat."""
    try:
        relayed = relay.drain(session_factory(), search_client(), get_settings())
    except relay.IndexUnavailable as exc:
        log.warning("index unavailable, outbox rows stay pending: %s", exc)
        return {"relayed": 0, "unavailable": True}
    return {"relayed": relayed}
