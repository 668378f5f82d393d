"""Export job throughput and memory beside PostgreSQL COPY of the same rows (the floor).

    .venv/bin/python -m bench.export [--count 200000]      (--count 1000000 for the 1M run)

Uses its own database (contacts_bench_export) and index alias (contacts_bench_export). Contacts are
seeded with COPY and indexed with helpers.bulk; a seeded workspace of the same size is reused by
later runs (--reseed forces a fresh one). Then, in the same run:

1. the export job ("all matching", 14 columns) in a child process, as a worker runs it, once for each
   of --parts (how many PostgreSQL sessions render it at once; default 1 and 2): rows per second
   and peak RSS (with the RSS right after imports, so the job's own growth shows); the files of the
   runs must be byte for byte the same;
2. `COPY (SELECT <the same columns>) TO STDOUT WITH CSV` of the same rows into a file: the floor.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from opensearchpy import helpers
from psycopg.types.json import Jsonb
from sqlalchemy import func, select
from tqdm import tqdm

from shared.contact_source import ContactSource
from shared.db import make_engine, make_session_factory
from shared.dbadmin import ensure_database as create_db
from shared.dbadmin import migrate as migrate_db
from shared.dbadmin import reset_database as reset_db
from shared.fields import STORED
from shared.jobs import create_job
from shared.models import Contact, ContactField, Job, User, Workspace
from shared.search.index import ensure_index, make_client
from shared.search.mapping import build_document
from shared.settings import get_settings

BENCH_DB = "contacts_bench_export"
SEED_BATCH = 10_000
COLUMNS = [
    "display_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "country",
    "language",
    "tags",
    "channels",
    "assignee_id",
    "created_at",
    "last_interaction_at",
    "custom.plan",
    "custom.seats",
]
COPY_FLOOR_SQL = """
COPY (
  SELECT concat_ws(' ', c.first_name, c.last_name), c.first_name, c.last_name, c.email, c.phone,
         c.country, c.language, array_to_string(c.tags, '; '), '', u.email, c.created_at,
         c.last_interaction_at, c.custom_fields->>'plan', c.custom_fields->>'seats'
  FROM contacts c LEFT JOIN users u ON u.id = c.assignee_id
  WHERE c.workspace_id = '{workspace_id}' AND c.merged_into_id IS NULL
) TO STDOUT WITH CSV HEADER
"""


def use_bench_environment(database: str, alias: str) -> None:
    """Our own database and index alias; settings are read on first use, never at import."""
    pg_port = os.environ.get("CONTACTS_PG_PORT", "55432")  # the stack's ports (deploy/stack.sh)
    redis_port = os.environ.get("CONTACTS_REDIS_PORT", "56379")
    os.environ["CONTACTS_DATABASE_URL"] = (
        f"postgresql+psycopg://contacts:contacts@127.0.0.1:{pg_port}/{database}"
    )
    os.environ["CONTACTS_INDEX_ALIAS"] = alias
    os.environ.setdefault("CONTACTS_REDIS_URL", f"redis://127.0.0.1:{redis_port}/6")
    os.environ.setdefault("CONTACTS_EXPORT_DIR", "var/bench-exports")
    get_settings.cache_clear()


def ensure_database(reset: bool) -> None:
    url = get_settings().database_url
    if reset or create_db(url):
        reset_db(url)
    else:
        migrate_db(url)


def contact_rows(workspace_id: uuid.UUID, owner_id: uuid.UUID, count: int) -> Any:
    rng = random.Random(7)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(count):
        created = start + timedelta(seconds=i)
        yield {
            "id": uuid.uuid4(),
            "workspace_id": workspace_id,
            "first_name": f"Zoë{i}",
            "last_name": "=Åström" if i % 50 == 0 else f"Doe, {i}",
            "email": f"user{i}@example.com",
            "phone": f"+6012{i:07d}",
            "country": "MY",
            "language": "en",
            "assignee_id": owner_id if i % 2 else None,
            "tags": ["vip", "lead"] if i % 3 == 0 else [],
            "custom_fields": {"plan": "pro", "seats": i % 100},
            "source": "import",
            "conversation_status": "closed",
            "last_interaction_at": created + timedelta(days=rng.randint(0, 300)),
            "created_at": created,
            "updated_at": created,
            "version": 1,
        }


def copy_contacts(engine: Any, workspace_id: uuid.UUID, owner_id: uuid.UUID, count: int, label: str) -> None:
    """`count` contacts of contact_rows into the workspace with one COPY (no outbox rows), with a bar."""
    names = list(next(contact_rows(workspace_id, owner_id, 1)).keys())
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        with cursor.copy(f"COPY contacts ({', '.join(names)}) FROM STDIN") as copy:
            for row in tqdm(contact_rows(workspace_id, owner_id, count), total=count, desc=label):
                copy.write_row([Jsonb(v) if k == "custom_fields" else v for k, v in row.items()])
        driver.commit()
    finally:
        raw.close()


def seed(count: int) -> uuid.UUID:
    """A workspace with `count` contacts in PostgreSQL (COPY) and in the index (helpers.bulk)."""
    settings = get_settings()
    engine = make_engine(settings.database_url)
    search = make_client(settings, timeout=120)
    name = f"bench-{count}"
    with make_session_factory(engine)() as session:
        existing = session.scalar(select(Workspace.id).where(Workspace.name == name))
        if existing is not None:
            in_db = session.scalar(
                select(func.count()).select_from(Contact).where(Contact.workspace_id == existing)
            )
            search.indices.refresh(index=settings.index_alias)
            in_index = search.count(
                index=settings.index_alias, body={"query": {"term": {"workspace_id": str(existing)}}}
            )
            if in_db == count and in_index["count"] == count:
                print(f"reusing workspace {name} ({count} contacts already seeded and indexed)")
                return existing
    ensure_database(reset=True)
    for index in search.indices.get(index=f"{settings.index_alias}_v*", expand_wildcards="all"):
        search.indices.delete(index=index)
    ensure_index(search, settings)
    with make_session_factory(engine)() as session, session.begin():
        workspace = Workspace(name=name)
        session.add(workspace)
        session.flush()
        owner = User(workspace_id=workspace.id, email="owner@example.com", name="Owner", role="owner")
        session.add(owner)
        for key, label, type_ in (("plan", "Plan", "select"), ("seats", "Seats", "number")):
            session.add(
                ContactField(workspace_id=workspace.id, key=key, label=label, type=type_, options=["pro"])
            )
        session.flush()
        workspace_id, owner_id = workspace.id, owner.id
    copy_contacts(engine, workspace_id, owner_id, count, "seed (COPY)")

    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(select(Contact.id).where(Contact.workspace_id == workspace_id))]
    index_from_database(engine, search, workspace_id, ids)
    search.indices.refresh(index=settings.index_alias)
    engine.dispose()
    return workspace_id


def index_from_database(engine: Any, search: Any, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> None:
    """Documents built by the mapping's own build_document from the stored rows (read with Core, no
    ORM objects, since the seed has no channels), as the relay would write them."""
    settings = get_settings()
    field_types = {"plan": "select", "seats": "number"}
    names = ["id", *STORED, "custom_fields", "workspace_id", "version"]
    columns = [getattr(Contact, n) for n in names]

    def actions() -> Any:
        with engine.connect() as conn:
            for start in range(0, len(ids), SEED_BATCH):
                batch = ids[start : start + SEED_BATCH]
                for row in conn.execute(select(*columns).where(Contact.id.in_(batch))).mappings():
                    values = {k: row[k] for k in names}
                    for key in ("id", "workspace_id", "assignee_id", "last_interacted_channel_id"):
                        values[key] = str(values[key]) if values[key] else None
                    source = ContactSource(**values, field_types=field_types)
                    yield {
                        "_index": settings.index_alias,
                        "_id": source.id,
                        "_routing": source.workspace_id,
                        "_version": source.version,
                        "_version_type": "external_gte",
                        "_source": build_document(source),
                    }

    progress = tqdm(total=len(ids), desc="index (bulk)")
    for ok, _ in helpers.streaming_bulk(search, actions(), chunk_size=5000, request_timeout=120):
        progress.update(1 if ok else 0)
    progress.close()


def run_job_in_child(
    job_id: uuid.UUID, total: int, label: str, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """The job in its own process (with `env` added to its environment: settings to compare); a
    progress bar follows the job row meanwhile."""
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=1)
    done = threading.Event()

    def follow() -> None:
        bar = tqdm(total=total, desc=label)
        while not done.wait(0.5):
            with engine.connect() as conn:
                processed = conn.scalar(select(Job.processed).where(Job.id == job_id)) or 0
            bar.update(processed - bar.n)
        bar.close()

    watcher = threading.Thread(target=follow, daemon=True)
    watcher.start()
    child = subprocess.run(
        [sys.executable, "-m", "bench.export.child", str(job_id)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )
    done.set()
    watcher.join()
    engine.dispose()
    if child.returncode != 0:
        raise SystemExit(f"job process failed:\n{child.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    if report["status"] != "succeeded":
        raise SystemExit(f"job ended {report['status']}:\n{child.stderr[-3000:]}")
    return report


def copy_floor(workspace_id: uuid.UUID, destination: Path) -> tuple[float, int]:
    engine = make_engine(get_settings().database_url, pool_size=1)
    raw = engine.raw_connection()
    started = time.perf_counter()
    size = 0
    try:
        driver = raw.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        with (
            destination.open("wb") as out,
            cursor.copy(COPY_FLOOR_SQL.format(workspace_id=workspace_id)) as copy,
        ):
            for block in copy:
                out.write(block)
                size += len(block)
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - started, size


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=200_000, help="contacts to export (default 200000)")
    parser.add_argument("--reseed", action="store_true", help="seed a fresh workspace even if one exists")
    parser.add_argument(
        "--parts",
        type=lambda v: [int(p) for p in v.split(",")],
        default=[1, 2],
        help="PostgreSQL sessions rendering the export at once, a run each (default 1,2)",
    )
    args = parser.parse_args()
    use_bench_environment(BENCH_DB, "contacts_bench_export")
    ensure_database(reset=args.reseed)
    workspace_id = seed(args.count)
    settings = get_settings()
    runs: list[tuple[str, int, dict[str, Any], Path]] = []
    for parts in args.parts:
        engine = make_engine(settings.database_url, pool_size=1)
        with make_session_factory(engine)() as session, session.begin():
            owner_id = session.scalar(select(User.id).where(User.workspace_id == workspace_id))
            body = {"selection": {"all_matching": {}}, "columns": COLUMNS}
            job_id = create_job(session, workspace_id, owner_id, "export", body).id
        label = f"job, {parts} part{'s' if parts > 1 else ''}"
        report = run_job_in_child(job_id, args.count, label, {"CONTACTS_EXPORT_PARTS": str(parts)})
        with make_session_factory(engine)() as session:
            finished = session.scalars(select(Job).where(Job.id == job_id)).one()
        engine.dispose()
        runs.append(
            (label, int((finished.result or {}).get("rows", 0)), report, Path(finished.file_path or ""))
        )
    floor_file = runs[0][3].with_name("copy-floor.csv")
    floor_seconds, floor_bytes = copy_floor(workspace_id, floor_file)

    def line(name: str, cells: list[str], floor: str) -> None:
        print(f"{name:24}" + "".join(f"{c:>16}" for c in cells) + f"{floor:>18}")

    print()
    line("", [label for label, *_ in runs], "COPY TO (floor)")
    line("rows", [f"{rows:,}" for _, rows, _, _ in runs], f"{args.count:,}")
    line("seconds", [f"{r['seconds']:.1f}" for _, _, r, _ in runs], f"{floor_seconds:.1f}")
    line(
        "rows per second",
        [f"{rows / r['seconds']:,.0f}" for _, rows, r, _ in runs],
        f"{args.count / floor_seconds:,.0f}",
    )
    line("job / floor", [f"{floor_seconds / r['seconds']:.2f}x" for _, _, r, _ in runs], "1.00x")
    line("file size (MB)", [f"{f.stat().st_size / 1e6:.1f}" for *_, f in runs], f"{floor_bytes / 1e6:.1f}")
    line("peak RSS (MB)", [f"{r['peak_rss_mb']:.1f}" for _, _, r, _ in runs], "(server side)")
    line("RSS after imports (MB)", [f"{r['rss_before_mb']:.1f}" for _, _, r, _ in runs], "")
    same = all(filecmp.cmp(runs[0][3], f, shallow=False) for *_, f in runs[1:])
    print(f"the runs' files are byte for byte the same: {'yes' if same else 'NO'}")
    print("In the same COPY, PostgreSQL also neutralises formulas in every cell, renders tags, channels")
    print("and the name fallback and orders by id, and the job writes progress (the floor selects the")
    print("plain columns).")
    for *_, f in runs:
        f.unlink(missing_ok=True)
    floor_file.unlink(missing_ok=True)
    if not same:
        raise SystemExit("the export's parts changed its file")


if __name__ == "__main__":
    main()
