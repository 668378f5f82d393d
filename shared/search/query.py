"""The query compiler: request -> one OpenSearch bool query. The workspace clause is added here,
always, and never by a caller."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.fields import SORTABLE, SORTABLE_CUSTOM_TYPES
from shared.search.filters import FilterNode, and_nodes, compile_filter, parse_filter
from shared.search.mapping import CARD_FIELD, ID_ORDER_FIELDS, sort_slot_field
from shared.text import GRAM, digits, fold, name_words, trigrams

MAX_QUERY_CHARS = 256
MAX_QUERY_TERMS = 8
# A query made only of digits and phone punctuation is also tried as one phone number: "+60 12".
_PHONE_LIKE = re.compile(r"[\d\s+()\-./]+")


def _inside_name(term: str) -> dict[str, Any] | None:
    """Text inside a name: every letter-and-digit run of the term must be in the name, one of three
    or more characters anywhere inside a name word (a phrase of its trigrams: "strö" in Åström),
    a shorter one at the start of a word ("ana.g" finds Ana García, "o'neil" finds O'Neil). None
    when the term has no run of three or more (word starts are matched by the caller)."""
    words = name_words(term)
    if not any(len(w) >= GRAM for w in words):
        return None
    return {
        "bool": {
            "filter": [
                {"match_phrase": {"name_grams": trigrams(w)}}
                if len(w) >= GRAM
                else {"match": {"name_text": {"query": w}}}
                for w in words
            ]
        }
    }


def _term_clause(term: str) -> dict[str, Any]:
    folded = fold(term)
    should: list[dict[str, Any]] = [
        {"match": {"name_text": {"query": term, "operator": "and"}}},
        {"match": {"channel_text": {"query": term, "operator": "and"}}},
        {"match": {"custom_text": {"query": term, "operator": "and"}}},
        {"match": {"email_prefix": {"query": term}}},
        {"match": {"email_domain": {"query": term}}},
        {"term": {"email": folded}},
        {"prefix": {"tags": folded}},
    ]
    inside = _inside_name(term)
    if inside is not None:
        should.append(inside)
    term_digits = digits(term)
    if len(term_digits) >= 4:
        should.append({"term": {"phone_digits": term_digits}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def compile_text(query: str | None) -> dict[str, Any] | None:
    """Plain-text search: every term must match some searchable field (prefix matches allowed).
    Never a query language: user input only ever reaches match/term/prefix queries, whose
    analyzers drop or keep "*", "?" and quotes literally. Cost is bounded by the 256-character
    limit (enforced by the request models) and by looking at the first MAX_QUERY_TERMS terms."""
    text = (query or "").strip()[:MAX_QUERY_CHARS]
    if not text:
        return None
    terms = text.split()[:MAX_QUERY_TERMS]
    all_terms: dict[str, Any] = {"bool": {"must": [_term_clause(t) for t in terms]}}
    if len(terms) == 1:
        return all_terms
    alternatives = [all_terms, {"prefix": {"tags": fold(" ".join(terms))}}]
    whole_digits = digits(text)
    if len(whole_digits) >= 4 and _PHONE_LIKE.fullmatch(text):
        # "+60 12", "012 345 6789": the digits of the whole query as one run.
        alternatives.append({"term": {"phone_digits": whole_digits[:20]}})
    return {"bool": {"should": alternatives, "minimum_should_match": 1}}


@dataclass
class CompiledSearch:
    query: dict[str, Any]
    sort: list[dict[str, Any]] = field(default_factory=list)


def workspace_scope(workspace_id: str, *clauses: dict[str, Any] | None) -> dict[str, Any]:
    """AND the clauses together under the mandatory workspace filter."""
    must = [c for c in clauses if c is not None]
    return {"bool": {"filter": [{"term": {"workspace_id": workspace_id}}], "must": must}}


def build_search_query(
    workspace_id: str,
    query: str | None,
    filter_tree: dict[str, Any] | None,
    field_types: Mapping[str, str],
    *,
    view_query: str | None = None,
    view_filter: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The whole OpenSearch query for a search: text, filter tree, view, and the workspace clause.
    Used by the search API and by jobs that resolve "all matching" selections.

    A bad filter raises FilterError (a FieldError: the API answers 422 naming the node, with loc
    starting at "filter"; a view's own filter at ["view", "filter"]). The view's query and filter
    are ANDed with the request's; each tree is held to the limits on its own.
    """
    request_node = parse_filter(filter_tree, field_types, ("filter",))
    view_node = parse_filter(view_filter, field_types, ("view", "filter"))
    return compile_search(workspace_id, [view_query, query], and_nodes(view_node, request_node), now)


def compile_search(
    workspace_id: str, queries: Sequence[str | None], node: FilterNode | None, now: datetime | None = None
) -> dict[str, Any]:
    """Parsed parts -> one bool query: every text must match, the filter holds, in this workspace."""
    # Everything is filter context: results are always ordered by fields, never by relevance, so
    # scoring would be wasted work (and filter clauses can be cached).
    filters: list[dict[str, Any]] = [{"term": {"workspace_id": workspace_id}}]
    filters.extend(t for t in (compile_text(q) for q in queries) if t is not None)
    if node is not None:
        filters.append(compile_filter(node, now))
    return {"bool": {"filter": filters}}


# What a page of results fetches of each hit: the contact's card, a JSON string stored outside
# _source (see shared.search.mapping), so no document is parsed to serve a page.
PAGE_FETCH: dict[str, Any] = {"_source": False, "stored_fields": [CARD_FIELD]}

STANDARD_SORT_FIELDS = SORTABLE
DEFAULT_SORT: tuple[tuple[str, str], ...] = (("last_interaction_at", "desc"),)
# The first mapping version whose documents carry the id as numbers (ID_ORDER_FIELDS) and custom
# field values in their fields' sort slots.
FLAT_SORT_SINCE = 3


class SortError(ValueError):
    """A sort field that does not exist or cannot be sorted on; message names it."""


def compile_sort(
    sort: Sequence[tuple[str, str]],
    field_types: Mapping[str, str],
    *,
    slot_of: Callable[[str], int | None] | None = None,
    older_documents: bool = False,
) -> list[dict[str, Any]]:
    """Empty values last in both orders; the id breaks ties so pages never repeat or skip a contact.

    A custom field sorts by its slot's flat field (`slot_of(key)`, see
    shared.search.mapping.sort_slot_field), the id by its two numbers (shared.search.mapping.id_order).
    While the index still holds documents older than FLAT_SORT_SINCE (`older_documents`), which
    lack both, custom fields sort by the nested values and ties fall to the id keyword."""
    clauses: list[dict[str, Any]] = []
    for name, order in sort or DEFAULT_SORT:
        if order not in ("asc", "desc"):
            raise SortError(f"sort order of '{name}' must be asc or desc")
        if name in STANDARD_SORT_FIELDS:
            clauses.append({name: {"order": order, "missing": "_last"}})
        elif name.startswith("custom."):
            key = name.removeprefix("custom.")
            nested_value = SORTABLE_CUSTOM_TYPES.get(field_types.get(key, ""))
            if key not in field_types:
                raise SortError(f"unknown sort field '{name}'")
            if nested_value is None:
                raise SortError(f"cannot sort on '{name}' (a {field_types[key]} field)")
            slot = slot_of(key) if slot_of is not None and not older_documents else None
            flat = sort_slot_field(slot, field_types[key]) if slot is not None else None
            if flat is not None:
                clauses.append({flat: {"order": order, "missing": "_last"}})
                continue
            clauses.append(
                {
                    f"custom.{nested_value}": {
                        "order": order,
                        "missing": "_last",
                        "nested": {"path": "custom", "filter": {"term": {"custom.key": key}}},
                    }
                }
            )
        else:
            raise SortError(f"unknown sort field '{name}'")
    clauses.extend({name: {"order": "asc"}} for name in (("id",) if older_documents else ID_ORDER_FIELDS))
    return clauses
