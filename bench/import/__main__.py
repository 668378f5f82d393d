"""Import job throughput beside PostgreSQL COPY FROM of the same file (the floor).

    .venv/bin/python -m bench.import [--rows 100000]

Uses its own database (contacts_bench_import, recreated and migrated each run). Writes a CSV of
`--rows` contacts (about 1% with an invalid e-mail, 2% repeating an earlier row's e-mail), then:

1. the import job with on_duplicate=skip into an empty workspace (creates, events, outbox rows);
2. the same file again with on_duplicate=update (every row is now a duplicate: the lookup path);
3. `COPY ... FROM STDIN WITH CSV` of the same file into a plain table: the floor.

Jobs run in a child process, as a worker runs them, so their peak RSS is their own.
"""

from __future__ import annotations

import argparse
import random
import shutil
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.export.__main__ import ensure_database, run_job_in_child, use_bench_environment
from shared.csv_import import EncodingSniffer, sniff_file, validate_mapping
from shared.db import make_engine, make_session_factory
from shared.jobs import create_job
from shared.models import ContactField, Job, User, Workspace
from shared.settings import get_settings

BENCH_DB = "contacts_bench_import"
HEADER = ["First Name", "Last Name", "E-mail", "Mobile", "Country", "Tags", "Plan"]
MAPPING = {
    "First Name": "first_name",
    "Last Name": "last_name",
    "E-mail": "email",
    "Mobile": "phone",
    "Country": "country",
    "Tags": "tags",
    "Plan": "custom.plan",
}


def write_file(path: Path, rows: int) -> None:
    rng = random.Random(11)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(",".join(HEADER) + "\n")
        for i in range(rows):
            email = f"person{i}@example.com"
            if i % 100 == 99:
                email = "not-an-email"
            elif i % 50 == 49:
                email = f"person{rng.randrange(max(1, i))}@example.com"
            tags = "vip; lead" if i % 3 == 0 else ""
            out.write(f'Zoë{i},"Doe, {i}",{email},012-{i // 10000 + 100:03d} {i % 10000:04d},MY,{tags},pro\n')


def new_import_job(
    session: Any, workspace_id: uuid.UUID, user_id: uuid.UUID, path: Path, on_duplicate: str
) -> uuid.UUID:
    """The job exactly as POST /v1/imports creates it (encoding, delimiter and mapping checked)."""
    sniffer = EncodingSniffer()
    with path.open("rb") as source:
        while chunk := source.read(1024 * 1024):
            sniffer.feed(chunk)
    encoding = sniffer.encoding()
    delimiter, header = sniff_file(path, encoding)
    mapping = validate_mapping(MAPPING, header, {"plan"})
    params = {
        "path": str(path.resolve()),
        "filename": path.name,
        "encoding": encoding,
        "delimiter": delimiter,
        "mapping": mapping,
        "on_duplicate": on_duplicate,
    }
    return create_job(session, workspace_id, user_id, "import", params).id


def copy_floor(path: Path) -> float:
    engine = make_engine(get_settings().database_url, pool_size=1)
    raw = engine.raw_connection()
    started = time.perf_counter()
    try:
        driver = raw.driver_connection
        assert driver is not None
        cursor = driver.cursor()
        cursor.execute(
            "CREATE TEMP TABLE import_floor (first_name text, last_name text, email text, phone text,"
            " country text, tags text, plan text)"
        )
        with path.open("rb") as source, cursor.copy("COPY import_floor FROM STDIN WITH CSV HEADER") as copy:
            while block := source.read(1024 * 1024):
                copy.write(block)
        driver.commit()
    finally:
        raw.close()
        engine.dispose()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the file (default 100000)")
    args = parser.parse_args()
    use_bench_environment(BENCH_DB, "contacts_bench_import")
    ensure_database(reset=True)
    settings = get_settings()
    source = (settings.export_dir / "bench-import.csv").resolve()
    write_file(source, args.rows)
    engine = make_engine(settings.database_url, pool_size=1)
    session_factory = make_session_factory(engine)
    with session_factory() as session, session.begin():
        workspace = Workspace(name="bench-import")
        session.add(workspace)
        session.flush()
        owner = User(workspace_id=workspace.id, email="owner@example.com", name="Owner", role="owner")
        session.add(owner)
        session.add(
            ContactField(workspace_id=workspace.id, key="plan", label="Plan", type="select", options=["pro"])
        )
        session.flush()
        workspace_id, owner_id = workspace.id, owner.id

    results = []
    for on_duplicate in ("skip", "update"):
        upload = source.with_name(f"bench-import-{on_duplicate}.csv")
        shutil.copyfile(source, upload)
        with session_factory() as session, session.begin():
            job_id = new_import_job(session, workspace_id, owner_id, upload, on_duplicate)
        report = run_job_in_child(job_id, args.rows, f"import ({on_duplicate})")
        with session_factory() as session:
            result = session.scalars(select(Job.result).where(Job.id == job_id)).one() or {}
        results.append((on_duplicate, report, result))
    floor_seconds = copy_floor(source)
    engine.dispose()

    print()
    print(f"{'':26}{'import (skip)':>16}{'import (update)':>18}{'COPY FROM (floor)':>20}")
    skip, update = results[0], results[1]
    print(f"{'rows':26}{args.rows:>16,}{args.rows:>18,}{args.rows:>20,}")
    print(f"{'seconds':26}{skip[1]['seconds']:>16.1f}{update[1]['seconds']:>18.1f}{floor_seconds:>20.2f}")
    rates = [args.rows / skip[1]["seconds"], args.rows / update[1]["seconds"], args.rows / floor_seconds]
    print(f"{'rows per second':26}{rates[0]:>16,.0f}{rates[1]:>18,.0f}{rates[2]:>20,.0f}")
    peaks = [skip[1]["peak_rss_mb"], update[1]["peak_rss_mb"]]
    print(f"{'peak RSS (MB)':26}{peaks[0]:>16.1f}{peaks[1]:>18.1f}{'(server side)':>20}")
    print(
        f"{'RSS after imports (MB)':26}{skip[1]['rss_before_mb']:>16.1f}{update[1]['rss_before_mb']:>18.1f}"
    )
    for name in ("created", "updated", "unchanged", "skipped", "failed"):
        print(f"{name:26}{skip[2].get(name, 0):>16,}{update[2].get(name, 0):>18,}")
    print(
        "The job validates every row (phone, e-mail, country, custom types), finds duplicates by e-mail then"
    )
    print("phone, writes events and outbox rows, and commits every 500 rows; COPY only stores text.")
    source.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
