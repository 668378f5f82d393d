"""Request ids and the access log: the API's half of following a change (shared.logs).

Every request gets an id: the caller's `X-Request-ID` when it is sane (shared.logs.accepted_request_id),
else a new one. It is bound to the request's context for its whole life, so every log line of the
request carries it (in the threadpool too), the outbox rows and jobs it writes record it, and every
answer echoes it in `X-Request-ID`: errors, 404s and the 413s and 429s the other middleware answer
included (and the 500s answered outside every middleware, by api_service.errors.problem). One JSON
access line per request (logger `api.access`: method, route template, status, duration, request id)
replaces uvicorn's.
"""

from __future__ import annotations

import logging
import time

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Receive, Scope, Send
from structlog.contextvars import bind_contextvars, reset_contextvars

from api_service.asgi import matched_route, on_response_start
from api_service.ops.metrics import observe_request
from shared.logs import REQUEST_ID_HEADER, accepted_request_id, configure_logging, new_request_id
from shared.settings import Settings

access_log = logging.getLogger("api.access")
_HEADER_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")


def install_tracing(app: FastAPI, settings: Settings) -> None:
    """JSON (or console) log lines for this process, uvicorn's included, and the middleware of
    request ids, access lines and request metrics. Call after every other add_middleware: it must
    be the outermost middleware."""
    configure_logging(settings.log_level, settings.log_format, adopt=("uvicorn",))
    # Its lines are replaced by RequestTracing's, which carry the route template and request id.
    logging.getLogger("uvicorn.access").disabled = True
    app.add_middleware(RequestTracing)


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == _HEADER_KEY:
            accepted = accepted_request_id(value.decode("latin-1"))
            return accepted if accepted is not None else new_request_id()
    return new_request_id()


def route_template(scope: Scope) -> str:
    """The API route's path template ("/v1/contacts/{contact_id}"), never a contact's id; the path
    itself for the rest (the docs, the web app's pages, a path nothing serves)."""
    return matched_route(scope) or str(scope.get("path", ""))


class RequestTracing:
    """ASGI middleware: binds the request id, echoes it on the answer, times the request once, then
    counts it in the request metrics and writes its access line. A request that raises counts as a
    500 (Starlette answers it outside every middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        started = time.perf_counter()
        status = 500

        def echo_id(answered: int, headers: MutableHeaders) -> None:
            nonlocal status
            status = answered
            headers[REQUEST_ID_HEADER] = request_id

        tokens = bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, on_response_start(send, echo_id))
        finally:
            # On an unhandled error the id stays bound (the reset below is skipped), for the 500
            # problem answered outside every middleware, which echoes it, and its log line. A
            # request is a task of its own: nothing leaks into another request.
            self._finish(scope, status, time.perf_counter() - started)
        reset_contextvars(**tokens)

    @staticmethod
    def _finish(scope: Scope, status: int, seconds: float) -> None:
        observe_request(scope, status, seconds)
        access_log.info(
            "%s %s %d",
            scope.get("method", ""),
            route_template(scope),
            status,
            extra={
                "method": scope.get("method", ""),
                "route": route_template(scope),
                "status": status,
                "duration_ms": round(seconds * 1000, 1),
            },
        )
