"""Clients built once by the app lifespan and shared by requests."""

from __future__ import annotations

from dataclasses import dataclass, field

from celery import Celery
from opensearchpy import OpenSearch
from redis import Redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from api_service.auth.cache import PrincipalCache
from shared.search.index import LiveDocumentsVersion
from shared.settings import Settings


@dataclass
class AppState:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    search: OpenSearch
    redis: Redis
    celery: Celery
    index_version: LiveDocumentsVersion
    # Principals of this process, valid while the auth epoch in `redis` is unchanged.
    auth_cache: PrincipalCache = field(default_factory=PrincipalCache)
