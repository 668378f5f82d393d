"""The parsed filter tree (shared.search.filter_parser) compiled into one OpenSearch bool clause.

Compilation mirrors the document builder (shared.search.mapping): text is compared on
`shared.text.fold`-ed keyword values, so case and accents never matter. Negative operators are
`must_not` of the positive clause, which is what makes contacts with an empty field match them.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.search.filter_parser import NEGATIVE_OPS, Condition, FilterNode, RelativeTime
from shared.search.mapping import CUSTOM_MAX, custom_term, instant_millis, sortable_number
from shared.text import escape_wildcard


def months_before(moment: datetime, months: int) -> datetime:
    """Calendar months back, clamping the day (31 March - 1 month = 28/29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def relative_bound(now: datetime, relative: RelativeTime) -> datetime:
    """The instant `amount unit` before now."""
    if relative.unit == "months":
        return months_before(now, relative.amount)
    return now - timedelta(**{relative.unit: relative.amount})


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _positive(cond: Condition, path: str, now: datetime) -> dict[str, Any]:
    """The clause for the positive form of the operator on document field `path`."""
    op, value = cond.op, cond.value
    if op in ("exists", "not_exists"):
        return {"exists": {"field": path}}
    if op in ("eq", "neq"):
        return {"term": {path: value}}
    if op in ("in", "not_in", "has_any", "has_none"):
        return {"terms": {path: value}}
    if op == "has_all":
        return {"bool": {"filter": [{"term": {path: v}} for v in value]}}
    if op in ("contains", "not_contains"):
        return {"wildcard": {path: {"value": f"*{escape_wildcard(value)}*"}}}
    if op == "starts_with":
        return {"prefix": {path: value}}
    if op in ("gt", "gte", "lt", "lte"):
        return {"range": {path: {op: value}}}
    if op == "before":
        return {"range": {path: {"lt": _iso(value)}}}
    if op == "after":
        return {"range": {path: {"gt": _iso(value)}}}
    if op == "between":
        low, high = value
        if cond.kind == "datetime":
            low, high = _iso(low), _iso(high)
        return {"range": {path: {"gte": low, "lte": high}}}
    if op == "within_last":
        return {"range": {path: {"gte": _iso(relative_bound(now, value)), "lte": _iso(now)}}}
    if op == "older_than":
        return {"range": {path: {"lt": _iso(relative_bound(now, value))}}}
    raise ValueError(f"no compilation for operator {op}")


def _custom_range(
    field: str, key: str, low: tuple[str, float] | None, high: tuple[str, float] | None
) -> dict[str, Any]:
    """A range over one key's encoded values; an open side stops at the key's own values."""
    bounds: dict[str, str] = {}
    if low is None:
        bounds["gte"] = custom_term(key, "")
    else:
        bounds[low[0]] = custom_term(key, sortable_number(low[1]))
    if high is None:
        bounds["lt"] = custom_term(key, CUSTOM_MAX)
    else:
        bounds[high[0]] = custom_term(key, sortable_number(high[1]))
    return {"range": {field: bounds}}


def _custom_positive(cond: Condition, now: datetime) -> dict[str, Any]:
    """The positive clause for a custom field, on the flat fields the document builder writes
    (shared.search.mapping: custom_keys, custom_kv, custom_num, custom_date)."""
    op, value, key = cond.op, cond.value, cond.target
    if op in ("exists", "not_exists"):
        return {"term": {"custom_keys": key}}
    if cond.kind == "boolean":
        return {"term": {"custom_kv": custom_term(key, "true" if value else "false")}}
    if cond.kind == "text_custom":
        if op in ("eq", "neq"):
            return {"term": {"custom_kv": custom_term(key, value)}}
        if op in ("in", "not_in"):
            return {"terms": {"custom_kv": [custom_term(key, v) for v in value]}}
        if op == "starts_with":
            return {"prefix": {"custom_kv": custom_term(key, value)}}
        pattern = f"{escape_wildcard(custom_term(key, ''))}*{escape_wildcard(value)}*"
        return {"wildcard": {"custom_kv": {"value": pattern}}}
    if cond.kind == "number":
        field, low, high = "custom_num", None, None
        if op in ("eq", "neq"):
            return {"term": {field: custom_term(key, sortable_number(value))}}
        if op in ("gt", "gte"):
            low = (op, value)
        elif op in ("lt", "lte"):
            high = (op, value)
        else:  # between
            low, high = ("gte", value[0]), ("lte", value[1])
        return _custom_range(field, key, low, high)
    field = "custom_date"
    if op == "before":
        return _custom_range(field, key, None, ("lt", instant_millis(value)))
    if op == "after":
        return _custom_range(field, key, ("gt", instant_millis(value)), None)
    if op == "between":
        return _custom_range(field, key, ("gte", instant_millis(value[0])), ("lte", instant_millis(value[1])))
    if op == "within_last":
        bound = relative_bound(now, value)
        return _custom_range(field, key, ("gte", instant_millis(bound)), ("lte", instant_millis(now)))
    if op == "older_than":
        return _custom_range(field, key, None, ("lt", instant_millis(relative_bound(now, value))))
    raise ValueError(f"no compilation for operator {op}")


def compile_condition(cond: Condition, now: datetime) -> dict[str, Any]:
    if cond.field.startswith("custom."):
        positive = _custom_positive(cond, now)
    else:
        positive = _positive(cond, cond.target, now)
    if cond.op in NEGATIVE_OPS:
        return {"bool": {"must_not": [positive]}}
    return positive


def cacheable_now() -> datetime:
    """The "now" of relative times ("older than 24 hours"): the current time rounded up to the whole
    second. Every search in the same second compiles to the same clause, which OpenSearch's query
    cache keeps (a clause with a new instant each time is evaluated afresh: at 1M contacts that
    halved the throughput of a filter with one relative time); rounded up, so a contact written a
    moment ago is still "within the last hour", and the bounds move by under a second."""
    current = datetime.now(UTC)
    whole = current.replace(microsecond=0)
    return whole if whole == current else whole + timedelta(seconds=1)


def compile_filter(node: FilterNode, now: datetime | None = None) -> dict[str, Any]:
    """One OpenSearch clause (filter context) for a parsed tree; relative times count back from
    `now`, by default cacheable_now()."""
    moment = now or cacheable_now()
    if isinstance(node, Condition):
        return compile_condition(node, moment)
    clauses = [compile_filter(child, moment) for child in node.nodes]
    if node.combinator == "and":
        return {"bool": {"filter": clauses}}
    return {"bool": {"should": clauses, "minimum_should_match": 1}}
