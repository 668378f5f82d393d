"""Per-process resources of the worker, built on first use (never at import)."""

from __future__ import annotations

from functools import lru_cache

from opensearchpy import OpenSearch
from redis import Redis
from sqlalchemy.orm import Session, sessionmaker

from shared.db import make_engine, make_session_factory
from shared.search.index import ensure_index, make_client
from shared.settings import get_settings


@lru_cache
def session_factory() -> sessionmaker[Session]:
    return make_session_factory(make_engine(get_settings().database_url, pool_size=5))


@lru_cache
def search_client() -> OpenSearch:
    client = make_client(get_settings(), timeout=30.0)
    ensure_index(client, get_settings())
    return client


@lru_cache
def redis_client() -> Redis:
    return Redis.from_url(get_settings().redis_url, socket_timeout=2, socket_connect_timeout=2)
