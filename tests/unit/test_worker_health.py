"""The rules of the worker's health verdict, and the consumer's best-effort close (pure functions)."""

from __future__ import annotations

import pytest

from indexer_worker.consumer import _close_ignoring_errors
from indexer_worker.health import evaluate, main


def test_nothing_waiting_is_healthy_however_long_the_worker_idles() -> None:
    verdict = evaluate(0, 0.0, idle_seconds=3600, busy=0, pool_size=2, stall_seconds=60)
    assert verdict["healthy"] and verdict["status"] == "ok"


def test_work_waiting_and_no_task_finished_with_a_free_process_is_a_stall() -> None:
    verdict = evaluate(12, 90.0, idle_seconds=75, busy=1, pool_size=2, stall_seconds=60)
    assert not verdict["healthy"]
    assert verdict["status"].startswith("consumer stalled: no task finished for 75 s while 12 changes")


def test_every_process_busy_or_a_recent_task_is_not_a_stall() -> None:
    assert evaluate(12, 90.0, idle_seconds=600, busy=2, pool_size=2, stall_seconds=60)["healthy"]
    assert evaluate(12, 90.0, idle_seconds=30, busy=0, pool_size=2, stall_seconds=60)["healthy"]


def test_the_close_of_a_lost_connection_cannot_raise() -> None:
    def close() -> None:  # what kombu raised after Celery had collected the connection
        raise AttributeError("'NoneType' object has no attribute 'hostname'")

    _close_ignoring_errors(close)()  # logged, not raised


def test_health_command_fails_when_no_worker_answers(capsys: pytest.CaptureFixture[str]) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["--url", f"http://127.0.0.1:{port}/healthz", "--timeout", "2"]) == 1
    assert "worker not answering" in capsys.readouterr().out
