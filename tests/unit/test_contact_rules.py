"""Value rules shared by the API and the import worker (pure functions)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api_service.channels.service import identity_fields, latest, message_time
from shared.contact_rules import (
    FieldError,
    normalize_country,
    normalize_email,
    normalize_language,
    normalize_phone,
    normalize_url,
)
from shared.custom_fields import apply_custom_fields, coerce_value
from shared.models import ContactField


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+60 12-345 6789", None, "+60123456789"),
        ("012-345 6789", "MY", "+60123456789"),
        ("0060123456789", None, "+60123456789"),
        ("(415) 555-2671", "US", "+14155552671"),
        ("+44 20 7946 0958", "MY", "+442079460958"),
        ("", None, None),
        (None, "MY", None),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw: str | None, region: str | None, expected: str | None) -> None:
    assert normalize_phone(raw, region, ["phone"]) == expected


@pytest.mark.parametrize(
    ("raw", "region"), [("012-345 6789", None), ("+60 1", None), ("12345", "MY"), ("not a number", "US")]
)
def test_invalid_phone_numbers_name_the_field(raw: str, region: str | None) -> None:
    with pytest.raises(FieldError) as caught:
        normalize_phone(raw, region, ["phone"])
    assert caught.value.loc == ["phone"]


def test_emails_are_validated_and_lower_cased() -> None:
    assert normalize_email("  Jane.Doe@Example.COM ", ["email"]) == "jane.doe@example.com"
    assert normalize_email("", ["email"]) is None
    for bad in ("jane", "jane@", "@example.com", "jane@@example.com", "jane doe@example.com"):
        with pytest.raises(FieldError) as caught:
            normalize_email(bad, ["email"])
        assert caught.value.loc == ["email"]


def test_countries_are_iso_alpha2() -> None:
    assert normalize_country("my", ["country"]) == "MY"
    assert normalize_country(None, ["country"]) is None
    for bad in ("XX", "MYS", "Malaysia", "1"):
        with pytest.raises(FieldError):
            normalize_country(bad, ["country"])


def test_languages_are_bcp47_tags() -> None:
    assert normalize_language("en-GB", ["language"]) == "en-GB"
    assert normalize_language("zh-Hant-TW", ["language"]) == "zh-Hant-TW"
    for bad in ("english!", "e", "en_GB", "x" * 40):
        with pytest.raises(FieldError):
            normalize_language(bad, ["language"])


def test_urls_must_be_http_or_https() -> None:
    assert normalize_url(" https://cdn.example/a.png ", ["u"]) == "https://cdn.example/a.png"
    for bad in ("javascript:alert(1)", "ftp://x/y", "cdn.example/a.png", "https://", "https://a b/c"):
        with pytest.raises(FieldError):
            normalize_url(bad, ["u"])


def definition(type_: str, options: list[str] | None = None) -> ContactField:
    return ContactField(
        id=uuid.uuid4(), workspace_id=uuid.uuid4(), key="f", label="F", type=type_, options=options or []
    )


@pytest.mark.parametrize(
    ("type_", "value", "stored"),
    [
        ("text", "anything", "anything"),
        ("number", 42, 42),
        ("number", 2.5, 2.5),
        ("boolean", False, False),
        ("date", "2024-02-29", "2024-02-29"),
        ("datetime", "2024-02-29T10:00:00+08:00", "2024-02-29T02:00:00+00:00"),
        ("email", "A@B.CO", "a@b.co"),
        ("phone", "+60 12 345 6789", "+60123456789"),
        ("url", "https://example.com/x", "https://example.com/x"),
        ("select", "gold", "gold"),
    ],
)
def test_custom_values_of_the_right_type_are_stored(type_: str, value: Any, stored: Any) -> None:
    assert coerce_value(definition(type_, ["gold", "silver"]), value, ["custom_fields", "f"], None) == stored


@pytest.mark.parametrize(
    ("type_", "value"),
    [
        ("text", 5),
        ("text", "x" * 1001),
        ("number", "5"),
        ("number", True),
        ("number", 10**400),
        ("number", float("inf")),
        ("boolean", "yes"),
        ("date", "2023-02-29"),
        ("datetime", "2024-02-29T10:00:00"),
        ("datetime", "0001-01-01T00:00:00+14:00"),
        ("email", "nope"),
        ("phone", "123"),
        ("url", "javascript:alert(1)"),
        ("select", "bronze"),
        ("select", ["gold"]),
    ],
)
def test_custom_values_of_the_wrong_type_are_refused(type_: str, value: Any) -> None:
    with pytest.raises(FieldError) as caught:
        coerce_value(definition(type_, ["gold", "silver"]), value, ["custom_fields", "f"], None)
    assert caught.value.loc == ["custom_fields", "f"]
    assert len(caught.value.msg) <= 300


def test_custom_values_merge_and_null_removes() -> None:
    defs = {"f": definition("number")}
    assert apply_custom_fields({"f": 1}, {"f": None}, defs, None) == {}
    assert apply_custom_fields({}, {"f": 3}, defs, None) == {"f": 3}
    with pytest.raises(FieldError) as caught:
        apply_custom_fields({}, {"nope": 1}, defs, None)
    assert caught.value.loc == ["custom_fields", "nope"]


def test_channel_ids_that_are_phone_numbers_or_addresses_fill_the_contact() -> None:
    assert identity_fields("whatsapp", "60123456789") == {"phone": "+60123456789"}
    assert identity_fields("sms", "+14155552671") == {"phone": "+14155552671"}
    assert identity_fields("whatsapp", "not-a-number") == {}
    assert identity_fields("email", "Jane@Example.com") == {"email": "jane@example.com"}
    assert identity_fields("messenger", "60123456789") == {}


def test_message_time_refuses_the_future_and_naive_times() -> None:
    now = datetime(2025, 1, 1, 12, tzinfo=UTC)
    assert message_time(None, now) == now
    assert message_time(now - timedelta(days=3), now) == now - timedelta(days=3)
    assert message_time(now + timedelta(minutes=1), now) == now + timedelta(minutes=1)
    too_old = datetime.fromisoformat("0001-01-01T00:00:00+14:00")
    for bad in (now + timedelta(hours=1), datetime(2025, 1, 1, 11), too_old):
        with pytest.raises(FieldError) as caught:
            message_time(bad, now)
        assert caught.value.loc == ["sent_at"]


def test_latest_never_goes_backwards() -> None:
    early, late = datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC)
    assert latest(None, early) == early
    assert latest(late, early) == late
    assert latest(early, late) == late
