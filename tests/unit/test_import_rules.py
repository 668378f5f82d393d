"""What an import makes of the cells people bring (pure functions): countries, whole names,
multi-value cells, tags per source tool, layouts and header synonyms, spreadsheet values."""

from __future__ import annotations

import uuid
import zipfile
from datetime import date, datetime, time
from pathlib import Path

import pytest
from openpyxl import Workbook

from shared.contact_rules import FieldError
from shared.countries import parse_country
from shared.csv_import import (
    EncodingSniffer,
    ImportPlan,
    ParsedRow,
    RowError,
    UnreadableFile,
    open_xlsx_rows,
    parse_row,
    split_full_name,
    split_tags,
    validate_mapping,
    xlsx_cell,
)
from shared.import_layouts import LAYOUTS_BY_NAME, detect_layout, suggest_mapping


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("MY", "MY"),
        ("my", "MY"),
        ("Malaysia", "MY"),
        ("MALAYSIA", "MY"),
        ("MYS", "MY"),
        ("United Kingdom", "GB"),
        ("UK", "GB"),
        ("England", "GB"),
        ("USA", "US"),
        ("U.S.A.", "US"),
        ("united states", "US"),
        ("United States of America", "US"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        ("Republic of Korea", "KR"),
        ("Viet Nam", "VN"),
        ("Vietnam", "VN"),
        ("Cote d'Ivoire", "CI"),
        ("Côte d’Ivoire", "CI"),
        ("Ivory Coast", "CI"),
        ("The Netherlands", "NL"),
        ("Holland", "NL"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Russia", "RU"),
        ("Deutschland", "DE"),
        ("  singapore ", "SG"),
    ],
)
def test_countries_by_code_name_or_alias_in_any_case(given: str, code: str) -> None:
    assert parse_country(given, ["country"]) == code


@pytest.mark.parametrize("given", ["Atlantis", "XX", "Korea", "", "N/A"])
def test_unknown_countries_are_refused_naming_the_value(given: str) -> None:
    with pytest.raises(FieldError) as refused:
        parse_country(given, ["country"])
    assert refused.value.loc == ["country"] and f"'{given}'" in refused.value.msg


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Zoë Åström", "Zoë", "Åström"),
        ("Jan van der Berg", "Jan", "van der Berg"),
        ("van der Berg, Jan", "Jan", "van der Berg"),
        ("Dr. Juan de la Cruz", "Juan", "de la Cruz"),
        ("Mary Ann O'Neil III", "Mary Ann", "O'Neil III"),
        ("John Smith Jr.", "John", "Smith Jr."),
        ("Smith, John A.", "John A.", "Smith"),
        ("Ahmad bin Ismail", "Ahmad", "bin Ismail"),
        ("Madonna", "Madonna", None),
    ],
)
def test_a_whole_name_is_split_by_the_name_parser(name: str, first: str, last: str | None) -> None:
    assert split_full_name(name) == (first, last)


def test_tags_split_on_the_source_tools_separator() -> None:
    google = LAYOUTS_BY_NAME["google_contacts"]
    assert split_tags("* myContacts ::: VIP ::: Friends; family", google) == ["VIP", "Friends; family"]
    assert split_tags("* starred", google) == []
    hubspot = LAYOUTS_BY_NAME["hubspot"]
    assert split_tags("vip;newsletter; lead", hubspot) == ["vip", "newsletter", "lead"]
    # This product's export quotes a tag holding ";"; any file without a known layout reads it too.
    assert split_tags('"Friends; family"; VIP; """q"', None) == ["Friends; family", "VIP", '"q']
    assert split_tags("a ::: b", None) == ["a", "b"]


def test_utf16_text_and_workbooks_are_told_from_binary_files() -> None:
    for data, kind, encoding in (
        ("Name\tMail\nZoë\tz@x.com\n".encode("utf-16"), "csv", "utf-16"),
        (b"PK\x03\x04rest", "xlsx", None),
    ):
        sniffer = EncodingSniffer()
        sniffer.feed(data)
        assert (sniffer.kind, sniffer.has_nul) == (kind, False)
        if encoding:
            assert sniffer.encoding() == encoding
    binary = EncodingSniffer()
    binary.feed(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert binary.has_nul


def test_spreadsheet_values_read_as_the_text_a_csv_would_hold() -> None:
    assert [xlsx_cell(v) for v in (None, True, 60123456789, 2.5, 3.0, "x")] == [
        "",
        "true",
        "60123456789",
        "2.5",
        "3",
        "x",
    ]
    assert xlsx_cell(datetime(2026, 3, 1)) == "2026-03-01"
    assert xlsx_cell(datetime(2026, 3, 1, 8, 30)) == "2026-03-01T08:30:00"
    assert xlsx_cell(date(2026, 3, 1)) == "2026-03-01" and xlsx_cell(time(8, 30)) == "08:30:00"


@pytest.mark.parametrize(
    ("header", "layout"),
    [
        (
            ["First Name", "Middle Name", "Last Name", "Labels", "E-mail 1 - Value", "Phone 1 - Value"],
            "google_contacts",
        ),
        (["Name", "Given Name", "Family Name", "Group Membership", "E-mail 1 - Value"], "google_contacts"),
        (["First Name", "Last Name", "E-mail Address", "Mobile Phone", "Home Country/Region"], "outlook"),
        (["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Country/Region"], "hubspot"),
        (["id", "name", "email", "phone_number"], "chatwoot"),
        (["ID", "Name", "Email", "Phone", "Channels", "Created at"], "contacts_module"),
        (["Name", "E-mail", "Mobile"], None),
    ],
)
def test_layouts_are_recognised_by_their_headers(header: list[str], layout: str | None) -> None:
    found = detect_layout(header)
    assert (found.name if found else None) == layout


def test_other_headers_are_matched_by_synonyms_and_custom_fields_by_label() -> None:
    header = ["Given Name", "Surname", "E-mail Address", "Mobile Phone", "Tags", "Plan", "Plan", "Notes"]
    layout, mapping = suggest_mapping(header, {"tier": "Tier", "plan": "Plan"})
    assert layout == "csv"
    # "Plan" appears twice: a repeated header cannot be mapped, so it is not suggested.
    assert mapping == {
        "Given Name": "first_name",
        "Surname": "last_name",
        "E-mail Address": "email",
        "Mobile Phone": "phone",
        "Tags": "tags",
    }
    _, custom = suggest_mapping(["Full name", "Tier"], {"tier": "Tier"})
    assert custom == {"Full name": "full_name", "Tier": "custom.tier"}


def test_email_phone_and_country_may_come_from_several_columns_other_fields_not() -> None:
    header = ["A", "B", "C", "D"]
    assert validate_mapping({"A": "email", "B": "email", "C": "phone", "D": "phone"}, header, set())
    with pytest.raises(FieldError) as twice:
        validate_mapping({"A": "first_name", "B": "first_name"}, header, set())
    assert twice.value.loc == ["mapping", "B"]
    assert validate_mapping({"A": "id"}, header, set()) == {"A": "id"}


def plan(mapping: dict[str, str], **options: str) -> ImportPlan:
    return ImportPlan.build(list(mapping), mapping, {}, [], default_country="MY", **options)


def test_the_first_valid_email_and_phone_win_and_bad_cells_become_warnings() -> None:
    mapping = {"Name": "full_name", "Mail": "email", "Mail 2": "email", "Tel": "phone", "Land": "country"}
    row = parse_row(
        2, ["van der Berg, Jan", "bad ::: jan@x.com", "", "N/A ::: 012-345 6789", "Atlantis"], plan(mapping)
    )
    assert isinstance(row, ParsedRow)
    assert row.values == {
        "email": "jan@x.com",
        "phone": "+60123456789",
        "first_name": "Jan",
        "last_name": "van der Berg",
    }
    assert row.warnings == [
        RowError(2, "Land", "'Atlantis' is not a country this import knows (use a name or ISO code)")
    ]
    # The row's country, not the workspace's, reads a national phone.
    uk = parse_row(3, ["Ann", "", "", "07400 123456", "UK"], plan(mapping))
    assert isinstance(uk, ParsedRow) and (uk.phone, uk.values["country"]) == ("+447400123456", "GB")


def test_a_row_fails_only_when_nothing_identifies_a_contact_unless_fail_row() -> None:
    mapping = {"First": "first_name", "Mail": "email", "Tel": "phone"}
    warned = parse_row(2, ["Ann", "not-an-email", "N/A"], plan(mapping))
    assert isinstance(warned, ParsedRow) and warned.values == {"first_name": "Ann"}
    assert [w.column for w in warned.warnings] == ["Mail", "Tel"]
    failed = parse_row(2, ["", "not-an-email", "N/A"], plan(mapping))
    assert isinstance(failed, list) and [e.column for e in failed] == ["Mail", "Tel"]
    strict = parse_row(2, ["Ann", "not-an-email", ""], plan(mapping, on_invalid_cell="fail_row"))
    assert isinstance(strict, list) and [e.column for e in strict] == ["Mail"]
    blank = parse_row(2, ["", "", ""], plan(mapping))
    assert isinstance(blank, list) and blank[0].message == "a name, e-mail or phone is required"


def test_an_id_alone_identifies_a_row_and_blank_cells_can_clear() -> None:
    contact_id = uuid.uuid4()
    mapping = {"ID": "id", "First": "first_name", "Tags": "tags", "Tel": "phone"}
    kept = parse_row(2, [str(contact_id), "", "", ""], plan(mapping))
    assert isinstance(kept, ParsedRow) and (kept.contact_id, kept.values) == (contact_id, {})
    cleared = parse_row(2, [str(contact_id), "", "", ""], plan(mapping, blank_cells="clear"))
    assert isinstance(cleared, ParsedRow)
    assert cleared.values == {"first_name": None, "tags": [], "phone": None}
    bad_id = parse_row(2, ["42", "Ann", "", ""], plan(mapping))
    assert isinstance(bad_id, ParsedRow) and bad_id.contact_id is None
    assert [w.column for w in bad_id.warnings] == ["ID"]


def test_a_whole_name_fills_in_only_rows_without_first_and_last_name() -> None:
    mapping = {"Name": "full_name", "Given Name": "first_name", "Family Name": "last_name", "Phone": "phone"}
    split = parse_row(2, ["Jan van der Berg", "", "", ""], plan(mapping))
    assert isinstance(split, ParsedRow) and split.values == {"first_name": "Jan", "last_name": "van der Berg"}
    own = parse_row(2, ["Jan van der Berg", "Johannes", "", ""], plan(mapping))
    assert isinstance(own, ParsedRow) and own.values == {"first_name": "Johannes"}
    # An export's display name that is only the phone (a contact without a name) is no name.
    phone_only = parse_row(2, ["+60123456789", "", "", "+60123456789"], plan(mapping))
    assert isinstance(phone_only, ParsedRow) and phone_only.values == {"phone": "+60123456789"}


def test_a_broken_workbook_is_unreadable_not_a_crash(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "this is not xml <<<")
    with pytest.raises(UnreadableFile):
        list(open_xlsx_rows(broken))
    garbage_sheet = tmp_path / "sheet.xlsx"
    workbook = Workbook()
    workbook.save(garbage_sheet)
    with zipfile.ZipFile(garbage_sheet) as source, zipfile.ZipFile(tmp_path / "bad.xlsx", "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(
                item, b"<worksheet><sheetData><row><c" if "worksheets/" in item.filename else data
            )
    with pytest.raises(UnreadableFile):
        list(open_xlsx_rows(tmp_path / "bad.xlsx"))


def test_an_address_with_its_display_name_is_read_as_the_address() -> None:
    row = parse_row(2, ["Ann", "Ann Lee <Ann@Example.com>"], plan({"First": "first_name", "Mail": "email"}))
    assert isinstance(row, ParsedRow) and row.email == "ann@example.com" and row.warnings == []


def test_an_exported_display_name_taken_from_a_channel_is_no_name() -> None:
    """This product's export without first/last name columns: "Name" is the display name, which for
    a contact known only by a channel is the channel's external id."""
    header = ["ID", "Name", "Email", "Phone", "Channels"]
    layout, mapping = suggest_mapping(header, {})
    assert (layout, mapping["Name"]) == ("contacts_module", "full_name")
    own = ImportPlan.build(header, mapping, {}, [], layout=layout)
    contact_id = str(uuid.uuid4())
    nameless = parse_row(2, [contact_id, "60123456789", "", "", "WhatsApp (60123456789)"], own)
    assert isinstance(nameless, ParsedRow) and nameless.values == {}
    named = parse_row(3, [contact_id, "Zoë Åström", "", "", "WhatsApp (60123456789)"], own)
    assert isinstance(named, ParsedRow)
    assert named.values == {"first_name": "Zoë", "last_name": "Åström"}
