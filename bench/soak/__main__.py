"""Soak: minutes of mixed traffic at a set rate through the real processes (uvicorn API, Celery
worker with beat), then whether anything was lost.

    .venv/bin/python -m bench.soak [--minutes 10] [--rate 20] [--seed 2000] [--clients 4]

Uses its own database (`contacts_bench_soak` on the configured server, recreated and migrated), index
alias (`contacts_bench_soak`) and Redis db 5, so it never touches anyone's data. Loopback only.

Traffic (weights): searches 45%, writes (create / update) 25%, inbound channel messages 25%, reads
5%; one bulk-tags job over all matching contacts at a third of the run and one CSV export at two
thirds (waited for and downloaded). Printed: requests and errors by status per kind, p50/p95 by
kind, the RSS of every process (API, worker main, pool processes, beat) at start and end, at the
end whether PostgreSQL and the index agree on every (id, version) of the workspace, and how busy
the machine was meanwhile, measured (bench/soak/machine.py: load average, and the cores used by the
soak, by its servers and by everything else). The baseline in
the same run is the latency of `GET /healthz` (the API's floor: no database, no index), sampled
alongside. Every loop is bounded: by the number of requests (rate x duration) and by deadlines.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, make_url, select

from api_service.contacts.schemas import ContactFieldsIn
from api_service.contacts.service import create_contact
from api_service.workspaces.service import create_workspace
from bench.soak import machine
from indexer_worker.reconcile import reconcile
from shared.db import make_engine, make_session_factory
from shared.dbadmin import reset_database
from shared.models import OutboxEntry
from shared.search.index import ensure_index, make_client
from shared.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NAME = "contacts_bench_soak"
ADMIN_KEY = "soak-admin-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def soak_settings() -> Settings:
    base = get_settings()
    redis = make_url(base.redis_url.replace("redis://", "postgresql://", 1))
    return base.model_copy(
        update={
            "database_url": make_url(base.database_url)
            .set(database=NAME)
            .render_as_string(hide_password=False),
            "redis_url": f"redis://{redis.host}:{redis.port}/5",
            "index_alias": NAME,
        }
    )


def server_ports(settings: Settings) -> list[int]:
    """The ports of the PostgreSQL, Redis and OpenSearch the soak uses."""
    urls = (settings.database_url, settings.redis_url, settings.opensearch_url)
    return [port for port in (urlsplit(url.replace("+psycopg", "")).port for url in urls) if port]


def env_for(settings: Settings, metrics_port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTACTS_", "PROMETHEUS_"))}
    env.update(
        CONTACTS_DATABASE_URL=settings.database_url,
        CONTACTS_REDIS_URL=settings.redis_url,
        CONTACTS_OPENSEARCH_URL=settings.opensearch_url,
        CONTACTS_INDEX_ALIAS=settings.index_alias,
        CONTACTS_ADMIN_KEY=ADMIN_KEY,
        CONTACTS_EXPORT_DIR=str(ROOT / "var" / "bench-soak" / "exports"),
        CONTACTS_WORKER_METRICS_PORT=str(metrics_port),
        PYTHONUNBUFFERED="1",
    )
    return env


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def group_processes(pgid: int) -> dict[int, str]:
    """pid -> a short name, for every process of a process group (the API's, the worker's)."""
    found: dict[int, str] = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                pid = int(status.parent.name)
                cmd = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found[pid] = cmd
        except (OSError, IndexError, ValueError):
            continue
    return found


def label(cmd: str, pid: int, main: int) -> str:
    if "uvicorn" in cmd:
        return "api (uvicorn)"
    # Beat and the pool processes are forks of the worker's main process: same command line.
    return "worker main" if pid == main else "worker pool/beat"


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind, status] += 1


def p(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


class Run:
    def __init__(self, api: str, token: str, channel_id: str, stats: Stats, seeded: list[str]) -> None:
        self.api, self.stats, self.channel_id = api, stats, channel_id
        self.headers = {"Authorization": f"Bearer {token}"}
        self.ids = list(seeded)
        self.ids_lock = threading.Lock()
        self.jobs: list[tuple[str, str]] = []

    def request(
        self, http: httpx.Client, kind: str, method: str, path: str, **kw: Any
    ) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = http.request(method, path, headers=self.headers, **kw)
        except httpx.HTTPError as exc:
            self.stats.failures[f"{kind}: {type(exc).__name__}"] += 1
            return None
        self.stats.record(kind, response.status_code, time.perf_counter() - started)
        return response

    def one(self, http: httpx.Client, rng: random.Random, i: int) -> None:
        roll = rng.random()
        if roll < 0.45:
            words = ["soak", "ann", "lee", "@example", "601", "tan"]
            self.request(http, "search", "POST", "/v1/contacts/search", json={"query": rng.choice(words)})
        elif roll < 0.60:
            body: dict[str, object] = {
                "first_name": f"Soak{i}",
                "email": f"soak{i}-{uuid.uuid4().hex[:6]}@example.com",
            }
            r = self.request(http, "create", "POST", "/v1/contacts", json=body)
            if r is not None and r.status_code == 201:
                with self.ids_lock:
                    self.ids.append(r.json()["id"])
        elif roll < 0.70:
            with self.ids_lock:
                target = rng.choice(self.ids)
            self.request(http, "update", "PATCH", f"/v1/contacts/{target}", json={"tags": [f"t{i % 7}"]})
        elif roll < 0.95:
            inbound: dict[str, Any] = {
                "external_id": f"wa-{rng.randrange(5000)}",
                "profile": {"first_name": "Inbound"},
                "text": "hi",
            }
            self.request(http, "inbound", "POST", f"/v1/channels/{self.channel_id}/inbound", json=inbound)
        else:
            with self.ids_lock:
                target = rng.choice(self.ids)
            self.request(http, "read", "GET", f"/v1/contacts/{target}")
        if i % 10 == 0:
            self.request(http, "healthz (baseline)", "GET", "/healthz")


def start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    log.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(0.5)
    raise SystemExit(f"timed out after {timeout:.0f}s waiting for {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=20.0, help="requests per second, all kinds together")
    parser.add_argument("--seed", type=int, default=2000, help="contacts written before the traffic starts")
    parser.add_argument("--clients", type=int, default=4, help="concurrent HTTP clients")
    args = parser.parse_args()
    settings = soak_settings()
    print(f"soak: {args.minutes:g} min at {args.rate:g} req/s, {args.clients} clients, {args.seed} contacts")
    reset_database(settings.database_url)
    search = make_client(settings, timeout=30)
    for name in search.indices.get(index=f"{settings.index_alias}*", expand_wildcards="all"):
        search.indices.delete(index=name)
    ensure_index(search, settings)
    session_factory = make_session_factory(make_engine(settings.database_url, pool_size=2))
    with session_factory() as session, session.begin():
        workspace, owner, token = create_workspace(session, "Soak", "soak@example.com", "Soak")
    workspace_id = workspace.id
    with session_factory() as session, session.begin():
        seeded = [
            str(
                create_contact(
                    session,
                    workspace_id,
                    owner.id,
                    ContactFieldsIn(
                        first_name=f"Soak{i}", email=f"seed{i}@example.com", phone=f"+6012{i:07d}"
                    ),
                ).id
            )
            for i in range(args.seed)
        ]

    logs = ROOT / "var" / "bench-soak"
    port, metrics_port = free_port(), free_port()
    env = env_for(settings, metrics_port)
    api = start(
        [str(BIN / "uvicorn"), "--factory", "api_service.main:create_app", "--port", str(port)],
        env,
        logs / "api.log",
    )
    worker = start(
        [
            str(BIN / "celery"),
            "-A",
            "indexer_worker.celery_app",
            "worker",
            "--beat",
            "--concurrency=2",
            "--loglevel=WARNING",
            "--schedule",
            str(logs / "beat-schedule"),
        ],
        env,
        logs / "worker.log",
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200, 60, "the API")
        with session_factory() as session:
            wait_for(
                lambda: not session.scalar(select(func.count()).select_from(OutboxEntry)),
                300,
                "the seed to be indexed",
            )
        channel = httpx.post(
            f"{base}/v1/channels",
            headers={"Authorization": f"Bearer {token}"},
            json={"name": "Soak WA", "type": "whatsapp"},
            timeout=10,
        )
        channel.raise_for_status()
        time.sleep(3)  # the worker's pool and beat settle before the first RSS reading
        rss_start = {
            pid: (label(cmd, pid, worker.pid), rss_mb(pid))
            for g in (api.pid, worker.pid)
            for pid, cmd in group_processes(g).items()
        }
        load_start = machine.sample()
        stats = Stats()
        run = Run(base, token, channel.json()["id"], stats, seeded)
        total = int(args.rate * args.minutes * 60)
        started = time.monotonic()
        duration = args.minutes * 60
        counter = iter(range(total))
        counter_lock = threading.Lock()

        def client(n: int) -> None:
            rng = random.Random(n)
            with httpx.Client(base_url=base, timeout=30) as http:
                while True:
                    with counter_lock:
                        i = next(counter, None)
                    if i is None:
                        return
                    due = started + i / args.rate  # the set rate, whatever the latency
                    delay = due - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    run.one(http, rng, i)

        def background() -> None:
            with httpx.Client(base_url=base, timeout=60) as http:
                time.sleep(duration / 3)
                r = run.request(
                    http,
                    "bulk job",
                    "POST",
                    "/v1/contacts/bulk-tags",
                    json={"selection": {"all_matching": {"query": "soak"}}, "tags": ["soaked"]},
                )
                if r is not None and r.status_code == 202:
                    run.jobs.append(("bulk", f"/v1/jobs/{r.json()['id']}"))
                time.sleep(max(0.0, started + 2 * duration / 3 - time.monotonic()))
                r = run.request(
                    http,
                    "export",
                    "POST",
                    "/v1/exports",
                    json={"selection": {"all_matching": {"query": "soak"}}},
                )
                if r is not None and r.status_code == 202:
                    run.jobs.append(("export", f"/v1/exports/{r.json()['id']}"))

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(args.clients)]
        threads.append(threading.Thread(target=background, daemon=True))
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=duration + 600)
        elapsed = time.monotonic() - started
        job_results = finish_jobs(base, run)
        with session_factory() as session:
            wait_for(
                lambda: not session.scalar(select(func.count()).select_from(OutboxEntry)),
                300,
                "the outbox to drain",
            )
        rss_end = {
            pid: (label(cmd, pid, worker.pid), rss_mb(pid))
            for g in (api.pid, worker.pid)
            for pid, cmd in group_processes(g).items()
        }
        load = machine.measure(load_start, machine.sample(), {api.pid, worker.pid}, server_ports(settings))
        search.indices.refresh(index=settings.index_alias)
        report = reconcile(session_factory, search, settings, workspace_id=workspace_id, repair=False)
        print_report(stats, elapsed, rss_start, rss_end, job_results, report, load)
    finally:
        for proc in (api, worker):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        search.close()


def finish_jobs(base: str, run: Run) -> list[str]:
    lines = []
    with httpx.Client(base_url=base, headers=run.headers, timeout=30) as http:
        for kind, path in run.jobs:
            deadline = time.monotonic() + 300
            body: dict[str, Any] = {}
            while time.monotonic() < deadline:
                body = http.get(path).json()
                if body.get("status") in ("succeeded", "failed", "cancelled"):
                    break
                time.sleep(1)
            extra = ""
            if kind == "export" and body.get("status") == "succeeded":
                csv = http.get(f"{path}/download")
                extra = f", file {len(csv.content) / 1024:.0f} KiB, {csv.text.count(chr(10)) - 1} rows"
            done = f"processed {body.get('processed')} of {body.get('total')}"
            lines.append(f"  {kind}: {body.get('status')} ({done}{extra})")
    return lines


def print_report(
    stats: Stats,
    elapsed: float,
    rss_start: dict[int, tuple[str, float]],
    rss_end: dict[int, tuple[str, float]],
    jobs: list[str],
    report: Any,
    load: machine.Load,
) -> None:
    requests = sum(stats.statuses.values())
    print(f"\nrequests: {requests} in {elapsed:.0f} s ({requests / elapsed:.1f}/s)")
    errors = Counter({key: n for key, n in stats.statuses.items() if key[1] >= 400})
    print("errors by status:", dict(errors) or "none", "| no answer:", dict(stats.failures) or "none")
    print(f"\n{'kind':<20}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}")
    for kind in sorted(stats.latencies):
        values = stats.latencies[kind]
        p50, p95, worst = p(values, 0.5), p(values, 0.95), max(values) * 1000
        print(f"{kind:<20}{len(values):>8}{p50:>10.1f}{p95:>10.1f}{worst:>10.1f}")
    print("\njobs:")
    print("\n".join(jobs) or "  none")
    print(f"\n{'process':<18}{'pid':>8}{'RSS start MB':>14}{'RSS end MB':>12}")
    for pid in sorted(set(rss_start) | set(rss_end)):
        name = (rss_start.get(pid) or rss_end[pid])[0]
        start_mb = f"{rss_start[pid][1]:.0f}" if pid in rss_start else "-"
        end_mb = f"{rss_end[pid][1]:.0f}" if pid in rss_end else "(gone)"
        print(f"{name:<18}{pid:>8}{start_mb:>14}{end_mb:>12}")
    print(f"\nPostgreSQL / index agreement: {'in sync' if report.in_sync else 'NOT in sync'}")
    print("\n".join(f"  {line}" for line in report.lines()))
    print("\n" + "\n".join(machine.report(load)))


if __name__ == "__main__":
    main()
