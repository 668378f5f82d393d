"""The contact card (what the API and the table show) and the search document built from the
same contact (pure functions: no services)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from shared.contact_card import AVATAR_COLORS, contact_card
from shared.contact_source import ChannelIdentity, ContactSource
from shared.search.mapping import (
    CARD_FIELD,
    MAPPING_VERSION,
    build_document,
    custom_term,
    id_order,
    index_mappings,
    sortable_number,
)

CONTACT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"
WORKSPACE_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
PLUS_EIGHT = timezone(timedelta(hours=8))
CREATED = datetime(2024, 5, 1, 9, 0, tzinfo=PLUS_EIGHT)


def source(**changes: Any) -> ContactSource:
    values: dict[str, Any] = {
        "id": CONTACT_ID,
        "workspace_id": WORKSPACE_ID,
        "version": 3,
        "first_name": "Zoë",
        "last_name": "Åström",
        "email": "zoe@example.com",
        "phone": "+60123456789",
        "country": "MY",
        "language": "sv",
        "assignee_id": None,
        "tags": ["VIP", "Beta"],
        "custom_fields": {},
        "source": "contacts_module",
        "conversation_status": "closed",
        "conversation_opened_at": None,
        "last_interaction_at": None,
        "last_incoming_message_at": None,
        "last_interacted_channel_id": None,
        "created_at": CREATED,
        "updated_at": CREATED,
        "profile_pic_url": None,
    }
    values.update(changes)
    return ContactSource(**values)


WHATSAPP = ChannelIdentity(
    channel_id="3b241101-e2bb-4255-8caf-4136c566a962",
    channel_name="Acme WhatsApp",
    channel_type="whatsapp",
    external_id="60123456789",
)


# ----------------------------------------------------------------------------- contact_card


def test_card_names_the_contact_and_draws_a_stable_avatar() -> None:
    card = contact_card(source())
    assert card["display_name"] == "Zoë Åström"
    assert card["avatar"]["initials"] == "ZÅ"
    assert card["avatar"]["color"] in AVATAR_COLORS
    assert contact_card(source(version=9, first_name="Zed"))["avatar"]["color"] == card["avatar"]["color"]


def test_card_display_name_falls_back_to_phone_then_email_then_channel_id() -> None:
    assert contact_card(source(first_name=None, last_name=None))["display_name"] == "+60123456789"
    no_phone = source(first_name=None, last_name=None, phone=None)
    assert contact_card(no_phone)["display_name"] == "zoe@example.com"
    assert contact_card(no_phone)["avatar"]["initials"] == "Z"
    anonymous = source(first_name=None, last_name=None, phone=None, email=None, channels=[WHATSAPP])
    assert contact_card(anonymous)["display_name"] == "60123456789"


def test_card_shows_the_profile_picture_instead_of_initials() -> None:
    card = contact_card(source(profile_pic_url="https://cdn.example.com/z.png"))
    assert card["avatar"] == {"url": "https://cdn.example.com/z.png"}


def test_card_is_json_ready_with_utc_times_and_channels() -> None:
    card = contact_card(source(channels=[WHATSAPP], last_interaction_at=CREATED))
    assert json.loads(json.dumps(card)) == card  # nothing a JSON encoder would refuse
    assert card["created_at"] == "2024-05-01T01:00:00Z"
    assert card["last_interaction_at"] == "2024-05-01T01:00:00Z"
    assert card["channels"] == [
        {
            "channel_id": WHATSAPP.channel_id,
            "channel_name": "Acme WhatsApp",
            "type": "whatsapp",
            "external_id": "60123456789",
        }
    ]
    assert card["conversation_opened_at"] is None and card["version"] == 3


# ----------------------------------------------------------------------------- build_document


def test_document_holds_the_card_and_folded_searchable_values() -> None:
    src = source(channels=[WHATSAPP])
    doc = build_document(src)
    assert json.loads(doc[CARD_FIELD]) == contact_card(src)
    assert doc["display_name"] == "zoe astrom"
    assert doc["first_name"] == "zoe" and doc["last_name"] == "astrom"
    assert doc["email_prefix"] == "zoe@example.com" and doc["email_domain"] == "example.com"
    assert doc["tags"] == ["beta", "vip"]
    assert doc["channel_ids"] == [WHATSAPP.channel_id]
    assert "60123456789" in doc["phone_digits"] and "0123456789" in doc["phone_digits"]
    assert doc["created_at"] == CREATED.isoformat()
    assert (doc["id_high"], doc["id_low"]) == id_order(CONTACT_ID)


def test_document_fields_all_exist_in_the_strict_mapping() -> None:
    mapping = index_mappings()
    assert mapping["_meta"]["mapping_version"] == MAPPING_VERSION
    doc = build_document(
        source(
            channels=[WHATSAPP],
            custom_fields={"plan": "Pro", "seats": 12},
            field_types={"plan": "select", "seats": "number"},
            field_slots={"plan": 0, "seats": 1},
        )
    )
    assert set(doc) - set(mapping["properties"]) == set()


def test_document_encodes_custom_values_for_filters_and_sort() -> None:
    doc = build_document(
        source(
            custom_fields={"plan": "Pro", "seats": 12, "renewal": "2025-01-31", "active": True, "gone": "x"},
            field_types={"plan": "select", "seats": "number", "renewal": "date", "active": "boolean"},
            field_slots={"plan": 0, "seats": 1},
        )
    )
    # A value whose definition was deleted ("gone") is not searchable.
    assert doc["custom_keys"] == ["active", "plan", "renewal", "seats"]
    assert custom_term("plan", "pro") in doc["custom_kv"]
    assert custom_term("active", "true") in doc["custom_kv"]
    assert doc["custom_num"] == [custom_term("seats", sortable_number(12))]
    assert len(doc["custom_date"]) == 1 and doc["custom_date"][0].startswith("renewal")
    assert doc["custom_text"] == ["Pro"]
    assert doc["sort_text_0"] == "pro" and doc["sort_num_1"] == 12


def test_document_leaves_empty_values_empty() -> None:
    doc = build_document(source(email=None, phone=None, tags=[], language=None))
    assert doc["email"] is None and doc["email_prefix"] is None and doc["email_domain"] is None
    assert doc["phone_digits"] is None and doc["tags"] is None and doc["language"] is None
    assert doc["channel_ids"] is None and doc["custom_keys"] is None


def test_sortable_numbers_sort_as_their_values() -> None:
    values = [-1e9, -2.5, -0.0, 0.0, 1e-9, 3, 1e12]
    encoded = [sortable_number(v) for v in values]
    assert encoded == sorted(encoded)
    assert sortable_number(-0.0) == sortable_number(0.0)


def test_id_order_sorts_as_the_id() -> None:
    ids = sorted(str(uuid.uuid4()) for _ in range(50))
    assert [id_order(i) for i in ids] == sorted(id_order(i) for i in ids)
    assert id_order(CONTACT_ID) != id_order(WORKSPACE_ID)
