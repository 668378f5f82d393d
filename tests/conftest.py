"""Test wiring: a migrated test database, a test index alias and a test Redis db, all real.

Every test that touches data makes its own workspace, so tests never see each other's contacts.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

os.environ.setdefault("CONTACTS_ENVIRONMENT", "test")
os.environ.setdefault(
    "CONTACTS_DATABASE_URL", "postgresql+psycopg://contacts:contacts@127.0.0.1:55432/contacts_test"
)
os.environ.setdefault("CONTACTS_REDIS_URL", "redis://127.0.0.1:56379/1")
os.environ.setdefault("CONTACTS_INDEX_ALIAS", "contacts_test")
os.environ.setdefault("CONTACTS_ADMIN_KEY", "test-admin-key")
os.environ.setdefault("CONTACTS_EXPORT_DIR", "var/test-exports")

from shared.settings import Settings, get_settings
from tests.factories import ADMIN_KEY, WorkspaceCtx, new_workspace

__all__ = ["ADMIN_KEY", "WorkspaceCtx"]


@pytest.fixture(scope="session")
def settings() -> Settings:
    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session")
def redis(settings: Settings) -> Iterator[Any]:
    """A client of the test Redis, closed at the end (an unclosed one is a ResourceWarning)."""
    from redis import Redis

    with Redis.from_url(settings.redis_url) as client:
        yield client


@pytest.fixture(scope="session")
def migrated_db(settings: Settings) -> str:
    """Drop and recreate the test schema, then run every Alembic migration (never create_all)."""
    from shared.dbadmin import reset_database

    reset_database(settings.database_url)
    return settings.database_url


@pytest.fixture(scope="session")
def search_client(settings: Settings) -> Iterator[Any]:
    from shared.search.index import ensure_index, make_client

    client = make_client(settings, timeout=30)
    # Only this run's indices ("<alias>_v<N>"): other aliases (e.g. "<alias>_h1") belong to others.
    for name in client.indices.get(index=f"{settings.index_alias}_v*", expand_wildcards="all"):
        client.indices.delete(index=name)
    ensure_index(client, settings)
    yield client
    client.close()


@pytest.fixture(scope="session")
def session_factory(migrated_db: str, settings: Settings) -> Iterator[Any]:
    from shared.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url, pool_size=5)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(scope="session")
def app(migrated_db: str, search_client: Any, settings: Settings) -> Any:
    from api_service.main import create_app

    return create_app(settings)


@pytest.fixture(scope="session")
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def sync_index(session_factory: Any, search_client: Any, settings: Settings) -> Callable[[], int]:
    """Run the outbox relay (the worker's task function) until nothing is pending, then refresh."""
    from indexer_worker import relay

    def run() -> int:
        relayed = relay.drain(session_factory, search_client, settings)
        search_client.indices.refresh(index=settings.index_alias)
        return relayed

    return run


@pytest.fixture
def make_workspace(client: Any) -> Callable[..., WorkspaceCtx]:
    def make(name: str | None = None) -> WorkspaceCtx:
        return new_workspace(client, name)

    return make


@pytest.fixture
def workspace(make_workspace: Callable[..., WorkspaceCtx]) -> WorkspaceCtx:
    return make_workspace()
