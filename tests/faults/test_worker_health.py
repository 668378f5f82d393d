"""A stalled consumer is never silent: the worker's health check fails, the supervisor of `make run`
(scripts/supervise-worker.sh) restarts the worker, and indexing catches up with no manual step.

"Stalled" is made real with Celery's own remote control: `cancel_consumer` stops the worker's
consumer of the relay queue while the process, its pool and its beat stay up, which is what a
consumer that never consumes again after a broker restart looks like from outside.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from redis import Redis

from shared.indexing_health import indexing_health
from shared.queue import RELAY_QUEUE
from tests.faults.conftest import BIN, ROOT, FaultStack, free_port, wait_until
from tests.faults.test_faults import Writer, assert_converges

pytestmark = pytest.mark.slow


def healthy(stack: FaultStack, port: int | None = None) -> bool:
    return stack.health(port)[0] == 0


def cancel_consumer(stack: FaultStack, node: str) -> None:
    celery = stack.celery()
    try:
        replies = celery.control.cancel_consumer(RELAY_QUEUE, destination=[node], reply=True, timeout=10)
    finally:
        celery.close()
    assert replies, f"{node} did not answer cancel_consumer"
    # A fetch already in flight still delivers one message (one sweep drains everything): stopped
    # means beat's sweeps (every second) now pile up in the queue with nobody taking them.
    redis = Redis.from_url(stack.settings.redis_url)
    try:
        wait_until(lambda: int(redis.llen(RELAY_QUEUE)) >= 3, 30, "the task queue to fill up", interval=0.5)
    finally:
        redis.close()
    # Messages the worker had already prefetched still run after the cancel; only once it holds
    # none does nothing consume any more (otherwise one of them may drain the changes made next).
    wait_until(lambda: not in_hand(stack, node), 30, "the worker to hold no task", interval=0.5)


def in_hand(stack: FaultStack, node: str) -> int:
    celery = stack.celery()
    try:
        inspect = celery.control.inspect(destination=[node], timeout=5)
        held = 0
        for answer in (inspect.reserved(), inspect.active()):
            if not answer or node not in answer:
                return 1  # no answer yet: not known to be empty
            held += len(answer[node])
        return held
    finally:
        celery.close()


def test_health_check_fails_while_the_consumer_is_stopped_and_the_outbox_has_work(
    fault_stack: FaultStack,
) -> None:
    fault_stack.stop_workers()
    writer = Writer(fault_stack)
    worker = fault_stack.start_worker()
    writer.create(50)
    assert_converges(fault_stack, writer)
    code, out = fault_stack.health()
    assert code == 0, out

    cancel_consumer(fault_stack, worker.node)
    writer.create(30)  # nudged, but nobody consumes; beat's sweeps pile up too
    time.sleep(fault_stack.stall_seconds + 2)
    code, out = fault_stack.health()
    assert code == 1, out
    assert "consumer stalled" in out and '"overdue_changes": 30' in out
    # The API's view of the same database and broker (what /readyz and /v1/ops/sync answer).
    redis = Redis.from_url(fault_stack.settings.redis_url)
    with fault_stack.session_factory() as session:
        said = indexing_health(session, redis, fault_stack.stall_seconds, writer.workspace_id)
    redis.close()
    assert said.stalled and said.overdue_changes == 30
    assert said.reason is not None and "no worker has run the relay" in said.reason

    celery = fault_stack.celery()  # consuming again: the backlog drains and the check passes
    try:
        celery.control.add_consumer(RELAY_QUEUE, destination=[worker.node], reply=True, timeout=10)
    finally:
        celery.close()
    assert_converges(fault_stack, writer)
    wait_until(lambda: healthy(fault_stack), 30, "the health check to pass again", interval=1)
    worker.stop()


def test_an_idle_worker_and_an_unreachable_index_do_not_fail_the_check(fault_stack: FaultStack) -> None:
    fault_stack.stop_workers()
    writer = Writer(fault_stack)
    worker = fault_stack.start_worker()
    writer.create(10)
    assert_converges(fault_stack, writer)
    time.sleep(fault_stack.stall_seconds + 2)  # idle for longer than the threshold, nothing waiting
    assert healthy(fault_stack)

    fault_stack.opensearch.stop()  # changes wait, but the relay runs: a restart would not help
    try:
        writer.create(10)
        time.sleep(fault_stack.stall_seconds + 3)
        code, out = fault_stack.health()
        assert code == 0, out
    finally:
        fault_stack.opensearch.start()
    assert_converges(fault_stack, writer, timeout=120)
    worker.stop()


def test_the_supervisor_restarts_a_worker_whose_health_check_fails(fault_stack: FaultStack) -> None:
    fault_stack.stop_workers()
    writer = Writer(fault_stack)
    port = free_port()
    log = fault_stack.root / "supervised.log"
    env = fault_stack.worker_env(
        metrics_port=port,
        CONTACTS_WORKER_LOG=str(log),
        CONTACTS_WORKER_SCHEDULE=str(fault_stack.root / "supervised-beat"),
        CONTACTS_WORKER_HEALTH_INTERVAL="1",
        # A start may take long on a busy machine: checks count once the worker has passed one.
        CONTACTS_WORKER_HEALTH_GRACE="90",
    )
    supervisor = subprocess.Popen(
        [str(ROOT / "scripts/supervise-worker.sh"), "-n", "supervised@%h"],
        cwd=ROOT,
        env={**env, "PATH": f"{BIN}:{os.environ['PATH']}"},
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        writer.create(20)
        assert_converges(fault_stack, writer)
        wait_until(lambda: healthy(fault_stack, port), 60, "the supervised worker to be healthy", interval=1)
        node = f"supervised@{os.uname().nodename}"
        cancel_consumer(fault_stack, node)
        writer.create(40)
        writer.update(10)
        # No manual step: the check fails twice, the supervisor restarts the worker, it catches up.
        assert_converges(fault_stack, writer, timeout=120)
        text = log.read_text()
        assert "worker unhealthy: restarting it" in text and "consumer stalled" in text
        assert text.count("worker started (pid") >= 2
        wait_until(lambda: healthy(fault_stack, port), 60, "the new worker to be healthy", interval=1)
    except BaseException:
        # What the supervisor and its workers said, so a failure here names its cause.
        text = log.read_text(errors="replace") if log.exists() else "(no log written)"
        print(f"--- {log} (last 150 lines) ---", *text.splitlines()[-150:], sep="\n")
        raise
    finally:
        supervisor.send_signal(signal.SIGTERM)  # stops its worker, then itself
        supervisor.wait(timeout=60)
    assert supervisor.returncode == 0
    wait_until(lambda: not _listening(port), 30, "the supervised worker to be gone", interval=0.5)


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0
