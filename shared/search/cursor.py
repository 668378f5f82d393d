"""Opaque, tamper-proof pagination cursors: the search_after key, bound to the search it came from."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


class CursorError(ValueError):
    pass


def fingerprint(*parts: Any) -> str:
    """Identifies a search (query, filter, view, sort) so a cursor cannot be replayed on another."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _sign(secret: str, payload: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:16]).decode()


def encode(secret: str, search_after: list[Any], search_fingerprint: str) -> str:
    payload = json.dumps({"a": search_after, "f": search_fingerprint}, separators=(",", ":")).encode()
    body = base64.urlsafe_b64encode(payload).decode().rstrip("=")
    return f"{body}.{_sign(secret, payload)}"


def decode(secret: str, cursor: str, search_fingerprint: str) -> list[Any]:
    try:
        body, signature = cursor.rsplit(".", 1)
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (ValueError, TypeError):
        raise CursorError("cursor is malformed") from None
    if not hmac.compare_digest(signature, _sign(secret, payload)):
        raise CursorError("cursor is invalid or was altered")
    data = json.loads(payload)
    if data.get("f") != search_fingerprint:
        raise CursorError("cursor belongs to a different search (query, filter, view or sort changed)")
    after = data.get("a")
    if not isinstance(after, list):
        raise CursorError("cursor is malformed")
    return after
