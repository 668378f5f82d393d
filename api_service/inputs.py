"""What every request goes through before a route sees it: no NUL characters in any string, JSON
bodies at most 1 MiB and at most MAX_JSON_DEPTH levels deep, and unknown body fields refused.

NUL: PostgreSQL text cannot hold U+0000, so such a string would otherwise fail at INSERT or SELECT
time as a 500. `refuse_nul` is an app-wide dependency (create_app passes it to FastAPI), so it runs
for every route, present or future, and looks at every string of the request: path parameters,
query parameters (names and values), the JSON body (keys and values, at any depth) and form fields.
A request that has one is a 422 naming where, e.g. ["query", "q"], ["path", "key"] or
["tags", 0] (body locations are named without a "body" prefix, like every other 422).

Size and depth: `BodyLimit` is an ASGI middleware, so a body over the cap is refused with 413 from its
Content-Length before a byte of it is read, and a body without one (chunked) is counted as it
streams and refused as soon as it passes the cap; it is never held whole. The depth check runs on
the raw bytes before the JSON parser (which would otherwise hit Python's recursion limit on, say, a
filter nested 1,000 deep, and FastAPI would answer that 400 "error parsing the body").
Import uploads (multipart, POST /v1/imports) keep their own larger cap (imports.upload_limit).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict
from starlette.datastructures import UploadFile
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api_service.errors import invalid, problem

NUL = "\x00"
NUL_MESSAGE = "text cannot contain NUL (\\u0000) characters"
# Filter groups nest at most shared.search.filters.MAX_DEPTH (5) deep, two JSON levels each, inside
# a selection: far below this. Anything deeper is a mistake or an attack on the parser.
MAX_JSON_DEPTH = 32
JSON_BODY_MAX_BYTES = 1024 * 1024
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MULTIPART = b"multipart/form-data"
# JSON strings (with escapes) and the brackets between them: strings are skipped as one token.
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class StrictInput(BaseModel):
    """The base of every request body: unknown fields are a 422, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def nul_location(value: Any, loc: list[str | int]) -> list[str | int] | None:
    """Where the first string holding a NUL is inside a JSON-like value (keys count), or None."""
    stack: list[tuple[Any, list[str | int]]] = [(value, loc)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return where
        elif isinstance(item, dict):
            for key, child in reversed(list(item.items())):
                if isinstance(key, str) and NUL in key:
                    return [*where, key]
                stack.append((child, [*where, key]))
        elif isinstance(item, list | tuple):
            stack.extend((child, [*where, i]) for i, child in reversed(list(enumerate(item))))
    return None


async def refuse_nul(request: Request) -> None:
    """App-wide dependency: a NUL anywhere in the request is a 422 naming its location."""
    for name, value in request.path_params.items():
        if NUL in str(value):
            raise invalid(["path", name], NUL_MESSAGE)
    for name, value in request.query_params.multi_items():
        if NUL in name or NUL in value:
            raise invalid(["query", name.replace(NUL, "\\u0000")], NUL_MESSAGE)
    route = request.scope.get("route")
    if getattr(route, "body_field", None) is None:
        return  # a route without a body ignores whatever was sent
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()  # already parsed (and cached) by FastAPI
        for name, field in form.multi_items():
            text = field.filename if isinstance(field, UploadFile) else field
            if NUL in name or (text is not None and NUL in text):
                raise invalid([name.replace(NUL, "\\u0000")], NUL_MESSAGE)
        return
    try:
        body = await request.json()  # already parsed (and cached) by FastAPI
    except ValueError:
        return  # FastAPI has answered (or will answer) the malformed body itself
    where = nul_location(body, [])
    if where is not None:
        shown: list[str | int] = [p.replace(NUL, "\\u0000") if isinstance(p, str) else p for p in where]
        raise invalid(shown or ["body"], NUL_MESSAGE)


def json_depth(body: bytes) -> int:
    """How deeply arrays and objects nest in a JSON text (strings skipped, brackets counted)."""
    depth = deepest = 0
    for match in _JSON_TOKENS.finditer(body):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        elif token in (b"]", b"}"):
            depth -= 1
    return deepest


class BodyLimit:
    """ASGI middleware: request bodies (except multipart uploads) of at most `max_bytes`, JSON ones
    at most MAX_JSON_DEPTH deep. The body is buffered (it is at most `max_bytes`) and replayed."""

    def __init__(self, app: ASGIApp, max_bytes: Callable[[], int]) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _BODY_METHODS:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        content_type = headers.get(b"content-type", b"").lower()
        if content_type.startswith(_MULTIPART):
            await self.app(scope, receive, send)  # uploads: imports.upload_limit
            return
        limit = self.max_bytes()
        declared = headers.get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, receive, send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if b"json" in content_type or not content_type:
            depth = json_depth(body)
            if depth > MAX_JSON_DEPTH:
                detail = (
                    f"body: JSON nested {depth} levels deep; at most {MAX_JSON_DEPTH} are accepted "
                    "(filter groups nest at most 5 deep)"
                )
                msg = f"nested {depth} levels deep; at most {MAX_JSON_DEPTH}"
                response = problem(422, detail, errors=[{"loc": ["body"], "msg": msg}])
                await response(scope, receive, send)
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(413, f"the request body is larger than {limit} bytes")
        response.headers["Connection"] = "close"  # the unread body is not drained
        await response(scope, receive, send)
