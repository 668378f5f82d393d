"""Search at volume: the API beside OpenSearch alone and beside PostgreSQL + pg_trgm.

    .venv/bin/python -m bench.search [--count 200000] [--runs 40]

Seeds N synthetic contacts (default 200k; --count 1000000 for the full size) into its own database
(contacts_bench) and index alias (contacts_bench) — reused on reruns of the same size — starts the
API with uvicorn on a free port, then for every scenario of the query mix runs the same search three
ways, interleaved so all three see the same load: through the API over real HTTP, the same compiled
query straight to OpenSearch, and the equivalent SQL on PostgreSQL (page + exact count), in an order
that rotates so none of the three always finds the caches warmed by another. Prints
p50/p95/p99 in milliseconds side by side with the ratios API/OpenSearch, PostgreSQL/API and
PostgreSQL/OpenSearch (what the engine alone gains: the ceiling for PostgreSQL/API).

    .venv/bin/python -m bench.search --count 100000 --concurrency 16 64 [--duration 10] [--request-cache]

adds the concurrent phase (bench/search/load.py): per scenario and number of clients, closed loops
against the three for a fixed time; requests/s, p50/p95/p99, the ratios, and the CPU each process
group used meanwhile (API, OpenSearch, PostgreSQL, the generator). The API runs as `make run` runs
it: --workers processes (CONTACTS_API_WORKERS, default the CPU count); --api-src runs another
version's code for a before/after in one run (`git archive <rev> api_service shared | tar -x -C dir`).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg
from opensearchpy import OpenSearch
from tqdm import tqdm

from bench.search import load
from bench.search.scenarios import SCENARIOS, Request
from bench.search.seed import FIELD_TYPES, BenchWorkspace, psycopg_url, seed, use_bench_environment
from shared.search.query import PAGE_FETCH, build_search_query, compile_sort
from shared.settings import get_settings

PAGE_SIZE = 50


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_api(port: int, workers: int = 1, source: str | None = None) -> subprocess.Popen[bytes]:
    """The API as `make run` starts it (scripts/run.sh): `workers` uvicorn processes sharing one
    Prometheus multiprocess directory, cleaned first. `source`: a directory holding another
    version's api_service and shared packages (a baseline: `git archive <rev> api_service shared`)."""
    command = [sys.executable, "-m", "uvicorn", "--factory", "api_service.main:create_app"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--no-access-log"]
    command += ["--workers", str(workers)]
    metrics_dir = Path(tempfile.mkdtemp(prefix="bench-search-metrics-"))
    # The bench's one token stands for many clients: its rate limit (still checked on every request,
    # so its Redis round trip is measured) is raised above what the load generator can send.
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "CONTACTS_RATE_LIMIT_PER_TOKEN": "100000000",
    }
    if source:
        env["PYTHONPATH"] = source
    # Its access log (a JSON line a request, as `make run` writes to var/log) goes to a file.
    log_path = Path(source or ".") / "var" / "bench-search-api.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("w")
    process = subprocess.Popen(command, env=env, cwd=source, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("the API did not start")


class Runners:
    def __init__(
        self, bw: BenchWorkspace, api: httpx.Client, client: OpenSearch, pg: psycopg.Connection[Any]
    ):
        self.bw, self.api, self.client, self.pg = bw, api, client, pg
        self.alias = get_settings().index_alias

    def api_body(self, req: Request) -> dict[str, Any]:
        """The API request of `req`, its cursor walked to the page (untimed)."""
        body: dict[str, Any] = {"query": req.query, "filter": req.filter, "sort": req.sort}
        body["page_size"] = PAGE_SIZE
        for _ in range(req.page - 1):
            body["cursor"] = self.api.post("/v1/contacts/search", json=body).json()["next_cursor"]
            if body["cursor"] is None:
                raise RuntimeError(f"fewer than {req.page} pages: seed more contacts")
        return body

    def os_body(self, req: Request) -> dict[str, Any]:
        """The compiled OpenSearch query of `req`, search_after walked to the page (untimed)."""
        sort_spec = [(s["field"], s["order"]) for s in req.sort or []]
        body: dict[str, Any] = {
            "query": build_search_query(str(self.bw.workspace_id), req.query, req.filter, FIELD_TYPES),
            "sort": compile_sort(sort_spec, FIELD_TYPES, slot_of=self.bw.slots.get),
            "size": PAGE_SIZE,
            "track_total_hits": True,
            **PAGE_FETCH,
        }
        for _ in range(req.page - 1):
            hits = self.os_search(body)["hits"]["hits"]
            if len(hits) < PAGE_SIZE:
                raise RuntimeError(f"fewer than {req.page} pages: seed more contacts")
            body["search_after"] = hits[-1]["sort"]
        return body

    def os_search(self, body: dict[str, Any]) -> Any:
        """One search of the bench workspace straight to OpenSearch, routed as the API routes it."""
        return self.client.search(index=self.alias, body=body, routing=str(self.bw.workspace_id))

    def sql_statements(self, req: Request) -> list[tuple[str, list[Any]]]:
        """The page and the exact count, as the PostgreSQL twin runs them."""
        where = f"workspace_id = %s AND merged_into_id IS NULL AND ({req.sql_where})"
        params = [self.bw.workspace_id, *req.sql_params]
        page_sql = f"SELECT id FROM contacts WHERE {where} ORDER BY {req.sql_order}"
        page_sql += f" LIMIT {PAGE_SIZE} OFFSET {(req.page - 1) * PAGE_SIZE}"
        return [(page_sql, params), (f"SELECT count(*) FROM contacts WHERE {where}", params)]

    def via_api(self, req: Request) -> tuple[float, int]:
        body = self.api_body(req)
        started = time.perf_counter()
        response = self.api.post("/v1/contacts/search", json=body)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        return elapsed, int(response.json()["total"]["value"])

    def via_opensearch(self, req: Request) -> tuple[float, int]:
        body = self.os_body(req)
        started = time.perf_counter()
        response = self.os_search(body)
        return time.perf_counter() - started, int(response["hits"]["total"]["value"])

    def via_postgres(self, req: Request) -> tuple[float, int]:
        (page_sql, page_params), (count_sql, count_params) = self.sql_statements(req)
        started = time.perf_counter()
        self.pg.execute(page_sql, page_params).fetchall()
        row = self.pg.execute(count_sql, count_params).fetchone()
        return time.perf_counter() - started, int(row[0]) if row else 0


def measure(runners: Runners, runs: int, warmup: int) -> list[dict[str, Any]]:
    results = []
    systems = [("api", runners.via_api), ("os", runners.via_opensearch), ("pg", runners.via_postgres)]
    with tqdm(total=len(SCENARIOS) * (runs + warmup), desc="queries x3", unit="round") as bar:
        for scenario in SCENARIOS:
            times: dict[str, list[float]] = {"api": [], "os": [], "pg": []}
            totals: dict[str, int] = {}
            for i in range(warmup + runs):
                req = scenario.make(random.Random(i))
                # The same search three ways; whoever runs second or third finds caches the first
                # warmed (OpenSearch's for the API and OpenSearch alone), so the order rotates.
                for name, run in systems[i % 3 :] + systems[: i % 3]:
                    elapsed, total = run(req)
                    if i >= warmup:
                        times[name].append(elapsed * 1000)
                        totals[name] = total
                bar.update(1)
            results.append({"name": scenario.name, "times": times, "totals": totals})
    return results


def print_table(results: list[dict[str, Any]], count: int, runs: int) -> None:
    print(f"\nsearch bench: {count:,} contacts, {runs} timed runs per scenario, page size {PAGE_SIZE}, ms")
    head = f"{'scenario':32} | {'API p50/p95/p99':>20} | {'OpenSearch p50/p95/p99':>22}"
    head += f" | {'PG+trgm p50/p95/p99':>22}"
    # PG/OS: what the search engine alone gains over PostgreSQL, the ceiling for PG/API.
    print(head + " | API/OS p95 | PG/API p95 | PG/OS p95 | hits (last run, OS / PG)")
    print("-" * (len(head) + 64))
    for row in results:
        cells = []
        for name in ("api", "os", "pg"):
            t = row["times"][name]
            cells.append("/".join(f"{percentile(t, p):.1f}" for p in (50, 95, 99)))
        api95, os95, pg95 = (percentile(row["times"][n], 95) for n in ("api", "os", "pg"))
        totals = row["totals"]
        print(
            f"{row['name']:32} | {cells[0]:>20} | {cells[1]:>22} | {cells[2]:>22} | "
            f"{api95 / os95:>9.2f}x | {pg95 / api95:>9.1f}x | {pg95 / os95:>8.1f}x | "
            f"{totals['os']:,} / {totals['pg']:,}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200_000, help="synthetic contacts (default 200000)")
    parser.add_argument("--runs", type=int, default=40, help="timed runs per scenario and system")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--concurrency",
        type=int,
        nargs="*",
        default=[],
        help="also run the concurrent phase with these numbers of clients (e.g. --concurrency 16 64)",
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per system and scenario")
    parser.add_argument("--scenarios", nargs="*", help="only the scenarios whose name contains one of these")
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("CONTACTS_API_WORKERS") or os.cpu_count() or 1),
        help="API processes, as `make run` starts them (CONTACTS_API_WORKERS, default: CPU count)",
    )
    parser.add_argument(
        "--api-src", help="run the API from this directory (another version's api_service + shared)"
    )
    parser.add_argument(
        "--request-cache", action="store_true", help="also OpenSearch alone with request_cache=true"
    )
    parser.add_argument("--no-single", action="store_true", help="skip the one-at-a-time phase")
    args = parser.parse_args()
    use_bench_environment()
    settings = get_settings()
    client = OpenSearch(hosts=[settings.opensearch_url], timeout=120, pool_maxsize=4)
    bw = seed(args.count, client)
    port = free_port()
    api_process = start_api(port, args.workers, args.api_src)
    results: list[dict[str, Any]] = []
    loads: list[load.LoadResult] = []
    try:
        with (
            httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {bw.token}"},
                timeout=60,
            ) as api,
            psycopg.connect(psycopg_url(), autocommit=True) as pg,
        ):
            runners = Runners(bw, api, client, pg)
            if not args.no_single:
                results = measure(runners, args.runs, args.warmup)
            if args.concurrency:
                loads = load.run(
                    runners,
                    clients_list=args.concurrency,
                    seconds=args.duration,
                    scenario_filter=args.scenarios,
                    endpoints={
                        "api_url": f"http://127.0.0.1:{port}",
                        "token": bw.token,
                        "os_url": settings.opensearch_url,
                        "alias": settings.index_alias,
                        "routing": str(bw.workspace_id),
                        "pg_url": psycopg_url(),
                    },
                    groups={"API": [api_process.pid], **load.stack_pids(Path.cwd())},
                    request_cache=args.request_cache,
                )
    finally:
        api_process.terminate()
        api_process.wait(timeout=15)
    if results:
        print_table(results, args.count, args.runs)
    if loads:
        load.print_load_table(
            loads,
            args.count,
            args.duration,
            f"API: {args.workers} uvicorn process(es) from {args.api_src or 'this tree'}. "
            "The machine is shared (other work may run): "
            "figures are indicative; compare columns of one run.",
        )


if __name__ == "__main__":
    main()
