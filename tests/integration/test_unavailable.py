"""A dependency that is down is a 503 the client may retry (with Retry-After), never a 500; and
writes do not need OpenSearch at all (the outbox carries them once it is back)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_service.main import create_app

NOWHERE = "127.0.0.1:9"  # nothing listens on the discard port here


@pytest.fixture
def client_without(settings: Any, migrated_db: str) -> Iterator[Any]:
    clients: list[TestClient] = []

    def make(**update: str) -> TestClient:
        client = TestClient(create_app(settings.model_copy(update=update)), raise_server_exceptions=False)
        clients.append(client.__enter__())
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def assert_retry_later(response: Any, what: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    assert what in response.json()["detail"]


def test_search_is_503_while_opensearch_is_unreachable_and_writes_still_succeed(
    client_without, workspace
) -> None:
    client = client_without(opensearch_url=f"http://{NOWHERE}")
    found = client.post("/v1/contacts/search", headers=workspace.headers, json={"query": "ana"})
    assert_retry_later(found, "search")
    assert_retry_later(client.get("/v1/contacts", headers=workspace.headers), "search")
    made = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Ana"})
    assert made.status_code == 201, made.text


def test_requests_are_503_while_the_database_is_unreachable(client_without, workspace) -> None:
    client = client_without(database_url=f"postgresql+psycopg://contacts:contacts@{NOWHERE}/contacts")
    assert_retry_later(client.get("/v1/contacts", headers=workspace.headers), "database")
    body = {"first_name": "Ana"}
    assert_retry_later(client.post("/v1/contacts", headers=workspace.headers, json=body), "database")
