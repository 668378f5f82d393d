"""Keyset pagination for the lists the API answers as {"items", "next_cursor"}.

Rows are ordered by (timestamp, id) so pages never repeat or skip a row even when timestamps tie;
the cursor is the last row's key, signed and bound to the list it came from.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Query
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from api_service.errors import ProblemError
from shared.search import cursor as cursors

PageSize = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=500)]
DEFAULT_PAGE_SIZE = 50

T = TypeVar("T")


def _bad_cursor(msg: str) -> ProblemError:
    return ProblemError(400, msg, errors=[{"loc": ["cursor"], "msg": msg}])


def keyset_page(
    session: Session,
    stmt: Select[T],
    ts_col: InstrumentedAttribute[datetime],
    id_col: InstrumentedAttribute[uuid.UUID],
    *,
    page_size: int,
    cursor: str | None,
    secret: str,
    scope: str,
    newest_first: bool = True,
) -> tuple[list[T], str | None]:
    """One page of `stmt` ordered by (ts_col, id_col) and the cursor of the next page, if any."""
    fingerprint = cursors.fingerprint(scope)
    if cursor:
        try:
            after: list[Any] = cursors.decode(secret, cursor, fingerprint)
            key = (datetime.fromisoformat(after[0]), uuid.UUID(after[1]))
        except cursors.CursorError as exc:
            raise _bad_cursor(str(exc)) from None
        except (ValueError, TypeError, IndexError):
            raise _bad_cursor("cursor is malformed") from None
        position = tuple_(ts_col, id_col)
        stmt = stmt.where(position < tuple_(*key) if newest_first else position > tuple_(*key))
    order = (ts_col.desc(), id_col.desc()) if newest_first else (ts_col.asc(), id_col.asc())
    rows = list(session.scalars(stmt.order_by(*order).limit(page_size + 1)))
    if len(rows) <= page_size:
        return rows, None
    rows = rows[:page_size]
    last = rows[-1]
    key_ts: datetime = getattr(last, ts_col.key)
    key_id: uuid.UUID = getattr(last, id_col.key)
    return rows, cursors.encode(secret, [key_ts.isoformat(), str(key_id)], fingerprint)
