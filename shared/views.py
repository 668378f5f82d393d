"""Views ("custom inboxes"): what a view id means for a search, for the API and the worker alike.

Built-in views: "all" (every contact), "mine" (assigned to the user), "unassigned". Saved views
live in the views table; a private view is visible only to its owner, a workspace view to all.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from shared.models import View

BUILT_IN_VIEWS: dict[str, str] = {"all": "All contacts", "mine": "Mine", "unassigned": "Unassigned"}

ViewCriteria = tuple[str | None, dict[str, Any] | None, list[dict[str, Any]] | None]


class ViewNotFound(LookupError):
    """The view does not exist, belongs to another workspace, or is another user's private view."""

    def __init__(self, view_id: str) -> None:
        super().__init__(f"view '{view_id[:64]}' not found")
        self.view_id = view_id


def built_in_filter(view_id: str, user_id: uuid.UUID) -> dict[str, Any] | None:
    if view_id == "mine":
        return {"field": "assignee_id", "op": "eq", "value": str(user_id)}
    if view_id == "unassigned":
        return {"field": "assignee_id", "op": "not_exists"}
    return None


def visible_views(workspace_id: uuid.UUID, user_id: uuid.UUID) -> Select[View]:
    """Saved views this user may see: the workspace's shared ones and their own private ones."""
    return select(View).where(
        View.workspace_id == workspace_id,
        or_(View.visibility == "workspace", View.owner_id == user_id),
    )


def get_visible_view(session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID, view_id: str) -> View:
    try:
        parsed = uuid.UUID(view_id)
    except ValueError:
        raise ViewNotFound(view_id) from None
    view = session.scalars(visible_views(workspace_id, user_id).where(View.id == parsed)).one_or_none()
    if view is None:
        raise ViewNotFound(view_id)
    return view


def view_criteria(
    session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID, view_id: str | None
) -> ViewCriteria:
    """(query, filter tree, sort) of a view as this user sees it; (None, None, None) for no view
    or "all". Raises ViewNotFound for unknown ids and for views the user may not see.
    The sort is a list of {"field", "order"}. The filter is ANDed with a request's own filter
    (shared.search.query.build_search_query(..., view_query=, view_filter=) does that)."""
    if view_id is None or view_id == "all":
        return None, None, None
    if view_id in BUILT_IN_VIEWS:
        return None, built_in_filter(view_id, user_id), None
    view = get_visible_view(session, workspace_id, user_id, view_id)
    return view.query, view.filter, view.sort
