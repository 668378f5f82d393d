"""The contact-field registry: one table of what every contact field is and what it can do.

Filters (shared.search.filters), sort (shared.search.query), the index mapping's typed fields,
the table's columns, CSV import and export, merge and GET /v1/fields all derive from FIELDS (and,
for custom fields, from the type tables below). Adding a standard field is one row here, plus its
column (model and migration) and, when its value needs more than a copy, the document builder and
the contact card.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

CUSTOM_PREFIX = "custom."

# Filter kinds (the contract's field table) and the operators each accepts, in the contract's order.
TEXT_OPS = ("eq", "neq", "contains", "not_contains", "starts_with", "exists", "not_exists")
OPERATORS: dict[str, tuple[str, ...]] = {
    "text": TEXT_OPS,
    "text_custom": (*TEXT_OPS, "in", "not_in"),
    "code": ("eq", "neq", "in", "not_in", "exists", "not_exists"),
    "status": ("eq", "neq"),
    "datetime": ("before", "after", "between", "within_last", "older_than", "exists", "not_exists"),
    "set": ("has_any", "has_all", "has_none", "exists", "not_exists"),
    "number": ("eq", "neq", "gt", "gte", "lt", "lte", "between", "exists", "not_exists"),
    "boolean": ("eq", "exists", "not_exists"),
}

# Custom field type -> filter kind.
CUSTOM_KINDS: dict[str, str] = {
    "text": "text_custom",
    "email": "text_custom",
    "phone": "text_custom",
    "url": "text_custom",
    "select": "text_custom",
    "number": "number",
    "date": "datetime",
    "datetime": "datetime",
    "boolean": "boolean",
}
# Custom field types a contact list can be sorted by -> the nested value they sort on.
SORTABLE_CUSTOM_TYPES: dict[str, str] = {
    "number": "num",
    "date": "date",
    "datetime": "date",
    "text": "text",
    "select": "text",
}
# Custom field types an aggregation can count values of (API.md, Aggregations).
FACETABLE_CUSTOM_TYPES = frozenset({"select", "boolean", "text"})


@dataclass(frozen=True)
class FieldSpec:
    """One standard contact field.

    `type` is what GET /v1/fields tells clients (the contract's field table); `kind` picks the
    filter operators (None: not filterable); `document` is the index field filters and sort use.
    `ids`: its values are ids (UUIDs), checked as such in filters and converted in merge records.
    `identity`: one of the fields of which a contact created without a channel needs at least one.
    """

    name: str
    label: str
    type: str
    kind: str | None = None
    document: str | None = None
    sortable: bool = False
    facetable: bool = False
    column: bool = False
    exportable: bool = False
    importable: bool = False
    mergeable: bool = False
    identity: bool = False
    ids: bool = False

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.kind] if self.kind is not None else ()

    @property
    def target(self) -> str:
        """The document field of the index."""
        return self.document or self.name


def _text(
    name: str, label: str, *, identity: bool = False, sortable: bool = True, facetable: bool = False
) -> FieldSpec:
    return FieldSpec(
        name,
        label,
        "text",
        kind="text",
        sortable=sortable,
        facetable=facetable,
        column=True,
        exportable=True,
        importable=True,
        mergeable=True,
        identity=identity,
    )


def _datetime(name: str, label: str) -> FieldSpec:
    return FieldSpec(name, label, "datetime", kind="datetime", sortable=True, column=True, exportable=True)


# Standard fields in the order clients show them (GET /v1/fields, the column picker, merge preview).
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("display_name", "Name", "text", sortable=True, column=True, exportable=True),
    _text("first_name", "First name", identity=True),
    _text("last_name", "Last name"),
    _text("email", "Email", identity=True),
    _text("phone", "Phone", identity=True),
    FieldSpec(
        "tags",
        "Tags",
        "set",
        kind="set",
        facetable=True,
        column=True,
        exportable=True,
        importable=True,
    ),
    FieldSpec(
        "channels",
        "Channels",
        "set",
        kind="set",
        document="channel_ids",
        facetable=True,
        column=True,
        exportable=True,
        ids=True,
    ),
    FieldSpec(
        "country",
        "Country",
        "code",
        kind="code",
        sortable=True,
        facetable=True,
        column=True,
        exportable=True,
        importable=True,
        mergeable=True,
    ),
    _text("language", "Language", sortable=False, facetable=True),
    FieldSpec("profile_pic_url", "Profile picture URL", "url", importable=True, mergeable=True),
    FieldSpec(
        "assignee_id",
        "Assignee",
        "user",
        kind="code",
        facetable=True,
        column=True,
        exportable=True,
        importable=True,
        mergeable=True,
        ids=True,
    ),
    FieldSpec(
        "conversation_status",
        "Conversation status",
        "code",
        kind="status",
        facetable=True,
        column=True,
        exportable=True,
    ),
    _datetime("conversation_opened_at", "Conversation opened at"),
    _datetime("last_interaction_at", "Last interaction at"),
    _datetime("last_incoming_message_at", "Last incoming message at"),
    FieldSpec(
        "last_interacted_channel_id",
        "Last interacted channel",
        "code",
        kind="code",
        facetable=True,
        column=True,
        exportable=True,
        ids=True,
    ),
    FieldSpec("source", "Source", "code", facetable=True, column=True, exportable=True),
    _datetime("created_at", "Created at"),
    _datetime("updated_at", "Updated at"),
)
BY_NAME: Mapping[str, FieldSpec] = {f.name: f for f in FIELDS}


def names(**flags: Any) -> tuple[str, ...]:
    """The standard fields with every given flag set as given, in registry order:
    names(sortable=True), names(kind="text")... (any FieldSpec attribute)."""
    return tuple(f.name for f in FIELDS if all(getattr(f, k) == v for k, v in flags.items()))


FILTERABLE: Mapping[str, FieldSpec] = {f.name: f for f in FIELDS if f.kind is not None}
SORTABLE = frozenset(names(sortable=True))
FACETABLE = names(facetable=True)
COLUMNS = names(column=True)
EXPORTABLE = names(exportable=True)
IMPORTABLE = names(importable=True)
MERGEABLE = names(mergeable=True)
IDENTITY = names(identity=True)
ID_VALUED = frozenset(names(ids=True))
DATETIME = names(type="datetime")
# Fields the index holds as folded keywords, one per standard text field.
TEXT = names(kind="text")


def custom_field_spec(key: str, label: str, field_type: str, options: Sequence[str] | None) -> dict[str, Any]:
    """GET /v1/fields' item for one custom field definition."""
    item: dict[str, Any] = {
        "field": CUSTOM_PREFIX + key,
        "label": label,
        "type": field_type,
        "custom": True,
        "operators": list(OPERATORS[CUSTOM_KINDS[field_type]]),
        "sortable": field_type in SORTABLE_CUSTOM_TYPES,
        "facetable": field_type in FACETABLE_CUSTOM_TYPES,
        "column": True,
        "importable": True,
    }
    if field_type == "select":
        item["options"] = list(options or ())
    return item


def standard_field_spec(spec: FieldSpec) -> dict[str, Any]:
    """GET /v1/fields' item for one standard field."""
    return {
        "field": spec.name,
        "label": spec.label,
        "type": spec.type,
        "custom": False,
        "operators": list(spec.operators),
        "sortable": spec.sortable,
        "facetable": spec.facetable,
        "column": spec.column,
        "importable": spec.importable,
    }
