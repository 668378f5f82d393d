"""Bulk delete and bulk tags over a selection, in chunked transactions of set-based SQL.

Each chunk re-reads and locks its contacts in PostgreSQL (same workspace, still there, not merged
away) in one statement, does its work in one statement per group of contacts changed alike (an
UPDATE or DELETE over an id array whose RETURNING rows feed the INSERT ... SELECT of the events and
outbox rows), and records the job's progress and checkpoint, all in one transaction. A crash
therefore loses at most the chunk in flight, and the resumed run starts after the last committed
chunk: nothing is deleted, tagged or announced twice.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import String, any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import UUID as PG_UUID
from sqlalchemy.orm import Session

from indexer_worker.jobs import JobContext, register, selection_query
from indexer_worker.jobs.export import prefetched
from shared.contact_rules import MAX_TAGS
from shared.events import EventType
from shared.logs import current_request_id
from shared.models import Contact
from shared.outbox import BULK, OUTBOX_WRITTEN
from shared.selection import Selection, iter_selection, selection_total
from shared.tags import missing_tags
from shared.visibility import visible_in

# Contacts per transaction: bounds memory and lock time whatever the selection's size, and is large
# enough that each chunk costs a handful of set-based statements, not one per contact.
CHUNK_SIZE = 5000

IDS = ARRAY(PG_UUID(as_uuid=True))
# One statement per group of contacts gaining the same tags (usually one group per chunk): append
# them, bump the version, and write each contact's "tagged" event and outbox row from the same
# RETURNING set. The rows are locked, so the tags appended are exactly the ones found missing.
TAG_GROUP = text(
    "WITH tagged AS ("
    " UPDATE contacts SET tags = tags || CAST(:added AS varchar(100)[]), version = version + 1,"
    " updated_at = now() WHERE id = ANY(:ids) RETURNING id, version"
    "), announced AS ("
    " INSERT INTO events (id, workspace_id, contact_id, type, actor_id, data)"
    " SELECT gen_random_uuid(), :workspace_id, id, :type, :actor_id, CAST(:data AS jsonb) FROM tagged"
    ") INSERT INTO outbox (workspace_id, contact_id, version, priority, request_id)"
    " SELECT :workspace_id, id, version, :priority, CAST(:request_id AS varchar(128)) FROM tagged"
).bindparams(bindparam("ids", type_=IDS), bindparam("added", type_=ARRAY(String(100))))
# Deletes the locked contacts (dependents go by FK cascade) and tombstones each document through an
# outbox row carrying the version after the deletion. Job rows are BULK: relayed after interactive ones.
DELETE_LOCKED = text(
    "WITH gone AS (DELETE FROM contacts WHERE id = ANY(:ids) RETURNING id, version)"
    " INSERT INTO outbox (workspace_id, contact_id, version, priority, request_id)"
    " SELECT :workspace_id, id, version + 1, :priority, CAST(:request_id AS varchar(128)) FROM gone"
).bindparams(bindparam("ids", type_=IDS))
ChunkWork = Callable[[Session, list[uuid.UUID]], dict[str, int]]


def _locked_contacts(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> list[Any]:
    """(id, tags) of the selected contacts still visible in this workspace, locked in id order (two
    jobs over overlapping selections cannot deadlock); one statement over an id array."""
    return list(
        session.execute(
            select(Contact.id, Contact.tags)
            .where(visible_in(workspace_id), Contact.id == any_(bindparam("ids", ids, type_=IDS)))
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
    # The next chunk's ids are fetched from the index while this chunk's transaction runs.
    for ids, position in prefetched(batches, depth=1):
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
    locked = [row.id for row in _locked_contacts(session, workspace_id, ids)]
    if locked:
        params = {"workspace_id": workspace_id, "ids": locked, "priority": BULK}
        session.execute(DELETE_LOCKED, {**params, "request_id": current_request_id()})
        session.info[OUTBOX_WRITTEN] = True
    return {"deleted": len(locked), "skipped": len(ids) - len(locked)}


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
    rows = _locked_contacts(session, workspace_id, ids)
    groups: dict[tuple[str, ...], list[uuid.UUID]] = {}
    over_limit = 0
    for contact_id, current in rows:
        added = missing_tags(current, tags)
        if len(current) + len(added) > MAX_TAGS:
            over_limit += 1
        elif added:
            groups.setdefault(tuple(added), []).append(contact_id)
    for gained, group in groups.items():
        session.execute(
            TAG_GROUP,
            {
                "workspace_id": workspace_id,
                "priority": BULK,
                "request_id": current_request_id(),  # the job's (indexer_worker.jobs.run_job)
                "ids": group,
                "added": list(gained),
                "type": EventType.TAGGED.value,
                "actor_id": actor_id,
                "data": json.dumps({"added": list(gained), "removed": [], "job_id": str(job_id)}),
            },
        )
    tagged = sum(len(group) for group in groups.values())
    if tagged:
        session.info[OUTBOX_WRITTEN] = True
    return {
        "tagged": tagged,
        "unchanged": len(rows) - tagged - over_limit,
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
