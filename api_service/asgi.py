"""The one shape of an ASGI middleware that reads or edits an answer on its way out."""

from __future__ import annotations

from collections.abc import Callable

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Send

StartEditor = Callable[[int, MutableHeaders], None]


def on_response_start(send: Send, edit: StartEditor) -> Send:
    """`send`, calling `edit(status, headers)` on the answer's `http.response.start` message first:
    `headers` edits the message in place; body messages pass through untouched."""

    async def send_edited(message: Message) -> None:
        if message["type"] == "http.response.start":
            edit(int(message["status"]), MutableHeaders(scope=message))
        await send(message)

    return send_edited
