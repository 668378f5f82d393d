"""Bulk delete and bulk tags over a selection, in chunked transactions.

Each chunk re-reads and locks its contacts in PostgreSQL (same workspace, still there, not merged
away), does its work, writes its events and outbox rows, and records the job's progress and
checkpoint, all in one transaction. A crash therefore loses at most the chunk in flight, and the
resumed run starts after the last committed chunk: nothing is deleted, tagged or announced twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Session

from indexer_worker.jobs import JobContext, register, selection_query
from shared.contact_rules import MAX_TAGS
from shared.events import EventType
from shared.models import Contact
from shared.outbox import record_changes
from shared.selection import Selection, iter_selection, selection_total
from shared.tags import missing_tags
from shared.visibility import visible_in

# Contacts per transaction: bounds memory and lock time whatever the selection's size.
CHUNK_SIZE = 500

CONTACTS: Table = Contact.metadata.tables["contacts"]
TAGGED_EVENTS = text(
    "INSERT INTO events (id, workspace_id, contact_id, type, actor_id, data) "
    "SELECT gen_random_uuid(), :workspace_id, contact_id, :type, :actor_id, data "
    "FROM unnest(CAST(:contact_ids AS uuid[]), CAST(:data AS jsonb[])) AS added(contact_id, data)"
)
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
                visible_in(workspace_id),
                Contact.id.in_(ids),
            )
            .order_by(Contact.id)
            .with_for_update()
        ).all()
    )


def run_in_chunks(ctx: JobContext, work: ChunkWork) -> dict[str, int]:
    """Resolve the selection and apply `work` chunk by chunk; returns the summed counters."""
    selection = Selection.model_validate(ctx.params["selection"])
    query = selection_query(ctx, selection)
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
    """Add the tags each contact lacks (ignoring case and accents; an existing spelling is kept).
    A contact the new tags would take past MAX_TAGS is left as it is and counted as `over_tag_limit`
    (all of the tags or none, never an arbitrary part of them)."""
    rows = _locked_contacts(session, workspace_id, ids, Contact.tags, Contact.version)
    additions: dict[uuid.UUID, list[str]] = {}
    new_tags: list[tuple[uuid.UUID, list[str], int]] = []
    over_limit = 0
    for contact_id, current, version in rows:
        added = missing_tags(current, tags)
        if len(current) + len(added) > MAX_TAGS:
            over_limit += 1
        elif added:
            additions[contact_id] = added
            new_tags.append((contact_id, [*current, *added], version + 1))
    if new_tags:
        # One statement executed for many rows (compiled once, pipelined by the driver). A set-based
        # UPDATE bypasses the ORM's version counter, so it is bumped explicitly; the rows are locked,
        # so each contact's new version is the one read plus one.
        session.execute(
            update(CONTACTS)
            .where(CONTACTS.c.id == bindparam("contact_id"))
            .values(tags=bindparam("new_tags"), version=CONTACTS.c.version + 1, updated_at=func.now()),
            [{"contact_id": cid, "new_tags": new} for cid, new, _ in new_tags],
        )
        # One INSERT for the chunk's events (arrays unnested server-side) rather than 500 statements.
        session.execute(
            TAGGED_EVENTS,
            {
                "workspace_id": workspace_id,
                "type": EventType.TAGGED.value,
                "actor_id": actor_id,
                "contact_ids": list(additions),
                "data": [
                    json.dumps({"added": added, "removed": [], "job_id": str(job_id)})
                    for added in additions.values()
                ],
            },
        )
        record_changes(session, workspace_id, [(cid, version) for cid, _, version in new_tags])
    return {
        "tagged": len(new_tags),
        "unchanged": len(rows) - len(new_tags) - over_limit,
        "over_tag_limit": over_limit,
        "skipped": len(ids) - len(rows),
    }


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
