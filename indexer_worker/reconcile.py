"""Compare (id, version) between PostgreSQL and the index, and repair the drift.

Both sides are streamed in id order (PostgreSQL by keyset pagination, OpenSearch by search_after
on `id`; a UUID's text form sorts like its bytes) and merge-joined, so memory stays flat for any
number of contacts. Repairs go through the normal path: a contact missing from the index or
indexed at another version gets an outbox row for the relay; a document whose contact is not
visible in PostgreSQL (checked again just before acting, to spare changes made meanwhile) is deleted.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from opensearchpy import OpenSearch
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.models import Contact
from shared.outbox import record_changes
from shared.search.mapping import routing
from shared.settings import Settings
from shared.visibility import visible

log = logging.getLogger("indexer.reconcile")
SAMPLE = 20


@dataclass
class ReconcileReport:
    db_contacts: int = 0
    index_contacts: int = 0
    missing: list[uuid.UUID] = field(default_factory=list)
    stale: list[uuid.UUID] = field(default_factory=list)
    extra: list[uuid.UUID] = field(default_factory=list)
    requeued: int = 0
    deleted: int = 0

    @property
    def in_sync(self) -> bool:
        return not (self.missing or self.stale or self.extra)

    def lines(self) -> list[str]:
        out = [
            f"database contacts: {self.db_contacts}",
            f"index documents:   {self.index_contacts}",
            f"missing from index: {len(self.missing)}",
            f"stale in index:     {len(self.stale)}",
            f"extra in index:     {len(self.extra)}",
        ]
        for label, ids in (("missing", self.missing), ("stale", self.stale), ("extra", self.extra)):
            out += [f"  {label} {cid}" for cid in ids[:SAMPLE]]
            if len(ids) > SAMPLE:
                out.append(f"  ... and {len(ids) - SAMPLE} more {label}")
        out.append(f"repaired: {self.requeued} re-queued for indexing, {self.deleted} deleted from the index")
        return out


@dataclass(frozen=True)
class Entry:
    id: uuid.UUID
    workspace_id: uuid.UUID
    version: int


def database_entries(
    session_factory: sessionmaker[Session], workspace_id: uuid.UUID | None, batch_size: int
) -> Iterator[Entry]:
    last: uuid.UUID | None = None
    while True:
        stmt = (
            select(Contact.id, Contact.workspace_id, Contact.version)
            .where(visible())
            .order_by(Contact.id)
            .limit(batch_size)
        )
        if workspace_id is not None:
            stmt = stmt.where(Contact.workspace_id == workspace_id)
        if last is not None:
            stmt = stmt.where(Contact.id > last)
        with session_factory() as session:
            rows = session.execute(stmt).all()
        if not rows:
            return
        yield from (Entry(r[0], r[1], r[2]) for r in rows)
        last = rows[-1][0]


def index_entries(
    client: OpenSearch, alias: str, workspace_id: uuid.UUID | None, batch_size: int
) -> Iterator[Entry]:
    query: dict[str, Any] = (
        {"term": {"workspace_id": str(workspace_id)}} if workspace_id is not None else {"match_all": {}}
    )
    params: dict[str, Any] = {"routing": routing(workspace_id)} if workspace_id is not None else {}
    search_after: list[Any] | None = None
    while True:
        body: dict[str, Any] = {
            "query": query,
            "sort": [{"id": "asc"}],
            "size": batch_size,
            "_source": False,
            "version": True,
            "docvalue_fields": ["workspace_id"],
        }
        if search_after is not None:
            body["search_after"] = search_after
        hits = client.search(index=alias, body=body, **params)["hits"]["hits"]
        if not hits:
            return
        for hit in hits:
            yield Entry(
                uuid.UUID(hit["_id"]), uuid.UUID(hit["fields"]["workspace_id"][0]), int(hit["_version"])
            )
        search_after = hits[-1]["sort"]


def _merge_join(
    db: Iterator[Entry], index: Iterator[Entry], report: ReconcileReport
) -> dict[uuid.UUID, Entry]:
    """Walk both id-ordered streams; returns the index entries of every id that differs."""
    seen_in_index: dict[uuid.UUID, Entry] = {}
    left, right = next(db, None), next(index, None)
    while left is not None or right is not None:
        if right is None or (left is not None and left.id < right.id):
            assert left is not None
            report.db_contacts += 1
            report.missing.append(left.id)
            left = next(db, None)
        elif left is None or right.id < left.id:
            report.index_contacts += 1
            report.extra.append(right.id)
            seen_in_index[right.id] = right
            right = next(index, None)
        else:
            report.db_contacts += 1
            report.index_contacts += 1
            if left.version != right.version:
                report.stale.append(left.id)
                seen_in_index[right.id] = right
            left, right = next(db, None), next(index, None)
    return seen_in_index


def reconcile(
    session_factory: sessionmaker[Session],
    client: OpenSearch,
    settings: Settings,
    *,
    workspace_id: uuid.UUID | None = None,
    repair: bool = True,
    batch_size: int = 1000,
) -> ReconcileReport:
    alias = settings.index_alias
    client.indices.refresh(index=alias)
    report = ReconcileReport()
    indexed = _merge_join(
        database_entries(session_factory, workspace_id, batch_size),
        index_entries(client, alias, workspace_id, batch_size),
        report,
    )
    if repair and not report.in_sync:
        _repair(session_factory, client, alias, report, indexed)
    log.info(
        "reconcile: %d missing, %d stale, %d extra", len(report.missing), len(report.stale), len(report.extra)
    )
    return report


def _repair(
    session_factory: sessionmaker[Session],
    client: OpenSearch,
    alias: str,
    report: ReconcileReport,
    indexed: dict[uuid.UUID, Entry],
) -> None:
    suspects = report.missing + report.stale + report.extra
    for start in range(0, len(suspects), 1000):
        chunk = suspects[start : start + 1000]
        with session_factory() as session, session.begin():
            # Read again now: changes committed since the streams passed these ids are left alone
            # when they already explain the difference, and re-queued otherwise.
            current = {
                r[0]: Entry(r[0], r[1], r[2])
                for r in session.execute(
                    select(Contact.id, Contact.workspace_id, Contact.version).where(
                        Contact.id.in_(chunk), visible()
                    )
                ).all()
            }
            by_workspace: dict[uuid.UUID, list[tuple[uuid.UUID, int]]] = {}
            for cid in chunk:
                entry, doc = current.get(cid), indexed.get(cid)
                if entry is None:
                    if doc is not None:
                        # Not visible in PostgreSQL: ids are never reused, so the document goes.
                        client.delete(
                            index=alias, id=str(cid), routing=routing(doc.workspace_id), ignore=[404]
                        )
                        report.deleted += 1
                    continue
                if doc is not None and doc.version > entry.version:
                    # Ahead of the database (cannot happen through the relay): external versioning
                    # refuses an older version, so the document is removed. Its tombstone still
                    # refuses the re-queued write for index.gc_deletes (60 s); a later run re-adds it.
                    client.delete(index=alias, id=str(cid), routing=routing(doc.workspace_id), ignore=[404])
                by_workspace.setdefault(entry.workspace_id, []).append((cid, entry.version))
            for ws, changes in by_workspace.items():
                report.requeued += record_changes(session, ws, changes)
