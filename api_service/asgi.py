"""What the API's ASGI middleware share: the one shape of reading or editing an answer on its way
out, and the route a request matched."""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Scope, Send

StartEditor = Callable[[int, MutableHeaders], None]


def on_response_start(send: Send, edit: StartEditor) -> Send:
    """`send`, calling `edit(status, headers)` on the answer's `http.response.start` message first:
    `headers` edits the message in place; body messages pass through untouched."""

    async def send_edited(message: Message) -> None:
        if message["type"] == "http.response.start":
            edit(int(message["status"]), MutableHeaders(scope=message))
        await send(message)

    return send_edited


def matched_route(scope: Scope) -> str | None:
    """The path template of the API route the request matched ("/v1/contacts/{contact_id}"), once
    routing ran; None for a path no API route serves (the web app's catch-all has no template)."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else None
