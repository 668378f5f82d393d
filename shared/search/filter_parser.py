"""The filter tree, parsed: a raw filter checked against the contract and turned into typed nodes.

A group is {"and": [nodes]} or {"or": [nodes]}; a condition is {"field", "op", "value"}.
Parsing checks everything the contract fixes (fields, operators per field type, values, limits;
the fields and operators come from the registry, shared.fields) and raises FilterError naming
the offending node, e.g. ["filter", "and", 1, "or", 0, "value"]; FilterError is a FieldError, so
the API answers it as a 422 problem without extra wiring. shared.search.filter_compiler turns
the parsed tree into an OpenSearch clause.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from shared.contact_rules import FieldError, normalize_country
from shared.fields import CUSTOM_KINDS, FILTERABLE, ID_VALUED, OPERATORS
from shared.text import fold

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


def and_nodes(*nodes: FilterNode | None) -> FilterNode | None:
    """AND already-parsed trees (e.g. a view's filter with the request's)."""
    present = [n for n in nodes if n is not None]
    if not present:
        return None
    if len(present) == 1:
        return present[0]
    return Group(combinator="and", nodes=present)
