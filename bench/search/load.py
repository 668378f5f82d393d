"""The concurrent phase of the search bench: closed loops of N clients, for a fixed time per
scenario, against the API, OpenSearch alone (the same compiled query) and the PostgreSQL twin.

The load generator is one asyncio process on uvloop: one keep-alive HTTP/1.1 connection per client
(requests prebuilt as bytes, responses parsed with httptools, the parser uvicorn uses: httpx's
AsyncClient cost ~3 ms of generator CPU per request here), one psycopg AsyncConnection per client
(PostgreSQL). Its own CPU use is measured beside the servers' (from /proc), so a generator that
takes the CPU the servers need shows in the table.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httptools
import psycopg
import uvloop
from pydantic_core import to_json

from bench.search.scenarios import SCENARIOS, Request, Scenario

PAGE_SIZE = 50
VARIANTS = 8  # requests prepared per scenario, cycled by the clients
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Prepared:
    """One search ready to send three ways: API body (cursor resolved), OpenSearch body
    (search_after resolved), SQL statements with their parameters."""

    api_body: dict[str, Any]
    os_body: dict[str, Any]
    sql: list[tuple[str, list[Any]]]


@dataclass
class LoadResult:
    scenario: str
    clients: int
    system: str
    seconds: float
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    cpu: dict[str, float] = field(default_factory=dict)  # process group -> cores used (CPU s / wall s)

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds


class HttpConnection:
    """One keep-alive HTTP/1.1 connection sending prebuilt requests, one at a time."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.done = False
        self.status = 0
        self.parser = httptools.HttpResponseParser(self)

    @classmethod
    async def open(cls, host: str, port: int) -> HttpConnection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    def on_message_complete(self) -> None:
        self.done = True

    async def request(self, raw: bytes) -> int:
        self.done = False
        self.writer.write(raw)
        while not self.done:
            chunk = await self.reader.read(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection")
            self.parser.feed_data(chunk)
        return int(self.parser.get_status_code())

    def close(self) -> None:
        self.writer.close()


def raw_post(host: str, path: str, body: dict[str, Any], headers: dict[str, str]) -> bytes:
    payload = to_json(body)
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json"]
    lines += [f"Content-Length: {len(payload)}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def _tree_ticks(roots: list[int]) -> float:
    """CPU seconds (user + system) of `roots` and all their descendants, from /proc."""
    parent: dict[int, int] = {}
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        pid = int(entry.name)
        parent[pid] = int(fields[1])
        ticks[pid] = int(fields[11]) + int(fields[12])
    wanted = set(roots)
    changed = True
    while changed:
        changed = False
        for pid, ppid in parent.items():
            if ppid in wanted and pid not in wanted:
                wanted.add(pid)
                changed = True
    return sum(ticks.get(pid, 0) for pid in wanted) / CLOCK_TICKS


class CpuProbe:
    """Cores used by each process group over a window."""

    def __init__(self, groups: dict[str, list[int]]):
        self.groups = {name: pids for name, pids in groups.items() if pids}

    def sample(self) -> tuple[float, dict[str, float]]:
        cpu = {name: _tree_ticks(pids) for name, pids in self.groups.items()}
        cpu["generator"] = time.process_time()  # this process only (the API runs as its child)
        return time.monotonic(), cpu

    @staticmethod
    def cores(
        before: tuple[float, dict[str, float]], after: tuple[float, dict[str, float]]
    ) -> dict[str, float]:
        wall = after[0] - before[0]
        return {name: (after[1][name] - before[1][name]) / wall for name in after[1]}


def stack_pids(root: Path) -> dict[str, list[int]]:
    """OpenSearch and PostgreSQL of the local stack (deploy/stack.sh writes their pid files)."""
    found: dict[str, list[int]] = {}
    for name, path in (
        ("OpenSearch", "var/opensearch/node.pid"),
        ("PostgreSQL", "var/pg/data/postmaster.pid"),
    ):
        try:
            found[name] = [int((root / path).read_text().split()[0])]
        except (OSError, ValueError, IndexError):
            found[name] = []
    return found


async def _closed_loop(
    clients: int, seconds: float, send: Any, items: list[Prepared], result: LoadResult
) -> None:
    deadline = time.perf_counter() + seconds

    async def client(n: int) -> None:
        i = n
        while time.perf_counter() < deadline:
            item = items[i % len(items)]
            i += 1
            started = time.perf_counter()
            try:
                await send(n, item)
            except Exception:
                result.errors += 1
                continue
            result.latencies_ms.append((time.perf_counter() - started) * 1000)

    await asyncio.gather(*(client(n) for n in range(clients)))


async def run_system(
    system: str,
    scenario: str,
    items: list[Prepared],
    clients: int,
    seconds: float,
    api_url: str,
    token: str,
    os_url: str,
    alias: str,
    routing: str,
    pg_url: str,
    probe: CpuProbe,
) -> LoadResult:
    result = LoadResult(scenario, clients, system, seconds)
    if system in ("api", "os", "os_rc"):
        url = urlsplit(api_url if system == "api" else os_url)
        host, port = url.hostname or "127.0.0.1", url.port or 80
        if system == "api":
            path, headers = "/v1/contacts/search", {"Authorization": f"Bearer {token}"}
        else:  # the shard request cache skips size > 0 unless asked (os_rc)
            path = f"/{alias}/_search?routing={routing}" + (
                "&request_cache=true" if system == "os_rc" else ""
            )
            headers = {}
        prebuilt = {
            id(item): raw_post(host, path, item.api_body if system == "api" else item.os_body, headers)
            for item in items
        }
        http = [await HttpConnection.open(host, port) for _ in range(clients)]
        try:

            async def send(n: int, item: Prepared) -> None:
                try:
                    status = await http[n].request(prebuilt[id(item)])
                except (ConnectionError, httptools.HttpParserError):
                    http[n].close()
                    http[n] = await HttpConnection.open(host, port)
                    raise
                if status != 200:
                    raise RuntimeError(f"HTTP {status}")

            await _closed_loop(clients, 1.0, send, items, LoadResult(scenario, clients, system, 1.0))  # warm
            before = probe.sample()
            await _closed_loop(clients, seconds, send, items, result)
            result.cpu = CpuProbe.cores(before, probe.sample())
        finally:
            for connection in http:
                connection.close()
        return result
    conns = [await psycopg.AsyncConnection.connect(pg_url, autocommit=True) for _ in range(clients)]
    try:

        async def send_sql(n: int, item: Prepared) -> None:
            for sql, params in item.sql:
                await (await conns[n].execute(sql, params)).fetchall()

        await _closed_loop(clients, 1.0, send_sql, items, LoadResult(scenario, clients, system, 1.0))
        before = probe.sample()
        await _closed_loop(clients, seconds, send_sql, items, result)
        result.cpu = CpuProbe.cores(before, probe.sample())
    finally:
        for conn in conns:
            await conn.close()
    return result


def prepare(scenario: Scenario, runners: Any) -> list[Prepared]:
    """VARIANTS requests of the scenario, each walked to its page once (untimed) three ways."""
    items = []
    for i in range(VARIANTS):
        req: Request = scenario.make(random.Random(1000 + i))
        items.append(
            Prepared(
                api_body=runners.api_body(req), os_body=runners.os_body(req), sql=runners.sql_statements(req)
            )
        )
    return items


async def run_all(
    runners: Any,
    clients_list: list[int],
    seconds: float,
    scenarios: list[Scenario],
    systems: list[str],
    endpoints: dict[str, str],
    probe: CpuProbe,
) -> list[LoadResult]:
    results = []
    for scenario in scenarios:
        items = prepare(scenario, runners)
        for clients in clients_list:
            # The order rotates between scenarios so no system always runs on caches another warmed.
            for system in systems:
                print(f"  load: {scenario.name} x{clients} {system} ...", flush=True)
                results.append(
                    await run_system(system, scenario.name, items, clients, seconds, probe=probe, **endpoints)
                )
    return results


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(-(-p * len(ordered) // 100)) - 1))]


def print_load_table(results: list[LoadResult], count: int, seconds: float, note: str) -> None:
    print(
        f"\nconcurrent search: {count:,} contacts, closed loops, {seconds:g} s per system, page {PAGE_SIZE}"
    )
    print(note)
    head = f"{'scenario':30} {'N':>3} | {'API r/s':>7} {'p50/p95/p99 ms':>17} | {'OS r/s':>7}"
    head += f" {'p50/p95/p99 ms':>17} | {'PG r/s':>7} {'p50/p95/p99 ms':>19} | API/OS r/s | API/PG r/s"
    head += " | API/OS p95"
    print(head)
    print("-" * len(head))
    by_key: dict[tuple[str, int], dict[str, LoadResult]] = {}
    for r in results:
        by_key.setdefault((r.scenario, r.clients), {})[r.system] = r
    for (scenario, clients), systems in by_key.items():
        cells = []
        for name in ("api", "os", "pg"):
            found = systems.get(name)
            if found is None:
                cells.append(f"{'-':>7} {'-':>17}")
                continue
            pct = "/".join(f"{percentile(found.latencies_ms, p):.0f}" for p in (50, 95, 99))
            err = f" E{found.errors}" if found.errors else ""
            cells.append(f"{found.rate:7.1f} {pct + err:>17}")
        api, os_, pg = systems.get("api"), systems.get("os"), systems.get("pg")
        ratio_os = f"{api.rate / os_.rate:9.2f}x" if api and os_ and os_.rate else f"{'-':>10}"
        ratio_pg = f"{api.rate / pg.rate:9.1f}x" if api and pg and pg.rate else f"{'-':>10}"
        p95 = (
            f"{percentile(api.latencies_ms, 95) / percentile(os_.latencies_ms, 95):9.2f}x"
            if api and os_ and os_.latencies_ms
            else f"{'-':>10}"
        )
        print(
            f"{scenario:30} {clients:>3} | {cells[0]} | {cells[1]} | {cells[2]:>27} | "
            f"{ratio_os} | {ratio_pg} | {p95}"
        )
    extra = [r for r in results if r.system == "os_rc"]
    if extra:
        print(
            "\nOpenSearch alone with request_cache=true "
            "(results cached per shard until a refresh changes it):"
        )
        for r in extra:
            plain = by_key[(r.scenario, r.clients)].get("os")
            gain = f"{r.rate / plain.rate:.2f}x the plain r/s" if plain and plain.rate else ""
            rc95 = percentile(r.latencies_ms, 95)
            print(f"{r.scenario:30} {r.clients:>3} | {r.rate:7.1f} r/s, p95 {rc95:.0f} ms | {gain}")
    print(
        "\nCPU split during each run, cores used (CPU seconds / wall seconds; the machine has "
        f"{os.cpu_count()} cores):"
    )
    groups = sorted({g for r in results for g in r.cpu})
    print(f"{'scenario':30} {'N':>3} {'system':>6} | " + " | ".join(f"{g:>10}" for g in groups))
    for r in results:
        print(
            f"{r.scenario:30} {r.clients:>3} {r.system:>6} | "
            + " | ".join(f"{r.cpu.get(g, 0):10.2f}" for g in groups)
        )


def run(
    runners: Any,
    *,
    clients_list: list[int],
    seconds: float,
    scenario_filter: list[str] | None,
    endpoints: dict[str, str],
    groups: dict[str, list[int]],
    request_cache: bool = False,
) -> list[LoadResult]:
    scenarios = [s for s in SCENARIOS if not scenario_filter or any(f in s.name for f in scenario_filter)]
    probe = CpuProbe(groups)
    return uvloop.run(
        run_all(
            runners,
            clients_list,
            seconds,
            scenarios,
            ["api", "os", "pg"] + (["os_rc"] if request_cache else []),
            endpoints,
            probe,
        )
    )
