"""The export job: resolve the selection, read rows from PostgreSQL in batches, stream CSV to a file.

Memory stays flat: one batch of ids (and their rows) is held at a time, and the CSV is written as it
goes. "All matching" selections are resolved with a point-in-time search paged by search_after
(shared.selection), so the export sees one consistent snapshot of the index; rows are then read from
PostgreSQL, so a contact deleted (or merged away) meanwhile never appears. A re-run rewrites the file
from scratch (cheap next to the risk of a file half from one run and half from another).
"""

from __future__ import annotations

import csv
import logging
import os
import queue
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import Session, sessionmaker

from indexer_worker.celery_app import app
from indexer_worker.jobs import JobContext, JobFailed, register, selection_query
from indexer_worker.runtime import session_factory as worker_session_factory
from shared.csv_format import ChannelCell, RenderContext, header_labels, make_renderers
from shared.csv_safety import neutralize
from shared.models import Channel, Contact, ContactChannel, ContactField, Job, User
from shared.selection import Selection, iter_selection, selection_total
from shared.settings import Settings
from shared.visibility import visible_in

log = logging.getLogger("jobs.export")
# Beat schedules this by name (indexer_worker.celery_app).
CLEANUP_TASK = "exports.cleanup"
BATCH_SIZE = 2000
T = TypeVar("T")

# Plain columns read per contact: enough for every renderer, never an ORM object.
ROW_COLUMNS = (
    Contact.id,
    Contact.first_name,
    Contact.last_name,
    Contact.email,
    Contact.phone,
    Contact.country,
    Contact.language,
    Contact.profile_pic_url,
    Contact.assignee_id,
    Contact.tags,
    Contact.custom_fields,
    Contact.source,
    Contact.conversation_status,
    Contact.conversation_opened_at,
    Contact.last_interaction_at,
    Contact.last_incoming_message_at,
    Contact.last_interacted_channel_id,
    Contact.created_at,
    Contact.updated_at,
)


def export_path(settings: Settings, workspace_id: uuid.UUID, job_id: uuid.UUID) -> Path:
    return (settings.export_dir / str(workspace_id) / f"{job_id}.csv").resolve()


def selection_batches(ctx: JobContext) -> Iterator[tuple[list[uuid.UUID], int]]:
    """(ids, total) batches of the job's selection: explicit ids in the order given, "all matching"
    streamed from one point-in-time snapshot of the index (shared.selection)."""
    selection = Selection.model_validate(ctx.params["selection"])
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
        batch_size=BATCH_SIZE,
    ):
        yield ids, total


def _render_context(session: Session, workspace_id: uuid.UUID) -> tuple[RenderContext, dict[str, str]]:
    users = session.execute(select(User.id, User.email).where(User.workspace_id == workspace_id)).all()
    channels = session.execute(
        select(Channel.id, Channel.name).where(Channel.workspace_id == workspace_id)
    ).all()
    labels = session.execute(
        select(ContactField.key, ContactField.label).where(ContactField.workspace_id == workspace_id)
    ).all()
    ctx = RenderContext(
        user_labels={uid: email for uid, email in users},
        channel_names={cid: name for cid, name in channels},
    )
    return ctx, {key: label for key, label in labels}


def _load_batch(
    session_factory: sessionmaker[Session], workspace_id: uuid.UUID, ids: list[uuid.UUID]
) -> tuple[dict[uuid.UUID, Any], dict[uuid.UUID, list[ChannelCell]]]:
    """Current rows of these contacts (visible ones only) and their channel identities."""
    if not ids:
        return {}, {}
    id_array = bindparam("ids", ids, type_=ARRAY(PG_UUID(as_uuid=True)))
    # "All matching" batches come in id order: the range lets PostgreSQL walk the primary key instead
    # of scanning the workspace for each batch (which made a whole export quadratic).
    in_range = Contact.id.between(min(ids), max(ids))
    with session_factory() as session:
        conn = session.connection()
        rows = conn.execute(
            select(*ROW_COLUMNS).where(
                visible_in(workspace_id),
                in_range,
                Contact.id == any_(id_array),
            )
        ).all()
        channels: dict[uuid.UUID, list[ChannelCell]] = defaultdict(list)
        for contact_id, name, external_id in conn.execute(
            select(ContactChannel.contact_id, Channel.name, ContactChannel.external_id)
            .join(Channel, Channel.id == ContactChannel.channel_id)
            .where(ContactChannel.contact_id == any_(id_array), ContactChannel.workspace_id == workspace_id)
            .order_by(ContactChannel.created_at, ContactChannel.id)
        ):
            channels[contact_id].append(ChannelCell(name, external_id))
    return {row.id: row for row in rows}, channels


@dataclass
class _Failed:
    error: BaseException


_DONE = object()


def prefetched(source: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items of `source`, produced by a background thread up to `depth` ahead, so index and
    database waits overlap the CSV rendering; memory stays bounded by `depth` items."""
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


def loaded_batches(
    ctx: JobContext,
) -> Iterator[tuple[int, int, list[Any], dict[uuid.UUID, list[ChannelCell]]]]:
    """(ids in the batch, total, rows in selection order, channels) for every batch."""
    for ids, total in selection_batches(ctx):
        found, channels = _load_batch(ctx.session_factory, ctx.workspace_id, ids)
        yield len(ids), total, [found[i] for i in ids if i in found], channels


@register("export")
def run_export(ctx: JobContext) -> dict[str, Any]:
    columns: list[str] = ctx.params["columns"]
    with ctx.session_factory() as session:
        render_ctx, custom_labels = _render_context(session, ctx.workspace_id)
    renderers = make_renderers(columns, render_ctx)
    path = export_path(ctx.settings, ctx.workspace_id, ctx.job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    processed = rows_written = 0
    started = time.perf_counter()
    try:
        # utf-8-sig writes the BOM Excel needs to read accents; csv quotes commas, quotes, newlines.
        with partial.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([neutralize(label) for label in header_labels(columns, custom_labels)])
            for selected, total, rows, channels in prefetched(loaded_batches(ctx)):
                no_channels: list[ChannelCell] = []
                writer.writerows(
                    [neutralize(render(row, channels.get(row.id, no_channels))) for render in renderers]
                    for row in rows
                )
                rows_written += len(rows)
                processed += selected
                ctx.progress(processed, total)
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise JobFailed(f"could not write the export file: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    expires_at = datetime.now(UTC) + timedelta(hours=ctx.settings.export_ttl_hours)
    with ctx.session_factory() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == ctx.job_id)
            .values(file_path=str(path), expires_at=expires_at, processed=processed, total=processed)
        )
    log.info("export %s: %d rows in %.1fs", ctx.job_id, rows_written, time.perf_counter() - started)
    return {"rows": rows_written, "columns": columns, "expires_at": expires_at.isoformat()}


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
