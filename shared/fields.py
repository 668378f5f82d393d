"""The contact-field registry: one table of what every contact field is and what it can do.

Filters (shared.search.filters), sort (shared.search.query), the index mapping's typed fields,
the table's columns, CSV import and export, merge and GET /v1/fields all derive from FIELDS (and,
for custom fields, from the type tables below). A *plain* field (text kept as given: trimmed, at
most `max_length` characters, empty is none) is all here: its Contact column (shared.models), the
API's request and response fields (api_service.contacts.schemas), the contact source, card and
index document (shared.contact_source, shared.contact_card, shared.search) and its import rule
come from its row, so adding one is one row plus its migration. A field whose value needs more
than a copy (phone, e-mail, country, language, URL, assignee, tags, channels, the display name)
keeps its own column and value code.
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
    `stored`: the contacts table has a column of that name.
    `plain`: a nullable text value of at most `max_length` characters, kept as given (trimmed;
    empty is none): the column, the API fields, the source, card and document copy, and the import
    rule are derived from this row (see the module docstring).
    """

    name: str
    label: str
    type: str
    kind: str | None = None
    document: str | None = None
    sortable: bool = False
    facetable: bool = False
    column: bool = True
    exportable: bool = True
    importable: bool = False
    mergeable: bool = False
    identity: bool = False
    ids: bool = False
    # A column of the contacts table (display_name is derived, channels are joined).
    stored: bool = True
    plain: bool = False
    max_length: int = 0  # characters; 0: not limited here

    def __post_init__(self) -> None:
        if self.plain and not (self.type == "text" and self.stored and self.max_length):
            raise ValueError(f"plain field {self.name!r} must be stored text with a max_length > 0")

    @property
    def operators(self) -> tuple[str, ...]:
        return OPERATORS[self.kind] if self.kind is not None else ()

    @property
    def target(self) -> str:
        """The document field of the index."""
        return self.document or self.name


def _text(name: str, label: str, *, identity: bool = False, sortable: bool = True, **more: Any) -> FieldSpec:
    """A text field: filterable as text, importable and mergeable (sortable unless it says not)."""
    return FieldSpec(
        name,
        label,
        "text",
        kind="text",
        sortable=sortable,
        importable=True,
        mergeable=True,
        identity=identity,
        **more,
    )


def _code(name: str, label: str, type_: str = "code", **more: Any) -> FieldSpec:
    return FieldSpec(name, label, type_, kind="code", facetable=True, **more)


def _datetime(name: str, label: str) -> FieldSpec:
    return FieldSpec(name, label, "datetime", kind="datetime", sortable=True)


# Standard fields in the order clients show them (GET /v1/fields, the column picker, merge preview).
# A field is a column (and exported) unless it says otherwise.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("display_name", "Name", "text", sortable=True, stored=False),
    _text("first_name", "First name", identity=True, plain=True, max_length=200),
    _text("last_name", "Last name", plain=True, max_length=200),
    _text("email", "Email", identity=True),
    _text("phone", "Phone", identity=True),
    FieldSpec("tags", "Tags", "set", kind="set", facetable=True, importable=True),
    FieldSpec(
        "channels",
        "Channels",
        "set",
        kind="set",
        document="channel_ids",
        facetable=True,
        ids=True,
        stored=False,
    ),
    _code("country", "Country", sortable=True, importable=True, mergeable=True),
    _text("language", "Language", sortable=False, facetable=True),
    FieldSpec(
        "profile_pic_url",
        "Profile picture URL",
        "url",
        column=False,
        exportable=False,
        importable=True,
        mergeable=True,
    ),
    _code("assignee_id", "Assignee", "user", importable=True, mergeable=True, ids=True),
    FieldSpec("conversation_status", "Conversation status", "code", kind="status", facetable=True),
    _datetime("conversation_opened_at", "Conversation opened at"),
    _datetime("last_interaction_at", "Last interaction at"),
    _datetime("last_incoming_message_at", "Last incoming message at"),
    FieldSpec(
        "last_interacted_channel_id", "Last interacted channel", "code", kind="code", facetable=True, ids=True
    ),
    FieldSpec("source", "Source", "code", facetable=True),
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
STORED = names(stored=True)
# Fields the index holds as folded keywords, one per standard text field.
TEXT = names(kind="text")
# Plain fields (see FieldSpec.plain), in registry order: everything about them comes from their row.
PLAIN: tuple[FieldSpec, ...] = tuple(f for f in FIELDS if f.plain)
PLAIN_NAMES = frozenset(f.name for f in PLAIN)


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
