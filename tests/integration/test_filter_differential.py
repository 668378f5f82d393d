"""Differential property test: for random nested filter trees, the search service must return
exactly the contacts a plain-Python reading of the contract's semantics selects.

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

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shared.text import fold
from tests.conftest import ADMIN_KEY, WorkspaceCtx
from tests.integration.search_support import (
    add_channel,
    add_field,
    add_user,
    create_contact,
    search_ids,
    set_activity,
)

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
    from indexer_worker import relay

    suffix = uuid.uuid4().hex[:8]
    made = client.post(
        "/v1/workspaces",
        headers={"X-Admin-Key": ADMIN_KEY},
        json={"name": f"diff-{suffix}", "owner": {"email": f"o-{suffix}@example.com", "name": "O"}},
    ).json()
    ws = WorkspaceCtx(id=made["workspace"]["id"], owner_id=made["user"]["id"], token=made["token"])
    for key, type_ in FIELD_TYPES.items():
        add_field(session_factory, ws, key, type_, PLANS if type_ == "select" else None)
    data = Dataset(
        ws=ws,
        users=[ws.owner_id, add_user(session_factory, ws)],
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
        contact = create_contact(client, ws, **{k: v for k, v in body.items() if v is not None})
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
    yield data


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


def test_the_filter_tree_selects_exactly_what_the_contract_says(client: Any, dataset: Dataset) -> None:
    selected_any = 0

    @hsettings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(filter_tree=filters(dataset))
    @example({"and": [{"field": "first_name", "op": "contains", "value": "*"}]})
    @example({"or": [{"field": "custom.note", "op": "contains", "value": "VIP*"}]})
    @example({"or": [{"field": "custom.note", "op": "not_contains", "value": "vip?"}]})
    @example({"and": [{"field": "tags", "op": "has_all", "value": ["A*B", "vip"]}]})
    @example({"and": [{"field": "last_name", "op": "neq", "value": "ASTROM"}]})
    @example({"and": [{"field": "custom.score", "op": "between", "value": [0, 10]}]})
    @example(
        {"and": [{"field": "custom.renewal", "op": "older_than", "value": {"amount": 1, "unit": "months"}}]}
    )
    def check(filter_tree: dict[str, Any]) -> None:
        nonlocal selected_any
        got = search_ids(client, dataset.ws, filter=filter_tree, page_size=200)
        now = datetime.now(UTC)
        expected = {cid for cid, c in dataset.contacts.items() if matches(c, filter_tree, now)}
        assert got == expected, filter_tree
        selected_any += 0 < len(expected) < len(dataset.contacts)

    check()
    # The trees are not degenerate: many of them select a proper, non-empty subset.
    assert selected_any > 30
