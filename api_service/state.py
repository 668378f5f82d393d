"""Clients built once by the app lifespan and shared by requests."""

from __future__ import annotations

from dataclasses import dataclass

from celery import Celery
from opensearchpy import OpenSearch
from redis import Redis
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

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
