"""Upload sniffing and cell parsing for imports (pure functions)."""

from __future__ import annotations

from typing import Any

import pytest

from shared.contact_rules import FieldError
from shared.csv_import import (
    EncodingSniffer,
    detect_delimiter,
    parse_custom_text,
    parse_tags,
    validate_mapping,
)


def sniffed(*chunks: bytes) -> str:
    sniffer = EncodingSniffer()
    for chunk in chunks:
        sniffer.feed(chunk)
    return sniffer.encoding()


def test_encoding_is_utf8_with_or_without_bom_else_windows_or_latin1() -> None:
    assert sniffed("Zoë,1\n".encode()) == "utf-8"
    assert sniffed(b"\xef\xbb\xbf" + "Zoë".encode()) == "utf-8-sig"
    # A multi-byte character split across two chunks is still UTF-8.
    data = "Zoë".encode()
    assert sniffed(data[:3], data[3:]) == "utf-8"
    assert sniffed("José €".encode("cp1252")) == "cp1252"
    assert sniffed(b"caf\xe9 \x81") == "latin-1"  # 0x81 is undefined in Windows-1252


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a,b,c\n1,2,3\n", ","),
        ("a;b;c\n1;2;3\n", ";"),
        ("a\tb\tc\n1\t2\t3\n", "\t"),
        ("a|b|c\n1|2|3\n", "|"),
        ('name;note\n"x, y";z\n', ";"),
        ("name\nJane\n", ","),
    ],
)
def test_delimiter_detection(sample: str, expected: str) -> None:
    assert detect_delimiter(sample) == expected


def test_tags_split_on_semicolons() -> None:
    assert parse_tags(" vip ;lead;; ") == ["vip", "lead"]


def test_custom_text_is_typed_for_numbers_and_booleans() -> None:
    assert parse_custom_text("number", "-5", ["x"]) == -5
    assert parse_custom_text("number", "2.50", ["x"]) == 2.5
    assert parse_custom_text("boolean", "Yes", ["x"]) is True
    assert parse_custom_text("boolean", "false", ["x"]) is False
    assert parse_custom_text("date", "2026-01-01", ["x"]) == "2026-01-01"
    with pytest.raises(FieldError):
        parse_custom_text("number", "12 apples", ["x"])
    with pytest.raises(FieldError):
        parse_custom_text("boolean", "maybe", ["x"])


def test_mapping_must_name_file_headers_and_importable_fields() -> None:
    header = ["Name", "Mail", "Plan"]
    assert validate_mapping({"Name": "first_name", "Plan": "custom.plan"}, header, {"plan"}) == {
        "Name": "first_name",
        "Plan": "custom.plan",
    }
    bad: Any
    for bad in ([], {"Nom": "first_name"}, {"Name": "id"}, {"Name": "first_name", "Plan": "custom.x"}):
        with pytest.raises(FieldError):
            validate_mapping(bad, header, {"plan"})
