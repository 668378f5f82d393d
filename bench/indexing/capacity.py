"""Capacity figures for docs/scaling.md (`python -m bench.indexing --capacity [--count 100000]`).

1. Seeds N realistic contacts (seeds.demo, the `contacts-admin seed` path: identities, messages,
   events and one outbox row each) and measures PostgreSQL: bytes per contact of each table and
   of the database, and the outbox's bytes per pending change.
2. Builds the index from PostgreSQL (`contacts-index reindex`) and measures its size per document,
   as written and after a force merge to one segment.
3. Search latency against documents per shard: one single-shard index grown in steps (copies of
   the N built documents under new ids, in the same workspace), and at each step a fixed mix of
   the API's own queries (shared.search.query: free text, a filter, a sort, page of 50 cards) sent
   straight to OpenSearch; p50/p95 per step beside the first step's (the baseline of the run).
"""

from __future__ import annotations

import statistics
import time
import uuid
from typing import Any

from opensearchpy import helpers
from sqlalchemy import delete, func, select, text
from tqdm import tqdm

from api_service.workspaces.service import create_workspace
from shared.models import Contact, OutboxEntry
from shared.search.documents import load_sources
from shared.search.index import create_index
from shared.search.mapping import build_document, routing
from shared.search.query import PAGE_FETCH, build_search_query, compile_sort
from shared.settings import Settings

TABLES = ("contacts", "contact_channels", "messages", "events", "outbox")
QUERIES: list[tuple[str | None, dict[str, Any] | None, list[tuple[str, str]]]] = [
    ("ann", None, [("last_interaction_at", "desc")]),
    ("sm", None, [("display_name", "asc")]),
    (None, {"and": [{"field": "country", "op": "eq", "value": "MY"}]}, [("created_at", "desc")]),
    ("601", None, [("last_interaction_at", "desc")]),
    (None, {"or": [{"field": "tags", "op": "has_any", "value": ["vip", "lead"]}]}, [("last_name", "asc")]),
    (None, None, [("last_interaction_at", "desc")]),
]


def _table_bytes(session: Any) -> dict[str, int]:
    sizes = {}
    for table in TABLES:
        found = session.execute(text("SELECT to_regclass(:t)"), {"t": table}).scalar()
        if found is not None:
            sizes[table] = int(
                session.execute(text("SELECT pg_total_relation_size(:t)"), {"t": table}).scalar()
            )
    sizes["(database)"] = int(session.execute(text("SELECT pg_database_size(current_database())")).scalar())
    return sizes


def _store_bytes(client: Any, index: str) -> int:
    client.indices.refresh(index=index)
    return int(
        client.indices.stats(index=index, metric="store")["_all"]["primaries"]["store"]["size_in_bytes"]
    )


def measure_storage(
    settings: Settings, factory: Any, client: Any, count: int
) -> tuple[uuid.UUID, list[dict[str, Any]]]:
    from indexer_worker.reindex import reindex
    from seeds.demo import seed

    with factory() as session, session.begin():
        workspace, _, _ = create_workspace(
            session, "capacity", f"cap-{uuid.uuid4().hex[:6]}@example.com", "C"
        )
    with factory() as session:
        before = _table_bytes(session)
    with tqdm(total=count, desc="seed realistic contacts", unit="contact") as bar:
        seed(factory, workspace.id, count, rng_seed=7, progress=bar.update)
    with factory() as session:
        after = _table_bytes(session)
        pending = int(session.scalar(select(func.count()).select_from(OutboxEntry)) or 0)
    print()
    print(f"PostgreSQL after seeding {count:,} contacts ({pending:,} outbox rows pending)")
    print(f"{'table (with indexes, TOAST)':30}{'bytes':>14}{'bytes/contact':>15}{'per 1M contacts':>17}")
    for table in after:
        grown = after[table] - before.get(table, 0)
        print(f"{table:30}{grown:>14,}{grown / count:>15,.0f}{grown / count * 1e6 / 2**30:>14.2f} GiB")
    outbox = after.get("outbox", 0) - before.get("outbox", 0)
    print(f"outbox: {outbox / max(pending, 1):,.0f} bytes per pending change", flush=True)
    with factory() as session, session.begin():
        session.execute(delete(OutboxEntry))

    with tqdm(total=count, desc="reindex from PostgreSQL", unit="doc") as bar:
        result = reindex(factory, client, settings, on_progress=bar.update)
    (index,) = client.indices.get_alias(name=settings.index_alias)
    written = _store_bytes(client, index)
    client.indices.forcemerge(index=index, max_num_segments=1, request_timeout=600)
    merged = _store_bytes(client, index)
    print(f"\nindex of {result.copied:,} documents ({settings.index_shards} shard, 0 replicas)")
    for label, size in (("as written", written), ("merged to 1 segment", merged)):
        print(
            f"  {label:22}{size:>14,} bytes  {size / count:>7,.0f} B/doc  "
            f"{size / count * 1e6 / 2**30:6.2f} GiB per 1M"
        )
    print(flush=True)
    with factory() as session:
        ids = list(session.scalars(select(Contact.id).where(Contact.workspace_id == workspace.id)))
        docs: list[dict[str, Any]] = []
        for start in range(0, len(ids), 2000):
            docs.extend(build_document(s) for s in load_sources(session, ids[start : start + 2000]).values())
    return workspace.id, docs


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


def search_vs_shard_size(
    settings: Settings,
    client: Any,
    workspace_id: uuid.UUID,
    docs: list[dict[str, Any]],
    steps: list[int],
    rounds: int,
    warm_seconds: float = 10.0,
) -> None:
    name = f"{settings.index_alias}_shardgrowth"
    if client.indices.exists(index=name):
        client.indices.delete(index=name)
    create_index(client, name, settings.model_copy(update={"index_shards": 1, "index_replicas": 0}))
    route = routing(workspace_id)
    bodies = []
    for query, tree, sort in QUERIES:
        body = {
            "query": build_search_query(str(workspace_id), query, tree, {}),
            "sort": compile_sort(sort, {}),
        }
        bodies.append({**body, "size": 50, "track_total_hits": True, **PAGE_FETCH})
    loaded = 0
    rows: list[tuple[int, float, float]] = []
    try:
        for target in steps:
            # Streamed: a step of 800,000 copies is never held in memory at once.
            actions = (
                {
                    "_index": name,
                    "_id": new_id,
                    "routing": route,
                    "_source": {**docs[n % len(docs)], "id": new_id},
                }
                for n in range(loaded, target)
                for new_id in (str(uuid.uuid4()),)
            )
            with tqdm(total=target - loaded, desc=f"grow the shard to {target:,}", unit="doc") as bar:
                for ok, item in helpers.streaming_bulk(client, actions, chunk_size=1000, request_timeout=300):
                    if not ok:
                        raise RuntimeError(f"bulk copy failed: {item}")
                    bar.update()
            loaded = target
            client.indices.refresh(index=name)
            client.indices.forcemerge(index=name, max_num_segments=1, request_timeout=600)
            # Warm (JIT, caches, page cache), as a live index is: longer before the first step, when
            # the JVM has served nothing yet, so the baseline is not a cold one.
            warm_until = time.monotonic() + (warm_seconds * 3 if not rows else warm_seconds)
            while time.monotonic() < warm_until:
                for body in bodies:
                    client.search(index=name, routing=route, body=body, request_cache=False)
            took: list[float] = []
            for _ in range(rounds):
                for body in bodies:
                    started = time.perf_counter()
                    client.search(index=name, routing=route, body=body, request_cache=False)
                    took.append((time.perf_counter() - started) * 1000)
            rows.append((target, _p(took, 50), _p(took, 95)))
            print(
                f"  {target:>9,} docs/shard: p50 {rows[-1][1]:6.1f} ms  p95 {rows[-1][2]:6.1f} ms", flush=True
            )
    finally:
        client.indices.delete(index=name)
    base = rows[0][2]
    print(f"\nsearch (6 API queries x {rounds}, page of 50 cards, no request cache) vs documents per shard")
    print(f"{'docs per shard':>16}{'p50 ms':>10}{'p95 ms':>10}{'p95 vs first':>14}")
    for target, p50, p95 in rows:
        print(f"{target:>16,}{p50:>10.1f}{p95:>10.1f}{p95 / base:>14.2f}")
    doubled = next((target for target, _, p95 in rows if p95 >= 2 * base), None)
    if doubled is None:
        print(f"p95 did not double from {rows[0][0]:,} up to {rows[-1][0]:,} documents per shard")
    else:
        print(f"p95 doubled (vs {rows[0][0]:,} documents per shard) at {doubled:,} documents per shard")
    print(flush=True)
