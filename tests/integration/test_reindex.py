"""Reindex into a new versioned index behind the alias while searches and writes go on."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import pytest

from indexer_worker import relay
from indexer_worker.reindex import ReindexInProgress, reindex
from shared.search.index import alias_targets, create_index, reindex_alias, versioned_indices


def ids(client: Any, ws: Any, query: str) -> list[str]:
    response = client.post("/v1/contacts/search", headers=ws.headers, json={"query": query})
    assert response.status_code == 200, response.text
    return sorted(c["id"] for c in response.json()["items"])


def test_reindex_swaps_the_alias_while_searches_answer_and_live_changes_land(
    client, workspace, sync_index, session_factory, search_client, settings
) -> None:
    made = [
        client.post("/v1/contacts", headers=workspace.headers, json={"first_name": f"Ulric{i}"}).json()
        for i in range(6)
    ]
    sync_index()
    (old_index,) = alias_targets(search_client, settings.index_alias)

    answers: list[int] = []
    stop = threading.Event()

    def keep_searching() -> None:
        while not stop.is_set():
            response = client.post("/v1/contacts/search", headers=workspace.headers, json={"query": "ulric"})
            answers.append(len(response.json()["items"]) if response.status_code == 200 else -1)

    during: dict[str, Any] = {}

    def on_progress(_: int) -> None:
        if during:
            return
        # Mid-copy: the reindex alias names the new index, so the relay writes there too.
        during["building"] = alias_targets(search_client, reindex_alias(settings.index_alias))
        during["renamed"] = client.patch(
            f"/v1/contacts/{made[0]['id']}", headers=workspace.headers, json={"first_name": "Verity"}
        ).json()
        during["created"] = client.post(
            "/v1/contacts", headers=workspace.headers, json={"first_name": "Wystan"}
        ).json()
        assert client.delete(f"/v1/contacts/{made[1]['id']}", headers=workspace.headers).status_code == 204
        relay.drain(session_factory, search_client, settings)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        result = reindex(
            session_factory,
            search_client,
            settings,
            batch_size=2,
            on_progress=on_progress,
        )
    finally:
        stop.set()
        searcher.join()

    assert during["building"] == [result.new_index]
    assert result.old_indices == [old_index]
    assert alias_targets(search_client, settings.index_alias) == [result.new_index]
    assert alias_targets(search_client, reindex_alias(settings.index_alias)) == []
    assert old_index not in versioned_indices(search_client, settings.index_alias)
    # Built without refreshes or replicas, served with the live settings again.
    built = search_client.indices.get_settings(index=result.new_index)[result.new_index]["settings"]["index"]
    assert built.get("refresh_interval") != "-1"
    assert int(built["number_of_replicas"]) == settings.index_replicas
    # Every search during the reindex answered, with the live index: never empty, never an error.
    assert answers and all(n >= 4 for n in answers)

    search_client.indices.refresh(index=settings.index_alias)
    assert ids(client, workspace, "ulric") == sorted(c["id"] for c in made[2:])
    assert ids(client, workspace, "wystan") == [during["created"]["id"]]
    assert ids(client, workspace, "verity") == [made[0]["id"]]
    status = client.get("/v1/ops/sync", headers=workspace.headers).json()
    assert status["db_contacts"] == status["index_contacts"] == 6


def test_a_crashed_reindex_is_cleaned_up_and_a_running_one_refuses_a_second(
    session_factory, search_client, settings
) -> None:
    from indexer_worker import locks

    # What a reindex killed mid-copy leaves: an index behind the reindex alias, and no lock holder.
    stale = (
        f"{settings.index_alias}_v{max(versioned_indices(search_client, settings.index_alias).values()) + 1}"
    )
    create_index(search_client, stale, settings)
    search_client.indices.put_alias(index=stale, name=reindex_alias(settings.index_alias))
    result = reindex(session_factory, search_client, settings)
    assert stale not in versioned_indices(search_client, settings.index_alias)
    assert alias_targets(search_client, settings.index_alias) == [result.new_index]
    assert alias_targets(search_client, reindex_alias(settings.index_alias)) == []

    # While a run holds the lock (here: this test, as if it were another process), a second is refused.
    key = locks.lock_key(uuid.uuid5(uuid.NAMESPACE_URL, f"contacts-reindex:{settings.index_alias}"))
    lease = locks.try_lock(session_factory.kw["bind"], key)
    assert lease is not None
    try:
        with pytest.raises(ReindexInProgress):
            reindex(session_factory, search_client, settings)
    finally:
        locks.release(lease, key)
    assert alias_targets(search_client, settings.index_alias) == [result.new_index]


def test_an_index_from_an_older_version_gains_new_fields_on_start_and_asks_for_a_reindex(
    client, workspace, search_client, settings, session_factory, sync_index
) -> None:
    """Upgrading the service must not park every write: an index created before mapping version 3
    added its fields (dynamic mapping is strict) is given the new fields when the API or worker starts, and
    the sync status says its documents need `contacts-index reindex` until one has run."""
    from shared.search.index import documents_version, ensure_index
    from shared.search.mapping import MAPPING_VERSION, index_mappings, index_settings

    assert client.get("/v1/ops/sync", headers=workspace.headers).json()["reindex_required"] is False
    older_mapping = index_mappings()
    del older_mapping["_meta"]
    del older_mapping["_source"]
    del older_mapping["_routing"]  # required since the routing partition (not a mapping version)
    for added_in_version_3 in ("id_high", "id_low", "card_json", "name_grams"):
        del older_mapping["properties"][added_in_version_3]
    older_settings = settings.model_copy(update={"index_alias": f"{settings.index_alias}_upgrade"})
    alias = older_settings.index_alias
    old = f"{alias}_v1"
    search_client.indices.create(
        index=old, body={"settings": index_settings(1, 0), "mappings": older_mapping}
    )
    search_client.indices.put_alias(index=old, name=alias)
    try:
        new_fields = {"id_high": -5, "id_low": 7, "card_json": '{"id": "a"}', "name_grams": ["ana"]}
        with pytest.raises(Exception, match="strict_dynamic_mapping_exception"):
            search_client.index(index=alias, id="a", body=new_fields)
        assert ensure_index(search_client, older_settings) == old
        search_client.index(index=alias, id="a", body=new_fields, refresh=True)
        found = search_client.search(
            index=alias,
            body={"query": {"match_phrase": {"name_grams": "ana"}}, "stored_fields": ["card_json"]},
        )["hits"]["hits"]
        assert [h["fields"]["card_json"] for h in found] == [['{"id": "a"}']]
        assert documents_version(search_client, alias) == 0  # new fields, old documents
        reindex(session_factory, search_client, older_settings)
        assert documents_version(search_client, alias) == MAPPING_VERSION
    finally:
        for name in search_client.indices.get(index=f"{alias}_v*", expand_wildcards="all"):
            search_client.indices.delete(index=name)
