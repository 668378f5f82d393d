"""Aggregations for dashboards: the contacts a search with the same query, filter and view would
select, counted by facet values and into date histograms (shared.search.aggregations compiles and
reads them; shared.search.query selects the contacts and adds the workspace clause)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api_service.auth import Principal
from api_service.errors import NotFound
from api_service.ops.metrics import timed_search
from api_service.search.schemas import AggregateRequest
from api_service.state import AppState
from shared.custom_fields import LazyFieldTypes
from shared.models import ContactField
from shared.search.aggregations import (
    Plan,
    compile_aggs,
    parse_plan,
    range_aggs,
    read_facets,
    read_histograms,
    resolve_bounds,
)
from shared.search.mapping import routing
from shared.search.query import build_search_query
from shared.views import ViewNotFound, view_criteria


def _select_options(session: Session, principal: Principal, plan: Plan) -> dict[str, list[str]]:
    """The options of the select fields counted, so values come back as their options are spelled."""
    keys = [f.key for f in plan.facets if f.key is not None and f.custom_type == "select"]
    if not keys:
        return {}
    rows = session.execute(
        select(ContactField.key, ContactField.options).where(
            ContactField.workspace_id == principal.workspace_id, ContactField.key.in_(keys)
        )
    )
    return {key: list(options or []) for key, options in rows}


def aggregate_contacts(
    session: Session, state: AppState, principal: Principal, request: AggregateRequest
) -> dict[str, Any]:
    workspace_id = principal.workspace_id
    field_types = LazyFieldTypes(session, workspace_id)
    try:
        view_query, view_filter, _ = view_criteria(session, workspace_id, principal.user_id, request.view_id)
    except ViewNotFound:
        raise NotFound("view") from None
    plan = parse_plan(
        [f.model_dump() for f in request.facets],
        [h.model_dump(by_alias=True, exclude_none=True) for h in request.histograms],
        field_types,
    )
    query = build_search_query(
        str(workspace_id),
        request.query,
        request.filter,
        field_types,
        view_query=view_query,
        view_filter=view_filter,
    )
    alias, route = state.settings.index_alias, routing(workspace_id)
    first = None
    ranges = range_aggs(plan)
    if ranges:  # histograms without from/to: where the values lie decides the buckets
        body = {"query": query, "size": 0, "track_total_hits": False, "aggs": ranges}
        first = timed_search(state.search, index=alias, body=body, routing=route, operation="aggregate")
    bounds = resolve_bounds(plan, first)
    body = {"query": query, "size": 0, "track_total_hits": True, "aggs": compile_aggs(plan, bounds)}
    response = timed_search(state.search, index=alias, body=body, routing=route, operation="aggregate")
    found = response.get("aggregations", {})
    return {
        "total": response["hits"]["total"]["value"],
        "facets": read_facets(plan, found, _select_options(session, principal, plan)),
        "histograms": read_histograms(plan, found),
    }
