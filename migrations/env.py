"""Alembic environment: the database URL comes from the settings (CONTACTS_DATABASE_URL)."""

from __future__ import annotations

import logging

from alembic import context
from sqlalchemy import create_engine, pool

import shared.models  # noqa: F401  (registers every table on Base.metadata)
from shared.db import Base
from shared.settings import get_settings

logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=get_settings().database_url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = context.config.attributes.get("database_url") or get_settings().database_url
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
