"""CSV export columns: validation against the catalogue, header labels and cell rendering.

Cells are rendered from plain rows (no ORM objects) so an export of millions of contacts stays fast;
every rendered cell then goes through shared.csv_safety.neutralize before it is written (which leaves
plain negative numbers as numbers and neutralises only what a spreadsheet could read as a formula).

Besides the table's columns an export may carry the contact's ID ("ID"): a re-import matches its
rows on it, so a contact with neither e-mail nor phone is updated rather than created again.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from shared.columns import COLUMN_LABELS, CUSTOM_PREFIX
from shared.contact_rules import TAG_SEPARATOR, FieldError
from shared.contact_source import display_name
from shared.fields import DATETIME

# Lists (tags, channels) are joined with this; imports split tags on ";" as CSV fields, so a tag
# holding ";" (or starting with a double quote) is written quoted: `"a; b"; vip`.
LIST_SEPARATOR = f"{TAG_SEPARATOR} "
MAX_COLUMNS = 200
# Columns an export may have beyond the table's (shared.columns): the contact's own ID.
EXPORT_ONLY_LABELS: dict[str, str] = {"id": "ID"}

DATETIME_COLUMNS = frozenset(DATETIME)


def validate_columns(columns: Sequence[str], custom_labels: dict[str, str]) -> list[str]:
    """The columns as given, or a FieldError (422) naming the first unknown or repeated one."""
    if not columns:
        raise FieldError(["columns"], "choose at least one column")
    if len(columns) > MAX_COLUMNS:
        raise FieldError(["columns"], f"at most {MAX_COLUMNS} columns")
    seen: set[str] = set()
    for position, column in enumerate(columns):
        if column in seen:
            raise FieldError(["columns", position], f"column '{column}' is listed twice")
        seen.add(column)
        if column.startswith(CUSTOM_PREFIX):
            if column.removeprefix(CUSTOM_PREFIX) not in custom_labels:
                raise FieldError(["columns", position], f"unknown custom field '{column}'")
        elif column not in COLUMN_LABELS and column not in EXPORT_ONLY_LABELS:
            raise FieldError(["columns", position], f"unknown column '{column}'")
    return list(columns)


def header_labels(columns: Sequence[str], custom_labels: dict[str, str]) -> list[str]:
    """Column labels; a label used twice (a custom field labelled "Email") is told apart by its key,
    so every header of an export can be mapped back on import."""
    labels: list[str] = []
    for column in columns:
        if column.startswith(CUSTOM_PREFIX):
            label = custom_labels.get(column.removeprefix(CUSTOM_PREFIX), column)
        else:
            label = COLUMN_LABELS.get(column) or EXPORT_ONLY_LABELS[column]
        if label in labels:
            label = f"{label} ({column})"
        labels.append(label)
    return labels


def render_custom(value: Any) -> str:
    """A stored custom value as text that the importer parses back to the same value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def render_tags(tags: Sequence[str]) -> str:
    """Tags joined by "; "; one that holds ";" or starts with a quote is quoted as a CSV field."""
    parts = []
    for tag in tags:
        if TAG_SEPARATOR in tag or tag.startswith('"'):
            parts.append('"' + tag.replace('"', '""') + '"')
        else:
            parts.append(tag)
    return LIST_SEPARATOR.join(parts)


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


@dataclass
class ChannelCell:
    channel_name: str
    external_id: str


@dataclass
class RenderContext:
    """Workspace lookups resolved once per export: who an assignee is, what a channel is called."""

    user_labels: dict[uuid.UUID, str] = field(default_factory=dict)
    channel_names: dict[uuid.UUID, str] = field(default_factory=dict)


# A renderer turns one contact row (attribute access: first_name, tags, ...) plus its channels into a cell.
Renderer = Callable[[Any, list[ChannelCell]], str]


def _plain(name: str) -> Renderer:
    return lambda row, _channels: getattr(row, name) or ""


def _time(name: str) -> Renderer:
    return lambda row, _channels: _iso(getattr(row, name))


def _custom(key: str) -> Renderer:
    return lambda row, _channels: render_custom(row.custom_fields.get(key))


def make_renderers(columns: Sequence[str], ctx: RenderContext) -> list[Renderer]:
    """One cell renderer per column, built once per export."""

    def name(row: Any, cells: list[ChannelCell]) -> str:
        return display_name(
            row.first_name, row.last_name, row.phone, row.email, [c.external_id for c in cells]
        )

    def tags(row: Any, _channels: list[ChannelCell]) -> str:
        return render_tags(row.tags or ())

    def contact_id(row: Any, _channels: list[ChannelCell]) -> str:
        return str(row.id)

    def channels(_row: Any, cells: list[ChannelCell]) -> str:
        return LIST_SEPARATOR.join(f"{c.channel_name} ({c.external_id})" for c in cells)

    def assignee(row: Any, _channels: list[ChannelCell]) -> str:
        return ctx.user_labels.get(row.assignee_id, "") if row.assignee_id else ""

    def last_channel(row: Any, _channels: list[ChannelCell]) -> str:
        channel_id = row.last_interacted_channel_id
        return ctx.channel_names.get(channel_id, "") if channel_id else ""

    special: dict[str, Renderer] = {
        "display_name": name,
        "id": contact_id,
        "tags": tags,
        "channels": channels,
        "assignee_id": assignee,
        "last_interacted_channel_id": last_channel,
    }
    renderers: list[Renderer] = []
    for column in columns:
        if column.startswith(CUSTOM_PREFIX):
            renderers.append(_custom(column.removeprefix(CUSTOM_PREFIX)))
        elif column in special:
            renderers.append(special[column])
        elif column in DATETIME_COLUMNS:
            renderers.append(_time(column))
        else:
            renderers.append(_plain(column))
    return renderers
