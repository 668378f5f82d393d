"""api_service.pagination.keyset_page against real PostgreSQL: pages never repeat or skip a row,
even when many rows share a timestamp, and a cursor works only for the list it came from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from api_service.errors import ProblemError
from api_service.pagination import PageRequest, keyset_page
from shared.models import Channel, Workspace

SECRET = "keyset-test-secret"
AT = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def channels(session_factory: Any) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Seven channels of a new workspace; five of them created at the very same instant."""
    with session_factory.begin() as session:
        workspace = Workspace(name=f"keyset-{uuid.uuid4().hex[:8]}")
        session.add(workspace)
        session.flush()
        times = [AT, AT, AT, AT, AT, AT + timedelta(seconds=1), AT - timedelta(seconds=1)]
        rows = [
            Channel(workspace_id=workspace.id, name=f"c{i}", type="sms", created_at=t)
            for i, t in enumerate(times)
        ]
        session.add_all(rows)
        session.flush()
        ordered = sorted(rows, key=lambda c: (c.created_at, c.id))
        return workspace.id, [c.id for c in ordered]


def page(
    session_factory: Any,
    workspace_id: uuid.UUID,
    cursor: str | None,
    *,
    size: int = 2,
    newest_first: bool = True,
    scope: str | None = None,
    secret: str = SECRET,
) -> tuple[list[uuid.UUID], str | None]:
    """One page of the workspace's channels (ids) and the next cursor."""
    with session_factory() as session:
        rows, next_cursor = keyset_page(
            session,
            select(Channel).where(Channel.workspace_id == workspace_id),
            Channel.created_at,
            Channel.id,
            PageRequest(size=size, cursor=cursor, secret=secret),
            scope=scope or f"channels:{workspace_id}",
            newest_first=newest_first,
        )
    return [c.id for c in rows], next_cursor


def all_pages(
    session_factory: Any, workspace_id: uuid.UUID, size: int, *, newest_first: bool
) -> list[list[uuid.UUID]]:
    pages: list[list[uuid.UUID]] = []
    cursor = None
    while True:
        ids, cursor = page(session_factory, workspace_id, cursor, size=size, newest_first=newest_first)
        pages.append(ids)
        if cursor is None:
            return pages
        assert len(pages) < 20


@pytest.mark.parametrize("size", [1, 2, 3, 7, 50])
@pytest.mark.parametrize("newest_first", [True, False])
def test_pages_cover_every_row_once_in_order(session_factory, channels, size, newest_first) -> None:
    workspace_id, oldest_first = channels
    pages = all_pages(session_factory, workspace_id, size, newest_first=newest_first)
    expected = list(reversed(oldest_first)) if newest_first else oldest_first
    assert [i for page in pages for i in page] == expected
    assert all(len(page) == size for page in pages[:-1]) and 0 < len(pages[-1]) <= size


def test_rows_of_several_entities_are_paged_by_the_first(session_factory, channels) -> None:
    workspace_id, oldest_first = channels
    seen: list[tuple[uuid.UUID, uuid.UUID]] = []
    cursor = None
    for _ in range(5):
        with session_factory() as session:
            rows, cursor = keyset_page(
                session,
                select(Channel, Workspace)
                .join(Workspace, Workspace.id == Channel.workspace_id)
                .where(Workspace.id == workspace_id),
                Channel.created_at,
                Channel.id,
                PageRequest(size=3, cursor=cursor, secret=SECRET),
                scope=f"pairs:{workspace_id}",
                newest_first=False,
            )
        seen.extend((c.id, w.id) for c, w in rows)
        if cursor is None:
            break
    assert seen == [(c, workspace_id) for c in oldest_first]


@pytest.mark.parametrize(
    ("cursor_of", "secret"),
    [("another list", SECRET), ("mine", "another-secret"), ("garbage", SECRET)],
)
def test_a_cursor_of_another_list_or_key_is_a_400_naming_the_cursor(
    session_factory, channels, cursor_of, secret
) -> None:
    workspace_id, _ = channels
    cursor = {
        "another list": page(session_factory, workspace_id, None, scope="users:elsewhere")[1],
        "mine": page(session_factory, workspace_id, None)[1],
        "garbage": "not-a-cursor",
    }[cursor_of]
    assert cursor is not None
    with pytest.raises(ProblemError) as caught:
        page(session_factory, workspace_id, cursor, secret=secret)
    assert caught.value.status == 400
    assert caught.value.errors is not None and caught.value.errors[0]["loc"] == ["cursor"]
