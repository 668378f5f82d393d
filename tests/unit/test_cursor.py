"""Signed pagination cursors: they round-trip, and any change to them or to the list they were
made for is refused (pure functions)."""

from __future__ import annotations

import base64
import json

import pytest

from shared.search.cursor import CursorError, decode, encode, fingerprint

SECRET = "a-test-secret"
AFTER = ["2024-05-01T09:00:00+00:00", "0f8fad5b-d9cb-469f-a165-70867728950e"]


def test_a_cursor_round_trips_as_base64url_text() -> None:
    fp = fingerprint("users", "ws-1")
    cursor = encode(SECRET, AFTER, fp)
    assert decode(SECRET, cursor, fp) == AFTER
    assert all(c.isalnum() or c in "-_.=" for c in cursor)  # base64url


def test_fingerprints_identify_the_list_whatever_the_key_order() -> None:
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1})
    assert fingerprint("users", "ws-1") != fingerprint("users", "ws-2")
    assert len(fingerprint("x")) == 16


def test_a_cursor_of_another_list_is_refused() -> None:
    cursor = encode(SECRET, AFTER, fingerprint("users", "ws-1"))
    with pytest.raises(CursorError, match="different search"):
        decode(SECRET, cursor, fingerprint("users", "ws-2"))


def test_an_altered_cursor_is_refused() -> None:
    fp = fingerprint("users")
    body, signature = encode(SECRET, AFTER, fp).rsplit(".", 1)
    forged = json.dumps({"a": ["2099-01-01T00:00:00+00:00", AFTER[1]], "f": fp}, separators=(",", ":"))
    forged_body = base64.urlsafe_b64encode(forged.encode()).decode().rstrip("=")
    with pytest.raises(CursorError, match="altered"):
        decode(SECRET, f"{forged_body}.{signature}", fp)
    with pytest.raises(CursorError, match="altered"):
        decode("another-secret", f"{body}.{signature}", fp)


@pytest.mark.parametrize("garbage", ["", "no-dot-here", "%%%.sig", "a.b.c"])
def test_garbage_is_refused_as_a_cursor_error(garbage: str) -> None:
    with pytest.raises(CursorError):
        decode(SECRET, garbage, fingerprint("users"))
