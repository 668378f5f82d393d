"""The ETA a running job shows: the pace so far (processed over elapsed) applied to what is left."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.jobs import eta_seconds

START = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_eta_is_the_remaining_share_of_the_elapsed_time() -> None:
    # A quarter done in 30 s: three quarters left take 90 s.
    assert eta_seconds("running", 250, 1000, START, START + timedelta(seconds=30)) == 90
    assert eta_seconds("running", 1000, 1000, START, START + timedelta(seconds=30)) == 0


def test_no_eta_until_something_is_known() -> None:
    now = START + timedelta(seconds=10)
    assert eta_seconds("queued", 0, 1000, None, now) is None
    assert eta_seconds("running", 0, 1000, START, now) is None
    assert eta_seconds("running", 10, None, START, now) is None
    for finished in ("succeeded", "failed", "cancelled"):
        assert eta_seconds(finished, 500, 1000, START, now) is None
