"""Typed custom field values, checked against the workspace's field definitions (shared by API and worker)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared.contact_rules import invalid, normalize_email, normalize_phone, normalize_url
from shared.models import ContactField

MAX_TEXT = 1000
MAX_NUMBER = 10**15
# Custom fields a workspace may define; each owns one sort slot of the index (migration 0002).
MAX_FIELDS = 100


def field_definitions(session: Session, workspace_id: uuid.UUID) -> dict[str, ContactField]:
    rows = session.scalars(select(ContactField).where(ContactField.workspace_id == workspace_id))
    return {f.key: f for f in rows}


class LazyFieldTypes(Mapping[str, str]):
    """key -> type of a workspace's custom fields (and each field's sort slot), read on first use:
    most searches (text, standard fields) never look a custom field up, and so skip the query."""

    def __init__(self, session: Session, workspace_id: uuid.UUID) -> None:
        self._session, self._workspace_id = session, workspace_id
        self._types: dict[str, str] | None = None
        self._slots: dict[str, int | None] = {}

    def _loaded(self) -> dict[str, str]:
        if self._types is None:
            rows = custom_field_rows(self._session, self._workspace_id)
            self._types = {key: kind for key, kind, _ in rows}
            self._slots = {key: slot for key, _, slot in rows}
        return self._types

    def slot(self, key: str) -> int | None:
        """The field's sort slot (None for an unknown field)."""
        self._loaded()
        return self._slots.get(key)

    def __getitem__(self, key: str) -> str:
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


def custom_field_rows(session: Session, workspace_id: uuid.UUID) -> list[tuple[str, str, int | None]]:
    """(key, type, sort slot) of the workspace's custom fields: all the search compiler needs,
    without loading whole definitions."""
    rows = session.execute(
        select(ContactField.key, ContactField.type, ContactField.sort_slot).where(
            ContactField.workspace_id == workspace_id
        )
    )
    return [(key, kind, slot) for key, kind, slot in rows]


def custom_field_types(session: Session, workspace_id: uuid.UUID) -> dict[str, str]:
    """key -> type of the workspace's custom fields."""
    return {key: kind for key, kind, _ in custom_field_rows(session, workspace_id)}


def coerce_value(definition: ContactField, value: Any, loc: list[str | int], country: str | None) -> Any:
    """The stored form of a value, or a 422 naming the field when it does not fit the type."""
    kind = definition.type

    def bad(expected: str) -> Exception:
        got = value if isinstance(value, str | bool | float) or value is None else type(value).__name__
        return invalid(loc, f"expected {expected} for {kind} field '{definition.key}', got {got!r}"[:300])

    if kind in ("text", "select", "url", "email", "phone") and not isinstance(value, str):
        raise bad("a string")
    if kind == "text":
        if len(value) > MAX_TEXT:
            raise invalid(loc, f"at most {MAX_TEXT} characters")
        return value
    if kind == "select":
        if value not in definition.options:
            raise invalid(loc, f"'{value[:100]}' is not one of the options {definition.options}")
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad("a number")
        # Beyond 1e15 JSON clients (doubles) lose integer precision; huge ints would not even fit.
        if isinstance(value, int) and abs(value) > MAX_NUMBER:
            raise invalid(loc, f"a number between -{MAX_NUMBER:.0e} and {MAX_NUMBER:.0e}")
        if isinstance(value, float) and (not math.isfinite(value) or abs(value) > MAX_NUMBER):
            raise invalid(loc, f"a finite number between -{MAX_NUMBER:.0e} and {MAX_NUMBER:.0e}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind == "date":
        if not isinstance(value, str):
            raise bad("an ISO date (YYYY-MM-DD)")
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            raise bad("an ISO date (YYYY-MM-DD)") from None
    if kind == "datetime":
        if not isinstance(value, str):
            raise bad("an ISO 8601 date-time")
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise bad("an ISO 8601 date-time") from None
        if parsed.tzinfo is None:
            raise invalid(loc, "a date-time needs a UTC offset")
        try:
            return parsed.astimezone(UTC).isoformat()
        except OverflowError:  # e.g. 0001-01-01T00:00+14:00 has no UTC equivalent
            raise bad("a date-time between years 1 and 9999 in UTC") from None
    if kind == "email":
        return normalize_email(value, loc)
    if kind == "phone":
        return normalize_phone(value, country, loc)
    if kind == "url":
        return normalize_url(value, loc)
    raise bad("a known field type")


def apply_custom_fields(
    current: dict[str, Any],
    incoming: dict[str, Any],
    definitions: dict[str, ContactField],
    country: str | None,
    loc_prefix: str = "custom_fields",
) -> dict[str, Any]:
    """Merge incoming values into current ones; null removes a value."""
    merged = dict(current)
    for key, value in incoming.items():
        loc: list[str | int] = [loc_prefix, key]
        definition = definitions.get(key)
        if definition is None:
            raise invalid(loc, f"unknown custom field '{key}'")
        if value is None or value == "":
            merged.pop(key, None)
        else:
            merged[key] = coerce_value(definition, value, loc, country)
    return merged
