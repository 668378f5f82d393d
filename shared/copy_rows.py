"""Many rows into a table through PostgreSQL COPY, in the session's transaction: a job that writes
thousands of contacts, events or outbox rows pays one stream instead of a statement a row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb
from sqlalchemy import Table, insert
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from shared.db import Base

# Fewer rows than this go through a plain INSERT (COPY's own set-up costs more than they do).
COPY_THRESHOLD = 50


def psycopg_connection(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under the session's transaction (for COPY, which SQLAlchemy lacks)."""
    connection = session.connection().connection.driver_connection
    assert isinstance(connection, psycopg.Connection)
    return connection


def copy_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (column values by name; every row the same keys) as COPY would load them.
    Columns a row leaves out get their default: the server's, or the model's Python one (an id)."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    given = list(rows[0])
    python_defaults = [
        column
        for column in table.columns
        if column.name not in given and column.default is not None and column.default.is_callable
    ]
    names = given + [column.name for column in python_defaults]
    json = {name for name in given if isinstance(table.c[name].type, JSONB)}
    session.flush()  # pending ORM changes go first, as they would before an INSERT
    connection = psycopg_connection(session)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [
                Jsonb(row[name]) if name in json and row[name] is not None else row[name] for name in given
            ]
            values += [column.default.arg(None) for column in python_defaults]  # type: ignore[union-attr]
            copy.write_row(values)


def insert_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """Many-row INSERT of `rows`: through COPY from COPY_THRESHOLD rows on, else one statement."""
    if len(rows) >= COPY_THRESHOLD:
        copy_rows(session, model, rows)
    elif rows:
        session.execute(insert(model), list(rows))
