"""The query mix, each scenario runnable three ways: through the API (HTTP), the same compiled query
straight to OpenSearch, and the equivalent SQL on PostgreSQL with pg_trgm indexes (the page plus an
exact count, since the API answers exact totals too)."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

NESTED = {
    "and": [
        {"field": "country", "op": "in", "value": ["MY", "SG"]},
        {
            "or": [
                {"field": "tags", "op": "has_any", "value": ["vip"]},
                {"field": "custom.plan", "op": "eq", "value": "enterprise"},
            ]
        },
        {"field": "last_incoming_message_at", "op": "older_than", "value": {"amount": 24, "unit": "hours"}},
        {"field": "custom.score", "op": "gte", "value": 50},
    ]
}
NESTED_SQL = (
    "country IN ('MY', 'SG') AND (tags && ARRAY['vip']::varchar[] OR custom_fields->>'plan' = 'enterprise') "
    "AND last_incoming_message_at < now() - interval '24 hours' AND (custom_fields->>'score')::numeric >= 50"
)
NAME_EXPR = "lower(coalesce(first_name, '') || ' ' || coalesce(last_name, ''))"
PHONE_EXPR = "regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')"
DEFAULT_ORDER = "last_interaction_at DESC NULLS LAST, id"
SCORE_ORDER = "(custom_fields->>'score')::numeric DESC NULLS LAST, id"


@dataclass
class Request:
    """One search: the API body, and the WHERE / ORDER BY / OFFSET of its SQL twin."""

    query: str | None = None
    filter: dict[str, Any] | None = None
    sort: list[dict[str, str]] | None = None
    sql_where: str = "TRUE"
    sql_params: list[Any] = field(default_factory=list)
    sql_order: str = DEFAULT_ORDER
    page: int = 1  # pages are followed with cursors (API/OpenSearch) or OFFSET (SQL)


@dataclass
class Scenario:
    name: str
    make: Callable[[random.Random], Request]


def _name(rng: random.Random) -> Request:
    term = rng.choice(["ana", "jos", "zoe", "mei", "fran", "siti", "wong", "garc", "kumar", "lena"])
    return Request(
        query=term, sql_where=f"({NAME_EXPR} LIKE %s OR email LIKE %s)", sql_params=[f"%{term}%", f"{term}%"]
    )


def _phone(rng: random.Random) -> Request:
    run = f"{rng.randrange(0, 10_000):04d}"
    return Request(query=run, sql_where=f"{PHONE_EXPR} LIKE %s", sql_params=[f"%{run}%"])


def _email(rng: random.Random) -> Request:
    start = rng.choice(["ana.g", "jose.", "zoe.t", "mei.l", "priya", "john.s", "emma.", "wei.c"])
    # The API's plain text also finds the term in names: each run of three or more letters inside
    # the name, a shorter one at the start of a word ("ana.g" finds Ana Garcia, "jose." José).
    name_parts, params = [], [f"{start}%"]
    for piece in re.findall(r"[a-z0-9]+", start):
        if len(piece) >= 3:
            name_parts.append(f"{NAME_EXPR} LIKE %s")
            params.append(f"%{piece}%")
        else:
            name_parts.append(f"{NAME_EXPR} ~ %s")
            params.append(f"(^|[^[:alnum:]]){piece}")
    return Request(
        query=start, sql_where=f"(email LIKE %s OR ({' AND '.join(name_parts)}))", sql_params=params
    )


def _nested(rng: random.Random) -> Request:
    return Request(filter=NESTED, sql_where=NESTED_SQL)


def _text_and_nested(rng: random.Random) -> Request:
    text = _name(rng)
    return Request(
        query=text.query,
        filter=NESTED,
        sql_where=f"{text.sql_where} AND {NESTED_SQL}",
        sql_params=text.sql_params,
    )


def _custom_sort(rng: random.Random) -> Request:
    country = rng.choice(["MY", "SG", "ID"])
    return Request(
        filter={"field": "country", "op": "eq", "value": country},
        sort=[{"field": "custom.score", "order": "desc"}],
        sql_where="country = %s",
        sql_params=[country],
        sql_order=SCORE_ORDER,
    )


def _deep(rng: random.Random) -> Request:
    tag = rng.choice(["lead", "gold", "new"])
    return Request(
        filter={"field": "tags", "op": "has_any", "value": [tag]},
        sql_where="tags && %s::varchar[]",
        sql_params=[[tag]],
        page=20,
    )


SCENARIOS = [
    Scenario("text: part of a name", _name),
    Scenario("text: phone digits (4)", _phone),
    Scenario("text: e-mail start", _email),
    Scenario("filter: nested, 5 conditions", _nested),
    Scenario("text + nested filter", _text_and_nested),
    Scenario("sort by custom number", _custom_sort),
    Scenario("deep page (#20, cursor/OFFSET)", _deep),
]
