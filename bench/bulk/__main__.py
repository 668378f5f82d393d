"""Bulk delete and bulk tags over 100k contacts: the job beside a single SQL statement.

    .venv/bin/python -m bench.bulk [--contacts 100000]

Uses its own database (contacts_bench_bulk, recreated and migrated) and index alias
(contacts_bench_bulk), so it never touches anyone's data. Each contact is seeded with Core inserts
together with a "created" event (a dependent the delete cascades to) and indexed, then:

1. bulk tags job over "all matching" (point-in-time id stream, chunked transactions, events and outbox
   rows) vs. baseline: one UPDATE of the same rows (no events, no outbox, one huge transaction);
2. bulk delete job over "all matching" vs. baseline: one DELETE of the same rows (re-seeded first).

Each job runs in a child process (as a worker would). Its resident memory is sampled every 20 ms
during the job: "RSS at start" is after imports and connections, "peak" the highest sample, so the
job's own growth is visible whatever the process's start-up cost.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
import uuid
from typing import Any

from opensearchpy import helpers
from sqlalchemy import delete, func, insert, select, update
from tqdm import tqdm

from shared.db import make_engine, make_session_factory
from shared.dbadmin import reset_database as reset_db
from shared.jobs import create_job
from shared.models import Contact, Event, Job, OutboxEntry, User, Workspace
from shared.search.documents import load_sources
from shared.search.index import ensure_index, make_client
from shared.search.mapping import build_document
from shared.settings import get_settings

SEED_BATCH = 5000
BENCH_DB = "contacts_bench_bulk"


def use_bench_environment() -> None:
    """Our own database, index alias and Redis db (settings are read on first use, never at import)."""
    # Always our own database and alias (never the CONTACTS_DATABASE_URL of the tests), on the
    # stack's ports (CONTACTS_PG_PORT / CONTACTS_REDIS_PORT when set, else the defaults).
    pg_port = os.environ.get("CONTACTS_PG_PORT", "55432")
    redis_port = os.environ.get("CONTACTS_REDIS_PORT", "56379")
    os.environ["CONTACTS_DATABASE_URL"] = (
        f"postgresql+psycopg://contacts:contacts@127.0.0.1:{pg_port}/{BENCH_DB}"
    )
    os.environ["CONTACTS_INDEX_ALIAS"] = "contacts_bench_bulk"
    os.environ["CONTACTS_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/5"
    get_settings.cache_clear()


def reset_database() -> None:
    reset_db(get_settings().database_url)


def reset_index(client: Any) -> None:
    alias = get_settings().index_alias
    for name in client.indices.get(index=f"{alias}_v*", expand_wildcards="all"):
        client.indices.delete(index=name)
    ensure_index(client, get_settings())


def seed(session_factory: Any, client: Any, workspace_id: uuid.UUID, count: int, label: str) -> None:
    """`count` contacts with a "created" event each, in the database and in the index."""
    alias = get_settings().index_alias
    with tqdm(total=count, desc=f"seed {label}", unit="contact") as bar:
        for start in range(0, count, SEED_BATCH):
            n = min(SEED_BATCH, count - start)
            ids = [uuid.uuid4() for _ in range(n)]
            with session_factory() as session, session.begin():
                session.execute(
                    insert(Contact),
                    [
                        {
                            "id": cid,
                            "workspace_id": workspace_id,
                            "first_name": f"Bench{start + i}",
                            "email": f"bench{start + i}@example.com",
                            "tags": ["seed"],
                            "custom_fields": {},
                            "source": "import",
                            "version": 1,
                        }
                        for i, cid in enumerate(ids)
                    ],
                )
                session.execute(
                    insert(Event),
                    [
                        {"workspace_id": workspace_id, "contact_id": cid, "type": "created", "data": {}}
                        for cid in ids
                    ],
                )
                sources = load_sources(session, ids)
            actions = [
                {
                    "_index": alias,
                    "_id": str(cid),
                    "routing": str(workspace_id),
                    "_source": build_document(src),
                }
                for cid, src in sources.items()
            ]
            helpers.bulk(client, actions, refresh=False)
            bar.update(n)
    client.indices.refresh(index=alias)


def run_job_child(job_id: str) -> None:
    """Child process: run one job and report time and memory as JSON on stdout."""
    from indexer_worker import jobs
    from indexer_worker.jobs import bulk  # noqa: F401  (registers the handlers)

    settings = get_settings()
    session_factory = make_session_factory(make_engine(settings.database_url, pool_size=2))
    client = make_client(settings, timeout=60)
    rss_start = current_rss_kb()
    peak = {"kb": rss_start}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak["kb"] = max(peak["kb"], current_rss_kb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    status = jobs.run_job(uuid.UUID(job_id), session_factory, client, settings)
    seconds = time.perf_counter() - started
    stop.set()
    sampler.join()
    report = {
        "status": status,
        "seconds": seconds,
        "rss_start_kb": rss_start,
        "rss_peak_kb": max(peak["kb"], current_rss_kb()),
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    print(json.dumps(report))


def current_rss_kb() -> int:
    """Resident set size now (Linux), sampled during the job: ru_maxrss alone includes start-up."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") // 1024


def run_job_measured(session_factory: Any, job_id: uuid.UUID, label: str) -> dict[str, Any]:
    """Run the job in a child process with a progress bar fed from the job row."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bench.bulk", "--child-job", str(job_id)], stdout=subprocess.PIPE, text=True
    )
    done = threading.Event()

    def watch() -> None:
        with tqdm(desc=label, unit="contact") as bar:
            while not done.is_set():
                with session_factory() as session:
                    processed, total = session.execute(
                        select(Job.processed, Job.total).where(Job.id == job_id)
                    ).one()
                if total and bar.total != total:
                    bar.total = total
                bar.n = processed
                bar.refresh()
                done.wait(0.5)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    out, _ = child.communicate()
    done.set()
    watcher.join()
    if child.returncode != 0:
        raise SystemExit(f"job child failed with exit code {child.returncode}")
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    with session_factory() as session:
        job = session.get(Job, job_id)
        assert job is not None
        report["result"], report["error"] = job.result, job.error
    return report


def timed_sql(session_factory: Any, statement: Any) -> float:
    started = time.perf_counter()
    with session_factory() as session, session.begin():
        session.execute(statement)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--child-job")
    args = parser.parse_args()
    use_bench_environment()
    if args.child_job:
        run_job_child(args.child_job)
        return
    settings = get_settings()
    reset_database()
    session_factory = make_session_factory(make_engine(settings.database_url, pool_size=2))
    client = make_client(settings, timeout=120)
    reset_index(client)
    with session_factory() as session, session.begin():
        workspace = Workspace(name="bench")
        session.add(workspace)
        session.flush()
        user = User(workspace_id=workspace.id, email="owner@bench", name="Owner", role="owner")
        session.add(user)
        session.flush()
        workspace_id, user_id = workspace.id, user.id
    n = args.contacts
    seed(session_factory, client, workspace_id, n, "contacts")
    all_matching: dict[str, Any] = {"selection": {"all_matching": {}}}

    with session_factory() as session, session.begin():
        tag_job = create_job(
            session, workspace_id, user_id, "bulk_tags", {**all_matching, "tags": ["bench"]}
        ).id
    tags = run_job_measured(session_factory, tag_job, "bulk tags job")
    tag_sql = timed_sql(
        session_factory,
        update(Contact)
        .where(Contact.workspace_id == workspace_id)
        .values(tags=func.array_append(Contact.tags, "bench-sql"), version=Contact.version + 1)
        .execution_options(synchronize_session=False),
    )
    with session_factory() as session:
        outbox_rows = session.scalar(select(func.count()).select_from(OutboxEntry))
        tagged_events = session.scalar(select(func.count()).select_from(Event).where(Event.type == "tagged"))

    with session_factory() as session, session.begin():
        delete_job = create_job(session, workspace_id, user_id, "bulk_delete", all_matching).id
    deleted = run_job_measured(session_factory, delete_job, "bulk delete job")
    seed(session_factory, client, workspace_id, n, "re-seed for the SQL delete")
    delete_sql = timed_sql(
        session_factory,
        delete(Contact)
        .where(Contact.workspace_id == workspace_id)
        .execution_options(synchronize_session=False),
    )

    def row(name: str, report: dict[str, Any], baseline: float) -> str:
        growth = (report["rss_peak_kb"] - report["rss_start_kb"]) / 1024
        return (
            f"{name:<12} {report['seconds']:>8.1f}s {n / report['seconds']:>10,.0f}/s "
            f"{report['rss_peak_kb'] / 1024:>8.0f} MB {growth:>8.1f} MB   "
            f"{baseline:>8.1f}s {n / baseline:>10,.0f}/s "
            f"{report['seconds'] / baseline:>6.1f}x"
        )

    print()
    from indexer_worker.jobs.bulk import CHUNK_SIZE

    print(f"{n:,} contacts, {os.cpu_count()} CPUs shared; chunk = {CHUNK_SIZE:,} contacts per transaction")
    print(
        f"{'':<12} {'job':>9} {'rate':>12} {'RSS peak':>11} {'growth':>11}   "
        f"{'one SQL':>9} {'rate':>12} {'ratio':>7}"
    )
    print(row("bulk tags", tags, tag_sql))
    print(row("bulk delete", deleted, delete_sql))
    print(
        f"bulk tags result: {tags['result']}; tagged events: {tagged_events:,}; outbox rows: {outbox_rows:,}"
    )
    print(f"bulk delete result: {deleted['result']}")
    print("The job also writes one event and one outbox row per contact and never holds more than one")
    print("chunk's locks; the single statement writes neither and locks every row for its whole run.")


if __name__ == "__main__":
    main()
