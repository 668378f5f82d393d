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
from api_service.errors import ProblemError, invalid
from api_service.search.schemas import SearchRequest, SearchResponse, Total
from shared.custom_fields import field_definitions
from shared.search import cursor as cursors
from shared.search.query import SortError, compile_sort, compile_text, workspace_scope
from shared.settings import Settings


def wait_for_versions(
    client: OpenSearch, alias: str, workspace_id: uuid.UUID, wanted: dict[str, int], timeout: float
) -> bool:
    """Read-your-writes: wait (bounded) until the index holds at least these versions, then refresh
    so search sees them. Returns False when the wait timed out."""
    docs = []
    for raw_id in wanted:
        try:
            docs.append({"_id": str(uuid.UUID(raw_id)), "routing": str(workspace_id)})
        except ValueError:
            raise invalid(["min_version", raw_id], "not a contact id") from None
    deadline = time.monotonic() + timeout
    while True:
        found = client.mget(index=alias, body={"docs": docs}, _source=False, realtime=True)["docs"]
        if all(d.get("found") and d["_version"] >= wanted[d["_id"]] for d in found):
            client.indices.refresh(index=alias)
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def search_contacts(
    session: Session, client: OpenSearch, settings: Settings, principal: Principal, request: SearchRequest
) -> SearchResponse:
    workspace_id = principal.workspace_id
    field_types = {k: f.type for k, f in field_definitions(session, workspace_id).items()}
    if request.filter is not None:
        raise invalid(["filter"], "filters are not supported yet")
    sort_spec = [(s.field, s.order) for s in request.sort or []]
    try:
        sort = compile_sort(sort_spec, field_types)
    except SortError as exc:
        raise invalid(["sort"], str(exc)) from None
    query = workspace_scope(str(workspace_id), compile_text(request.query))
    fp = cursors.fingerprint(request.query, request.filter, request.view_id, sort_spec)
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
            client, settings.index_alias, workspace_id, request.min_version, settings.min_version_wait_seconds
        )
    response = client.search(index=settings.index_alias, body=body, routing=str(workspace_id))
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
