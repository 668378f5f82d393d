"""The outbox relay against real PostgreSQL and OpenSearch: replays, coalescing, parking, outages."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, update

from indexer_worker import relay
from shared.models import Contact, ContactField, OutboxEntry
from shared.outbox import record_change
from shared.search.index import make_client


def names(client: Any, ws: Any, query: str) -> list[str]:
    response = client.post("/v1/contacts/search", headers=ws.headers, json={"query": query})
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


def indexed_version(search_client: Any, settings: Any, ws: Any, contact_id: str) -> int | None:
    doc = search_client.get(
        index=settings.index_alias, id=contact_id, routing=ws.id, _source=False, ignore=[404]
    )
    return int(doc["_version"]) if doc.get("found") else None


def pending_rows(session_factory: Any, contact_id: str) -> list[OutboxEntry]:
    with session_factory() as session:
        return list(
            session.scalars(select(OutboxEntry).where(OutboxEntry.contact_id == uuid.UUID(contact_id)))
        )


def test_replayed_and_out_of_order_changes_never_move_a_document_back(
    client, workspace, sync_index, session_factory, search_client, settings
) -> None:
    contact = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Oswin"}).json()
    for name in ("Petra", "Quill"):
        client.patch(f"/v1/contacts/{contact['id']}", headers=workspace.headers, json={"first_name": name})
    sync_index()
    assert indexed_version(search_client, settings, workspace, contact["id"]) == 3
    # An old change delivered again (a redelivered task, a replayed row) must not win.
    with session_factory() as session, session.begin():
        record_change(session, uuid.UUID(workspace.id), uuid.UUID(contact["id"]), 1)
    sync_index()
    assert indexed_version(search_client, settings, workspace, contact["id"]) == 3
    assert names(client, workspace, "quill") == [contact["id"]]
    assert names(client, workspace, "oswin") == []
    assert pending_rows(session_factory, contact["id"]) == []

    assert client.delete(f"/v1/contacts/{contact['id']}", headers=workspace.headers).status_code == 204
    sync_index()
    with session_factory() as session, session.begin():
        record_change(session, uuid.UUID(workspace.id), uuid.UUID(contact["id"]), 2)
    sync_index()
    assert indexed_version(search_client, settings, workspace, contact["id"]) is None
    assert names(client, workspace, "quill") == []


def test_many_changes_to_one_contact_become_one_document_at_the_newest_version(
    client, workspace, session_factory, search_client, settings
) -> None:
    contact = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Rhea"}).json()
    for i in range(5):
        client.patch(
            f"/v1/contacts/{contact['id']}", headers=workspace.headers, json={"tags": [f"round-{i}"]}
        )
    assert len(pending_rows(session_factory, contact["id"])) == 6
    batches: list[relay.BatchResult] = []
    relay.drain(session_factory, search_client, settings, on_batch=batches.append)
    assert sum(b.indexed for b in batches) >= 1
    assert pending_rows(session_factory, contact["id"]) == []
    assert indexed_version(search_client, settings, workspace, contact["id"]) == 6


def _break_document(session_factory: Any, workspace_id: str, contact_id: str) -> None:
    """A number field holding text cannot be indexed: data written around the API's validation."""
    with session_factory() as session, session.begin():
        session.add(
            ContactField(workspace_id=uuid.UUID(workspace_id), key="score", label="Score", type="number")
        )
        contact = session.get(Contact, uuid.UUID(contact_id))
        assert contact is not None
        contact.custom_fields = {"score": "not a number"}
        session.flush()
        record_change(session, contact.workspace_id, contact.id, contact.version)


def test_a_change_that_keeps_failing_backs_off_then_is_parked_shown_and_retried(
    client, workspace, sync_index, session_factory, search_client, settings
) -> None:
    contact = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Sable"}).json()
    sync_index()
    _break_document(session_factory, workspace.id, contact["id"])
    strict = settings.model_copy(update={"outbox_max_attempts": 3})
    delays = []
    for attempt in range(1, 4):
        with session_factory() as session, session.begin():
            result = relay.relay_batch(session, search_client, strict)
        assert result.failed >= 1
        (row,) = [r for r in pending_rows(session_factory, contact["id"]) if r.version == 2]
        assert row.attempts == attempt
        assert "document build failed" in (row.last_error or "")
        if attempt < 3:
            assert row.parked_at is None
            with session_factory() as session:
                delays.append(session.scalar(select(func.extract("epoch", row.available_at - func.now()))))
            with session_factory() as session, session.begin():  # skip the wait
                session.execute(
                    update(OutboxEntry).where(OutboxEntry.id == row.id).values(available_at=func.now())
                )
        else:
            assert row.parked_at is not None
    assert 0 < delays[0] < delays[1]  # exponential back-off

    status = client.get("/v1/ops/sync", headers=workspace.headers).json()
    assert status["parked_changes"] == 1
    parked = client.get("/v1/ops/sync/parked", headers=workspace.headers).json()["items"]
    assert [p["contact_id"] for p in parked] == [contact["id"]]
    assert "document build failed" in parked[0]["error"]
    sync_index()  # a parked row is left alone by the relay
    assert indexed_version(search_client, settings, workspace, contact["id"]) == 1

    with session_factory() as session, session.begin():  # the data is fixed (no outbox row of its own)
        fixed = session.get(Contact, uuid.UUID(contact["id"]))
        assert fixed is not None
        fixed.custom_fields = {"score": 7}
    retried = client.post("/v1/ops/sync/parked/retry", headers=workspace.headers)
    assert retried.status_code == 200 and retried.json() == {"retried": 1}
    sync_index()
    assert indexed_version(search_client, settings, workspace, contact["id"]) == 3
    assert client.get("/v1/ops/sync", headers=workspace.headers).json()["parked_changes"] == 0


def test_unreachable_opensearch_leaves_the_rows_untouched(
    client, workspace, sync_index, session_factory, settings
) -> None:
    contact = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Tamsin"}).json()
    down = make_client(settings.model_copy(update={"opensearch_url": "http://127.0.0.1:9"}), timeout=2)
    before = [(r.id, r.attempts, r.available_at) for r in pending_rows(session_factory, contact["id"])]
    with pytest.raises(relay.IndexUnavailable):
        relay.drain(session_factory, down, settings)
    after = [(r.id, r.attempts, r.available_at) for r in pending_rows(session_factory, contact["id"])]
    assert after == before and len(after) == 1
    sync_index()  # the next sweep with OpenSearch back delivers it
    assert names(client, workspace, "tamsin") == [contact["id"]]


def test_backoff_doubles_and_is_capped() -> None:
    assert [relay.backoff_seconds(n, 10) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]
    assert relay.backoff_seconds(10_000, 300) == 300


def test_bulk_item_outcomes_that_are_not_failures() -> None:
    alias = "contacts_x"
    cid = str(uuid.uuid4())

    def item(op: str, status: Any, index: str = "contacts_x_v1") -> dict[str, Any]:
        return {op: {"_id": cid, "_index": index, "status": status, "error": {"type": "x"}}}

    harmless = [
        item("index", 409),  # the index already holds a newer version
        item("delete", 404),  # already gone
        item("index", 404, index="contacts_x-reindex"),  # a swap just removed the reindex alias
    ]
    assert relay.item_failures(harmless, alias) == {}
    assert relay.item_failures([item("index", 429)], alias)[uuid.UUID(cid)].transient
    assert not relay.item_failures([item("index", 400)], alias)[uuid.UUID(cid)].transient
    assert relay.item_failures([item("index", "N/A")], alias)[uuid.UUID(cid)].transient
