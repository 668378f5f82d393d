"""Rate limits in the real Redis: per token, per IP without a credential, per IP for 401s; 429 with
Retry-After; Redis down lets every request through."""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api_service.auth import SESSION_COOKIE
from api_service.ratelimit import credential_key
from shared.settings import Settings


def random_ip() -> str:
    return f"10.{random.randint(0, 255)}.{random.randint(0, 255)}.{random.randint(1, 254)}"


@pytest.fixture
def limited(settings: Settings, migrated_db: str, search_client: Any) -> Iterator[TestClient]:
    """An app with small limits and a long window, seen from an address of its own."""
    from api_service.main import create_app

    small = settings.model_copy(
        update={
            "rate_limit_per_token": 5,
            "rate_limit_per_ip": 3,
            "rate_limit_auth_failures_per_ip": 4,
            "rate_limit_window_seconds": 3600,
        }
    )
    with TestClient(create_app(small), client=(random_ip(), 40000), raise_server_exceptions=False) as c:
        yield c


def test_a_token_over_its_limit_gets_429_with_retry_after(limited, workspace) -> None:
    statuses = [limited.get("/v1/views", headers=workspace.headers).status_code for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2
    response = limited.get("/v1/views", headers=workspace.headers)
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 429 and "this token" in body["detail"]
    retry_after = int(response.headers["retry-after"])
    assert 1 <= retry_after <= 3600
    assert body["retry_after"] == retry_after
    assert response.headers["x-content-type-options"] == "nosniff"


def test_each_token_has_its_own_budget(limited, make_workspace) -> None:
    first, second = make_workspace(), make_workspace()
    for _ in range(5):
        assert limited.get("/v1/views", headers=first.headers).status_code == 200
    assert limited.get("/v1/views", headers=first.headers).status_code == 429
    assert limited.get("/v1/views", headers=second.headers).status_code == 200


def test_requests_without_a_credential_are_limited_per_address(limited) -> None:
    statuses = [limited.get("/healthz").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert "this address" in limited.get("/healthz").json()["detail"]


def test_an_address_spraying_made_up_tokens_is_stopped(limited) -> None:
    for _ in range(4):
        bogus = {"Authorization": f"Bearer ct_{uuid.uuid4().hex}"}
        assert limited.get("/v1/views", headers=bogus).status_code == 401
    response = limited.get("/v1/views", headers={"Authorization": f"Bearer ct_{uuid.uuid4().hex}"})
    assert response.status_code == 429
    assert "failed authentications" in response.json()["detail"]


def test_a_session_cookie_is_counted_like_a_token(settings) -> None:
    def scope(headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
        return {"type": "http", "headers": headers}

    name = SESSION_COOKIE.encode()
    one = credential_key(scope([(b"cookie", b"theme=dark; " + name + b"=abc")]), SESSION_COOKIE)
    two = credential_key(scope([(b"cookie", name + b"=abd")]), SESSION_COOKIE)
    assert one is not None and two is not None and one != two
    assert credential_key(scope([(b"cookie", b"theme=dark")]), SESSION_COOKIE) is None
    bearer = credential_key(scope([(b"authorization", b"Bearer abc")]), SESSION_COOKIE)
    assert bearer not in (None, one)  # the same secret as a token or a cookie: different buckets
    assert "abc" not in (bearer or "")


def test_redis_down_lets_requests_through_and_says_so(settings, workspace, caplog) -> None:
    from api_service.main import create_app

    dead = settings.model_copy(update={"rate_limit_per_token": 1, "redis_url": "redis://127.0.0.1:1/0"})
    with (
        caplog.at_level(logging.WARNING, logger="api.ratelimit"),
        TestClient(create_app(dead), raise_server_exceptions=False) as c,
    ):
        statuses = [c.get("/v1/views", headers=workspace.headers).status_code for _ in range(5)]
    assert statuses == [200] * 5
    assert any("Redis unavailable" in r.getMessage() for r in caplog.records)
