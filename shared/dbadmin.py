"""Database lifecycle for operators, tests and benchmarks: create when missing, migrate, reset."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, make_url, text


def _alembic_config(url: str) -> Config:
    config = Config(toml_file=str(Path("pyproject.toml").resolve()))
    config.attributes["database_url"] = url
    return config


def ensure_database(url: str) -> bool:
    """Create the database named in `url` when it does not exist; True when it was created."""
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
            if found.first() is not None:
                return False
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
            return True
    finally:
        admin.dispose()


def migrate(url: str) -> None:
    """Apply every Alembic revision (all heads) to the database at `url`."""
    command.upgrade(_alembic_config(url), "heads")


def reset_database(url: str) -> None:
    """An empty, fully migrated database at `url` (created if missing; everything in it dropped)."""
    ensure_database(url)
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()
    migrate(url)
