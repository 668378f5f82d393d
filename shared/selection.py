"""Selections: "these contacts" ({"ids": [...]}) or "all contacts matching a query, filter and view".

Used by bulk actions and exports. A request validates its selection at once (bad filter: 422 naming
the node, unknown view: 404); the job resolves "all matching" when it runs, streaming ids from a
point-in-time search sorted by id, so a 100k-contact selection never sits in memory. Streamed ids come
from the index, which may lag: callers re-check every batch against PostgreSQL (`visible_contact_ids`
or their own locked SELECT) so nothing outside the workspace, deleted or merged away is touched.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from typing import Annotated, Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import ConnectionError as SearchUnreachable
from opensearchpy.exceptions import TransportError
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.contact_rules import FieldError
from shared.custom_fields import custom_field_types
from shared.models import Contact
from shared.search.mapping import routing
from shared.search.query import build_search_query
from shared.views import ViewNotFound, view_criteria
from shared.visibility import visible_in

log = logging.getLogger("selection")

MAX_SELECTED_IDS = 1000
# How long OpenSearch keeps the point in time between two pages of one stream.
PIT_KEEP_ALIVE = "5m"
ALL_MATCHING_LOC: list[str | int] = ["selection", "all_matching"]


class AllMatching(BaseModel):
    """ "Select all contacts after applying filters": the table's query, filter and view."""

    model_config = ConfigDict(extra="forbid")
    query: Annotated[str, Field(max_length=256)] | None = None
    filter: dict[str, Any] | None = None
    view_id: Annotated[str, Field(max_length=100)] | None = None

    def selects_everything(self) -> bool:
        """No query, filter or view: every visible contact of the workspace."""
        return not (self.query or "").strip() and not self.filter and self.view_id in (None, "all")


class Selection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_SELECTED_IDS)] | None = None
    all_matching: AllMatching | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Selection:
        if (self.ids is None) == (self.all_matching is None):
            raise ValueError("give either 'ids' or 'all_matching'")
        return self

    def explicit_ids(self) -> list[uuid.UUID]:
        """The selected ids without repeats, in the order given."""
        return list(dict.fromkeys(self.ids or []))


class SelectionNotFound(LookupError):
    """The selection names a view that does not exist (or that the user cannot see)."""


def compile_selection(
    session: Session, workspace_id: uuid.UUID, user_id: uuid.UUID | None, criteria: AllMatching
) -> dict[str, Any]:
    """The OpenSearch query selecting "all matching" (always scoped to the workspace by the compiler).

    Raises FieldError (-> 422 naming the node) for a bad filter, SelectionNotFound for a view that does
    not exist or that the user cannot see. A view's query and filter are ANDed with the selection's own.
    """
    view_query, view_filter = None, None
    if criteria.view_id is not None and criteria.view_id != "all":
        if user_id is None:  # the requesting user was deleted since: "mine" or private means nothing
            raise SelectionNotFound(f"view '{criteria.view_id[:64]}' not found")
        try:
            view_query, view_filter, _ = view_criteria(session, workspace_id, user_id, criteria.view_id)
        except ViewNotFound as exc:
            raise SelectionNotFound(str(exc)) from None
    field_types = custom_field_types(session, workspace_id)
    try:
        return build_search_query(
            str(workspace_id),
            criteria.query,
            criteria.filter,
            field_types,
            view_query=view_query,
            view_filter=view_filter,
        )
    except FieldError as exc:
        raise FieldError([*ALL_MATCHING_LOC, *exc.loc], exc.msg) from None


def count_matching(client: OpenSearch, alias: str, workspace_id: uuid.UUID, query: dict[str, Any]) -> int:
    response = client.count(index=alias, body={"query": query}, routing=routing(workspace_id))
    return int(response["count"])


def stream_matching_ids(
    client: OpenSearch,
    alias: str,
    workspace_id: uuid.UUID,
    query: dict[str, Any],
    *,
    after: str | None = None,
    batch_size: int = 500,
) -> Iterator[list[uuid.UUID]]:
    """Ids matching `query`, in id order, one batch at a time, from a point-in-time search.

    `after` resumes past that id (a job's checkpoint): ids are the sort key, so a new point in time
    picks up exactly where a crashed run stopped.
    """
    # Never a point in time over only the shards that are up: its ids would be silently short.
    pit = client.create_pit(
        index=alias,
        keep_alive=PIT_KEEP_ALIVE,
        routing=routing(workspace_id),
        allow_partial_pit_creation=False,
    )
    pit_id = pit["pit_id"]
    try:
        while True:
            body: dict[str, Any] = {
                "query": query,
                "size": batch_size,
                "sort": [{"id": {"order": "asc"}}],
                "_source": False,
                "track_total_hits": False,
                "pit": {"id": pit_id, "keep_alive": PIT_KEEP_ALIVE},
            }
            if after is not None:
                body["search_after"] = [after]
            response = client.search(body=body)
            pit_id = response.get("pit_id", pit_id)
            hits = response["hits"]["hits"]
            if not hits:
                return
            after = str(hits[-1]["sort"][0])
            yield [uuid.UUID(hit["_id"]) for hit in hits]
            if len(hits) < batch_size:
                return
    finally:
        try:
            client.delete_pit(body={"pit_id": [pit_id]})
        except Exception as exc:  # it expires by itself after PIT_KEEP_ALIVE
            log.warning("could not delete point in time: %s", exc)


def iter_selection(
    selection: Selection,
    *,
    client: OpenSearch,
    alias: str,
    workspace_id: uuid.UUID,
    query: dict[str, Any] | None,
    position: dict[str, Any] | None,
    batch_size: int,
) -> Iterator[tuple[list[uuid.UUID], dict[str, Any]]]:
    """Batches of selected ids with the position after each (store it as the job's checkpoint and pass
    it back as `position` to resume). `query` is compile_selection's result for all_matching."""
    position = position or {}
    if selection.ids is not None:
        ids = selection.explicit_ids()
        for start in range(int(position.get("offset", 0)), len(ids), batch_size):
            yield ids[start : start + batch_size], {"offset": start + batch_size}
        return
    if query is None:
        raise ValueError("an all_matching selection needs its compiled query")
    for ids in stream_matching_ids(
        client, alias, workspace_id, query, after=position.get("after"), batch_size=batch_size
    ):
        yield ids, {"after": str(ids[-1])}


def selection_total(
    selection: Selection,
    client: OpenSearch,
    alias: str,
    workspace_id: uuid.UUID,
    query: dict[str, Any] | None,
) -> int:
    if selection.ids is not None:
        return len(selection.explicit_ids())
    assert query is not None
    return count_matching(client, alias, workspace_id, query)


def accepted_total(
    session: Session,
    client: OpenSearch,
    alias: str,
    workspace_id: uuid.UUID,
    user_id: uuid.UUID | None,
    selection: Selection,
) -> int | None:
    """Validate a selection when its job is requested and say how many contacts it holds, for the
    job's 202: the ids given, or what the index counts as matching now (the job re-counts what it
    actually processed). Raises FieldError for a bad filter and SelectionNotFound for an unknown
    view. None only when the index cannot answer: the job counts when it runs."""
    if selection.all_matching is None:
        return len(selection.explicit_ids())
    query = compile_selection(session, workspace_id, user_id, selection.all_matching)
    try:
        return count_matching(client, alias, workspace_id, query)
    except (SearchUnreachable, TransportError) as exc:
        log.warning("could not count the selection now (%s); the job will", exc)
        return None


def visible_contact_ids(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    """The ids that are still contacts of this workspace and not merged away, in the order given."""
    if not ids:
        return []
    found = set(session.scalars(select(Contact.id).where(visible_in(workspace_id), Contact.id.in_(ids))))
    return [i for i in ids if i in found]
