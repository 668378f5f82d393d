"""Indexing throughput and freshness: the outbox relay in real Celery workers beside raw helpers.bulk.

    .venv/bin/python -m bench.indexing [--count 100000] [--rate 200] [--freshness-seconds 20]

Uses its own database (contacts_bench_idx, recreated and migrated), index alias (contacts_bench_idx)
and Redis db 4, so it never touches anyone's data.

1. Writes N contacts through the service layer (api_service.contacts.service.create_contact, with
   their events and outbox rows), with no worker running, so a backlog of N changes waits.
2. Starts real Celery worker processes (prefork, with beat) and times from the first row they take
   until all N documents are searchable: the relay's throughput.
3. Baseline: the same N documents, already built, sent straight to a fresh index with the same
   settings by one helpers.bulk call, timed until searchable. Printed side by side with the ratio.
3b. Reindex (`contacts-index reindex`, indexer_worker.reindex) of the same N contacts from
   PostgreSQL, timed until the alias is swapped (documents searchable), beside the same baseline.
   `--reindex-only` writes the N contacts and runs just 3 and 3b.
3c. `--relay-workers 1,2,4`: the relay as that many separate worker processes (each
   `celery worker -Q relay --concurrency=1`, the first with beat) on one outbox: for each N, a fresh
   empty index and one outbox row per contact (the N contacts of step 1), timed from the first row
   claimed until all are searchable; printed beside the same raw helpers.bulk baseline, then the
   run ends (no reindex or freshness step).
4. Freshness: a steady write load (one contact per transaction, nudged after commit exactly as the
   API does) while a poller searches for each new contact; p50/p95/max of commit-to-visible.
5. `--beside-jobs`: the freshness of 4 on the workers of `make run` (relay and jobs queues), first
   alone, then while a 1M-row export and two 100k-row imports run in three other workspaces
   (bench.indexing.beside_jobs; `--export-rows`, `--import-rows`); then the run ends.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from opensearchpy import helpers
from sqlalchemy import delete, func, make_url, select
from tqdm import tqdm

from api_service.contacts.schemas import ContactFieldsIn
from api_service.contacts.service import create_contact
from api_service.deps import nudge_relay
from api_service.main import build_state
from api_service.workspaces.service import create_workspace
from bench.indexing import visibility
from shared.db import make_engine, make_session_factory
from shared.dbadmin import reset_database
from shared.models import Contact, OutboxEntry
from shared.outbox import record_changes
from shared.queue import RELAY_OUTBOX, make_celery_client
from shared.search.documents import load_sources
from shared.search.index import create_index, ensure_index, make_client
from shared.search.mapping import build_document, routing
from shared.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[2]
BENCH = "contacts_bench_idx"
WRITE_BATCH = 500
METRICS_PORT = 59731
# Worker processes this run started, stopped at the end whatever happens.
RUNNING: list[subprocess.Popen[bytes]] = []


def use_bench_environment() -> Settings:
    # Always our own database, alias and Redis db (never the tests'), on the stack's ports
    # (CONTACTS_PG_PORT / CONTACTS_REDIS_PORT when set, else the defaults).
    pg_port = os.environ.get("CONTACTS_PG_PORT", "55432")
    redis_port = os.environ.get("CONTACTS_REDIS_PORT", "56379")
    os.environ["CONTACTS_DATABASE_URL"] = (
        f"postgresql+psycopg://contacts:contacts@127.0.0.1:{pg_port}/{BENCH}"
    )
    os.environ["CONTACTS_INDEX_ALIAS"] = BENCH
    os.environ["CONTACTS_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/4"
    get_settings.cache_clear()
    return get_settings()


def reset(settings: Settings, client: Any) -> None:
    reset_database(settings.database_url)
    for name in client.indices.get(index=f"{settings.index_alias}*", expand_wildcards="all"):
        client.indices.delete(index=name)
    ensure_index(client, settings)


def contact_body(i: int) -> ContactFieldsIn:
    return ContactFieldsIn(
        first_name=f"Bench{i}",
        last_name=["Åström", "Nguyen", "O'Brien", "Tanaka"][i % 4],
        email=f"bench{i}@example{i % 50}.com",
        phone=f"+6012{i % 10_000_000:07d}",
        tags=["vip", f"batch-{i % 20}"],
    )


def start_workers(settings: Settings, concurrency: int, log_path: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CONTACTS_WORKER_METRICS_PORT": str(METRICS_PORT), "PYTHONUNBUFFERED": "1"}
    bin_dir = Path(sys.executable).parent
    log_path.parent.mkdir(parents=True, exist_ok=True)
    worker = subprocess.Popen(
        [
            str(bin_dir / "celery"),
            "-A",
            "indexer_worker.celery_app",
            "worker",
            "--beat",
            f"--concurrency={concurrency}",
            "--loglevel=WARNING",
            "--schedule",
            str(log_path.parent / "beat-schedule"),
            "-n",
            f"bench-indexing-{uuid.uuid4().hex[:6]}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    celery = make_celery_client(settings)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not celery.control.ping(timeout=0.5):
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited, see {log_path}")
    return worker


def start_relay_workers(settings: Settings, count: int, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    """`count` separate worker processes on the relay queue, one pool process each (the first with
    beat and the metrics port), as several hosts would run them."""
    bin_dir = Path(sys.executable).parent
    log_dir.mkdir(parents=True, exist_ok=True)
    workers = []
    for n in range(count):
        port = METRICS_PORT if n == 0 else 0
        env = {**os.environ, "CONTACTS_WORKER_METRICS_PORT": str(port), "PYTHONUNBUFFERED": "1"}
        args = [str(bin_dir / "celery"), "-A", "indexer_worker.celery_app", "worker", "-Q", "relay"]
        args += ["--concurrency=1", "--loglevel=WARNING", "-n", f"bench-relay{n}-{uuid.uuid4().hex[:6]}@%h"]
        if n == 0:
            args += ["--beat", "--schedule", str(log_dir / "beat-schedule")]
        log = (log_dir / f"relay-worker-{n}.log").open("w")
        workers.append(subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
    celery = make_celery_client(settings)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(celery.control.ping(timeout=0.5) or []) < count:
        if any(w.poll() is not None for w in workers):
            raise SystemExit(f"a relay worker exited, see {log_dir}")
    if len(celery.control.ping(timeout=1.0) or []) < count:
        raise SystemExit(f"not all {count} relay workers answered, see {log_dir}")
    # What concurrent API writes would do: one nudge per worker, so all start at once (the beat
    # sweep alone would add one task every CONTACTS_OUTBOX_SWEEP_SECONDS).
    for _ in range(count):
        celery.send_task(RELAY_OUTBOX)
    celery.close()
    return workers


def requeue_all(factory: Any) -> int:
    """One outbox row per contact at its current version: the backlog a write burst leaves."""
    queued = 0
    with factory() as session, session.begin():
        rows = session.execute(select(Contact.workspace_id, Contact.id, Contact.version)).all()
        by_workspace: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = {}
        for workspace_id, contact_id, version in rows:
            by_workspace.setdefault(workspace_id, []).append((contact_id, version))
        for workspace_id, changes in by_workspace.items():
            queued += record_changes(session, workspace_id, changes)
    return queued


def relay_workers_throughput(
    settings: Settings, factory: Any, client: Any, count: int, workers: int
) -> float:
    """Seconds from the first claimed row until all `count` documents are searchable, with `workers`
    relay processes on a fresh index."""
    for name in client.indices.get(index=f"{settings.index_alias}_v*", expand_wildcards="all"):
        client.indices.delete(index=name)
    ensure_index(client, settings)
    with factory() as session, session.begin():
        session.execute(delete(OutboxEntry))
    if requeue_all(factory) != count:
        raise SystemExit("the database does not hold exactly the contacts written")
    with factory() as session:

        def pending() -> int:
            return int(session.scalar(select(func.count()).select_from(OutboxEntry)) or 0)

        procs = start_relay_workers(settings, workers, ROOT / "var" / "bench-indexing" / f"relay-{workers}")
        RUNNING.extend(procs)
        first = None
        while first is None:
            if pending() < count:
                first = time.perf_counter()
            else:
                time.sleep(0.01)
    with tqdm(total=count, desc=f"{workers} relay worker(s) until searchable", unit="doc") as bar:
        done = 0
        while done < count:
            time.sleep(0.2)
            now = indexed_count(client, settings.index_alias)
            bar.update(now - done)
            done = now
    elapsed = time.perf_counter() - first
    stop_workers()
    RUNNING.clear()
    return elapsed


def print_relay_workers(count: int, seconds: dict[int, float], bulk_seconds: float) -> None:
    bulk_rate = count / bulk_seconds
    print()
    print(f"{count} documents, one outbox row each; baseline: raw helpers.bulk of the built documents")
    print(f"{'relay worker processes':24}{'seconds':>10}{'docs/s':>10}{'per worker':>12}{'vs bulk':>9}")
    for n, secs in seconds.items():
        rate = count / secs
        print(f"{n:<24}{secs:>10.1f}{rate:>10,.0f}{rate / n:>12,.0f}{rate / bulk_rate:>9.2f}")
    print(f"{'raw helpers.bulk':24}{bulk_seconds:>10.1f}{bulk_rate:>10,.0f}")
    print(flush=True)


def indexed_count(client: Any, alias: str) -> int:
    client.indices.refresh(index=alias)
    return int(client.count(index=alias)["count"])


def write_backlog(factory: Any, count: int) -> tuple[uuid.UUID, float]:
    with factory() as session, session.begin():
        workspace, owner, _ = create_workspace(
            session, "bench", f"bench-{uuid.uuid4().hex[:6]}@example.com", "B"
        )
    started = time.perf_counter()
    with tqdm(total=count, desc="write via service layer", unit="contact") as bar:
        for start in range(0, count, WRITE_BATCH):
            with factory() as session, session.begin():
                for i in range(start, min(count, start + WRITE_BATCH)):
                    create_contact(session, workspace.id, owner.id, contact_body(i))
            bar.update(min(WRITE_BATCH, count - start))
    return workspace.id, time.perf_counter() - started


def relay_throughput(settings: Settings, factory: Any, client: Any, count: int, concurrency: int) -> float:
    """Seconds from the workers' first claimed batch until all `count` documents are searchable."""
    worker_started = time.perf_counter()
    RUNNING.append(start_workers(settings, concurrency, ROOT / "var" / "bench-indexing" / "worker.log"))
    print(f"workers ready in {time.perf_counter() - worker_started:.1f}s")
    with factory() as session:

        def pending() -> int:
            return int(session.scalar(select(func.count()).select_from(OutboxEntry)) or 0)

        first = None
        while first is None:
            if pending() < count:
                first = time.perf_counter()
            else:
                time.sleep(0.01)
    with tqdm(total=count, desc="relay until searchable", unit="doc") as bar:
        done = 0
        while done < count:
            time.sleep(0.2)
            now = indexed_count(client, settings.index_alias)
            bar.update(now - done)
            done = now
    return time.perf_counter() - first


def bulk_baseline(settings: Settings, factory: Any, client: Any, count: int) -> float:
    """The same documents, built beforehand, straight into a fresh index with helpers.bulk."""
    name = f"{settings.index_alias}_baseline"
    actions: list[dict[str, Any]] = []
    with factory() as session, tqdm(total=count, desc="build baseline documents", unit="doc") as bar:
        last: uuid.UUID | None = None
        while True:
            stmt = select(Contact.id).order_by(Contact.id).limit(2000)
            if last is not None:
                stmt = stmt.where(Contact.id > last)
            ids = list(session.scalars(stmt))
            if not ids:
                break
            for src in load_sources(session, ids).values():
                actions.append(
                    {
                        "_index": name,
                        "_id": src.id,
                        "routing": routing(src.workspace_id),
                        "version": src.version,
                        "version_type": "external_gte",
                        "_source": build_document(src),
                    }
                )
            bar.update(len(ids))
            last = ids[-1]
    create_index(client, name, settings)
    started = time.perf_counter()
    helpers.bulk(client, actions, chunk_size=settings.outbox_batch_size, request_timeout=120)
    while indexed_count(client, name) < len(actions):
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    client.indices.delete(index=name)
    return elapsed


def reindex_seconds(settings: Settings, factory: Any, client: Any, count: int) -> float:
    """The reindex of the N contacts, built from PostgreSQL, until the alias points at the copy."""
    from indexer_worker.reindex import reindex

    with tqdm(total=count, desc="reindex", unit="doc") as bar:
        result = reindex(factory, client, settings, on_progress=bar.update)
    if result.copied != count:
        raise SystemExit(f"reindex copied {result.copied} documents, expected {count}")
    return result.seconds


def freshness(
    settings: Settings, factory: Any, rate: float, seconds: float, writers: int
) -> tuple[list[float], float]:
    """Commit-to-visible latencies of a steady write load, and the write rate achieved."""
    state = build_state(settings)
    with factory() as session, session.begin():
        workspace, owner, _ = create_workspace(
            session, "fresh", f"fresh-{uuid.uuid4().hex[:6]}@example.com", "F"
        )
    spawn = multiprocessing.get_context("spawn")
    inbox, results, stop = spawn.Queue(), spawn.Queue(), spawn.Event()
    watcher = spawn.Process(
        target=visibility.watch,
        args=(settings.opensearch_url, settings.index_alias, str(workspace.id), inbox, results, stop),
    )
    watcher.start()
    total = int(rate * seconds)
    lock = threading.Lock()
    bar = tqdm(total=total, desc=f"steady {rate:.0f} writes/s", unit="write")
    started = time.perf_counter()

    def write_share(first: int) -> None:
        # Write i is due at started + i / rate; `writers` threads share the schedule round-robin,
        # so one slow commit does not hold the others back.
        for i in range(first, total, writers):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            with factory() as session:
                with session.begin():
                    contact = create_contact(session, workspace.id, owner.id, contact_body(i))
                inbox.put((str(contact.id), time.time()))
            nudge_relay(state)
            with lock:
                bar.update(1)

    threads = [threading.Thread(target=write_share, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bar.close()
    achieved = total / (time.perf_counter() - started)
    stop.set()
    try:
        lags: list[float] = results.get(timeout=120)
    finally:
        inbox.cancel_join_thread()  # never hang at exit on a watcher that died
        watcher.join(timeout=10)
    state.engine.dispose()
    state.redis.close()
    return lags, achieved


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000, help="contacts to write (e.g. 1000000)")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--rate", type=float, default=200.0, help="writes per second for freshness")
    parser.add_argument("--freshness-seconds", type=float, default=20.0)
    parser.add_argument("--writers", type=int, default=8, help="writer threads sharing the steady load")
    parser.add_argument(
        "--freshness-only", action="store_true", help="skip the N-contact throughput comparison"
    )
    parser.add_argument(
        "--reindex-only", action="store_true", help="only the reindex beside raw helpers.bulk"
    )
    parser.add_argument(
        "--relay-workers",
        type=lambda text: [int(n) for n in text.split(",")],
        help="comma-separated counts of separate relay worker processes to compare, e.g. 1,2,4",
    )
    parser.add_argument(
        "--capacity",
        action="store_true",
        help="PostgreSQL and index bytes per contact, search p95 against documents per shard",
    )
    parser.add_argument(
        "--shard-steps",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[25_000, 50_000, 100_000, 200_000, 400_000, 800_000, 1_600_000],
        help="documents per shard at which --capacity times searches",
    )
    parser.add_argument("--shard-rounds", type=int, default=60, help="rounds of the query mix per step")
    parser.add_argument(
        "--beside-jobs",
        action="store_true",
        help="freshness alone, then beside a 1M export and two 100k imports in other workspaces",
    )
    parser.add_argument("--export-rows", type=int, default=1_000_000, help="with --beside-jobs")
    parser.add_argument("--import-rows", type=int, default=100_000, help="with --beside-jobs (each)")
    args = parser.parse_args()

    settings = use_bench_environment()
    client = make_client(settings, timeout=120)
    engine = make_engine(settings.database_url, pool_size=12)
    factory = make_session_factory(engine)
    print(
        f"bench.indexing: {args.count} contacts, {args.concurrency} worker processes, "
        f"batch {settings.outbox_batch_size}, db {make_url(settings.database_url).database}, "
        f"alias {settings.index_alias}"
    )
    reset(settings, client)
    try:
        if args.capacity:
            from bench.indexing import capacity

            workspace_id, docs = capacity.measure_storage(settings, factory, client, args.count)
            capacity.search_vs_shard_size(
                settings, client, workspace_id, docs, args.shard_steps, rounds=args.shard_rounds
            )
            return
        if args.beside_jobs:
            freshness_beside_jobs(settings, factory, engine, args)
            return
        if args.relay_workers:
            write_backlog(factory, args.count)
            with factory() as session, session.begin():
                session.execute(delete(OutboxEntry))
            bulk_seconds = bulk_baseline(settings, factory, client, args.count)
            seconds = {
                n: relay_workers_throughput(settings, factory, client, args.count, n)
                for n in args.relay_workers
            }
            print_relay_workers(args.count, seconds, bulk_seconds)
            return
        if args.reindex_only:
            write_backlog(factory, args.count)
            bulk_seconds = bulk_baseline(settings, factory, client, args.count)
            print_reindex(args.count, reindex_seconds(settings, factory, client, args.count), bulk_seconds)
            return
        if args.freshness_only:
            RUNNING.append(
                start_workers(settings, args.concurrency, ROOT / "var" / "bench-indexing" / "worker.log")
            )
        else:
            _, write_seconds = write_backlog(factory, args.count)
            relay_seconds = relay_throughput(settings, factory, client, args.count, args.concurrency)
            bulk_seconds = bulk_baseline(settings, factory, client, args.count)
            print_throughput(args.count, write_seconds, relay_seconds, bulk_seconds)
            print_reindex(args.count, reindex_seconds(settings, factory, client, args.count), bulk_seconds)
        before = relay_lag_buckets()
        lags, achieved = freshness(settings, factory, args.rate, args.freshness_seconds, args.writers)
        print_freshness(lags, achieved, args.rate, args.freshness_seconds)
        print_relay_lag(before, relay_lag_buckets())
    finally:
        stop_workers()
        engine.dispose()


def freshness_beside_jobs(settings: Settings, factory: Any, engine: Any, args: argparse.Namespace) -> None:
    from bench.indexing import beside_jobs

    directory = ROOT / "var" / "bench-indexing"
    makers = beside_jobs.prepare(factory, engine, args.export_rows, args.import_rows, directory)
    relay = beside_jobs.start_queue_worker(
        settings, "relay", directory / "relay.log", METRICS_PORT, beat=True
    )
    niceness = int(os.environ.get("BENCH_JOBS_NICENESS", "10"))  # scripts/run.sh's; 0 to compare
    jobs = beside_jobs.start_queue_worker(
        settings, "jobs", directory / "jobs.log", 0, beat=False, niceness=niceness
    )
    RUNNING.extend([relay, jobs])
    beside_jobs.wait_for_workers(settings, 2, RUNNING)
    print("1. the steady writes alone")
    alone, alone_rate = freshness(settings, factory, args.rate, args.freshness_seconds, args.writers)
    print("2. the same, the jobs queued at its start")
    ids = beside_jobs.queue_jobs(settings, factory, makers)
    started = time.time()
    lags, achieved = freshness(settings, factory, args.rate, args.freshness_seconds, args.writers)
    window = (started, time.time())
    print()
    print_freshness(alone, alone_rate, args.rate, args.freshness_seconds, label="alone")
    print_freshness(lags, achieved, args.rate, args.freshness_seconds, label="beside the jobs")
    print("the jobs, at the end of the window:", *beside_jobs.job_report(factory, ids, window), sep="\n")
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline and beside_jobs.unfinished(factory, ids):
        time.sleep(2)
    print("the jobs, at their end:", *beside_jobs.job_report(factory, ids, window), sep="\n", flush=True)


def print_throughput(count: int, write_seconds: float, relay_seconds: float, bulk_seconds: float) -> None:
    relay_rate, bulk_rate = count / relay_seconds, count / bulk_seconds
    print()
    print(f"writes through the service layer: {count / write_seconds:,.0f} contacts/s ({write_seconds:.1f}s)")
    print(f"{'':32}{'relay (celery workers)':>24}{'raw helpers.bulk':>20}{'ratio':>8}")
    print(f"{'seconds until all searchable':32}{relay_seconds:>24.1f}{bulk_seconds:>20.1f}")
    print(f"{'documents per second':32}{relay_rate:>24,.0f}{bulk_rate:>20,.0f}{relay_rate / bulk_rate:>8.2f}")
    print(flush=True)


def print_reindex(
    count: int, reindex_s: float, bulk_s: float, label: str = "reindex (from PostgreSQL)"
) -> None:
    reindex_rate, bulk_rate = count / reindex_s, count / bulk_s
    print(f"{'':32}{label:>26}{'raw helpers.bulk':>20}{'ratio':>8}")
    print(f"{'seconds until searchable':32}{reindex_s:>26.1f}{bulk_s:>20.1f}")
    ratio = reindex_rate / bulk_rate
    print(f"{'documents per second':32}{reindex_rate:>26,.0f}{bulk_rate:>20,.0f}{ratio:>8.2f}")
    print(flush=True)


def relay_lag_buckets() -> dict[float, float]:
    """Cumulative bucket counts of the workers' commit-to-searchable histogram."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{METRICS_PORT}/metrics", timeout=5) as response:
        text_ = response.read().decode()
    buckets: dict[float, float] = {}
    for line in text_.splitlines():
        if line.startswith("contacts_commit_to_searchable_seconds_bucket{"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets[float(le)] = float(line.rsplit(" ", 1)[1])
    return buckets


def print_relay_lag(before: dict[float, float], after: dict[float, float]) -> None:
    """Quantiles (as bucket bounds) of the relay's own lag, without the index refresh."""
    counts = {le: after[le] - before.get(le, 0.0) for le in sorted(after)}
    total = counts.get(float("inf"), 0.0)
    if not total:
        return
    bound = {q: next(le for le, n in counts.items() if n >= q * total) for q in (0.5, 0.95)}
    print(
        f"relay commit-to-bulk (worker histogram, bucket bounds): "
        f"p50 <= {bound[0.5]}s  p95 <= {bound[0.95]}s",
        flush=True,
    )


def print_freshness(lags: list[float], achieved: float, rate: float, seconds: float, label: str = "") -> None:
    lags.sort()
    if len(lags) < 2:
        print("freshness: too few samples")
        return
    q = statistics.quantiles(lags, n=100)
    print(
        f"freshness{f' ({label})' if label else ''} at {achieved:.0f} writes/s (target {rate:.0f})"
        f" over {seconds:.0f}s, {len(lags)} writes: "
        f"p50 {q[49]:.3f}s  p95 {q[94]:.3f}s  max {lags[-1]:.3f}s  (polled every 0.02s)",
        flush=True,
    )


def stop_workers() -> None:
    for worker in RUNNING:
        worker.terminate()  # warm shutdown: running tasks finish (the outbox makes that optional)
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


if __name__ == "__main__":
    main()
