"""The one place that owns the index: settings, analysis, mapping and the document builder.

Every contact of every workspace lives in one shared index behind an alias, routed by workspace.
Text compared by filters is folded (case and accents) in Python by `shared.text.fold` both here and
in the query compiler, so filters and the reference semantics agree exactly; free-text search uses
OpenSearch analyzers (edge n-grams for name words, e-mail prefixes and domains, digit n-grams for
phones) and, for text inside a name, trigrams built here.
A workspace's custom field keys never add mapping fields: filters read flat keyword fields whose
values carry their key (numbers and dates as order-preserving hex, so a keyword range is a value
range), and sorting reads the numbered sort field of the field's slot (each field of a workspace
owns one of MAX_FIELDS slots; contact_fields.sort_slot), or, for documents of an older version,
one nested array of typed values.
Each document also stores (without indexing it) the contact's card, the API representation, as one
JSON string in a stored field outside `_source`: a page of the contacts table is the hits' cards,
fetched without parsing any document and written into the response as they are.
"""

from __future__ import annotations

import struct
import uuid
from datetime import UTC, date, datetime
from typing import Any

import phonenumbers
from pydantic_core import to_json

from shared import fields
from shared.contact_card import contact_card
from shared.contact_source import ContactSource
from shared.custom_fields import MAX_FIELDS
from shared.text import GRAM, digits, fold, name_words, trigrams

# Bumped when documents must be rebuilt for queries of this version to be right (the live index
# records the version its documents were built with; see shared.search.index.documents_version).
# 2: flat custom-field filter fields (custom_keys, custom_kv, custom_num, custom_date) and cards.
# 3: the id as two longs (`id_high`, `id_low`: the tie-breaker of every sort), the card as a
#    stored JSON string, `name_grams` (text inside a name), and custom field sort slots.
MAPPING_VERSION = 3

# Standard text fields are kept as folded keywords, datetime fields as dates (shared.fields).
TEXT_FIELDS = fields.TEXT
DATE_FIELDS = fields.DATETIME


def routing(workspace_id: object) -> str:
    """The routing value of a workspace's documents and of every request about them (index, get,
    delete, search, count, point in time, aggregations): the workspace id as text. With a routing
    partition size p, a routed request reads only the p shards of the workspace's partition."""
    return str(workspace_id)


def index_settings(shards: int, replicas: int, routing_partition_size: int = 1) -> dict[str, Any]:
    # The routing shards must equal the shards: by default OpenSearch hashes over up to 1024 virtual
    # shards (so an index can be split later), which maps the p consecutive partition offsets of a
    # workspace onto one real shard, and the partition would spread nothing (measured: all on one).
    # Such an index cannot be _split; more shards means `contacts-index reindex`.
    partition: dict[str, Any] = (
        {"routing_partition_size": routing_partition_size, "number_of_routing_shards": shards}
        if routing_partition_size > 1
        else {}
    )
    return {
        "number_of_shards": shards,
        "number_of_replicas": replicas,
        **partition,
        "max_ngram_diff": 16,
        "refresh_interval": "1s",
        "analysis": {
            "filter": {
                "edge_1_20": {"type": "edge_ngram", "min_gram": 1, "max_gram": 20},
                "edge_1_64": {"type": "edge_ngram", "min_gram": 1, "max_gram": 64},
            },
            "tokenizer": {
                "digit_runs": {"type": "ngram", "min_gram": 4, "max_gram": 20, "token_chars": ["digit"]},
            },
            "analyzer": {
                "words_prefix": {
                    "tokenizer": "standard",
                    "filter": ["lowercase", "asciifolding", "edge_1_20"],
                },
                "words": {"tokenizer": "standard", "filter": ["lowercase", "asciifolding"]},
                "whole_prefix": {
                    "tokenizer": "keyword",
                    "filter": ["lowercase", "asciifolding", "edge_1_64"],
                },
                "whole": {"tokenizer": "keyword", "filter": ["lowercase", "asciifolding"]},
                "digit_runs": {"tokenizer": "digit_runs"},
            },
        },
    }


def _prefix_text(analyzer: str) -> dict[str, Any]:
    search = "words" if analyzer == "words_prefix" else "whole"
    return {"type": "text", "analyzer": analyzer, "search_analyzer": search}


CARD_FIELD = "card_json"
ID_ORDER_FIELDS = ("id_high", "id_low")


def id_order(contact_id: str) -> tuple[int, int]:
    """The 128 bits of a contact id as two signed longs that sort as the id does: a UUID's text
    (fixed-width lower-case hex) sorts as its number, and subtracting 2**63 keeps each half's order
    within the signed range."""
    value = uuid.UUID(contact_id).int
    return (value >> 64) - 2**63, (value & (2**64 - 1)) - 2**63


# Sortable custom field types -> the kind of sort field their slot uses.
SORT_SLOT_KINDS = {"number": "num", "date": "num", "datetime": "num", "text": "text", "select": "text"}


def sort_slot_field(slot: int, field_type: str) -> str | None:
    """The flat field a custom field's values are sorted by: numbers, and dates as epoch
    milliseconds, in `sort_num_<slot>`; text and select values folded in `sort_text_<slot>`."""
    kind = SORT_SLOT_KINDS.get(field_type)
    return f"sort_{kind}_{slot}" if kind is not None else None


def _sort_value(field_type: str, value: Any) -> float | str:
    if field_type == "number":
        return float(value)
    if field_type in ("date", "datetime"):
        return instant_millis(value)
    return fold(str(value))


def index_mappings() -> dict[str, Any]:
    keyword = {"type": "keyword"}
    date_type = {"type": "date"}
    props: dict[str, Any] = {
        "id": keyword,
        # The id as two numbers in the id's order: sorts break ties on these (a keyword sort key
        # costs a terms-dictionary look-up per competitive hit; these cost 2-3 ms less at 1M).
        "id_high": {"type": "long"},
        "id_low": {"type": "long"},
        "workspace_id": keyword,
        "version": {"type": "long"},
        "display_name": keyword,
        "name_text": _prefix_text("words_prefix"),
        # Text inside a name ("str" in Åström): each name word's trigrams, built in Python by
        # shared.text.trigrams, one array element per word so a phrase never spans two words
        # (elements sit 100 positions apart). Only built-in analysis, so the field can be added to
        # an older index in place.
        "name_grams": {"type": "text", "analyzer": "whitespace", "norms": False},
        "email_prefix": _prefix_text("whole_prefix"),
        "email_domain": _prefix_text("whole_prefix"),
        "phone_digits": {"type": "text", "analyzer": "digit_runs", "search_analyzer": "keyword"},
        "country": keyword,
        "assignee_id": keyword,
        "tags": keyword,
        "channel_ids": keyword,
        "channel_text": _prefix_text("words_prefix"),
        "last_interacted_channel_id": keyword,
        "conversation_status": keyword,
        "source": keyword,
        "custom_text": _prefix_text("words_prefix"),
        # Filters on custom fields read these flat keyword fields, each value prefixed with its key
        # (see custom_term): a plain term or range query instead of a nested join per condition.
        "custom_keys": keyword,
        "custom_kv": keyword,
        "custom_num": keyword,
        "custom_date": keyword,
        # The contact as the API shows it, as JSON (shared.contact_card builds it): stored, never
        # indexed, and kept out of _source; pages of the table are served from it.
        CARD_FIELD: {"type": "keyword", "index": False, "doc_values": False, "store": True},
        # Version 2 kept the card in _source; unused since, kept because a field cannot be removed.
        "card": {"type": "object", "enabled": False},
        "custom": {
            "type": "nested",
            "properties": {
                "key": keyword,
                "text": keyword,
                "num": {"type": "double"},
                "date": date_type,
                "bool": {"type": "boolean"},
            },
        },
    }
    for name in TEXT_FIELDS:
        props[name] = keyword
    for name in DATE_FIELDS:
        props[name] = date_type
    for slot in range(MAX_FIELDS):
        props[f"sort_num_{slot}"] = {"type": "double"}
        props[f"sort_text_{slot}"] = keyword
    return {
        "dynamic": "strict",
        # A write, get or delete without the workspace routing is refused rather than sent to the
        # wrong shard (a partitioned index requires it too).
        "_routing": {"required": True},
        "_meta": {"mapping_version": MAPPING_VERSION},
        "_source": {"excludes": [CARD_FIELD]},
        "properties": props,
    }


def phone_digit_forms(phone: str | None) -> list[str]:
    """The digits of the number in international (E.164) and national form."""
    if not phone:
        return []
    forms = [digits(phone)]
    try:
        parsed = phonenumbers.parse(phone, None)
        national = digits(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL))
        if national and national not in forms:
            forms.append(national)
    except phonenumbers.NumberParseException:
        pass
    return forms


def _custom_slot(key: str, field_type: str, value: Any) -> dict[str, Any] | None:
    if value is None or value == "":
        return None
    slot: dict[str, Any] = {"key": key}
    if field_type == "number":
        slot["num"] = float(value)
    elif field_type in ("date", "datetime"):
        slot["date"] = value.isoformat() if isinstance(value, date) else str(value)
    elif field_type == "boolean":
        slot["bool"] = bool(value)
    else:
        slot["text"] = fold(str(value))
    return slot


CUSTOM_SEP = "\x1f"
# Sorts after every hex digit: the open end of a range over one key's encoded values.
CUSTOM_MAX = "~"


def custom_term(key: str, encoded: str) -> str:
    return f"{key}{CUSTOM_SEP}{encoded}"


def sortable_number(value: float) -> str:
    """16 hex digits whose string order is the numeric order of the double (a keyword range over
    them is a numeric range)."""
    bits = int.from_bytes(struct.pack(">d", float(value) + 0.0), "big")  # + 0.0 makes -0.0 zero
    bits = bits ^ 0xFFFF_FFFF_FFFF_FFFF if bits >> 63 else bits | (1 << 63)
    return f"{bits:016x}"


def instant_millis(value: Any) -> float:
    """Epoch milliseconds of a stored date or date-time (a plain date is midnight UTC)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, datetime.min.time())
    else:
        moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() * 1000


def _flat_custom(key: str, field_type: str, value: Any) -> tuple[str, str]:
    """(document field, term) of a custom value for filters."""
    if field_type == "number":
        return "custom_num", custom_term(key, sortable_number(float(value)))
    if field_type in ("date", "datetime"):
        return "custom_date", custom_term(key, sortable_number(instant_millis(value)))
    if field_type == "boolean":
        return "custom_kv", custom_term(key, "true" if value else "false")
    return "custom_kv", custom_term(key, fold(str(value)))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def build_document(src: ContactSource) -> dict[str, Any]:
    custom: list[dict[str, Any]] = []
    custom_text: list[str] = []
    flat: dict[str, list[str]] = {"custom_keys": [], "custom_kv": [], "custom_num": [], "custom_date": []}
    sort_values: dict[str, float | str] = {}
    for key, value in sorted(src.custom_fields.items()):
        field_type = src.field_types.get(key)
        if field_type is None:
            continue  # a value whose definition was deleted is not searchable
        slot = _custom_slot(key, field_type, value)
        if slot is not None:
            custom.append(slot)
            flat["custom_keys"].append(key)
            field, term = _flat_custom(key, field_type, value)
            flat[field].append(term)
            if field_type not in ("number", "date", "datetime", "boolean"):
                custom_text.append(str(value))
            sort_slot = src.field_slots.get(key)
            sort_field = sort_slot_field(sort_slot, field_type) if sort_slot is not None else None
            if sort_field is not None:
                sort_values[sort_field] = _sort_value(field_type, value)
    card = contact_card(src)
    name = card["display_name"]  # sorted by the name the table shows
    email = src.email or None
    doc: dict[str, Any] = {
        "id": src.id,
        **dict(zip(ID_ORDER_FIELDS, id_order(src.id), strict=True)),
        "workspace_id": src.workspace_id,
        "version": src.version,
        "display_name": fold(name) if name else None,
        "name_text": " ".join(p for p in (src.first_name, src.last_name) if p) or None,
        "name_grams": [
            trigrams(w) for p in (src.first_name, src.last_name) if p for w in name_words(p) if len(w) >= GRAM
        ]
        or None,
        "email_prefix": email,
        "email_domain": email.split("@", 1)[1] if email and "@" in email else None,
        "phone_digits": phone_digit_forms(src.phone) or None,
        "country": src.country,
        "assignee_id": src.assignee_id,
        "tags": sorted({fold(t) for t in src.tags}) or None,
        "channel_ids": sorted({c.channel_id for c in src.channels}) or None,
        "channel_text": [f"{c.channel_name} {c.channel_type} {c.external_id}" for c in src.channels] or None,
        "last_interacted_channel_id": src.last_interacted_channel_id,
        "conversation_status": src.conversation_status,
        "source": src.source,
        "custom_text": custom_text or None,
        "custom": custom,
        **{name: terms or None for name, terms in flat.items()},
        **sort_values,
        **{name: _iso(getattr(src, name)) for name in DATE_FIELDS},
        CARD_FIELD: to_json(card).decode(),
    }
    for name_field in TEXT_FIELDS:
        value = getattr(src, name_field)
        doc[name_field] = fold(value) if value else None
    return doc
