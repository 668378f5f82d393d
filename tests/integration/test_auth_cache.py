"""The principal cache: two API processes (two apps, each with its own cache, engine and Redis
client) sharing PostgreSQL and Redis, as `uvicorn --workers` runs them. Every revocation made
through one counts on the very next request to the other, although the other had the principal
cached; and a search whose principal is cached reads nothing from PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event, select, text, update

from api_service.auth import csrf_token, hash_secret
from shared.models import ApiToken, User, WebSession
from tests.factories import bearer, post_user

SEARCH = "/v1/contacts/search"


@pytest.fixture
def other(migrated_db: str, search_client: Any, settings: Any) -> Iterator[TestClient]:
    """A second API process on the same PostgreSQL and Redis."""
    from api_service.main import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as second:
        yield second


def cache_of(client: TestClient) -> Any:
    app: Any = client.app
    return app.state.contacts.auth_cache


def cached_search(client: TestClient, headers: dict[str, str]) -> None:
    """Two searches: the second must be answered from this process's cache."""
    for _ in range(2):
        assert client.post(SEARCH, headers=headers, json={}).status_code == 200
    hits = cache_of(client).hits
    assert client.post(SEARCH, headers=headers, json={}).status_code == 200
    assert cache_of(client).hits == hits + 1, "the principal was not served from the cache"


def test_a_cached_search_reads_nothing_from_postgresql(other, workspace) -> None:
    cached_search(other, workspace.headers)
    statements: list[str] = []
    app: Any = other.app
    engine = app.state.contacts.engine

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = other.post(SEARCH, headers=workspace.headers, json={"query": "nobody"})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert statements == []


def test_a_token_revoked_in_one_process_is_refused_by_the_other_at_once(client, other, workspace) -> None:
    manager = post_user(client, workspace, "manager")
    headers = bearer(manager["token"])
    cached_search(other, headers)
    assert (
        client.delete(f"/v1/users/{manager['user']['id']}/tokens", headers=workspace.headers).status_code
        == 204
    )
    assert other.post(SEARCH, headers=headers, json={}).status_code == 401
    assert client.post(SEARCH, headers=headers, json={}).status_code == 401


def test_revoking_the_current_token_counts_in_every_process(client, other, workspace) -> None:
    manager = post_user(client, workspace, "manager")
    headers = bearer(manager["token"])
    cached_search(other, headers)
    cached_search(client, headers)
    assert client.delete("/v1/tokens/current", headers=headers).status_code == 204
    assert other.post(SEARCH, headers=headers, json={}).status_code == 401


def test_a_role_change_counts_on_the_next_request_of_the_other_process(client, other, workspace) -> None:
    manager = post_user(client, workspace, "manager")
    headers = bearer(manager["token"])
    cached_search(other, headers)
    changed = client.patch(
        f"/v1/users/{manager['user']['id']}", headers=workspace.headers, json={"role": "agent"}
    )
    assert changed.status_code == 200, changed.text
    assert other.post(SEARCH, headers=headers, json={}).status_code == 403
    back = client.patch(
        f"/v1/users/{manager['user']['id']}", headers=workspace.headers, json={"role": "manager"}
    )
    assert back.status_code == 200, back.text
    assert other.post(SEARCH, headers=headers, json={}).status_code == 200


def test_a_new_restriction_counts_on_the_next_request_of_the_other_process(client, other, workspace) -> None:
    manager = post_user(client, workspace, "manager")
    headers = bearer(manager["token"])
    export = {"format": "csv"}
    for _ in range(2):  # cached in the other process
        assert other.get("/v1/channels", headers=headers).status_code == 200
    user_url = f"/v1/users/{manager['user']['id']}"
    restricted = client.patch(user_url, headers=workspace.headers, json={"restrictions": ["export_contacts"]})
    assert restricted.status_code == 200, restricted.text
    refused = other.post("/v1/exports", headers=headers, json=export)
    assert refused.status_code == 403, refused.text
    assert "export_contacts" in refused.json()["detail"]


def test_a_user_removed_from_the_database_is_refused_at_once(
    other, workspace, client, session_factory
) -> None:
    manager = post_user(client, workspace, "manager")
    headers = bearer(manager["token"])
    cached_search(other, headers)
    with session_factory() as session, session.begin():
        session.execute(delete(ApiToken).where(ApiToken.user_id == manager["user"]["id"]))
        user = session.get(User, manager["user"]["id"])
        session.delete(user)
    assert other.post(SEARCH, headers=headers, json={}).status_code == 401


def test_a_revocation_in_plain_sql_is_seen_too(other, workspace, client, session_factory) -> None:
    manager = post_user(client, workspace, "manager")
    headers = bearer(manager["token"])
    cached_search(other, headers)
    with session_factory() as session, session.begin():
        session.execute(
            text("UPDATE api_tokens SET revoked_at = now() WHERE user_id = :u"), {"u": manager["user"]["id"]}
        )
    assert other.post(SEARCH, headers=headers, json={}).status_code == 401


def _signed_in(client: TestClient, workspace: Any) -> str:
    """The secret of a web session opened through `client` (its cookie's value)."""
    link = client.post("/v1/sign-in-links", headers=workspace.headers, json={"user_id": workspace.owner_id})
    assert link.status_code == 201, link.text
    code = parse_qs(urlsplit(link.json()["url"]).query)["code"][0]
    jar = TestClient(client.app, raise_server_exceptions=False)  # a new cookie jar on the running app
    try:
        assert jar.post("/v1/sessions", json={"code": code}).status_code == 204
        return str(jar.cookies["contacts_session"])
    finally:
        jar.close()


def cookie(secret: str, **extra: str) -> dict[str, str]:
    return {"Cookie": f"contacts_session={secret}", **extra}


def test_a_sign_out_ends_the_session_in_every_process(client, other, workspace, settings) -> None:
    secret = _signed_in(client, workspace)
    for _ in range(2):
        assert other.get("/v1/channels", headers=cookie(secret)).status_code == 200
    hits = cache_of(other).hits
    assert other.get("/v1/channels", headers=cookie(secret)).status_code == 200
    assert cache_of(other).hits == hits + 1
    # Signing out is a write: the session's CSRF token goes with it.
    signed_out = client.delete(
        "/v1/sessions/current",
        headers=cookie(secret, **{"X-CSRF-Token": csrf_token(settings.secret_key, secret)}),
    )
    assert signed_out.status_code == 204, signed_out.text
    assert other.get("/v1/channels", headers=cookie(secret)).status_code == 401


def test_an_expired_session_is_not_served_from_the_cache(client, other, workspace, session_factory) -> None:
    secret = _signed_in(client, workspace)
    for _ in range(3):
        assert other.get("/v1/channels", headers=cookie(secret)).status_code == 200

    with session_factory() as session, session.begin():
        session.execute(
            update(WebSession)
            .where(WebSession.secret_hash == hash_secret(secret))
            .values(expires_at=text("now()"))
        )
        assert session.scalar(select(WebSession.id).where(WebSession.secret_hash == hash_secret(secret)))
    assert other.get("/v1/channels", headers=cookie(secret)).status_code == 401
