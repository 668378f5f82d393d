"""Session-level PostgreSQL advisory locks for long runs (a job, a reindex).

The lock lives on a connection of its own, outside any transaction, for the whole run: no long
transaction is held open, and if the process dies the server drops the connection and the lock
with it, so a crashed run never blocks the next one.
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.engine import Connection, Engine


def lock_key(name: uuid.UUID) -> int:
    """A signed 64-bit advisory lock key derived from a UUID."""
    return int.from_bytes(name.bytes[:8], "big", signed=True)


def try_lock(engine: Engine, key: int) -> Connection | None:
    """The connection holding the lock, or None when someone else holds it."""
    conn = engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    try:
        if conn.scalar(select(func.pg_try_advisory_lock(key))):
            return conn
    except Exception:
        conn.close()
        raise
    conn.close()
    return None


def release(conn: Connection, key: int) -> None:
    try:
        conn.scalar(select(func.pg_advisory_unlock(key)))
    finally:
        conn.close()  # closing the connection releases the lock in any case
