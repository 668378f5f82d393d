"""The export job: resolve the selection, then let PostgreSQL render the CSV (COPY ... TO STDOUT).

Every cell is rendered and made formula-safe in SQL (shared.csv_sql), so the job's Python only moves
bytes from the COPY stream into the file: memory stays flat and the speed is PostgreSQL's.
- "All matching" with no query, filter or view is every visible contact of the workspace: one COPY
  straight from the contacts table in id order.
- Otherwise the selection's ids (explicit ids in the order given; "all matching" streamed from one
  point-in-time snapshot of the index, shared.selection) are copied into a temporary table with
  their position, and the COPY joins it. Rows are read from PostgreSQL at COPY time, so a contact
  deleted (or merged away) meanwhile never appears.
- An export of many rows is rendered in parts, up to `export_parts` PostgreSQL sessions at once
  (one per `export_part_rows` rows), so the SQL of the cells runs on every core: a range of the
  uuid space each for the whole workspace, a slice of the positions each for a selection. Every
  part's transaction imports the first one's exported snapshot, taken once the selection is
  resolved, so together they read the rows as of one instant. Part 0 writes into the file, the
  others into spools appended in order when all are done.
A re-run rewrites the file from scratch (cheap next to the risk of a file half from one run and half
from another). Progress counts the ids resolved, then the rows written (each half of the work),
every PROGRESS_SECONDS; a cancel stops every part there.
"""

from __future__ import annotations

import codecs
import csv
import glob
import io
import itertools
import logging
import os
import queue
import shutil
import threading
import time
import uuid
from collections.abc import Generator, Iterator
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from contextlib import ExitStack, closing, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import psycopg
from psycopg import sql
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from indexer_worker.celery_app import app
from indexer_worker.jobs import JobContext, JobFailed, register, selection_query
from indexer_worker.runtime import session_factory as worker_session_factory
from shared.copy_rows import psycopg_connection
from shared.csv_format import header_labels
from shared.csv_safety import neutralize
from shared.csv_sql import STAGED_IDS, export_copy_sql, id_ranges
from shared.models import Contact, ContactField, Job
from shared.selection import Selection, iter_selection, selection_total
from shared.settings import Settings

log = logging.getLogger("jobs.export")
# Beat schedules this by name (indexer_worker.celery_app).
CLEANUP_TASK = "exports.cleanup"
# How often (seconds) the COPY phase records progress, which is also where a cancel stops it.
PROGRESS_SECONDS = 1.0
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


def prefetched(source: Iterator[T], depth: int = 2) -> Generator[T, None, None]:
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


def part_count(settings: Settings, rows: int) -> int:
    """How many PostgreSQL sessions render an export of `rows` rows: one per export_part_rows rows,
    at most export_parts."""
    return max(1, min(settings.export_parts, rows // settings.export_part_rows))


def _spool(partial: Path, what: str, k: int) -> Path:
    return partial.with_name(f"{partial.name}.{what}{k}")


def _resolve_ids(
    ctx: JobContext, batches: Iterator[tuple[list[uuid.UUID], int]], partial: Path
) -> tuple[list[Path], int]:
    """The selection's ids with their position, written as COPY text lines ("pos<TAB>id") into one
    spool file a part (part k gets the k-th slice of the positions, in order), the parts counted
    from the total the index gives up front. The index is read here, before the snapshot the rows
    are read on is taken, so a contact deleted meanwhile is not exported. Returns the spools and
    how many ids there were."""
    first = next(batches, None)
    total = first[1] if first is not None else 0
    paths = [_spool(partial, "ids", k) for k in range(part_count(ctx.settings, total))]
    resolved = 0
    with ExitStack() as files:
        spools = [files.enter_context(path.open("wb")) for path in paths]
        for ids, listed in itertools.chain([first] if first is not None else [], batches):
            lines: list[list[bytes]] = [[] for _ in spools]
            for contact_id in ids:
                # A total off by a few (a contact deleted meanwhile) only makes the last part a
                # little longer or shorter.
                lines[min(resolved * len(spools) // max(total, 1), len(spools) - 1)].append(
                    f"{resolved}\t{contact_id}\n".encode()
                )
                resolved += 1
            for spool, chunk in zip(spools, lines, strict=True):
                spool.write(b"".join(chunk))
            ctx.progress(resolved // 2, listed)
    return paths, resolved


@dataclass
class _Part:
    """One range of the export's rows, rendered by a PostgreSQL session of its own on the shared
    snapshot: part 0 into the file itself (after the header), the others into spools appended in
    order once every part is done."""

    connection: psycopg.Connection[Any]  # under a session's transaction, used by the part's thread only
    statement: sql.Composed
    out: BinaryIO
    ids: Path | None  # the staged ids of this part, or None for a range of the workspace's ids
    rows: int = 0
    running: bool = True


class _Stopped(Exception):
    """Another part failed or the job was cancelled: this part stops where it is."""


def _render(part: _Part, stop: threading.Event) -> int:
    """COPY the part's rows TO STDOUT into its file (in a thread: PostgreSQL does the work)."""
    try:
        return _copy_part(part, stop)
    finally:
        part.running = False


def _copy_part(part: _Part, stop: threading.Event) -> int:
    with part.connection.cursor() as cursor:
        if part.ids is not None:
            cursor.execute(f"CREATE TEMPORARY TABLE {STAGED_IDS} (pos bigint, id uuid) ON COMMIT DROP")
            with part.ids.open("rb") as lines, cursor.copy(f"COPY {STAGED_IDS} (pos, id) FROM STDIN") as copy:
                while block := lines.read(1 << 20):
                    copy.write(block)
            cursor.execute(f"CREATE INDEX ON {STAGED_IDS} (id)")
            cursor.execute(f"ANALYZE {STAGED_IDS}")
        write, rows = part.out.write, 0
        with cursor.copy(part.statement) as copy:
            # PostgreSQL sends each row of a COPY TO in a message of its own, so a chunk is a row.
            # The loop runs once a row, beside the other parts' loops under one GIL: the count is
            # published, and a stop looked for, every 1,024 rows.
            for chunk in copy:
                write(chunk)
                rows += 1
                if not rows & 1023:
                    part.rows = rows
                    if stop.is_set():
                        raise _Stopped
        part.rows = rows
        return max(cursor.rowcount, 0)


def _open_parts(
    ctx: JobContext,
    files: ExitStack,
    statements: list[sql.Composed],
    outs: list[BinaryIO],
    ids: list[Path | None],
) -> list[_Part]:
    """One REPEATABLE READ transaction a part, all on the first one's exported snapshot, so the
    parts together read the rows as of one instant."""
    parts: list[_Part] = []
    snapshot = ""
    for statement, out, part_ids in zip(statements, outs, ids, strict=True):
        session = files.enter_context(ctx.session_factory())
        files.enter_context(session.begin())
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        connection = psycopg_connection(session)
        with connection.cursor() as cursor:
            if not parts:
                cursor.execute("SELECT pg_export_snapshot()")
                row = cursor.fetchone()
                snapshot = str(row[0]) if row else ""
            else:
                cursor.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
            # The cells' SQL runs once per export: compiling it (JIT) cost about 1.8 s a part at 1M
            # rows, more than it saved. A range of the workspace comes in id order from the
            # primary key, rather than sorted after a scan (a sort that spilled to disk).
            cursor.execute("SET LOCAL jit = off")
            if part_ids is None:
                cursor.execute("SET LOCAL enable_sort = off")
        parts.append(_Part(connection, statement, out, part_ids))
    return parts


def _run_parts(ctx: JobContext, parts: list[_Part], staged: int) -> int:
    """Every part at once; progress (and a cancel's chance to stop them) every PROGRESS_SECONDS.
    Returns the rows written."""
    total = ctx.total or 0
    stop = threading.Event()
    with ThreadPoolExecutor(max_workers=len(parts), thread_name_prefix="export-part") as pool:
        running = [pool.submit(_render, part, stop) for part in parts]
        try:
            while True:
                done, pending = wait(running, timeout=PROGRESS_SECONDS, return_when=FIRST_EXCEPTION)
                for future in done:
                    future.result()  # a part's error ends the job
                if not pending:
                    return sum(future.result() for future in running)
                written = min(sum(part.rows for part in parts), max(total - 1, 0))  # done only at the end
                ctx.progress((staged + written) // 2 if staged else written, total)
        except BaseException:
            stop.set()
            for part in parts:
                if part.running:  # a cancel reaching an idle session is ignored by PostgreSQL
                    with suppress(Exception):
                        part.connection.cancel_safe()
            raise


@register("export")
def run_export(ctx: JobContext) -> dict[str, Any]:
    columns: list[str] = ctx.params["columns"]
    selection = Selection.model_validate(ctx.params["selection"])
    custom_labels = _custom_fields(ctx.session_factory, ctx.workspace_id)
    everything = selection.all_matching is not None and selection.all_matching.selects_everything()
    path = export_path(ctx.settings, ctx.workspace_id, ctx.job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    started = time.perf_counter()
    try:
        with ExitStack() as files:
            # The BOM lets Excel read accents; PostgreSQL quotes commas, quotes and newlines.
            handle = files.enter_context(partial.open("wb"))
            handle.write(codecs.BOM_UTF8 + _header_line(columns, custom_labels))
            ids: list[Path | None]
            if everything:
                staged = 0
                total = _count_visible(ctx.session_factory, ctx.workspace_id)
                count = part_count(ctx.settings, total)
                ctx.progress(0, total)
                ids = [None] * count
                statements = [
                    export_copy_sql(columns, custom_labels.keys(), ctx.workspace_id, staged=False, ids=ids_)
                    for ids_ in id_ranges(count)
                ]
            else:
                with closing(prefetched(selection_batches(ctx, selection))) as batches:
                    spooled, staged = _resolve_ids(ctx, batches, partial)
                ctx.progress(staged // 2, staged)
                ids = list(spooled)
                count = len(ids)
                statement = export_copy_sql(columns, custom_labels.keys(), ctx.workspace_id, staged=True)
                statements = [statement] * count
            later = [_spool(partial, "rows", k) for k in range(1, count)]
            outs: list[BinaryIO] = [handle, *(files.enter_context(p.open("w+b")) for p in later)]
            rows_written = _run_parts(ctx, _open_parts(ctx, files, statements, outs, ids), staged)
            for out in outs[1:]:
                out.seek(0)
                shutil.copyfileobj(out, handle, 1 << 20)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise JobFailed(f"could not write the export file: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        for spool in partial.parent.glob(glob.escape(partial.name) + ".*"):
            spool.unlink(missing_ok=True)
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


def _count_visible(session_factory: sessionmaker[Session], workspace_id: uuid.UUID) -> int:
    with session_factory() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Contact)
                .where(Contact.workspace_id == workspace_id, Contact.merged_into_id.is_(None))
            )
            or 0
        )


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
