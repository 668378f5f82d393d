"""Stateless API replicas: two real API processes (uvicorn) on two ports, on the stack's PostgreSQL,
Redis and OpenSearch, serve one client alternately, with a bearer token and with a web session
cookie, and nothing differs: what one wrote the other reads, a session made on one works on the
other, a sign-out or token revocation on one is seen by the other at once (the principal cache
is keyed on the Redis auth epoch), and both count one rate limit (in Redis)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from itertools import cycle
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.settings import Settings
from tests.integration.test_operator_config import free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
RATE_LIMIT = 30
# Long enough that a test never straddles two windows (but see the retry below).
RATE_WINDOW = 3600


@pytest.fixture(scope="module")
def replicas(settings: Settings, migrated_db: str, search_client: Any) -> Iterator[tuple[list[str], str]]:
    """Two API processes, as `make run` starts one; returns their URLs and the admin key."""
    admin_key = f"replicas-{uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTS_")}
    env.update(
        CONTACTS_ENVIRONMENT="test",
        CONTACTS_DATABASE_URL=settings.database_url,
        CONTACTS_REDIS_URL=settings.redis_url,
        CONTACTS_OPENSEARCH_URL=settings.opensearch_url,
        CONTACTS_INDEX_ALIAS=settings.index_alias,
        CONTACTS_ADMIN_KEY=admin_key,
        CONTACTS_SECRET_KEY=settings.secret_key,
        CONTACTS_RATE_LIMIT_PER_TOKEN=str(RATE_LIMIT),
        CONTACTS_RATE_LIMIT_WINDOW_SECONDS=str(RATE_WINDOW),
    )
    log_dir = ROOT / "var" / "test-replicas"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes, urls, logs = [], [], []
    try:
        for n in range(2):
            port = free_port()
            args = [str(Path(sys.executable).parent / "uvicorn"), "--factory", "api_service.main:create_app"]
            args += ["--host", "127.0.0.1", "--port", str(port)]
            log = (log_dir / f"api-{n}.log").open("w")
            logs.append(log)
            processes.append(subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))
            urls.append(f"http://127.0.0.1:{port}")
        for n, (url, process) in enumerate(zip(urls, processes, strict=True)):
            wait_for(f"{url}/healthz", process, f"API replica {n} (logs in {log_dir})")
        yield urls, admin_key
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)
        for log in logs:
            log.close()


class Alternating:
    """One client whose requests go to the replicas in turn; returns (replica index, response)."""

    def __init__(self, urls: list[str]) -> None:
        self.clients = [httpx.Client(base_url=u, timeout=30) for u in urls]
        self.turn = cycle(range(len(urls)))

    def __call__(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.clients[next(self.turn)].request(method, path, **kwargs)

    def both(self, method: str, path: str, **kwargs: Any) -> list[httpx.Response]:
        return [c.request(method, path, **kwargs) for c in self.clients]

    def close(self) -> None:
        for c in self.clients:
            c.close()


@pytest.fixture
def api(replicas: tuple[list[str], str]) -> Iterator[Alternating]:
    client = Alternating(replicas[0])
    yield client
    client.close()


def _workspace(api: Alternating, admin_key: str) -> dict[str, Any]:
    suffix = uuid.uuid4().hex[:8]
    body = {"name": f"replicas-{suffix}", "owner": {"email": f"r-{suffix}@example.com", "name": "R"}}
    response = api("POST", "/v1/workspaces", headers={"X-Admin-Key": admin_key}, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _same(responses: list[httpx.Response]) -> Any:
    first = responses[0]
    assert first.status_code == 200, first.text
    for other in responses[1:]:
        assert (other.status_code, other.json()) == (first.status_code, first.json())
    return first.json()


def test_a_bearer_token_client_sees_one_service_on_either_replica(
    api: Alternating, replicas: tuple[list[str], str], sync_index: Callable[[], int]
) -> None:
    created = _workspace(api, replicas[1])
    bearer = {"Authorization": f"Bearer {created['token']}"}
    ids = []
    for n in range(6):  # written on replica 0, 1, 0, ...
        response = api(
            "POST", "/v1/contacts", headers=bearer, json={"first_name": f"Rep{n}", "country": "MY"}
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    # What one replica wrote, the other reads (PostgreSQL), and both answer alike.
    for contact_id in ids:
        _same(api.both("GET", f"/v1/contacts/{contact_id}", headers=bearer))
    response = api("PATCH", f"/v1/contacts/{ids[0]}", headers=bearer, json={"last_name": "Patched"})
    assert response.status_code == 200, response.text
    sync_index()
    found = _same(
        api.both("POST", "/v1/contacts/search", headers=bearer, json={"query": "rep", "page_size": 4})
    )
    assert found["total"] == {"value": 6, "relation": "eq"}
    # A cursor signed by one replica is honoured by the other (one secret, no process state).
    second = api(
        "POST", "/v1/contacts/search", headers=bearer, json={"query": "rep", "cursor": found["next_cursor"]}
    )
    assert second.status_code == 200, second.text
    assert {c["id"] for c in found["items"]} | {c["id"] for c in second.json()["items"]} == set(ids)
    counts = _same(
        api.both("POST", "/v1/contacts/aggregate", headers=bearer, json={"facets": [{"field": "country"}]})
    )
    assert counts["facets"]["country"] == [{"value": "MY", "count": 6}]
    _same(api.both("GET", "/v1/me", headers=bearer))
    # Revoked through one replica: refused by both from the next request on (both cached it).
    assert api("DELETE", "/v1/tokens/current", headers=bearer).status_code == 204
    assert [r.status_code for r in api.both("GET", "/v1/me", headers=bearer)] == [401, 401]


def _sign_in(api: Alternating, token: str) -> tuple[dict[str, str], str]:
    """POST /v1/sessions with the token: the session cookie header and the CSRF value."""
    response = api("POST", "/v1/sessions", json={"token": token})
    assert response.status_code == 204, response.text
    session, csrf = response.cookies["contacts_session"], response.cookies["contacts_csrf"]
    return {"Cookie": f"contacts_session={session}; contacts_csrf={csrf}"}, csrf


def test_a_web_session_made_on_one_replica_works_and_ends_on_both(
    api: Alternating, replicas: tuple[list[str], str]
) -> None:
    created = _workspace(api, replicas[1])
    cookie, csrf = _sign_in(api, created["token"])
    me = _same(api.both("GET", "/v1/me", headers=cookie))
    assert me["signed_in_with"] == "session"
    assert me["csrf_token"] == csrf
    # Writes with the cookie need the CSRF token on whichever replica answers.
    for _ in range(2):
        refused = api("POST", "/v1/contacts", headers=cookie, json={"first_name": "NoCsrf"})
        assert refused.status_code == 403, refused.text
        made = api(
            "POST", "/v1/contacts", headers={**cookie, "X-CSRF-Token": csrf}, json={"first_name": "Web"}
        )
        assert made.status_code == 201, made.text
    assert api("DELETE", "/v1/sessions/current", headers={**cookie, "X-CSRF-Token": csrf}).status_code == 204
    assert [r.status_code for r in api.both("GET", "/v1/me", headers=cookie)] == [401, 401]


def test_both_replicas_count_one_rate_limit(api: Alternating, replicas: tuple[list[str], str]) -> None:
    created = _workspace(api, replicas[1])
    for _attempt in range(2):  # a second try only if the first straddled two windows
        slot = int(time.time() // RATE_WINDOW)
        cookie, _ = _sign_in(api, created["token"])  # a fresh credential: a bucket of its own
        answered = 0
        for _ in range(RATE_LIMIT + 10):
            response = api("GET", "/v1/me", headers=cookie)
            if response.status_code == 429:
                break
            assert response.status_code == 200, response.text
            answered += 1
        if int(time.time() // RATE_WINDOW) == slot:
            break
    # Per-process counters would let 2 x RATE_LIMIT through; one Redis bucket lets RATE_LIMIT.
    assert answered == RATE_LIMIT
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
