"""The vertical slice through real PostgreSQL, Redis and OpenSearch (worker task called directly)."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from api_service.search import service as search_service


def search(client: Any, ws: Any, query: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/contacts/search", headers=ws.headers, json={"query": query, **extra})
    assert response.status_code == 200, response.text
    return response.json()


def test_workspace_creation_needs_the_admin_key(client: Any) -> None:
    body = {"name": "x", "owner": {"email": "a@example.com", "name": "A"}}
    assert client.post("/v1/workspaces", json=body).status_code == 401
    wrong = client.post("/v1/workspaces", json=body, headers={"X-Admin-Key": "nope"})
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"


def test_created_contact_is_found_by_search_in_its_workspace_only(client, make_workspace, sync_index) -> None:
    acme, other = make_workspace(), make_workspace()
    created = client.post(
        "/v1/contacts",
        headers=acme.headers,
        json={"first_name": "Zoë", "last_name": "Åström", "email": "Zoe@Acme.com"},
    )
    assert created.status_code == 201, created.text
    contact = created.json()
    assert contact["email"] == "zoe@acme.com"
    assert contact["source"] == "contacts_module"
    assert contact["version"] == 1
    sync_index()
    found = search(client, acme, "zoe")
    assert [c["id"] for c in found["items"]] == [contact["id"]]
    assert found["total"] == {"value": 1, "relation": "eq"}
    assert search(client, other, "zoe")["items"] == []


def test_update_and_delete_reach_search(client, workspace, sync_index) -> None:
    contact = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Marcus"}).json()
    sync_index()
    patched = client.patch(
        f"/v1/contacts/{contact['id']}", headers=workspace.headers, json={"first_name": "Nadia"}
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    sync_index()
    assert search(client, workspace, "marcus")["items"] == []
    assert [c["id"] for c in search(client, workspace, "nadia")["items"]] == [contact["id"]]
    assert client.delete(f"/v1/contacts/{contact['id']}", headers=workspace.headers).status_code == 204
    sync_index()
    assert search(client, workspace, "nadia")["items"] == []
    assert client.get(f"/v1/contacts/{contact['id']}", headers=workspace.headers).status_code == 404


@pytest.fixture
def relay_during_the_wait(monkeypatch, session_factory, search_client, settings) -> Callable[[], int]:
    """The outbox relay runs inside the min_version wait, at its first pause: by then the wait has
    looked at the index once and found the write missing, so the search must have waited for it.
    Returns a function telling how many times the relay ran there."""
    from indexer_worker import relay

    runs: list[int] = []

    def pause(seconds: float) -> None:
        if not runs:
            runs.append(relay.drain(session_factory, search_client, settings))
        time.sleep(seconds)

    monkeypatch.setattr(search_service, "time", SimpleNamespace(monotonic=time.monotonic, sleep=pause))
    return lambda: len(runs)


def test_min_version_makes_a_write_visible_without_a_separate_sync(
    client, workspace, relay_during_the_wait
) -> None:
    contact = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Quentin"}).json()
    found = search(client, workspace, "quentin", min_version={contact["id"]: contact["version"]})
    assert relay_during_the_wait() == 1
    assert [c["id"] for c in found["items"]] == [contact["id"]]


def test_search_requires_a_token(client) -> None:
    response = client.post("/v1/contacts/search", json={"query": "x"})
    assert response.status_code == 401
    assert response.json()["status"] == 401
    bad = client.post("/v1/contacts/search", json={"query": "x"}, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_readyz_reports_all_three_services(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"] == {"postgres": "ok", "redis": "ok", "opensearch": "ok"}


def test_min_version_waits_for_a_deletion_and_accepts_any_id_spelling(
    client, workspace, sync_index, relay_during_the_wait
) -> None:
    keep = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Ulla"}).json()
    gone = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Ulrike"}).json()
    sync_index()
    assert client.delete(f"/v1/contacts/{gone['id']}", headers=workspace.headers).status_code == 204
    found = search(client, workspace, "ul", min_version={gone["id"].upper(): gone["version"]})
    assert relay_during_the_wait() == 1
    assert [c["id"] for c in found["items"]] == [keep["id"]]
