"""How busy the machine was while the soak ran, measured (from /proc) rather than assumed.

Two samples, at the start of the traffic and once the outbox has drained: the load average, the
machine's busy CPU time (/proc/stat) and the CPU time of every process, split into the soak's own
process tree (this process with its client threads, the API and the worker it started), the servers
it talks to (whatever listens on the PostgreSQL, Redis and OpenSearch ports, with their children)
and everything else: the machine's busy time minus those two, so processes that came and went
during the run (someone else's tests) count there too. A process's time includes that of the
children it reaped meanwhile.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")
# Other processes using at least this share of the machine's cores on average make it "busy".
BUSY_SHARE = 0.1


@dataclass(frozen=True)
class Process:
    ppid: int
    pgid: int
    cpu: float  # seconds: user + system, its own and its reaped children's


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic()
    load: tuple[float, float, float]  # 1, 5 and 15 minute load averages
    busy: float  # CPU seconds the whole machine spent busy since boot
    processes: dict[tuple[int, int], Process]  # (pid, start time): a reused pid is another process


def _busy_seconds() -> float:
    # cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user)
    fields = [int(v) for v in (PROC / "stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / TICK


def _processes() -> dict[tuple[int, int], Process]:
    found = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            after_name = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        # Fields from the state on (man 5 proc): ppid 4, pgrp 5, utime 14 .. cstime 17, starttime 22.
        ppid, pgid = int(after_name[1]), int(after_name[2])
        cpu = sum(int(v) for v in after_name[11:15]) / TICK
        found[int(stat.parent.name), int(after_name[19])] = Process(ppid, pgid, cpu)
    return found


def sample() -> Sample:
    load = os.getloadavg()
    return Sample(time.monotonic(), (load[0], load[1], load[2]), _busy_seconds(), _processes())


def listening_pids(ports: Iterable[int]) -> set[int]:
    """The processes holding a listening TCP socket on one of `ports` (IPv4 or IPv6)."""
    wanted = set(ports)
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            rows = (PROC / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            cols = row.split()
            # local_address is HEXADDR:HEXPORT; state 0A is LISTEN.
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) in wanted:
                inodes.add(f"socket:[{cols[9]}]")
    pids = set()
    for fd_dir in PROC.glob("[0-9]*/fd"):
        try:
            if any(os.readlink(fd) in inodes for fd in fd_dir.iterdir()):
                pids.add(int(fd_dir.parent.name))
        except OSError:
            continue  # gone, or not ours to read
    return pids


Key = tuple[int, int]


def _tree(processes: dict[Key, Process], roots: set[int], groups: set[int]) -> set[Key]:
    """The processes of the process groups `groups` and the descendants of the pids `roots`."""
    children: dict[int, list[int]] = {}
    for (pid, _), proc in processes.items():
        children.setdefault(proc.ppid, []).append(pid)
    pids, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in pids:
                pids.add(child)
                todo.append(child)
    return {key for key, proc in processes.items() if key[0] in pids or proc.pgid in groups}


def _cpu_of(start: Sample, end: Sample, keys: set[tuple[int, int]]) -> float:
    """CPU seconds the processes `keys` used between the samples (a process born meanwhile: all)."""
    total = 0.0
    for key in keys:
        if key in end.processes:
            before = start.processes.get(key)
            total += end.processes[key].cpu - (before.cpu if before else 0.0)
    return total


@dataclass(frozen=True)
class Load:
    seconds: float  # wall time between the samples
    cores: int
    busy: float  # CPU seconds, the whole machine
    soak: float  # CPU seconds of the soak's process tree
    servers: float  # CPU seconds of the servers it uses
    start: tuple[float, float, float]  # load averages
    end: tuple[float, float, float]

    @property
    def other(self) -> float:
        """CPU seconds of everything else (never below zero: the counts are sampled separately)."""
        return max(0.0, self.busy - self.soak - self.servers)


def measure(start: Sample, end: Sample, soak_groups: set[int], server_ports: Iterable[int]) -> Load:
    """The CPU time used between the samples by the soak (this process, its descendants and the
    process groups `soak_groups`), by the servers listening on `server_ports`, and in all."""
    both = {**start.processes, **end.processes}
    soak = _tree(both, {os.getpid()}, soak_groups)
    servers = _tree(both, listening_pids(server_ports), set()) - soak
    return Load(
        seconds=max(end.at - start.at, 1e-9),
        cores=os.cpu_count() or 1,
        busy=end.busy - start.busy,
        soak=_cpu_of(start, end, soak),
        servers=_cpu_of(start, end, servers),
        start=start.load,
        end=end.load,
    )


def report(load: Load) -> list[str]:
    """Lines saying how busy the machine was between the samples, and with what."""
    seconds, cores = load.seconds, load.cores
    share = load.other / seconds / cores
    verdict = (
        f"busy with other work: other processes used {share:.0%} of its cores, so the latencies "
        "above may be slower than on a quiet machine"
        if share >= BUSY_SHARE
        else f"quiet apart from this soak: other processes used {share:.0%} of its cores"
    )
    return [
        f"machine load over the traffic and the drain ({seconds:.0f} s, {cores} cores):",
        f"  load average 1/5/15 min: {'/'.join(f'{v:.2f}' for v in load.start)} at start, "
        f"{'/'.join(f'{v:.2f}' for v in load.end)} at end",
        f"  cores busy on average: {load.busy / seconds:.2f} of {cores}: this soak {load.soak / seconds:.2f} "
        f"(its clients, API and worker), its servers {load.servers / seconds:.2f} (PostgreSQL, Redis, "
        f"OpenSearch), other processes {load.other / seconds:.2f}",
        f"  the machine was {verdict}",
    ]
