"""View rules: who sees and edits which view, and validation of what a view stores."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from api_service.auth import Principal
from api_service.errors import Forbidden, NotFound, invalid
from api_service.search.schemas import SortItem
from api_service.views.schemas import ViewCreate, ViewOut, ViewUpdate
from shared.custom_fields import custom_field_types
from shared.models import View
from shared.search.filters import parse_filter
from shared.search.query import SortError, compile_sort
from shared.views import BUILT_IN_VIEWS, ViewNotFound, built_in_filter, get_visible_view, visible_views


def built_in(view_id: str, user_id: uuid.UUID) -> ViewOut:
    return ViewOut(
        id=view_id,
        name=BUILT_IN_VIEWS[view_id],
        built_in=True,
        query=None,
        filter=built_in_filter(view_id, user_id),
        sort=None,
        visibility="workspace",
        owner_id=None,
        created_at=None,
        updated_at=None,
    )


def present(view: View) -> ViewOut:
    return ViewOut(
        id=str(view.id),
        name=view.name,
        built_in=False,
        query=view.query,
        filter=view.filter,
        sort=view.sort,
        visibility="private" if view.visibility == "private" else "workspace",
        owner_id=view.owner_id,
        created_at=view.created_at,
        updated_at=view.updated_at,
    )


def _validated_criteria(
    session: Session, workspace_id: uuid.UUID, filter_tree: dict[str, Any] | None, sort: list[SortItem] | None
) -> list[dict[str, Any]] | None:
    """A view is checked when saved, so using it later cannot fail on its own content."""
    field_types = custom_field_types(session, workspace_id)
    parse_filter(filter_tree, field_types, ("filter",))
    if not sort:
        return None
    try:
        compile_sort([(s.field, s.order) for s in sort], field_types)
    except SortError as exc:
        raise invalid(["sort"], str(exc)) from None
    return [{"field": s.field, "order": s.order} for s in sort]


def list_views(session: Session, principal: Principal) -> list[ViewOut]:
    saved = session.scalars(
        visible_views(principal.workspace_id, principal.user_id).order_by(View.created_at, View.id)
    )
    return [built_in(v, principal.user_id) for v in BUILT_IN_VIEWS] + [present(v) for v in saved]


def _visible(session: Session, principal: Principal, view_id: str) -> View:
    try:
        return get_visible_view(session, principal.workspace_id, principal.user_id, view_id)
    except ViewNotFound:
        raise NotFound("view") from None


def get_view(session: Session, principal: Principal, view_id: str) -> ViewOut:
    if view_id in BUILT_IN_VIEWS:
        return built_in(view_id, principal.user_id)
    return present(_visible(session, principal, view_id))


def create_view(session: Session, principal: Principal, body: ViewCreate) -> ViewOut:
    sort = _validated_criteria(session, principal.workspace_id, body.filter, body.sort)
    view = View(
        workspace_id=principal.workspace_id,
        owner_id=principal.user_id,
        name=body.name,
        query=body.query or None,
        filter=body.filter,
        sort=sort,
        visibility=body.visibility,
    )
    session.add(view)
    session.flush()
    session.refresh(view)
    return present(view)


def _editable(session: Session, principal: Principal, view_id: str) -> View:
    """Built-in views are fixed; a saved view is changed by its owner or a workspace owner."""
    if view_id in BUILT_IN_VIEWS:
        raise Forbidden("built-in views cannot be changed")
    view = _visible(session, principal, view_id)
    if view.owner_id != principal.user_id and principal.role != "owner":
        raise Forbidden("only the view's owner or a workspace owner may change it")
    return view


def update_view(session: Session, principal: Principal, view_id: str, body: ViewUpdate) -> ViewOut:
    view = _editable(session, principal, view_id)
    given = body.model_fields_set
    for required in ("name", "visibility"):
        if required in given and getattr(body, required) is None:
            raise invalid([required], "cannot be null")
    filter_tree = body.filter if "filter" in given else view.filter
    sort_items = body.sort if "sort" in given else [SortItem.model_validate(s) for s in view.sort or []]
    sort = _validated_criteria(session, principal.workspace_id, filter_tree, sort_items)
    if body.name is not None:
        view.name = body.name
    if body.visibility is not None:
        view.visibility = body.visibility
    if "query" in given:
        view.query = body.query or None
    view.filter = filter_tree
    view.sort = sort
    session.flush()
    session.refresh(view)
    return present(view)


def delete_view(session: Session, principal: Principal, view_id: str) -> None:
    view = _editable(session, principal, view_id)
    session.execute(delete(View).where(View.id == view.id))
