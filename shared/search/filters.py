"""The filter tree: parsed once into typed models, then compiled into one OpenSearch bool query.

A group is {"and": [nodes]} or {"or": [nodes]}; a condition is {"field", "op", "value"}.
Parsing checks everything the contract fixes (fields, operators per field type, values, limits)
and raises FilterError naming the offending node, e.g. ["filter", "and", 1, "or", 0, "value"];
FilterError is a FieldError, so the API answers it as a 422 problem without extra wiring.

Compilation mirrors the document builder (shared.search.mapping): text is compared on
`shared.text.fold`-ed keyword values, so case and accents never matter. Negative operators are
`must_not` of the positive clause, which is what makes contacts with an empty field match them.
"""

from __future__ import annotations

import calendar
import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.contact_rules import FieldError, normalize_country
from shared.fields import CUSTOM_KINDS, FILTERABLE, ID_VALUED, OPERATORS
from shared.search.mapping import CUSTOM_MAX, custom_term, instant_millis, sortable_number
from shared.text import escape_wildcard, fold

MAX_DEPTH = 5
MAX_CONDITIONS = 50
MAX_LIST_VALUES = 500
MAX_STRING_CHARS = 256

Loc = list[str | int]

# Standard field -> (filter kind, document field); operators per kind: shared.fields.
STANDARD_FIELDS: dict[str, tuple[str, str]] = {
    name: (spec.kind, spec.target) for name, spec in FILTERABLE.items() if spec.kind is not None
}
# Id-valued code fields hold UUIDs: a value that is not one is a typo worth a 422.
ID_FIELDS = ID_VALUED
CONVERSATION_STATUSES = ("open", "closed")
NEGATIVE_OPS = frozenset({"neq", "not_in", "not_contains", "has_none", "not_exists"})
TimeUnit = Literal["minutes", "hours", "days", "weeks", "months"]
# Relative times reach back at most about a century; further is certainly a mistake.
MAX_AMOUNT: dict[str, int] = {
    "minutes": 52_560_000,
    "hours": 876_000,
    "days": 36_500,
    "weeks": 5_200,
    "months": 1_200,
}


class FilterError(FieldError):
    """A filter tree that breaks the contract; `loc` points at the offending node."""


class RelativeTime(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    amount: int
    unit: TimeUnit


class Condition(BaseModel):
    """One parsed condition. `value` is already normalised for its kind: folded text, a list of
    folded strings, a float, a bool, an aware UTC datetime, a (low, high) pair, a RelativeTime,
    or None for exists/not_exists."""

    model_config = ConfigDict(frozen=True)
    field: str
    kind: str
    op: str
    value: Any = None
    # For custom fields, the definition key; the document field otherwise.
    target: str


class Group(BaseModel):
    model_config = ConfigDict(frozen=True)
    combinator: Literal["and", "or"]
    nodes: list[Group | Condition]


FilterNode = Group | Condition


# --------------------------------------------------------------------------- parsing


class _Counter:
    def __init__(self, max_conditions: int) -> None:
        self.conditions = 0
        self.max_conditions = max_conditions


def parse_filter(
    raw: Any,
    field_types: Mapping[str, str],
    loc: Sequence[str | int] = ("filter",),
    *,
    max_depth: int = MAX_DEPTH,
    max_conditions: int = MAX_CONDITIONS,
) -> FilterNode | None:
    """The typed tree for a raw filter (None stays None), or FilterError naming the node."""
    if raw is None:
        return None
    return _parse_node(raw, field_types, list(loc), 0, max_depth, _Counter(max_conditions))


def _parse_node(
    raw: Any, field_types: Mapping[str, str], loc: Loc, depth: int, max_depth: int, counter: _Counter
) -> FilterNode:
    if not isinstance(raw, dict):
        raise FilterError(loc, "a filter node is an object: a group {'and'|'or': [...]} or a condition")
    if "and" in raw or "or" in raw:
        if len(raw) != 1:
            raise FilterError(loc, "a group has exactly one key, 'and' or 'or'")
        combinator: Literal["and", "or"] = "and" if "and" in raw else "or"
        children = raw[combinator]
        here = [*loc, combinator]
        if depth + 1 > max_depth:
            raise FilterError(loc, f"filter groups nest at most {max_depth} deep")
        if not isinstance(children, list) or not children:
            raise FilterError(here, "a group holds a non-empty list of nodes")
        nodes = [
            _parse_node(child, field_types, [*here, i], depth + 1, max_depth, counter)
            for i, child in enumerate(children)
        ]
        return Group(combinator=combinator, nodes=nodes)
    counter.conditions += 1
    if counter.conditions > counter.max_conditions:
        raise FilterError(loc, f"a filter holds at most {counter.max_conditions} conditions")
    return _parse_condition(raw, field_types, loc)


def _parse_condition(raw: dict[str, Any], field_types: Mapping[str, str], loc: Loc) -> Condition:
    unknown = sorted(set(raw) - {"field", "op", "value"})
    if unknown:
        raise FilterError([*loc, unknown[0]], "unknown key in a condition (expected field, op, value)")
    name = raw.get("field")
    if not isinstance(name, str) or not name:
        raise FilterError([*loc, "field"], "a condition needs a field")
    if name in STANDARD_FIELDS:
        kind, target = STANDARD_FIELDS[name]
    elif name.startswith("custom."):
        key = name.removeprefix("custom.")
        if key not in field_types:
            raise FilterError([*loc, "field"], f"unknown custom field '{key[:64]}'")
        kind, target = CUSTOM_KINDS[field_types[key]], key
    else:
        raise FilterError([*loc, "field"], f"unknown field '{name[:64]}'")
    op = raw.get("op")
    allowed = OPERATORS[kind]
    if not isinstance(op, str) or op not in allowed:
        raise FilterError([*loc, "op"], f"operator must be one of {', '.join(allowed)} for '{name}'")
    value = _parse_value(name, kind, op, raw.get("value"), [*loc, "value"])
    return Condition(field=name, kind=kind, op=op, value=value, target=target)


def _string(value: Any, loc: Loc) -> str:
    if not isinstance(value, str) or not value:
        raise FilterError(loc, "expected a non-empty string")
    if len(value) > MAX_STRING_CHARS:
        raise FilterError(loc, f"at most {MAX_STRING_CHARS} characters")
    return value


def _string_list(value: Any, loc: Loc) -> list[str]:
    if not isinstance(value, list) or not value:
        raise FilterError(loc, "expected a non-empty list of strings")
    if len(value) > MAX_LIST_VALUES:
        raise FilterError(loc, f"at most {MAX_LIST_VALUES} values in a list")
    return [_string(item, [*loc, i]) for i, item in enumerate(value)]


def _code(name: str, value: str, loc: Loc) -> str:
    if name == "country":
        return normalize_country(value, loc) or ""
    if name in ID_FIELDS:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            raise FilterError(loc, f"'{value[:64]}' is not an id") from None
    if name == "conversation_status" and value not in CONVERSATION_STATUSES:
        raise FilterError(loc, "expected 'open' or 'closed'")
    return value


def _number(value: Any, loc: Loc) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FilterError(loc, "expected a finite number")
    return float(value)


def _instant(value: Any, loc: Loc) -> datetime:
    """ISO 8601 with a UTC offset; a plain date (YYYY-MM-DD) is midnight UTC."""
    text = _string(value, loc)
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise FilterError(loc, "expected an ISO 8601 date-time with a UTC offset") from None
    if parsed.tzinfo is None:
        raise FilterError(loc, "a date-time needs a UTC offset, e.g. 2024-05-01T09:00:00+08:00")
    return parsed.astimezone(UTC)


def _relative(value: Any, loc: Loc) -> RelativeTime:
    if not isinstance(value, dict) or set(value) != {"amount", "unit"}:
        raise FilterError(loc, "expected {'amount': n, 'unit': minutes|hours|days|weeks|months}")
    amount, unit = value["amount"], value["unit"]
    if unit not in MAX_AMOUNT:
        raise FilterError([*loc, "unit"], "unit must be minutes, hours, days, weeks or months")
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= MAX_AMOUNT[unit]:
        raise FilterError([*loc, "amount"], f"amount must be a whole number from 1 to {MAX_AMOUNT[unit]}")
    return RelativeTime(amount=amount, unit=unit)


def _pair(value: Any, loc: Loc) -> list[Any]:
    if not isinstance(value, list) or len(value) != 2:
        raise FilterError(loc, "between takes [from, to]")
    return value


def _parse_value(name: str, kind: str, op: str, value: Any, loc: Loc) -> Any:
    if op in ("exists", "not_exists"):
        if value is not None and value is not True:
            raise FilterError(loc, f"{op} takes no value")
        return None
    if kind in ("text", "text_custom"):
        if op in ("in", "not_in"):
            return sorted({fold(v) for v in _string_list(value, loc)})
        return fold(_string(value, loc))
    if kind in ("code", "status"):
        if op in ("in", "not_in"):
            return sorted({_code(name, v, [*loc, i]) for i, v in enumerate(_string_list(value, loc))})
        return _code(name, _string(value, loc), loc)
    if kind == "set":
        values = _string_list(value, loc)
        if name == "tags":
            return sorted({fold(v) for v in values})
        return sorted({_code(name, v, [*loc, i]) for i, v in enumerate(values)})
    if kind == "datetime":
        if op in ("within_last", "older_than"):
            return _relative(value, loc)
        if op == "between":
            low, high = (_instant(v, [*loc, i]) for i, v in enumerate(_pair(value, loc)))
            if low > high:
                raise FilterError(loc, "between needs from <= to")
            return (low, high)
        return _instant(value, loc)
    if kind == "number":
        if op == "between":
            low_n, high_n = (_number(v, [*loc, i]) for i, v in enumerate(_pair(value, loc)))
            if low_n > high_n:
                raise FilterError(loc, "between needs from <= to")
            return (low_n, high_n)
        return _number(value, loc)
    if kind == "boolean":
        if not isinstance(value, bool):
            raise FilterError(loc, "expected true or false")
        return value
    raise FilterError(loc, f"unsupported field kind {kind}")


# --------------------------------------------------------------------------- compilation


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


def compile_filter(node: FilterNode, now: datetime | None = None) -> dict[str, Any]:
    """One OpenSearch clause (filter context) for a parsed tree."""
    moment = now or datetime.now(UTC)
    if isinstance(node, Condition):
        return compile_condition(node, moment)
    clauses = [compile_filter(child, moment) for child in node.nodes]
    if node.combinator == "and":
        return {"bool": {"filter": clauses}}
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def and_nodes(*nodes: FilterNode | None) -> FilterNode | None:
    """AND already-parsed trees (e.g. a view's filter with the request's)."""
    present = [n for n in nodes if n is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return Group(combinator="and", nodes=present)
