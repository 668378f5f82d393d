"""Health, readiness, sync status and the Prometheus metrics of the API and the worker."""

from __future__ import annotations

import socket
import time
import urllib.request

from prometheus_client import REGISTRY
from sqlalchemy import text

from indexer_worker import metrics as worker_metrics
from shared.indexing_health import RELAY_HEARTBEAT_KEY
from shared.search.mapping import MAPPING_VERSION


def test_healthz_answers_without_dependencies(settings) -> None:
    """An app whose PostgreSQL, Redis and OpenSearch are all unreachable is still alive (while
    /readyz says it is not ready)."""
    from fastapi.testclient import TestClient

    from api_service.main import create_app

    nowhere = "127.0.0.1:9"  # nothing listens on the discard port here
    cut_off = settings.model_copy(
        update={
            "database_url": f"postgresql+psycopg://contacts:contacts@{nowhere}/contacts",
            "redis_url": f"redis://{nowhere}/0",
            "opensearch_url": f"http://{nowhere}",
        }
    )
    with TestClient(create_app(cut_off), raise_server_exceptions=False) as alone:
        health = alone.get("/healthz")
        assert health.status_code == 200 and health.json() == {"status": "ok"}
        ready = alone.get("/readyz")
        assert ready.status_code == 503
        assert all(v != "ok" for v in ready.json()["checks"].values())


def test_sync_status_shows_pending_changes_until_the_relay_runs(client, workspace, sync_index) -> None:
    for name in ("Abel", "Beryl", "Cosmo"):
        client.post("/v1/contacts", headers=workspace.headers, json={"first_name": name})
    before = client.get("/v1/ops/sync", headers=workspace.headers)
    assert before.status_code == 200, before.text
    body = before.json()
    assert body["pending_changes"] == 3 and body["oldest_pending_seconds"] >= 0
    assert (body["db_contacts"], body["index_contacts"], body["parked_changes"]) == (3, 0, 0)
    sync_index()
    after = client.get("/v1/ops/sync", headers=workspace.headers).json()
    after.pop("last_relay_seconds_ago")  # when any relay task last ran: not this test's to fix
    assert after == {
        "indexing_stalled": False,
        "indexing_stalled_reason": None,
        "overdue_changes": 0,
        "pending_changes": 0,
        "oldest_pending_seconds": 0.0,
        "parked_changes": 0,
        "index_documents_version": MAPPING_VERSION,
        "reindex_required": False,
        "db_contacts": 3,
        "index_contacts": 3,
        # sync_index relays without the worker task's statistics hook: nothing recorded
        "stats_window_seconds": 300,
        "indexed_documents_recent": 0,
        "indexing_rate_per_second": 0.0,
        "commit_to_searchable_avg_seconds": None,
        "commit_to_searchable_max_seconds": None,
    }


def test_sync_status_shows_what_the_relay_made_searchable_lately(
    client, workspace, make_workspace, session_factory, search_client, settings, redis
) -> None:
    """The worker task records each batch per workspace; the ops page reads the last 5 minutes."""
    from indexer_worker import relay
    from shared.relay_stats import record_batch

    other = make_workspace()
    for name in ("Dora", "Emil", "Faye", "Gus"):
        client.post("/v1/contacts", headers=workspace.headers, json={"first_name": name})
    client.post("/v1/contacts", headers=other.headers, json={"first_name": "Hal"})
    time.sleep(0.2)  # the rows' commit lies measurably before the bulk write
    relay.drain(
        session_factory, search_client, settings, on_batch=lambda r: record_batch(redis, r.by_workspace)
    )
    body = client.get("/v1/ops/sync", headers=workspace.headers).json()
    assert body["stats_window_seconds"] == 300
    assert body["indexed_documents_recent"] == 4
    assert body["indexing_rate_per_second"] == round(4 / 300, 3)
    assert 0.2 <= body["commit_to_searchable_avg_seconds"] <= body["commit_to_searchable_max_seconds"] < 60
    assert client.get("/v1/ops/sync", headers=other.headers).json()["indexed_documents_recent"] == 1


def test_jobs_list_newest_first_for_owners_only(client, workspace, sync_index) -> None:
    contact = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Ivo"}).json()
    sync_index()
    selection = {"ids": [contact["id"]]}
    first = client.post(
        "/v1/contacts/bulk-tags", headers=workspace.headers, json={"selection": selection, "tags": ["a"]}
    )
    second = client.post("/v1/exports", headers=workspace.headers, json={"selection": selection})
    assert first.status_code == 202 and second.status_code == 202, (first.text, second.text)
    listed = client.get("/v1/jobs", headers=workspace.headers)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert [(j["id"], j["kind"]) for j in items] == [
        (second.json()["id"], "export"),
        (first.json()["id"], "bulk_tags"),
    ]
    assert {"status", "processed", "total", "eta_seconds", "error", "created_at"} <= set(items[0])
    page = client.get("/v1/jobs?page_size=1", headers=workspace.headers).json()
    assert [j["id"] for j in page["items"]] == [second.json()["id"]] and page["next_cursor"]
    rest = client.get(f"/v1/jobs?page_size=1&cursor={page['next_cursor']}", headers=workspace.headers).json()
    assert [j["id"] for j in rest["items"]] == [first.json()["id"]]
    made = client.post(
        "/v1/users",
        headers=workspace.headers,
        json={"email": "mgr-jobs@example.com", "name": "Mgr", "role": "manager", "restrictions": []},
    )
    manager = {"Authorization": f"Bearer {made.json()['token']}"}
    assert client.get("/v1/jobs", headers=manager).status_code == 403


def test_sync_status_is_for_owners_only(client, workspace) -> None:
    assert client.get("/v1/ops/sync").status_code == 401
    made = client.post(
        "/v1/users",
        headers=workspace.headers,
        json={"email": "mgr@example.com", "name": "Mgr", "role": "manager", "restrictions": []},
    )
    assert made.status_code == 201, made.text
    manager = {"Authorization": f"Bearer {made.json()['token']}"}
    denied = client.get("/v1/ops/sync", headers=manager)
    assert denied.status_code == 403
    assert denied.headers["content-type"] == "application/problem+json"
    assert client.post("/v1/ops/sync/parked/retry", headers=manager).status_code == 403


def _sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


def test_relay_counts_documents_and_observes_commit_to_searchable_lag(client, workspace, sync_index) -> None:
    sync_index()  # whatever earlier tests left in the outbox is not ours to count
    indexed = _sample("contacts_indexed_documents_total", {"op": "index"})
    lags = _sample("contacts_commit_to_searchable_seconds_count")
    for name in ("Dorian", "Esme"):
        client.post("/v1/contacts", headers=workspace.headers, json={"first_name": name})
    sync_index()
    assert _sample("contacts_indexed_documents_total", {"op": "index"}) == indexed + 2
    assert _sample("contacts_commit_to_searchable_seconds_count") == lags + 2


def test_api_metrics_show_backlog_and_search_latency(client, workspace) -> None:
    client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Fenella"})
    client.post("/v1/contacts/search", headers=workspace.headers, json={"query": "fenella"})
    response = client.get("/metrics")
    assert response.status_code == 200
    text = response.text
    backlog = next(line for line in text.splitlines() if line.startswith("contacts_outbox_backlog "))
    assert float(backlog.split()[1]) >= 1
    assert "contacts_outbox_oldest_pending_seconds " in text
    assert "contacts_search_latency_seconds_count" in text
    assert _sample("contacts_search_latency_seconds_count", {"operation": "search"}) >= 1


def test_worker_metrics_endpoint_serves_backlog_from_the_database(
    client, workspace, session_factory, sync_index
) -> None:
    sync_index()
    client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Gideon"})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    worker_metrics.serve("127.0.0.1", port, session_factory)
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    assert "contacts_outbox_backlog 1.0" in text
    assert "contacts_indexed_documents_total" in text
    sync_index()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        assert "contacts_outbox_backlog 0.0" in response.read().decode()


def _age_outbox(session_factory, workspace_id: str, seconds: int) -> None:
    """Make this workspace's pending changes look ready for `seconds` (as if nothing relayed them)."""
    with session_factory() as session, session.begin():
        session.execute(
            text(
                "UPDATE outbox SET available_at = now() - make_interval(secs => :s) WHERE workspace_id = :w"
            ),
            {"s": seconds, "w": workspace_id},
        )


def test_a_stalled_relay_is_said_by_readyz_and_sync_status(
    client, workspace, make_workspace, sync_index, session_factory, settings, redis
) -> None:
    sync_index()
    other = make_workspace()
    for name in ("Abel", "Beryl"):
        client.post("/v1/contacts", headers=workspace.headers, json={"first_name": name})
    client.post("/v1/contacts", headers=other.headers, json={"first_name": "Other"})
    fresh = client.get("/v1/ops/sync", headers=workspace.headers).json()
    assert fresh["pending_changes"] == 2 and fresh["indexing_stalled"] is False  # pending is not stalled

    stall = settings.indexing_stall_seconds
    _age_outbox(session_factory, workspace.id, int(stall) + 30)
    redis.set(RELAY_HEARTBEAT_KEY, repr(time.time() - stall - 60))  # and no relay ran since
    body = client.get("/v1/ops/sync", headers=workspace.headers).json()
    assert body["indexing_stalled"] is True and body["overdue_changes"] == 2
    assert "no worker has run the relay" in body["indexing_stalled_reason"]
    assert body["last_relay_seconds_ago"] >= stall + 60
    # Another workspace's changes are not this one's stall.
    assert client.get("/v1/ops/sync", headers=other.headers).json()["indexing_stalled"] is False
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text  # the API still serves: said, not failed on
    assert ready.json()["indexing_stalled"] is True and ready.json()["overdue_changes"] >= 2
    assert "no worker has run the relay" in ready.json()["indexing_stalled_reason"]

    redis.set(RELAY_HEARTBEAT_KEY, repr(time.time()))  # the relay runs, yet the changes stay
    body = client.get("/v1/ops/sync", headers=workspace.headers).json()
    assert body["indexing_stalled"] is True and "the relay runs" in body["indexing_stalled_reason"]

    sync_index()
    assert client.get("/v1/ops/sync", headers=workspace.headers).json()["indexing_stalled"] is False
    assert client.get("/readyz").json()["indexing_stalled"] is False
    redis.close()
