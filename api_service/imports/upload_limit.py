"""Refuse an import upload that is too large from its headers, before its body is read.

FastAPI parses a multipart form (spooling the file to disk) before the endpoint runs, so the size
cap in the service alone would let a huge upload fill the disk first. This ASGI middleware answers
413 from the declared Content-Length (uvicorn never delivers more body than that), and 411 when an
upload does not declare one. The service still checks the exact size of the file itself.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Receive, Scope, Send

from api_service.errors import problem

UPLOAD_PATHS = frozenset({"/v1/imports", "/v1/imports/preview"})
# Room for the multipart framing and the other form fields (the mapping is up to 100k characters).
FORM_ALLOWANCE = 1024 * 1024


class UploadLimit:
    def __init__(self, app: ASGIApp, max_bytes: Callable[[], int]) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"].rstrip("/") not in UPLOAD_PATHS
        ):
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        limit = self.max_bytes()
        if declared is None or not declared.isdigit():
            response = problem(411, "an upload must declare its Content-Length")
        elif int(declared) > limit + FORM_ALLOWANCE:
            response = problem(413, f"the file is larger than {limit} bytes; split it into smaller files")
        else:
            await self.app(scope, receive, send)
            return
        response.headers["Connection"] = "close"  # the unread body is not drained
        await response(scope, receive, send)
