"""Contact search: compile the request, ask OpenSearch, hydrate the page from PostgreSQL."""

from __future__ import annotations

import time
import uuid
from typing import Any

from opensearchpy import OpenSearch
from sqlalchemy.orm import Session

from api_service.contacts import repository
from api_service.contacts.presenter import present_many
from api_service.deps import Principal
from api_service.errors import NotFound, ProblemError, invalid
from api_service.ops.metrics import timed_search
from api_service.search.schemas import SearchRequest, SearchResponse, SortItem, Total
from shared.custom_fields import field_definitions
from shared.search import cursor as cursors
from shared.search.mapping import MAPPING_VERSION
from shared.search.query import SortError, build_search_query, compile_sort
from shared.settings import Settings
from shared.views import ViewNotFound, view_criteria


def wait_for_versions(
    session: Session,
    client: OpenSearch,
    alias: str,
    workspace_id: uuid.UUID,
    wanted: dict[str, int],
    timeout: float,
) -> bool:
    """Read-your-writes: wait (bounded) until the index holds at least these versions, then refresh
    so search sees them. A contact that is gone (deleted, merged away, or never in this workspace)
    is waited for until its document is gone too. Returns False when the wait timed out."""
    versions: dict[str, int] = {}
    for raw_id, version in wanted.items():
        try:
            versions[str(uuid.UUID(raw_id))] = version
        except ValueError:
            raise invalid(["min_version", raw_id], "not a contact id") from None
    visible = {
        str(c.id) for c in repository.get_many(session, workspace_id, [uuid.UUID(i) for i in versions])
    }
    docs = [{"_id": cid, "routing": str(workspace_id)} for cid in versions]
    deadline = time.monotonic() + timeout
    while True:
        found = client.mget(index=alias, body={"docs": docs}, _source=False, realtime=True)["docs"]
        if all(
            (d.get("found") and d["_version"] >= versions[d["_id"]])
            if d["_id"] in visible
            else not d.get("found")
            for d in found
        ):
            client.indices.refresh(index=alias)
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def resolve_sort(
    request_sort: list[SortItem] | None, view_sort: list[dict[str, Any]] | None
) -> list[tuple[str, str]]:
    """The request's sort, else the view's, else the default (compile_sort supplies it)."""
    if request_sort:
        return [(s.field, s.order) for s in request_sort]
    return [(str(s.get("field")), str(s.get("order", "asc"))) for s in view_sort or []]


def search_contacts(
    session: Session, client: OpenSearch, settings: Settings, principal: Principal, request: SearchRequest
) -> SearchResponse:
    workspace_id = principal.workspace_id
    field_types = {k: f.type for k, f in field_definitions(session, workspace_id).items()}
    try:
        view_query, view_filter, view_sort = view_criteria(
            session, workspace_id, principal.user_id, request.view_id
        )
    except ViewNotFound:
        raise NotFound("view") from None
    sort_spec = resolve_sort(request.sort, view_sort)
    try:
        sort = compile_sort(sort_spec, field_types)
    except SortError as exc:
        raise invalid(["sort"], str(exc)) from None
    query = build_search_query(
        str(workspace_id),
        request.query,
        request.filter,
        field_types,
        view_query=view_query,
        view_filter=view_filter,
    )
    # The cursor is bound to everything that decides the result order and membership, including
    # the view's current definition: a cursor from before a view edit is stale (400).
    fp = cursors.fingerprint(
        MAPPING_VERSION,
        str(workspace_id),
        request.query,
        request.filter,
        request.view_id,
        [view_query, view_filter],
        sort_spec,
    )
    body: dict[str, Any] = {
        "query": query,
        "sort": sort,
        "size": request.page_size,
        "track_total_hits": True,
        "_source": False,
    }
    if request.cursor:
        try:
            body["search_after"] = cursors.decode(settings.secret_key, request.cursor, fp)
        except cursors.CursorError as exc:
            raise ProblemError(400, str(exc), errors=[{"loc": ["cursor"], "msg": str(exc)}]) from None
    if request.min_version:
        wait_for_versions(
            session,
            client,
            settings.index_alias,
            workspace_id,
            request.min_version,
            settings.min_version_wait_seconds,
        )
    response = timed_search(client, index=settings.index_alias, body=body, routing=str(workspace_id))
    hits = response["hits"]["hits"]
    ids = [uuid.UUID(h["_id"]) for h in hits]
    contacts = repository.get_many(session, workspace_id, ids)
    next_cursor = None
    if len(hits) == request.page_size:
        next_cursor = cursors.encode(settings.secret_key, hits[-1]["sort"], fp)
    total = response["hits"]["total"]
    return SearchResponse(
        items=present_many(session, contacts),
        total=Total(value=total["value"], relation=total["relation"]),
        next_cursor=next_cursor,
    )
