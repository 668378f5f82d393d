"""Contact search: compile the request, ask OpenSearch, and answer with the cards stored in the
hits. A page costs one search and no contact reads from PostgreSQL; the cards are JSON text written
into the response as they are. A hit from a document written before cards were stored this way is
read from PostgreSQL instead."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Any

from opensearchpy import OpenSearch
from pydantic_core import to_json
from sqlalchemy.orm import Session

from api_service.auth import Principal
from api_service.contacts import repository
from api_service.contacts.presenter import cards
from api_service.errors import NotFound, ProblemError, invalid
from api_service.ops.metrics import timed_search
from api_service.search.schemas import SearchRequest, SortItem
from api_service.state import AppState
from shared.custom_fields import LazyFieldTypes
from shared.search import cursor as cursors
from shared.search.mapping import CARD_FIELD, MAPPING_VERSION, routing
from shared.search.query import FLAT_SORT_SINCE, PAGE_FETCH, SortError, build_search_query, compile_sort
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
    docs = [{"_id": cid, "routing": routing(workspace_id)} for cid in versions]
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


@dataclass
class SearchPage:
    """One page of the contacts table. Items are cards (ContactOut-shaped) as JSON text, so a page
    is written without parsing a card or building a model per row."""

    items: list[str]
    total: dict[str, Any]
    next_cursor: str | None

    def to_json(self, *, with_total: bool = True) -> bytes:
        rest: dict[str, Any] = {"total": self.total} if with_total else {}
        rest["next_cursor"] = self.next_cursor
        return b'{"items":[' + ",".join(self.items).encode() + b"]," + to_json(rest)[1:]


def page_items(session: Session, workspace_id: uuid.UUID, hits: list[dict[str, Any]]) -> list[str]:
    """The hits' cards in hit order; hits without one (indexed by an older version, until the next
    write or reindex) are read from PostgreSQL, and dropped if the contact is gone."""
    found: dict[str, str | None] = {h["_id"]: h.get("fields", {}).get(CARD_FIELD, [None])[0] for h in hits}
    missing = [uuid.UUID(i) for i, card in found.items() if card is None]
    if missing:
        found.update((card["id"], to_json(card).decode()) for card in cards(session, workspace_id, missing))
    return [card for card in found.values() if card is not None]


def search_contacts(
    session: Session, state: AppState, principal: Principal, request: SearchRequest
) -> SearchPage:
    client, settings = state.search, state.settings
    workspace_id = principal.workspace_id
    field_types = LazyFieldTypes(session, workspace_id)
    try:
        view_query, view_filter, view_sort = view_criteria(
            session, workspace_id, principal.user_id, request.view_id
        )
    except ViewNotFound:
        raise NotFound("view") from None
    sort_spec = resolve_sort(request.sort, view_sort)
    older_documents = state.index_version.current() < FLAT_SORT_SINCE
    try:
        sort = compile_sort(sort_spec, field_types, slot_of=field_types.slot, older_documents=older_documents)
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
        sort,
    )
    body: dict[str, Any] = {
        "query": query,
        "sort": sort,
        "size": request.page_size,
        "track_total_hits": True,
        **PAGE_FETCH,
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
    # The shard request cache skips pages (size > 0) unless asked; an entry lives until the next
    # refresh that changed the shard, so a cached answer is the one the search would give.
    response = timed_search(
        client, index=settings.index_alias, body=body, routing=routing(workspace_id), request_cache=True
    )
    hits = response["hits"]["hits"]
    next_cursor = None
    if len(hits) == request.page_size:
        next_cursor = cursors.encode(settings.secret_key, hits[-1]["sort"], fp)
    total = response["hits"]["total"]
    return SearchPage(
        items=page_items(session, workspace_id, hits),
        total={"value": total["value"], "relation": total["relation"]},
        next_cursor=next_cursor,
    )
