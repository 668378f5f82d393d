"""CSV export columns: validation against the catalogue, header labels, and the rules of list and
custom cells.

The cells themselves are rendered by PostgreSQL (shared.csv_sql, which writes these rules and
shared.csv_safety.neutralize in SQL); render_tags and render_custom state the same rules in Python:
the format the import reads back, and the reference the tests compare the SQL's cells with.

Besides the table's columns an export may carry the contact's ID ("ID"): a re-import matches its
rows on it, so a contact with neither e-mail nor phone is updated rather than created again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from shared.columns import COLUMN_LABELS, CUSTOM_PREFIX
from shared.contact_rules import TAG_SEPARATOR, FieldError
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
