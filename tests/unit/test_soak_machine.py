"""bench/soak/machine.py on this machine's real /proc: the soak's CPU time is told apart from
everyone else's and its servers are found by their listening ports, so its "quiet" or "busy" line
is a measurement."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from bench.soak import machine

BURN = "import time\nwhile time.process_time() < 0.5: pass\nprint('done', flush=True)\ntime.sleep(30)"


def test_a_busy_child_of_the_soak_counts_as_the_soak() -> None:
    start = machine.sample()
    # Its own session, as the soak starts the API and the worker: found by process group.
    child = subprocess.Popen(
        [sys.executable, "-c", BURN], stdout=subprocess.PIPE, start_new_session=True, text=True
    )
    try:
        assert child.stdout is not None and child.stdout.readline() == "done\n"
        end = machine.sample()
        load = machine.measure(start, end, {child.pid}, [])
        by_descent = machine.measure(start, end, set(), [])
    finally:
        child.kill()
        child.communicate()
    assert load.soak >= 0.49  # the child's half second of CPU (and this process's own)
    assert load.busy >= load.soak + load.servers - 0.05  # the machine's total holds both
    # The child is this process's own, so it is the soak's even without its group.
    assert by_descent.soak >= 0.49
    lines = machine.report(load)
    assert lines[-1].startswith(("  the machine was busy with other work", "  the machine was quiet"))
    assert f"{load.cores} cores" in lines[0]


def test_the_process_holding_a_listening_port_is_its_server() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert machine.listening_pids([port]) == {os.getpid()}
    assert machine.listening_pids([port]) == set()  # closed: nobody listens any more
