"""indexer_worker.jobs.ahead: a generator run in a forked process, its items handed back in order."""

from __future__ import annotations

import csv
import multiprocessing
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from indexer_worker.jobs.ahead import ProducerDied, produced_ahead


def numbers(n: int) -> Iterator[tuple[int, int]]:
    for i in range(n):
        yield i, os.getpid()


def test_items_come_in_order_from_another_process() -> None:
    items = list(produced_ahead(lambda: numbers(2000)))
    assert [i for i, _ in items] == list(range(2000))
    assert {pid for _, pid in items} != {os.getpid()}  # computed in the child, not here


def test_a_large_item_crosses_whole() -> None:
    """Bigger than the pipe's buffer (64 KiB): the child waits in send, nothing is cut."""
    big = ["x" * 1000] * 500
    assert list(produced_ahead(lambda: iter([big, big]))) == [big, big]


def failing_after(k: int) -> Iterator[int]:
    yield from range(k)
    raise csv.Error("field larger than field limit (1048576)")


def test_an_error_arrives_after_the_items_before_it_with_its_type_and_words() -> None:
    received: list[int] = []
    with pytest.raises(csv.Error, match="field larger than field limit"):
        for item in produced_ahead(lambda: failing_after(3)):
            received.append(item)
    assert received == [0, 1, 2]


class Unpicklable(Exception):
    def __init__(self, message: str, handle: object) -> None:
        super().__init__(message)
        self.handle = handle

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("cannot pickle this")


def unpicklable_failure() -> Iterator[int]:
    yield 1
    raise Unpicklable("the sheet is broken", lambda: None)


def test_an_error_that_does_not_pickle_still_arrives_in_words() -> None:
    with pytest.raises(RuntimeError, match="Unpicklable: the sheet is broken"):
        list(produced_ahead(unpicklable_failure))


def pid_then_forever() -> Iterator[int]:
    yield os.getpid()
    while True:
        yield 0


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): it counts as gone once it is no longer running.
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def test_a_consumer_that_stops_reading_stops_the_child() -> None:
    """A cancelled import: the process checking ahead does not go on reading the file."""
    stream = produced_ahead(pid_then_forever)
    child = next(stream)
    assert child != os.getpid() and alive(child)
    stream.close()
    assert not alive(child)


def test_a_child_that_dies_is_an_error_not_the_end_of_the_file() -> None:
    """Killed (out of memory, say): the caller must not take the silence for the last chunk."""
    stream = produced_ahead(pid_then_forever)
    child = next(stream)
    os.kill(child, signal.SIGKILL)
    deadline = time.monotonic() + 10
    with pytest.raises(ProducerDied, match="exit code -9"):
        while time.monotonic() < deadline:  # the items already in the pipe come first
            next(stream)


def from_a_daemon(results: Any) -> None:
    results.put(sum(produced_ahead(lambda: iter(range(10)))))


def test_it_works_from_a_daemon_process_as_a_celery_pool_process_is() -> None:
    """multiprocessing refuses children to a daemonic process; a Celery worker's pool process is one."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    daemon = context.Process(target=from_a_daemon, args=(results,), daemon=True)
    daemon.start()
    try:
        assert results.get(timeout=30) == 45
    finally:
        daemon.join(timeout=30)
    assert daemon.exitcode == 0
