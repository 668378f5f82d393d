"""Keyset pagination for the lists the API answers as {"items", "next_cursor"}.

Rows are ordered by (timestamp, id) so pages never repeat or skip a row even when timestamps tie;
the cursor is the last row's key, signed and bound to the list it came from.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar, overload

from fastapi import Depends, Query
from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute, Session

from api_service.deps import SettingsDep
from api_service.errors import ProblemError
from shared.search import cursor as cursors

PageSize = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=500)]
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class PageRequest:
    """What a list request asks for (`page_size`, `cursor`) and the key its cursors are signed with."""

    size: int
    cursor: str | None
    secret: str


async def page_request(
    settings: SettingsDep, page_size: PageSize = DEFAULT_PAGE_SIZE, cursor: Cursor = None
) -> PageRequest:
    return PageRequest(size=page_size, cursor=cursor, secret=settings.secret_key)


# The one page-parameters dependency of every keyset-paginated list.
PageParams = Annotated[PageRequest, Depends(page_request)]

T = TypeVar("T")
U = TypeVar("U")


def _bad_cursor(msg: str) -> ProblemError:
    return ProblemError(400, msg, errors=[{"loc": ["cursor"], "msg": msg}])


@overload
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
    newest_first: bool = ...,
) -> tuple[list[T], str | None]: ...


@overload
def keyset_page(
    session: Session,
    stmt: Select[T, U],
    ts_col: InstrumentedAttribute[datetime],
    id_col: InstrumentedAttribute[uuid.UUID],
    *,
    page_size: int,
    cursor: str | None,
    secret: str,
    scope: str,
    newest_first: bool = ...,
) -> tuple[list[tuple[T, U]], str | None]: ...


def keyset_page(
    session: Session,
    stmt: Select[*tuple[Any, ...]],
    ts_col: InstrumentedAttribute[datetime],
    id_col: InstrumentedAttribute[uuid.UUID],
    *,
    page_size: int,
    cursor: str | None,
    secret: str,
    scope: str,
    newest_first: bool = True,
) -> tuple[list[Any], str | None]:
    """One page of `stmt` ordered by (ts_col, id_col) and the cursor of the next page, if any.
    A statement of several entities (select(A, B)) gives rows of them; its first entity is keyed."""
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
    page = stmt.order_by(*order).limit(page_size + 1)
    several = len(page.column_descriptions) > 1
    rows: list[Any] = list(session.execute(page).all() if several else session.scalars(page))
    if len(rows) <= page_size:
        return rows, None
    rows = rows[:page_size]
    last = rows[-1][0] if several else rows[-1]
    key_ts: datetime = getattr(last, ts_col.key)
    key_id: uuid.UUID = getattr(last, id_col.key)
    return rows, cursors.encode(secret, [key_ts.isoformat(), str(key_id)], fingerprint)
