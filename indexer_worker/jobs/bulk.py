"""Bulk delete and bulk tags over a selection, in chunked transactions.

Each chunk re-reads and locks its contacts in PostgreSQL (same workspace, still there, not merged
away), does its work, writes its events and outbox rows, and records the job's progress and
checkpoint, all in one transaction. A crash therefore loses at most the chunk in flight, and the
resumed run starts after the last committed chunk: nothing is deleted, tagged or announced twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import String, column, delete, func, insert, select, update, values
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Session

from indexer_worker.jobs import JobContext, JobFailed, register
from shared.contact_rules import FieldError
from shared.models import Contact, Event
from shared.outbox import record_changes
from shared.selection import Selection, SelectionNotFound, compile_selection, iter_selection, selection_total
from shared.text import fold

# Contacts per transaction: bounds memory and lock time whatever the selection's size.
CHUNK_SIZE = 500

ChunkWork = Callable[[Session, list[uuid.UUID]], dict[str, int]]


def _locked_contacts(
    session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID], *columns: Any
) -> list[Any]:
    """Lock the selected contacts that are still visible in this workspace (in id order, so two jobs
    over overlapping selections cannot deadlock)."""
    return list(
        session.execute(
            select(Contact.id, *columns)
            .where(
                Contact.workspace_id == workspace_id,
                Contact.merged_into_id.is_(None),
                Contact.id.in_(ids),
            )
            .order_by(Contact.id)
            .with_for_update()
        ).all()
    )


def run_in_chunks(ctx: JobContext, work: ChunkWork) -> dict[str, int]:
    """Resolve the selection and apply `work` chunk by chunk; returns the summed counters."""
    selection = Selection.model_validate(ctx.params["selection"])
    query = None
    if selection.all_matching is not None:
        with ctx.session_factory() as session:
            try:
                query = compile_selection(session, ctx.workspace_id, ctx.user_id, selection.all_matching)
            except SelectionNotFound as exc:
                raise JobFailed(str(exc)) from None
            except FieldError as exc:
                raise JobFailed(f"{'.'.join(map(str, exc.loc))}: {exc.msg}") from None
    state = dict(ctx.checkpoint or {})
    counts: dict[str, int] = dict(state.get("counts", {}))
    processed = int(state.get("processed", 0))
    alias = ctx.settings.index_alias
    if ctx.total is None:
        total = selection_total(selection, ctx.search, alias, ctx.workspace_id, query)
        ctx.progress(processed, total)
    batches = iter_selection(
        selection,
        client=ctx.search,
        alias=alias,
        workspace_id=ctx.workspace_id,
        query=query,
        position=state.get("position"),
        batch_size=CHUNK_SIZE,
    )
    for ids, position in batches:
        with ctx.session_factory() as session, session.begin():
            for key, n in work(session, ids).items():
                counts[key] = counts.get(key, 0) + n
            processed += len(ids)
            checkpoint = {"position": position, "processed": processed, "counts": counts}
            # "all matching" is counted before streaming; the index may have moved since.
            grown = processed if ctx.total is not None and processed > ctx.total else None
            ctx.record(session, processed, checkpoint, grown)
    if ctx.total != processed:
        ctx.progress(processed, processed)
    return counts


def delete_chunk(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[str, int]:
    """Delete the chunk's contacts with their dependents (FK cascade) and tombstone their documents."""
    rows = _locked_contacts(session, workspace_id, ids, Contact.version)
    if rows:
        session.execute(delete(Contact).where(Contact.id.in_([r.id for r in rows])))
        record_changes(session, workspace_id, [(r.id, r.version + 1) for r in rows])
    return {"deleted": len(rows), "skipped": len(ids) - len(rows)}


def tag_chunk(
    session: Session,
    workspace_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    job_id: uuid.UUID,
    tags: list[str],
    ids: list[uuid.UUID],
) -> dict[str, int]:
    """Add the tags each contact lacks (ignoring case and accents; an existing spelling is kept)."""
    rows = _locked_contacts(session, workspace_id, ids, Contact.tags)
    additions: dict[uuid.UUID, list[str]] = {}
    new_tags: list[tuple[uuid.UUID, list[str]]] = []
    for contact_id, current in rows:
        have = {fold(t) for t in current}
        added = [t for t in tags if fold(t) not in have]
        if added:
            additions[contact_id] = added
            new_tags.append((contact_id, [*current, *added]))
    if new_tags:
        changes = values(
            column("id", UUID(as_uuid=True)), column("tags", ARRAY(String(100))), name="changes"
        ).data(new_tags)
        # A set-based UPDATE bypasses the ORM's version counter: bump it explicitly.
        versions = session.execute(
            update(Contact)
            .where(Contact.id == changes.c.id)
            .values(tags=changes.c.tags, version=Contact.version + 1, updated_at=func.now())
            .returning(Contact.id, Contact.version)
            .execution_options(synchronize_session=False)
        ).all()
        session.execute(
            insert(Event),
            [
                {
                    "workspace_id": workspace_id,
                    "contact_id": contact_id,
                    "type": "tagged",
                    "actor_id": actor_id,
                    "data": {"added": added, "removed": [], "job_id": str(job_id)},
                }
                for contact_id, added in additions.items()
            ],
        )
        record_changes(session, workspace_id, [(r.id, r.version) for r in versions])
    return {"tagged": len(new_tags), "unchanged": len(rows) - len(new_tags), "skipped": len(ids) - len(rows)}


@register("bulk_delete")
def bulk_delete(ctx: JobContext) -> dict[str, Any]:
    return run_in_chunks(ctx, lambda session, ids: delete_chunk(session, ctx.workspace_id, ids))


@register("bulk_tags")
def bulk_tags(ctx: JobContext) -> dict[str, Any]:
    tags = [str(t) for t in ctx.params["tags"]]
    return run_in_chunks(
        ctx,
        lambda session, ids: tag_chunk(session, ctx.workspace_id, ctx.user_id, ctx.job_id, tags, ids),
    )
