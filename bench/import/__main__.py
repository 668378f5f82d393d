"""Import job throughput beside PostgreSQL COPY FROM of the same file (the floor).

    .venv/bin/python -m bench.import [--rows 100000] [--check-ahead on,off]

With --check-ahead (default on,off), each setting of CONTACTS_IMPORT_CHECK_AHEAD imports the file
into a workspace of its own, one after the other, so the second runs on a table twice as large.

Uses its own database (contacts_bench_import, recreated and migrated each run). Writes a CSV of
`--rows` contacts (about 1% with an invalid e-mail, which land without it and with a warning,
2% repeating an earlier row's e-mail), then:

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
    shape, header = sniff_file(path, sniffer.kind, sniffer.encoding())
    mapping = validate_mapping(MAPPING, header, {"plan"})
    params = {
        "path": str(path.resolve()),
        "filename": path.name,
        **shape.params(),
        "layout": "csv",
        "mapping": mapping,
        "on_duplicate": on_duplicate,
        "on_invalid_cell": "skip_cell",
        "blank_cells": "keep",
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


def new_workspace(session_factory: Any, name: str) -> tuple[uuid.UUID, uuid.UUID]:
    with session_factory() as session, session.begin():
        workspace = Workspace(name=name)
        session.add(workspace)
        session.flush()
        owner = User(workspace_id=workspace.id, email="owner@example.com", name="Owner", role="owner")
        session.add(owner)
        session.add(
            ContactField(workspace_id=workspace.id, key="plan", label="Plan", type="select", options=["pro"])
        )
        session.flush()
        return workspace.id, owner.id


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the file (default 100000)")
    parser.add_argument(
        "--check-ahead",
        default="on,off",
        help="CONTACTS_IMPORT_CHECK_AHEAD settings to compare, in this order (default on,off)",
    )
    args = parser.parse_args()
    settings_to_compare = [value.strip() for value in args.check_ahead.split(",") if value.strip()]
    if not settings_to_compare or not set(settings_to_compare) <= {"on", "off"}:
        raise SystemExit("--check-ahead takes on, off or both (on,off)")
    use_bench_environment(BENCH_DB, "contacts_bench_import")
    ensure_database(reset=True)
    settings = get_settings()
    source = (settings.export_dir / "bench-import.csv").resolve()
    write_file(source, args.rows)
    engine = make_engine(settings.database_url, pool_size=1)
    session_factory = make_session_factory(engine)

    # (label, child report, job result) per column; each setting imports into a workspace of its own.
    columns: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    for ahead in settings_to_compare:
        workspace_id, owner_id = new_workspace(session_factory, f"bench-import-{ahead}")
        for on_duplicate in ("skip", "update"):
            label = f"{on_duplicate}, ahead {ahead}"
            upload = source.with_name(f"bench-import-{on_duplicate}-{ahead}.csv")
            shutil.copyfile(source, upload)
            with session_factory() as session, session.begin():
                job_id = new_import_job(session, workspace_id, owner_id, upload, on_duplicate)
            env = {"CONTACTS_IMPORT_CHECK_AHEAD": "true" if ahead == "on" else "false"}
            report = run_job_in_child(job_id, args.rows, f"import ({label})", env)
            with session_factory() as session:
                result = session.scalars(select(Job.result).where(Job.id == job_id)).one() or {}
            columns.append((label, report, result))
    floor_seconds = copy_floor(source)
    engine.dispose()

    width = 20
    print()
    print(f"{'':26}" + "".join(f"{label:>{width}}" for label, _, _ in columns) + f"{'COPY FROM':>{width}}")

    def line(name: str, cells: list[str], floor: str = "") -> None:
        print(f"{name:26}" + "".join(f"{cell:>{width}}" for cell in cells) + f"{floor:>{width}}")

    line("rows", [f"{args.rows:,}" for _ in columns], f"{args.rows:,}")
    line("seconds", [f"{report['seconds']:.1f}" for _, report, _ in columns], f"{floor_seconds:.2f}")
    line(
        "rows per second",
        [f"{args.rows / report['seconds']:,.0f}" for _, report, _ in columns],
        f"{args.rows / floor_seconds:,.0f}",
    )
    line("x the COPY floor", [f"{floor_seconds / report['seconds']:.4f}" for _, report, _ in columns], "1")
    line("peak RSS (MB)", [f"{report['peak_rss_mb']:.1f}" for _, report, _ in columns], "(server side)")
    line("checking process (MB)", [f"{report.get('helper_peak_rss_mb', 0):.1f}" for _, report, _ in columns])
    line("RSS after imports (MB)", [f"{report['rss_before_mb']:.1f}" for _, report, _ in columns])
    for name in ("created", "updated", "unchanged", "skipped", "failed"):
        line(name, [f"{result.get(name, 0):,}" for _, _, result in columns])
    if "on" in settings_to_compare and "off" in settings_to_compare:
        by_label = {label: report["seconds"] for label, report, _ in columns}
        for on_duplicate in ("skip", "update"):
            ratio = by_label[f"{on_duplicate}, ahead off"] / by_label[f"{on_duplicate}, ahead on"]
            print(f"checking ahead, {on_duplicate}: {ratio:.2f}x the rows per second of one process")
    print(
        "The job validates every row (phone, e-mail, country, custom types), finds duplicates by e-mail then"
    )
    print("phone, writes events and outbox rows, and commits every 500 rows; COPY only stores text.")
    print("'ahead on': the rows are checked in a second process while the chunk before is written.")
    print("The checking process's peak counts the pages it shares with the job from the fork.")
    source.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
