"""Problem responses (RFC 9457) for every error; domain errors raised by services."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from opensearchpy.exceptions import TransportError
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.contact_rules import FieldError
from shared.logs import REQUEST_ID_HEADER, current_request_id
from shared.search.outage import error_types, is_search_outage

log = logging.getLogger("api.errors")
PROBLEM = "application/problem+json"
# A dependency that is down or overloaded is a 503 the client may retry, never a 500.
RETRY_AFTER_SECONDS = "5"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    411: "Length Required",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ProblemError(Exception):
    """Raised by services; rendered as a problem response."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors
        self.extra = extra or {}
        self.headers = headers


class NotFound(ProblemError):
    def __init__(self, what: str = "resource", **extra: Any) -> None:
        super().__init__(404, f"{what} not found", extra=extra)


class Forbidden(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(403, detail)


class Conflict(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(409, detail)


def invalid(loc: list[str | int], msg: str, detail: str | None = None) -> ProblemError:
    """A 422 naming the offending field."""
    where = ".".join(str(p) for p in loc)
    return ProblemError(422, detail or f"{where}: {msg}", errors=[{"loc": loc, "msg": msg}])


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    # The request's id (api_service.tracing) is echoed on every answer by its middleware; set here
    # too for the 500s Starlette answers outside every middleware. Not in the body: two answers
    # that must be alike (another workspace's id and a missing one) stay byte for byte the same.
    request_id = current_request_id()
    headers = {REQUEST_ID_HEADER: request_id} if request_id is not None else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _clean_loc(loc: tuple[Any, ...] | list[Any]) -> list[Any]:
    return [p for p in loc if p not in ("body",)] or list(loc)


def allowed_methods(request: Request) -> list[str]:
    """Every method the request's resource takes (Starlette's own 405 names only the first matching
    route's methods, e.g. GET where POST is also served). The resource is the path template of the
    first route that matches the path, as routing picks it: /v1/contacts/search is the search
    (POST), not a contact id for /v1/contacts/{contact_id}."""
    resource: str | None = None
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.router.routes):
        match, _ = route.matches(request.scope)
        if match == Match.NONE:
            continue
        resource = resource or route.path_format
        if route.path_format == resource and route.methods:
            methods.update(route.methods)
    return sorted(methods)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ProblemError)
    async def _problem(_: Request, exc: ProblemError) -> JSONResponse:
        extra = dict(exc.extra)
        if exc.errors is not None:
            extra["errors"] = exc.errors
        response = problem(exc.status, exc.detail, **extra)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.exception_handler(FieldError)
    async def _field(_: Request, exc: FieldError) -> JSONResponse:
        where = ".".join(str(p) for p in exc.loc)
        return problem(422, f"{where}: {exc.msg}", errors=[{"loc": exc.loc, "msg": exc.msg}])

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": _clean_loc(e.get("loc", ())), "msg": str(e.get("msg", "invalid"))} for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return problem(422, f"{where}: {first['msg']}" if where else str(first["msg"]), errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = problem(exc.status_code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    def unavailable(what: str, exc: Exception) -> JSONResponse:
        log.warning("%s unavailable: %s", what, exc)
        response = problem(503, f"{what} is unavailable at the moment; retry shortly")
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response

    @app.exception_handler(TransportError)
    async def _search(request: Request, exc: TransportError) -> JSONResponse:
        # Unreachable, busy, or a node / shard copy gone (shared.search.outage): retryable. Any
        # other answer means the request we built was wrong: a bug, so a 500 like any other.
        if is_search_outage(exc):
            return unavailable("search", exc)
        # Which shard-level causes it had: what tells a bug from an outage the classifier misses.
        log.error("OpenSearch answered %s with causes %s", exc.status_code, error_types(exc))
        return await _unexpected(request, exc)

    @app.exception_handler(OperationalError)
    async def _database(_: Request, exc: OperationalError) -> JSONResponse:
        # Connection refused or lost, server shutting down, deadlock or serialization failure: all
        # transient, and the transaction was rolled back.
        return unavailable("the database", exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal error")
