"""Dashboard aggregations at volume: the API beside OpenSearch alone and beside PostgreSQL GROUP BY.

    .venv/bin/python -m bench.aggregate [--count 200000] [--runs 30]

Seeds (or reuses) the synthetic contacts of bench/search (bench.search.seed: its own database
contacts_bench and index alias contacts_bench), starts the API with uvicorn on a free port, then
for each chart of a dashboard runs the same aggregation three ways, interleaved in a rotating
order so all three see the same load: POST /v1/contacts/aggregate over real HTTP, the same
compiled request straight to OpenSearch, and the PostgreSQL GROUP BY that computes the same numbers
(with indexes that help it). The last row is the whole dashboard at once: one API request, one
OpenSearch request, and every GROUP BY in turn. Each system's answer is compared with
PostgreSQL's (the `same` column). Prints p50/p95 in milliseconds and the ratios API/OpenSearch and
PostgreSQL/API.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import psycopg
from opensearchpy import OpenSearch
from tqdm import tqdm

from bench.search.__main__ import free_port, percentile, start_api
from bench.search.seed import BENCH_DB, FIELD_TYPES, BenchWorkspace, psycopg_url, seed
from shared.search.aggregations import compile_aggs, parse_plan, read_facets, read_histograms, resolve_bounds
from shared.search.query import build_search_query
from shared.settings import get_settings

ZONE = "Asia/Kuala_Lumpur"
PG_INDEXES = (
    "CREATE INDEX IF NOT EXISTS bench_agg_status_assignee ON contacts "
    "(workspace_id, conversation_status, assignee_id)",
    "CREATE INDEX IF NOT EXISTS bench_agg_last_in ON contacts (workspace_id, last_incoming_message_at)",
    "CREATE INDEX IF NOT EXISTS bench_agg_channels ON contact_channels "
    "(workspace_id, channel_id, contact_id)",
    "ANALYZE contacts",
    "ANALYZE contact_channels",
)
ALIVE = "c.workspace_id = %(ws)s AND c.merged_into_id IS NULL"


def use_bench_environment() -> None:
    """bench.search's database, index alias and Redis db, on this machine's ports (CONTACTS_PG_PORT,
    CONTACTS_REDIS_PORT: the local stack's, see deploy/stack.sh)."""
    pg_port = os.environ.get("CONTACTS_PG_PORT", "55432")
    redis_port = os.environ.get("CONTACTS_REDIS_PORT", "56379")
    os.environ["CONTACTS_DATABASE_URL"] = (
        f"postgresql+psycopg://contacts:contacts@127.0.0.1:{pg_port}/{BENCH_DB}"
    )
    os.environ["CONTACTS_INDEX_ALIAS"] = "contacts_bench"
    os.environ["CONTACTS_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/3"
    get_settings.cache_clear()


@dataclass
class Chart:
    """One dashboard chart: the aggregate request, and the SQL computing the same rows."""

    name: str
    request: dict[str, Any]
    sql: str
    # Turns the SQL rows into the API's answer for the chart (for the `same` check).
    rows: Callable[[list[tuple[Any, ...]]], Any]
    params: dict[str, Any] = field(default_factory=dict)


def _facet_rows(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [{"value": None if v is None else str(v), "count": n} for v, n in rows]


def _bucket_rows(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [{"start": start.astimezone(ZoneInfo(ZONE)).isoformat(), "count": n} for start, n in rows]


def _histogram_sql(column: str, interval: str, extra: str = "") -> str:
    """Buckets of `column` in ZONE between %(from)s and %(to)s, empty ones included."""
    local = f"date_trunc('{interval}', c.{column}, '{ZONE}')"
    return (
        f"SELECT s.start, coalesce(n.count, 0) FROM generate_series("
        f"date_trunc('{interval}', %(from)s::timestamptz, '{ZONE}'), %(to)s::timestamptz, "
        f"interval '1 {interval}') AS s(start) "
        f"LEFT JOIN (SELECT {local} AS start, count(*) AS count FROM contacts c "
        f"WHERE {ALIVE} {extra} AND c.{column} >= date_trunc('{interval}', %(from)s::timestamptz, '{ZONE}') "
        f"AND c.{column} < date_trunc('{interval}', %(to)s::timestamptz, '{ZONE}') + interval '1 {interval}' "
        f"GROUP BY 1) n ON n.start = s.start ORDER BY s.start"
    )


def charts(now: datetime) -> list[Chart]:
    day_from, day_to = (now - timedelta(days=89)).isoformat(), now.isoformat()
    week_from = (now - timedelta(weeks=51)).isoformat()
    return [
        Chart(
            "contacts by channel",
            {"facets": [{"field": "channels", "size": 10}]},
            "SELECT cc.channel_id, count(DISTINCT cc.contact_id) FROM contact_channels cc "
            "JOIN contacts c ON c.id = cc.contact_id WHERE " + ALIVE + " "
            "GROUP BY 1 ORDER BY 2 DESC, cc.channel_id::text LIMIT 10",
            _facet_rows,
        ),
        Chart(
            "contacts by tag",
            {"facets": [{"field": "tags", "size": 10}]},
            "SELECT t, count(*) FROM contacts c, unnest(c.tags) t WHERE " + ALIVE + " "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
            _facet_rows,
        ),
        Chart(
            "contacts by country",
            {"facets": [{"field": "country", "size": 10}]},
            "SELECT c.country, count(*) FROM contacts c WHERE " + ALIVE + " AND c.country IS NOT NULL "
            "GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 10",
            _facet_rows,
        ),
        Chart(
            "open conversations by assignee",
            {
                "filter": {"and": [{"field": "conversation_status", "op": "eq", "value": "open"}]},
                "facets": [{"field": "assignee_id", "size": 10}],
            },
            "SELECT c.assignee_id, count(*) FROM contacts c WHERE " + ALIVE + " "
            "AND c.conversation_status = 'open' GROUP BY 1 "
            "ORDER BY 2 DESC, (c.assignee_id IS NULL), c.assignee_id::text LIMIT 10",
            _facet_rows,
        ),
        Chart(
            "new contacts per day, 90 days",
            {
                "histograms": [
                    {
                        "field": "created_at",
                        "interval": "day",
                        "time_zone": ZONE,
                        "from": day_from,
                        "to": day_to,
                    }
                ]
            },
            _histogram_sql("created_at", "day"),
            _bucket_rows,
            {"from": day_from, "to": day_to},
        ),
        Chart(
            "last incoming message, weekly",
            {
                "histograms": [
                    {
                        "field": "last_incoming_message_at",
                        "interval": "week",
                        "time_zone": ZONE,
                        "from": week_from,
                        "to": day_to,
                    }
                ]
            },
            _histogram_sql("last_incoming_message_at", "week"),
            _bucket_rows,
            {"from": week_from, "to": day_to},
        ),
    ]


def dashboard(parts: list[Chart]) -> dict[str, Any]:
    """The whole dashboard as one request (the open-conversations chart has its own filter, so
    it stays a request of its own in a real dashboard; here its facet is counted unfiltered)."""
    merged: dict[str, Any] = {"facets": [], "histograms": []}
    for chart in parts:
        merged["facets"] += chart.request.get("facets", [])
        merged["histograms"] += chart.request.get("histograms", [])
    return merged


def _answer(result: dict[str, Any]) -> Any:
    facets, histograms = result.get("facets", {}), result.get("histograms", {})
    return next(iter(facets.values())) if facets else next(iter(histograms.values()))


class Runners:
    def __init__(
        self, bw: BenchWorkspace, api: httpx.Client, client: OpenSearch, pg: psycopg.Connection[Any]
    ):
        self.bw, self.api, self.client, self.pg = bw, api, client, pg
        self.alias = get_settings().index_alias

    def via_api(self, request: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        started = time.perf_counter()
        response = self.api.post("/v1/contacts/aggregate", json=request)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
        return elapsed, response.json()

    def via_opensearch(self, request: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        plan = parse_plan(request.get("facets"), request.get("histograms"), FIELD_TYPES)
        query = build_search_query(str(self.bw.workspace_id), None, request.get("filter"), FIELD_TYPES)
        body = {"query": query, "size": 0, "track_total_hits": True}
        body["aggs"] = compile_aggs(plan, resolve_bounds(plan, None))  # every histogram has from/to
        started = time.perf_counter()
        response = self.client.search(index=self.alias, body=body, routing=str(self.bw.workspace_id))
        elapsed = time.perf_counter() - started
        found = response["aggregations"]
        return elapsed, {"facets": read_facets(plan, found, {}), "histograms": read_histograms(plan, found)}

    def via_postgres(self, parts: list[Chart]) -> tuple[float, list[Any]]:
        answers = []
        started = time.perf_counter()
        for chart in parts:
            rows = self.pg.execute(chart.sql, {"ws": self.bw.workspace_id, **chart.params}).fetchall()
            answers.append(chart.rows(rows))
        return time.perf_counter() - started, answers


def measure(runners: Runners, parts: list[Chart], runs: int, warmup: int) -> list[dict[str, Any]]:
    scenarios: list[tuple[str, dict[str, Any], list[Chart]]] = [(c.name, c.request, [c]) for c in parts]
    scenarios.append(("whole dashboard (1 request / 6 SQL)", dashboard(parts), parts))
    results = []
    with tqdm(total=len(scenarios) * (runs + warmup), desc="aggregations x3", unit="round") as bar:
        for name, request, sql_parts in scenarios:
            times: dict[str, list[float]] = {"api": [], "os": [], "pg": []}
            answers: dict[str, Any] = {}
            systems: list[tuple[str, Callable[[], tuple[float, Any]]]] = [
                ("api", partial(runners.via_api, request)),
                ("os", partial(runners.via_opensearch, request)),
                ("pg", partial(runners.via_postgres, sql_parts)),
            ]
            for i in range(warmup + runs):
                for system, run in systems[i % 3 :] + systems[: i % 3]:
                    elapsed, answer = run()
                    if i >= warmup:
                        times[system].append(elapsed * 1000)
                        answers[system] = answer
                bar.update(1)
            same = "-"
            if len(sql_parts) == 1:
                same = (
                    "yes" if _answer(answers["api"]) == answers["pg"][0] == _answer(answers["os"]) else "NO"
                )
            results.append({"name": name, "times": times, "same": same})
    return results


def print_table(results: list[dict[str, Any]], count: int, runs: int) -> None:
    print(f"\naggregate bench: {count:,} contacts, {runs} timed runs per chart and system, ms")
    head = f"{'chart':38} | {'API p50/p95':>13} | {'OpenSearch p50/p95':>18} | {'PG p50/p95':>15}"
    print(head + " | API/OS p95 | PG/API p95 | same")
    print("-" * (len(head) + 32))
    for row in results:
        cells = [
            "/".join(f"{percentile(row['times'][n], p):.1f}" for p in (50, 95)) for n in ("api", "os", "pg")
        ]
        api95, os95, pg95 = (percentile(row["times"][n], 95) for n in ("api", "os", "pg"))
        print(
            f"{row['name']:38} | {cells[0]:>13} | {cells[1]:>18} | {cells[2]:>15} | "
            f"{api95 / os95:>9.2f}x | {pg95 / api95:>9.1f}x | {row['same']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.aggregate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200_000, help="synthetic contacts (default 200000)")
    parser.add_argument("--runs", type=int, default=30, help="timed runs per chart and system")
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    use_bench_environment()
    client = OpenSearch(hosts=[get_settings().opensearch_url], timeout=120, pool_maxsize=4)
    bw = seed(args.count, client)
    with psycopg.connect(psycopg_url(), autocommit=True) as conn:
        for statement in PG_INDEXES:
            conn.execute(statement)
    now = datetime.now(UTC).replace(microsecond=0)
    parts = charts(now)
    random.seed(0)
    port = free_port()
    api_process = start_api(port)
    try:
        with (
            httpx.Client(
                base_url=f"http://127.0.0.1:{port}",
                headers={"Authorization": f"Bearer {bw.token}"},
                timeout=120,
            ) as api,
            psycopg.connect(psycopg_url(), autocommit=True) as pg,
        ):
            results = measure(Runners(bw, api, client, pg), parts, args.runs, args.warmup)
    finally:
        api_process.terminate()
        api_process.wait(timeout=15)
    print_table(results, args.count, args.runs)


if __name__ == "__main__":
    main()
