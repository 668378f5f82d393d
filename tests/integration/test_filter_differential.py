"""Differential property test: for random nested filter trees, the search service must return
exactly the contacts a plain-Python reading of the contract's semantics selects, and the
aggregation service must count them exactly so: every facet value and every histogram bucket.

The reference evaluator below is written from API.md alone (it never calls the compiler): text
compares folded (case and accents ignored), negations also match empty fields, time comparisons
only match contacts that have a value, `between` includes both ends.
"""

from __future__ import annotations

import calendar
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shared.text import fold
from tests.factories import WorkspaceCtx, add_channel, add_field, add_user, new_contact, new_workspace
from tests.integration.search_support import search_ids, set_activity

NOW = datetime.now(UTC).replace(microsecond=0)
# Activity instants sit far from every relative bound the strategies can draw.
AGES = [timedelta(hours=2), timedelta(days=3), timedelta(days=40), timedelta(days=400)]
FIRST = ["Zoë", "zoe", "ANNA", "Ánna", "Jean-Pierre", "Bob", "Ørsted", "Müller", "o'Neil", None]
LAST = ["Åström", "astrom", "Smith", "García", "garcia", "Lee", None]
EMAILS = ["zoe@acme.com", "anna.b@example.org", "bob@acme.com", "jp@mail.fr", None]
PHONES = ["+60123456789", "+6591234567", "+33612345678", None]
COUNTRIES = ["MY", "SG", "FR", None]
LANGUAGES = ["en", "fr", "en-GB", "ms", None]
TAGS = ["VIP", "Gold", "lead", "Café", "a*b"]
PLANS = ["basic", "Pro", "Enterprise"]
NOTES = ["Likes Crème brûlée", "call after 5", "VIP* customer", "naïve question"]
FIELD_TYPES = {
    "plan": "select",
    "note": "text",
    "score": "number",
    "birthday": "date",
    "renewal": "datetime",
    "active": "boolean",
    "site": "url",
    "alt_email": "email",
}
DATE_FIELDS = [
    "created_at",
    "updated_at",
    "last_interaction_at",
    "conversation_opened_at",
    "last_incoming_message_at",
]


@dataclass
class Dataset:
    ws: WorkspaceCtx
    users: list[str]
    channels: list[str]
    contacts: dict[str, dict[str, Any]] = field(default_factory=dict)


def _custom_values(rng: random.Random) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if rng.random() < 0.7:
        values["plan"] = rng.choice(PLANS)
    if rng.random() < 0.6:
        values["note"] = rng.choice(NOTES)
    if rng.random() < 0.7:
        values["score"] = rng.choice([0, 1.5, 10, 42, -3, 100])
    if rng.random() < 0.6:
        values["birthday"] = (date(1990, 1, 1) + timedelta(days=rng.randrange(0, 12000))).isoformat()
    if rng.random() < 0.6:
        values["renewal"] = (NOW - rng.choice(AGES) + timedelta(days=rng.choice([0, 500]))).isoformat()
    if rng.random() < 0.7:
        values["active"] = rng.random() < 0.5
    if rng.random() < 0.5:
        values["site"] = rng.choice(["https://acme.com/x", "http://Example.org"])
    if rng.random() < 0.5:
        values["alt_email"] = rng.choice(["Alt@Acme.com", "other@example.org"])
    return values


@pytest.fixture(scope="module")
def dataset(client: Any, session_factory: Any, search_client: Any, settings: Any) -> Iterator[Dataset]:
    yield build_dataset(client, session_factory, search_client, settings)


def build_dataset(client: Any, session_factory: Any, search_client: Any, settings: Any) -> Dataset:
    """The workspace the property runs over, through the API of `client`, indexed by the relay
    into `settings.index_alias` (tests.integration.test_scaling_partitioned_index reuses it)."""
    from indexer_worker import relay

    ws = new_workspace(client, f"diff-{uuid.uuid4().hex[:8]}")
    for key, type_ in FIELD_TYPES.items():
        add_field(session_factory, ws, key, type_, PLANS if type_ == "select" else None)
    data = Dataset(
        ws=ws,
        users=[ws.owner_id, add_user(session_factory, ws).id],
        channels=[add_channel(session_factory, ws, n) for n in ("Acme WhatsApp", "Support Mail", "Web")],
    )
    rng = random.Random(20241125)
    for i in range(60):
        body: dict[str, Any] = {
            "first_name": rng.choice(FIRST),
            "last_name": rng.choice(LAST),
            "email": rng.choice(EMAILS),
            "phone": rng.choice(PHONES),
            "country": rng.choice(COUNTRIES),
            "language": rng.choice(LANGUAGES),
            "tags": rng.sample(TAGS, rng.randrange(0, 4)),
            "assignee_id": rng.choice([*data.users, None]),
            "custom_fields": _custom_values(rng),
        }
        if not (body["first_name"] or body["email"] or body["phone"]):
            body["first_name"] = f"Contact {i}"
        contact = new_contact(client, ws, **{k: v for k, v in body.items() if v is not None})
        channels = rng.sample(data.channels, rng.randrange(0, 3))
        activity: dict[str, Any] = {
            name: (NOW - rng.choice(AGES)) if rng.random() < 0.7 else None for name in DATE_FIELDS[2:]
        }
        activity["conversation_status"] = rng.choice(["open", "closed"])
        activity["last_interacted_channel_id"] = rng.choice(channels) if channels else None
        set_activity(
            session_factory,
            ws,
            contact["id"],
            channels=tuple((c, f"ext-{i}-{c[:4]}") for c in channels),
            **activity,
        )
        got = client.get(f"/v1/contacts/{contact['id']}", headers=ws.headers).json()
        data.contacts[got["id"]] = got
    relay.drain(session_factory, search_client, settings)
    search_client.indices.refresh(index=settings.index_alias)
    return data


# ----------------------------------------------------------------------------- reference semantics


def _instant(value: str) -> datetime:
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC)
    return datetime.fromisoformat(value).astimezone(UTC)


def _back(now: datetime, amount: int, unit: str) -> datetime:
    if unit == "months":
        month_index = now.year * 12 + now.month - 1 - amount
        year, month = month_index // 12, month_index % 12 + 1
        return now.replace(year=year, month=month, day=min(now.day, calendar.monthrange(year, month)[1]))
    return now - timedelta(**{unit: amount})


def _value_of(contact: dict[str, Any], name: str) -> Any:
    """The contact's value for a filter field: None when empty."""
    if name == "channels":
        return {c["channel_id"] for c in contact["channels"]}
    if name == "tags":
        return {fold(t) for t in contact["tags"]}
    if name.startswith("custom."):
        key = name.removeprefix("custom.")
        value = contact["custom_fields"].get(key)
        kind = FIELD_TYPES[key]
        if value is None:
            return None
        if kind in ("date", "datetime"):
            return _instant(value)
        if kind == "number":
            return float(value)
        if kind == "boolean":
            return value
        return fold(str(value))
    value = contact[name]
    if value is None or value == "":
        return None
    if name in DATE_FIELDS:
        return datetime.fromisoformat(value).astimezone(UTC)
    if name in ("first_name", "last_name", "email", "phone", "language"):
        return fold(value)
    return str(value)


def _text(value: Any, name: str) -> Any:
    if name in ("country",):
        return value.upper()
    if name in ("assignee_id", "last_interacted_channel_id", "conversation_status"):
        return value
    return fold(value)


def matches(contact: dict[str, Any], node: dict[str, Any], now: datetime) -> bool:
    if "and" in node:
        return all(matches(contact, child, now) for child in node["and"])
    if "or" in node:
        return any(matches(contact, child, now) for child in node["or"])
    name, op = node["field"], node["op"]
    arg: Any = node.get("value")
    have = _value_of(contact, name)
    empty = have is None or have == set()
    if op == "exists":
        return not empty
    if op == "not_exists":
        return empty
    if op in ("has_any", "has_all", "has_none"):
        wanted = {fold(v) if name == "tags" else v for v in arg}
        verdicts = {
            "has_any": bool(have & wanted),
            "has_all": wanted <= have,
            "has_none": not (have & wanted),
        }
        return verdicts[op]
    custom_type = FIELD_TYPES.get(name.removeprefix("custom."), "") if name.startswith("custom.") else ""
    is_time = name in DATE_FIELDS or custom_type in ("date", "datetime")
    if is_time and op in ("before", "after", "between", "within_last", "older_than"):
        if empty:
            return False
        if op == "before":
            return bool(have < _instant(arg))
        if op == "after":
            return bool(have > _instant(arg))
        if op == "between":
            return bool(_instant(arg[0]) <= have <= _instant(arg[1]))
        bound = _back(now, arg["amount"], arg["unit"])
        return bool(bound <= have <= now) if op == "within_last" else bool(have < bound)
    if custom_type == "number":
        if op == "between":
            return not empty and arg[0] <= have <= arg[1]
        compare = {
            "eq": lambda: have == arg,
            "neq": lambda: have != arg,
            "gt": lambda: have > arg,
            "gte": lambda: have >= arg,
            "lt": lambda: have < arg,
            "lte": lambda: have <= arg,
        }
        if op == "neq":
            return empty or have != arg
        return not empty and bool(compare[op]())
    if isinstance(arg, bool):
        return have is arg
    if op in ("in", "not_in"):
        found = not empty and have in {_text(v, name) for v in arg}
        return found if op == "in" else not found
    wanted_text = _text(arg, name)
    positive: dict[str, Callable[[], Any]] = {
        "eq": lambda: have == wanted_text,
        "neq": lambda: have == wanted_text,
        "contains": lambda: wanted_text in have,
        "not_contains": lambda: wanted_text in have,
        "starts_with": lambda: have.startswith(wanted_text),
    }
    hit = not empty and bool(positive[op]())
    return not hit if op in ("neq", "not_contains") else hit


# ----------------------------------------------------------------------------- random trees

TEXT_VALUES = [
    "zoe",
    "ZOË",
    "anna",
    "astrom",
    "GARCÍA",
    "smi",
    "acme",
    "@acme.com",
    "+60",
    "en",
    "*",
    "o'n",
    "a*b",
]
RELATIVE = [
    {"amount": 30, "unit": "minutes"},
    {"amount": 1, "unit": "hours"},
    {"amount": 1, "unit": "days"},
    {"amount": 2, "unit": "weeks"},
    {"amount": 6, "unit": "months"},
]
INSTANTS = [(NOW - a - timedelta(hours=1)).isoformat() for a in AGES] + [
    (NOW + timedelta(days=1)).isoformat(),
    "2010-06-01T00:00:00+08:00",
]


@st.composite
def condition(draw: st.DrawFn, channels: list[str], users: list[str]) -> dict[str, Any]:
    kind = draw(st.sampled_from(["text", "country", "user", "chan", "status", "date", "set", "custom"]))
    if kind == "text":
        name = draw(st.sampled_from(["first_name", "last_name", "email", "phone", "language"]))
        op = draw(
            st.sampled_from(["eq", "neq", "contains", "not_contains", "starts_with", "exists", "not_exists"])
        )
        return _cond(name, op, draw(st.sampled_from(TEXT_VALUES)))
    if kind in ("country", "user", "chan"):
        name, pool = {
            "country": ("country", ["MY", "sg", "FR", "US"]),
            "user": ("assignee_id", users),
            "chan": ("last_interacted_channel_id", channels),
        }[kind]
        op = draw(st.sampled_from(["eq", "neq", "in", "not_in", "exists", "not_exists"]))
        if op in ("in", "not_in"):
            return _cond(name, op, draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3)))
        return _cond(name, op, draw(st.sampled_from(pool)))
    if kind == "status":
        return _cond(
            "conversation_status",
            draw(st.sampled_from(["eq", "neq"])),
            draw(st.sampled_from(["open", "closed"])),
        )
    if kind == "date":
        return _date_cond(draw, draw(st.sampled_from([*DATE_FIELDS, "custom.renewal", "custom.birthday"])))
    if kind == "set":
        name = draw(st.sampled_from(["tags", "channels"]))
        pool = ["vip", "GOLD", "Lead", "cafe", "café", "nope", "a*b"] if name == "tags" else channels
        op = draw(st.sampled_from(["has_any", "has_all", "has_none", "exists", "not_exists"]))
        return _cond(name, op, draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3)))
    key = draw(st.sampled_from(list(FIELD_TYPES)))
    name = f"custom.{key}"
    ftype = FIELD_TYPES[key]
    if ftype in ("date", "datetime"):
        return _date_cond(draw, name)
    if ftype == "number":
        op = draw(st.sampled_from(["eq", "neq", "gt", "gte", "lt", "lte", "between", "exists", "not_exists"]))
        nums = st.sampled_from([0, 1.5, 10, 42, -3, 100, 7])
        value: Any = sorted([draw(nums), draw(nums)]) if op == "between" else draw(nums)
        return _cond(name, op, value)
    if ftype == "boolean":
        return _cond(name, draw(st.sampled_from(["eq", "exists", "not_exists"])), draw(st.booleans()))
    op = draw(
        st.sampled_from(
            ["eq", "neq", "contains", "not_contains", "starts_with", "in", "not_in", "exists", "not_exists"]
        )
    )
    pool = ["PRO", "enterprise", "creme", "VIP*", "https://acme", "alt@acme.com", "*", "?"]
    if op in ("in", "not_in"):
        return _cond(name, op, draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3)))
    return _cond(name, op, draw(st.sampled_from(pool)))


def _date_cond(draw: st.DrawFn, name: str) -> dict[str, Any]:
    op = draw(
        st.sampled_from(["before", "after", "between", "within_last", "older_than", "exists", "not_exists"])
    )
    if op in ("within_last", "older_than"):
        return _cond(name, op, draw(st.sampled_from(RELATIVE)))
    if op == "between":
        pair = sorted([draw(st.sampled_from(INSTANTS)), draw(st.sampled_from(INSTANTS))], key=_instant)
        return _cond(name, op, pair)
    return _cond(name, op, draw(st.sampled_from(INSTANTS)))


def _cond(name: str, op: str, value: Any) -> dict[str, Any]:
    if op in ("exists", "not_exists"):
        return {"field": name, "op": op}
    return {"field": name, "op": op, "value": value}


def tree(channels: list[str], users: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    def node(depth: int) -> st.SearchStrategy[dict[str, Any]]:
        leaf = condition(channels, users)
        if depth >= 4:
            return leaf
        group = st.tuples(
            st.sampled_from(["and", "or"]), st.lists(node(depth + 1), min_size=1, max_size=3)
        ).map(lambda pair: {pair[0]: pair[1]})
        return st.one_of(leaf, leaf, group)

    return st.tuples(st.sampled_from(["and", "or"]), st.lists(node(1), min_size=1, max_size=4)).map(
        lambda pair: {pair[0]: pair[1]}
    )


@st.composite
def filters(draw: st.DrawFn, data: Dataset) -> dict[str, Any]:
    return draw(tree(data.channels, data.users))


# ----------------------------------------------------------------------------- reference counts

FACETS = [
    "tags",
    "channels",
    "country",
    "language",
    "assignee_id",
    "conversation_status",
    "source",
    "last_interacted_channel_id",
    "custom.plan",
    "custom.active",
    "custom.note",
]
# Written from the contract alone, like the filter reference: an hour, a day, a week from Monday,
# a month, each in the histogram's time zone; a calendar date is the same day in every zone.
ZONES = ["UTC", "Asia/Kuala_Lumpur", "America/New_York", "Asia/Kolkata"]
HISTOGRAM_FIELDS = [*DATE_FIELDS, "custom.renewal", "custom.birthday"]
HISTOGRAM_BOUNDS = [
    None,
    None,
    (NOW - timedelta(days=45)).date().isoformat(),
    (NOW - timedelta(days=2, hours=7)).isoformat(),
    (NOW - timedelta(days=500)).isoformat(),
    (NOW + timedelta(days=3)).isoformat(),
    "2000-01-01",
    "2021-06-15T12:00:00+08:00",
]
MAX_BUCKETS = 2000


def facet_values(contact: dict[str, Any], name: str) -> list[Any]:
    """The values of a facet field one contact is counted under ([None] for nobody assigned)."""
    if name == "tags":
        return sorted({fold(t) for t in contact["tags"]})
    if name == "channels":
        return sorted({c["channel_id"] for c in contact["channels"]})
    if name.startswith("custom."):
        value = contact["custom_fields"].get(name.removeprefix("custom."))
        if value is None:
            return []
        return [fold(value)] if name == "custom.note" else [value]
    value = contact[name]
    if name == "assignee_id":
        return [value]
    if value is None or value == "":
        return []
    return [fold(value) if name == "language" else value]


def expected_facet(contacts: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    counts: dict[Any, int] = {}
    for contact in contacts:
        for value in facet_values(contact, name):
            counts[value] = counts.get(value, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0] is None, fold(str(kv[0]))))
    return [{"value": value, "count": count} for value, count in ordered]


def _local_start(moment: datetime, interval: str, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    if interval == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.date()
    if interval == "week":
        day = day - timedelta(days=day.weekday())
    if interval == "month":
        day = date(day.year, day.month, 1)
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def _following(start: datetime, interval: str, zone: ZoneInfo) -> datetime:
    if interval == "hour":
        return _local_start(start.astimezone(UTC) + timedelta(hours=1), interval, zone)
    if interval == "month":
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return datetime(year, month, 1, tzinfo=zone)
    step = timedelta(days=7 if interval == "week" else 1)
    day = start.date() + step
    return datetime(day.year, day.month, day.day, tzinfo=zone)


def histogram_instant(contact: dict[str, Any], name: str) -> datetime | None:
    if name.startswith("custom."):
        value = contact["custom_fields"].get(name.removeprefix("custom."))
        return _instant(value) if value is not None else None
    value = contact[name]
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def _bound(text: str, zone: ZoneInfo) -> datetime:
    if len(text) == 10:
        day = date.fromisoformat(text)
        return datetime(day.year, day.month, day.day, tzinfo=zone)
    return datetime.fromisoformat(text)


def expected_histogram(contacts: list[dict[str, Any]], spec: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The buckets, or None when they are more than MAX_BUCKETS (the API's 422)."""
    date_only = spec["field"] == "custom.birthday"
    zone = ZoneInfo("UTC" if date_only else spec["time_zone"])
    values = [v for v in (histogram_instant(c, spec["field"]) for c in contacts) if v is not None]
    low = _bound(spec["from"], zone) if "from" in spec else None
    high = _bound(spec["to"], zone) if "to" in spec else None
    if low is None and high is None and not values:
        return []
    if low is None:  # from the earliest value, or from `to` when every value is later
        low = min([*values, high]) if high is not None else min(values)
    if high is None:  # to the latest value, or to `from` when every value is earlier
        high = max([*values, low])
    assert low is not None and high is not None
    # Bucket starts as UTC instants: Python compares and hashes two aware times of one zone by
    # their wall clock, so the two 01:00 of a DST fall-back would be one bucket.
    interval = spec["interval"]
    starts = [_local_start(low, interval, zone).astimezone(UTC)]
    last = _local_start(high, interval, zone).astimezone(UTC)
    while starts[-1] < last:
        starts.append(_following(starts[-1].astimezone(zone), interval, zone).astimezone(UTC))
        if len(starts) > MAX_BUCKETS:
            return None
    counts = dict.fromkeys(starts, 0)
    for value in values:
        start = _local_start(value, interval, zone).astimezone(UTC)
        if start in counts:
            counts[start] += 1
    return [
        {
            "start": start.date().isoformat() if date_only else start.astimezone(zone).isoformat(),
            "count": count,
        }
        for start, count in counts.items()
    ]


@st.composite
def histogram_specs(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(HISTOGRAM_FIELDS))
    intervals = ["day", "week", "month"] if name == "custom.birthday" else ["hour", "day", "week", "month"]
    spec: dict[str, Any] = {
        "field": name,
        "interval": draw(st.sampled_from(intervals)),
        "time_zone": draw(st.sampled_from(ZONES)),
    }
    bounds = [draw(st.sampled_from(HISTOGRAM_BOUNDS)), draw(st.sampled_from(HISTOGRAM_BOUNDS))]
    zone = ZoneInfo(spec["time_zone"])
    if all(bounds) and _bound(bounds[0], zone) > _bound(bounds[1], zone):  # type: ignore[arg-type]
        bounds.reverse()
    for key, bound in zip(("from", "to"), bounds, strict=True):
        if bound is not None:
            spec[key] = bound
    return spec


def check_aggregations(
    client: Any, data: Dataset, filter_tree: dict[str, Any], histogram: dict[str, Any], selected: set[str]
) -> bool:
    """Every facet count and histogram bucket equals the reference count over `selected`; True
    when the histogram was within the bucket limit."""
    contacts = [data.contacts[cid] for cid in sorted(selected)]
    response = client.post(
        "/v1/contacts/aggregate",
        headers=data.ws.headers,
        json={"filter": filter_tree, "facets": [{"field": f, "size": 100} for f in FACETS]},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == len(selected)
    for name in FACETS:
        assert body["facets"][name] == expected_facet(contacts, name), (name, filter_tree)
    expected = expected_histogram(contacts, histogram)
    response = client.post(
        "/v1/contacts/aggregate",
        headers=data.ws.headers,
        json={"filter": filter_tree, "histograms": [histogram]},
    )
    if expected is None:
        assert response.status_code == 422, (response.text, histogram)
        assert response.json()["errors"][0]["loc"] == ["histograms", 0]
        return False
    assert response.status_code == 200, (response.text, histogram)
    assert response.json()["histograms"][histogram["field"]] == expected, (histogram, filter_tree)
    return True


def test_the_filter_tree_selects_exactly_what_the_contract_says(client: Any, dataset: Dataset) -> None:
    check_differential(client, dataset)


def check_differential(client: Any, dataset: Dataset, max_examples: int = 150) -> None:
    """Searches and aggregations of random filter trees against the reference evaluator."""
    selected_any = 0
    histograms_checked = 0

    @hsettings(max_examples=max_examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(filter_tree=filters(dataset), histogram=histogram_specs())
    @example(
        {"and": [{"field": "first_name", "op": "contains", "value": "*"}]},
        {"field": "last_interaction_at", "interval": "day", "time_zone": "Asia/Kuala_Lumpur"},
    )
    @example(
        {"or": [{"field": "custom.note", "op": "contains", "value": "VIP*"}]},
        {"field": "custom.birthday", "interval": "month", "time_zone": "America/New_York"},
    )
    @example(
        {"or": [{"field": "custom.note", "op": "not_contains", "value": "vip?"}]},
        {"field": "created_at", "interval": "hour", "time_zone": "Asia/Kolkata"},
    )
    @example(
        {"and": [{"field": "tags", "op": "has_all", "value": ["A*B", "vip"]}]},
        {"field": "custom.renewal", "interval": "week", "time_zone": "UTC", "from": HISTOGRAM_BOUNDS[2]},
    )
    @example(
        {"and": [{"field": "last_name", "op": "neq", "value": "ASTROM"}]},
        {"field": "last_incoming_message_at", "interval": "hour", "time_zone": "UTC"},
    )
    @example(
        {"and": [{"field": "custom.score", "op": "between", "value": [0, 10]}]},
        {
            "field": "conversation_opened_at",
            "interval": "month",
            "time_zone": "America/New_York",
            "from": "2000-01-01",
            "to": HISTOGRAM_BOUNDS[5],
        },
    )
    @example(
        {"and": [{"field": "custom.renewal", "op": "older_than", "value": {"amount": 1, "unit": "months"}}]},
        {
            "field": "updated_at",
            "interval": "day",
            "time_zone": "Asia/Kuala_Lumpur",
            "to": HISTOGRAM_BOUNDS[3],
        },
    )
    def check(filter_tree: dict[str, Any], histogram: dict[str, Any]) -> None:
        nonlocal selected_any, histograms_checked
        got = search_ids(client, dataset.ws, filter=filter_tree, page_size=200)
        now = datetime.now(UTC)
        expected = {cid for cid, c in dataset.contacts.items() if matches(c, filter_tree, now)}
        assert got == expected, filter_tree
        selected_any += 0 < len(expected) < len(dataset.contacts)
        histograms_checked += check_aggregations(client, dataset, filter_tree, histogram, expected)

    check()
    # The trees are not degenerate: many of them select a proper, non-empty subset, and most
    # histograms are within the bucket limit (the rest must be refused).
    assert selected_any > max_examples // 5
    assert histograms_checked > max_examples * 2 // 5
