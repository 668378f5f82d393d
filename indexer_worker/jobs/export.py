"""The export job: resolve the selection, then let PostgreSQL render the CSV (COPY ... TO STDOUT).

Every cell is rendered and made formula-safe in SQL (shared.csv_sql), so the job's Python only moves
bytes from the COPY stream into the file: memory stays flat and the speed is PostgreSQL's.
- "All matching" with no query, filter or view is every visible contact of the workspace: one COPY
  straight from the contacts table in id order.
- Otherwise the selection's ids (explicit ids in the order given; "all matching" streamed from one
  point-in-time snapshot of the index, shared.selection) are copied into a temporary table with
  their position, and the COPY joins it. Rows are read from PostgreSQL at COPY time, so a contact
  deleted (or merged away) meanwhile never appears.
A re-run rewrites the file from scratch (cheap next to the risk of a file half from one run and half
from another). Progress counts the ids resolved, then the rows written (each half of the work).
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import psycopg
from psycopg import sql
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from indexer_worker.celery_app import app
from indexer_worker.jobs import JobContext, JobFailed, register, selection_query
from indexer_worker.runtime import session_factory as worker_session_factory
from shared.copy_rows import psycopg_connection
from shared.csv_format import header_labels
from shared.csv_safety import neutralize
from shared.csv_sql import STAGED_IDS, export_copy_sql
from shared.models import ContactField, Job
from shared.selection import Selection, iter_selection, selection_total
from shared.settings import Settings

log = logging.getLogger("jobs.export")
# Beat schedules this by name (indexer_worker.celery_app).
CLEANUP_TASK = "exports.cleanup"
# How often (rows written) the COPY phase records progress, which is also where a cancel stops it.
PROGRESS_ROWS = 20_000
T = TypeVar("T")


def export_path(settings: Settings, workspace_id: uuid.UUID, job_id: uuid.UUID) -> Path:
    return (settings.export_dir / str(workspace_id) / f"{job_id}.csv").resolve()


def selection_batches(ctx: JobContext, selection: Selection) -> Iterator[tuple[list[uuid.UUID], int]]:
    """(ids, total) batches of the job's selection: explicit ids in the order given, "all matching"
    streamed from one point-in-time snapshot of the index (shared.selection)."""
    query = selection_query(ctx, selection)
    alias = ctx.settings.index_alias
    total = selection_total(selection, ctx.search, alias, ctx.workspace_id, query)
    for ids, _position in iter_selection(
        selection,
        client=ctx.search,
        alias=alias,
        workspace_id=ctx.workspace_id,
        query=query,
        position=None,
        batch_size=ctx.settings.export_batch_size,
    ):
        yield ids, total


@dataclass
class _Failed:
    error: BaseException


_DONE = object()


def prefetched(source: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items of `source`, produced by a background thread up to `depth` ahead, so index and
    database waits overlap the work on earlier items; memory stays bounded by `depth` items."""
    pending: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                pending.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if not put(item):
                    return
            put(_DONE)
        except BaseException as exc:
            put(_Failed(exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()  # a generator's finally (e.g. deleting the point in time) runs here

    producer = threading.Thread(target=produce, name="export-prefetch", daemon=True)
    producer.start()
    try:
        while (item := pending.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            yield item
    finally:
        stop.set()
        producer.join()


def _custom_fields(session_factory: sessionmaker[Session], workspace_id: uuid.UUID) -> dict[str, str]:
    with session_factory() as session:
        rows = session.execute(
            select(ContactField.key, ContactField.label).where(ContactField.workspace_id == workspace_id)
        ).all()
    return {key: label for key, label in rows}


def _header_line(columns: list[str], custom_labels: dict[str, str]) -> bytes:
    """The header row, formula-safe, quoted as PostgreSQL's CSV quotes the rows below it."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(
        [neutralize(label) for label in header_labels(columns, custom_labels)]
    )
    return out.getvalue().encode()


def _stage_ids(ctx: JobContext, cursor: psycopg.Cursor[Any], selection: Selection) -> int:
    """The selection's ids, with their position, into the temporary table the COPY joins."""
    cursor.execute(f"CREATE TEMPORARY TABLE {STAGED_IDS} (pos bigint, id uuid) ON COMMIT DROP")
    staged = 0
    with cursor.copy(f"COPY {STAGED_IDS} (pos, id) FROM STDIN") as copy:
        for ids, total in prefetched(selection_batches(ctx, selection)):
            for contact_id in ids:
                copy.write_row((staged, contact_id))
                staged += 1
            ctx.progress(staged // 2, total)
    cursor.execute(f"CREATE INDEX ON {STAGED_IDS} (id)")
    cursor.execute(f"ANALYZE {STAGED_IDS}")
    return staged


def _write_rows(
    ctx: JobContext, cursor: psycopg.Cursor[Any], statement: sql.Composed, out: BinaryIO, staged: int
) -> int:
    """COPY TO STDOUT into the file; progress (and a cancel's chance to stop it) every PROGRESS_ROWS."""
    total = ctx.total or 0
    rows = 0
    next_report = PROGRESS_ROWS
    with cursor.copy(statement) as copy:
        # PostgreSQL sends each row of a COPY TO in a message of its own, so a chunk is a row.
        for chunk in copy:
            out.write(chunk)
            rows += 1
            if rows >= next_report:
                next_report = rows + PROGRESS_ROWS
                written = min(rows, max(total - 1, 0))  # done only once the COPY has ended
                ctx.progress((staged + written) // 2 if staged else written, total)
    return max(cursor.rowcount, 0)


@register("export")
def run_export(ctx: JobContext) -> dict[str, Any]:
    columns: list[str] = ctx.params["columns"]
    selection = Selection.model_validate(ctx.params["selection"])
    custom_labels = _custom_fields(ctx.session_factory, ctx.workspace_id)
    everything = selection.all_matching is not None and selection.all_matching.selects_everything()
    statement = export_copy_sql(columns, custom_labels.keys(), ctx.workspace_id, staged=not everything)
    path = export_path(ctx.settings, ctx.workspace_id, ctx.job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    started = time.perf_counter()
    try:
        # The BOM lets Excel read accents; PostgreSQL quotes commas, quotes and newlines.
        with partial.open("wb") as handle, ctx.session_factory() as session, session.begin():
            handle.write(codecs.BOM_UTF8 + _header_line(columns, custom_labels))
            with psycopg_connection(session).cursor() as cursor:
                if everything:
                    staged = 0
                    ctx.progress(0, _count_visible(cursor, ctx.workspace_id))
                else:
                    staged = _stage_ids(ctx, cursor, selection)
                    ctx.progress(staged // 2, staged)
                rows_written = _write_rows(ctx, cursor, statement, handle, staged)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise JobFailed(f"could not write the export file: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    processed = staged if not everything else rows_written
    expires_at = datetime.now(UTC) + timedelta(hours=ctx.settings.export_ttl_hours)
    with ctx.session_factory() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == ctx.job_id)
            .values(file_path=str(path), expires_at=expires_at, processed=processed, total=processed)
        )
    log.info("export %s: %d rows in %.1fs", ctx.job_id, rows_written, time.perf_counter() - started)
    return {"rows": rows_written, "columns": columns, "expires_at": expires_at.isoformat()}


def _count_visible(cursor: psycopg.Cursor[Any], workspace_id: uuid.UUID) -> int:
    cursor.execute(
        "SELECT count(*) FROM contacts WHERE workspace_id = %s AND merged_into_id IS NULL", (workspace_id,)
    )
    row = cursor.fetchone()
    return int(row[0]) if row else 0


def cleanup_exports(
    session_factory: sessionmaker[Session], settings: Settings, now: datetime | None = None
) -> int:
    """Delete expired export files (the job then answers 410), and any file in the export directory
    left behind longer than the TTL by a run that died (a .part file, an import upload)."""
    now = now or datetime.now(UTC)
    removed = 0
    with session_factory() as session, session.begin():
        expired = session.execute(
            select(Job.id, Job.file_path)
            .where(Job.kind == "export", Job.file_path.is_not(None), Job.expires_at < now)
            .with_for_update(skip_locked=True)
        ).all()
        for _job_id, file_path in expired:
            if file_path:
                Path(file_path).unlink(missing_ok=True)
                removed += 1
        if expired:
            session.execute(update(Job).where(Job.id.in_([j for j, _ in expired])).values(file_path=None))
    cutoff = now.timestamp() - (settings.export_ttl_hours + 1) * 3600
    if settings.export_dir.exists():
        for file in settings.export_dir.rglob("*"):
            try:
                if file.is_file() and file.stat().st_mtime < cutoff:
                    file.unlink()
                    removed += 1
            except FileNotFoundError:  # another sweeper got there first
                continue
    return removed


@app.task(name=CLEANUP_TASK)
def cleanup_exports_task() -> int:
    from shared.settings import get_settings

    return cleanup_exports(worker_session_factory(), get_settings())
