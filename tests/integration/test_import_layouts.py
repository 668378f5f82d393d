"""Files people bring from other tools, imported as they are: Google Contacts, Outlook (Latin-1),
HubSpot (BOM and ";", and as XLSX), Chatwoot and Excel's UTF-16 "Unicode Text", 50 rows each with the
mess of real files (tests/fixtures/imports/generate.py says which row carries which). Each goes
through the preview and the real import job against PostgreSQL; the contacts are checked field by
field against tests/fixtures/imports/expected.json."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from shared.models import Contact
from tests.factories import add_field, add_user
from tests.integration.csv_jobs_support import parse_csv, run
from tests.integration.test_import import contacts_of, import_file, upload

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
EXPECTED: dict[str, list[dict[str, Any]]] = json.loads((FIXTURES / "expected.json").read_text())
# Spreadsheet rows of the messy data rows (the header is row 1; text files have a blank line after
# the 10th data row): i=3, 13, 23, 33, 43 hold phone "N/A", i=22 the country "Atlantis", i=44 nothing
# that identifies a contact, i=48 the contact of i=1 again.
NA_ROWS = [5, 16, 26, 36, 46]
ATLANTIS_ROW = 25
UNIDENTIFIED_ROW = 47

GOOGLE_MAPPING = {
    "First Name": "first_name",
    "Last Name": "last_name",
    "E-mail 1 - Value": "email",
    "E-mail 2 - Value": "email",
    "Phone 1 - Value": "phone",
    "Phone 2 - Value": "phone",
    "Address 1 - Country": "country",
    "Labels": "tags",
    "Photo": "profile_pic_url",
}
OUTLOOK_MAPPING = {
    "First Name": "first_name",
    "Last Name": "last_name",
    "E-mail Address": "email",
    "E-mail 2 Address": "email",
    "E-mail 3 Address": "email",
    "Mobile Phone": "phone",
    "Primary Phone": "phone",
    "Home Phone": "phone",
    "Business Phone": "phone",
    "Home Country/Region": "country",
    "Business Country/Region": "country",
    "Other Country/Region": "country",
    "Categories": "tags",
}
HUBSPOT_MAPPING = {
    "First Name": "first_name",
    "Last Name": "last_name",
    "Email": "email",
    "Mobile Phone Number": "phone",
    "Phone Number": "phone",
    "Country/Region": "country",
    "Tags": "tags",
}
CHATWOOT_MAPPING = {"name": "full_name", "email": "email", "phone_number": "phone"}
UNICODE_TEXT_MAPPING = {
    "Full Name": "full_name",
    "E-mail Address": "email",
    "Mobile Phone": "phone",
    "Country": "country",
    "Tags": "tags",
}

# file, preview format, encoding, delimiter, suggested mapping, (phone, e-mail, country) columns
CASES = [
    (
        "google_contacts.csv",
        "google_contacts",
        "utf-8",
        ",",
        GOOGLE_MAPPING,
        ("Phone 1 - Value", "E-mail 1 - Value", "Address 1 - Country"),
    ),
    (
        "outlook_latin1.csv",
        "outlook",
        "cp1252",
        ",",
        OUTLOOK_MAPPING,
        ("Mobile Phone", "E-mail Address", "Home Country/Region"),
    ),
    (
        "hubspot_bom_semicolon.csv",
        "hubspot",
        "utf-8-sig",
        ";",
        HUBSPOT_MAPPING,
        ("Phone Number", "Email", "Country/Region"),
    ),
    ("chatwoot.csv", "chatwoot", "utf-8", ",", CHATWOOT_MAPPING, ("phone_number", "email", None)),
    (
        "unicode_text_utf16.txt",
        "csv",
        "utf-16",
        "\t",
        UNICODE_TEXT_MAPPING,
        ("Mobile Phone", "E-mail Address", "Country"),
    ),
]


@pytest.fixture
def jobs(session_factory: Any, search_client: Any, settings: Any) -> tuple[Any, Any, Any]:
    return session_factory, search_client, settings


@pytest.fixture
def malaysian_workspace(client: Any, workspace: Any) -> Any:
    """National phones without a country are Malaysian here."""
    response = client.patch(
        "/v1/workspaces/current", headers=workspace.headers, json={"default_country": "MY"}
    )
    assert response.status_code == 200, response.text
    return workspace


def preview(client: Any, headers: dict[str, str], content: bytes) -> Any:
    return client.post(
        "/v1/imports/preview", headers=headers, files={"file": ("upload", content, "text/csv")}
    )


def start(client: Any, ws: Any, content: bytes, jobs: Any, **options: str) -> dict[str, Any]:
    """An import with no mapping given: the suggested one, as the preview showed it."""
    response = upload(client, ws.headers, content, None, **options)
    assert response.status_code == 202, response.text
    assert run(response.json()["id"], *jobs) == "succeeded"
    return dict(client.get(f"/v1/imports/{response.json()['id']}", headers=ws.headers).json())


def card(contact: Contact) -> dict[str, Any]:
    return {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "country": contact.country,
        "tags": contact.tags,
    }


def assert_contacts_are(contacts: list[Contact], expected: list[dict[str, Any]]) -> None:
    """One contact per expected row (the unidentified row and the duplicate excepted), each exactly."""
    landed = [
        {k: v for k, v in row.items() if k != "row"}
        for row in expected
        if row["row"] != UNIDENTIFIED_ROW and row is not expected[48]
    ]
    assert len(contacts) == len(landed) == 48
    by_key = {(c.first_name, c.last_name, c.email): card(c) for c in contacts}
    for want in landed:
        assert by_key[(want["first_name"], want["last_name"], want["email"])] == want


@pytest.mark.parametrize(("name", "layout", "encoding", "delimiter", "mapping", "columns"), CASES)
def test_a_tool_export_is_previewed_and_imported_as_a_person_expects(
    client, malaysian_workspace, session_factory, jobs, name, layout, encoding, delimiter, mapping, columns
) -> None:
    ws = malaysian_workspace
    content = (FIXTURES / name).read_bytes()
    phone_column, email_column, country_column = columns

    shown = preview(client, ws.headers, content)
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert (body["format"], body["encoding"], body["delimiter"]) == (layout, encoding, delimiter)
    assert body["suggested_mapping"] == mapping
    assert len(body["sample_rows"]) == 20 and all(len(r) <= len(body["headers"]) for r in body["sample_rows"])
    # Within the first 20 data rows: the "N/A" phones at rows 5 and 16.
    assert [(p["row"], p["column"]) for p in body["problems"]] == [(5, phone_column), (16, phone_column)]

    result = start(client, ws, content, jobs)
    warnings = [(w["row"], w["column"]) for w in result["warnings"]]
    expected_warnings = sorted(
        [(r, phone_column) for r in NA_ROWS] + ([(ATLANTIS_ROW, country_column)] if country_column else [])
    )
    assert (
        result["total_rows"],
        result["created"],
        result["updated"],
        result["skipped"],
        result["failed"],
    ) == (
        50,
        48,
        0,
        1,
        1,
    )
    assert sorted(warnings) == expected_warnings
    assert result["warning_count"] == len(expected_warnings)
    assert result["format"] == layout
    assert sorted((e["row"], e["column"]) for e in result["errors"]) == [
        (UNIDENTIFIED_ROW, email_column),
        (UNIDENTIFIED_ROW, phone_column),
    ]
    assert_contacts_are(contacts_of(session_factory, ws.id), EXPECTED[name])


def test_hubspot_as_xlsx_lands_exactly_like_its_csv(
    client, malaysian_workspace, session_factory, jobs
) -> None:
    """The same HubSpot export saved as XLSX (read streamed, read-only): the same contacts. A
    workbook has no blank line, so its rows after the 11th are one lower."""
    ws = malaysian_workspace
    content = (FIXTURES / "hubspot.xlsx").read_bytes()
    body = preview(client, ws.headers, content).json()
    assert (body["format"], body["encoding"], body["delimiter"]) == ("hubspot", None, None)
    assert body["suggested_mapping"] == HUBSPOT_MAPPING
    assert body["sample_rows"][0][:4] == ["1000", "Mary Ann", "O'Neil", "maryann.oneil0@example.com"]

    result = start(client, ws, content, jobs)
    assert (result["total_rows"], result["created"], result["skipped"], result["failed"]) == (50, 48, 1, 1)
    assert sorted((w["row"], w["column"]) for w in result["warnings"]) == [
        (5, "Phone Number"),
        (15, "Phone Number"),
        (24, "Country/Region"),
        (25, "Phone Number"),
        (35, "Phone Number"),
        (45, "Phone Number"),
    ]
    assert sorted((e["row"], e["column"]) for e in result["errors"]) == [(46, "Email"), (46, "Phone Number")]
    expected = EXPECTED["hubspot_bom_semicolon.csv"]
    assert_contacts_are(contacts_of(session_factory, ws.id), expected)


def test_a_duplicate_in_the_file_updates_and_the_rest_is_unchanged_on_a_second_run(
    client, malaysian_workspace, session_factory, jobs
) -> None:
    ws = malaysian_workspace
    content = (FIXTURES / "google_contacts.csv").read_bytes()
    start(client, ws, content, jobs)
    again = start(client, ws, content, jobs, on_duplicate="update")
    assert (again["created"], again["updated"], again["unchanged"], again["failed"]) == (0, 1, 48, 1)
    assert again["warning_count"] == 6
    first = EXPECTED["google_contacts.csv"][1]
    duplicate = EXPECTED["google_contacts.csv"][48]
    contact = next(c for c in contacts_of(session_factory, ws.id) if c.email == first["email"])
    # The later row wins, as it would typed in by hand: its phone and its tags.
    assert (contact.phone, contact.tags) == (duplicate["phone"], duplicate["tags"])


def test_without_a_default_country_national_phones_are_warned_not_guessed(
    client, workspace, session_factory, jobs
) -> None:
    """Chatwoot rows have no country: a national "012-345 6789" needs a region and none is set,
    so the phone is left out with a warning (the contact still lands); international numbers pass."""
    content = (FIXTURES / "chatwoot.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(content.decode())))
    national = [n for n, cells in enumerate(rows, start=1) if cells and cells[3].startswith("0")]
    assert national  # the fixture has some
    result = start(client, workspace, content, jobs)
    assert (result["created"], result["failed"]) == (48, 1)
    assert sorted(w["row"] for w in result["warnings"]) == sorted(NA_ROWS + national)
    assert all("+<country code>" in w["message"] for w in result["warnings"] if w["row"] in national)
    expected = [
        {**row, "phone": None if row["row"] in national else row["phone"]} for row in EXPECTED["chatwoot.csv"]
    ]
    assert_contacts_are(contacts_of(session_factory, workspace.id), expected)


def test_the_default_country_is_an_owner_setting_given_by_code_or_name(
    client, workspace, session_factory
) -> None:
    current = client.get("/v1/workspaces/current", headers=workspace.headers)
    assert current.status_code == 200 and current.json()["default_country"] is None
    for given, stored in (("Malaysia", "MY"), ("gb", "GB"), ("United States", "US"), (None, None)):
        response = client.patch(
            "/v1/workspaces/current", headers=workspace.headers, json={"default_country": given}
        )
        assert response.status_code == 200, response.text
        assert response.json()["default_country"] == stored
    bad = client.patch(
        "/v1/workspaces/current", headers=workspace.headers, json={"default_country": "Atlantis"}
    )
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["loc"] == ["default_country"]
    unknown = client.patch("/v1/workspaces/current", headers=workspace.headers, json={"name": "x"})
    assert unknown.status_code == 422
    manager = add_user(session_factory, workspace.id, "manager").headers
    refused = client.patch("/v1/workspaces/current", headers=manager, json={"default_country": "MY"})
    assert refused.status_code == 403


def test_preview_refuses_what_it_cannot_read(
    client, workspace, session_factory, settings, monkeypatch
) -> None:
    for content in (b"", b"PK\x03\x04broken", b"\x89PNG\r\n\x1a\n\x00\x00"):
        response = preview(client, workspace.headers, content)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == ["file"]
    agent = add_user(session_factory, workspace.id, "agent").headers
    assert preview(client, agent, b"Name\nA\n").status_code == 403
    unknown = preview(client, workspace.headers, b"Foo,Bar\n1,2\n").json()
    assert (unknown["format"], unknown["suggested_mapping"]) == ("csv", {})
    assert [p["message"] for p in unknown["problems"]] == [
        "no column could be matched to a field; choose the mapping"
    ]
    monkeypatch.setattr(settings, "import_max_bytes", 1024)
    too_big = preview(client, workspace.headers, b"Name\n" + b"x\n" * 600)
    assert too_big.status_code == 413 and too_big.headers["content-type"] == "application/problem+json"
    leftovers = list((settings.export_dir / "imports" / workspace.id).glob("*"))
    assert leftovers == []  # a preview keeps nothing


def export_csv(client: Any, ws: Any, jobs: Any, ids: list[str], columns: list[str]) -> bytes:
    export = client.post(
        "/v1/exports", headers=ws.headers, json={"selection": {"ids": ids}, "columns": columns}
    ).json()
    assert run(export["id"], *jobs) == "succeeded"
    return bytes(client.get(f"/v1/exports/{export['id']}/download", headers=ws.headers).content)


def as_xlsx(content: bytes) -> bytes:
    """The exported file opened in a spreadsheet and saved as XLSX, every cell kept as its text."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_export_then_import_is_exact_also_as_xlsx_and_matches_by_id(
    client, malaysian_workspace, session_factory, jobs
) -> None:
    """Google contacts (tags such as "Friends; family"; one given through the API too), a contact
    with neither e-mail nor phone and a negative number: exported with the ID column, imported back
    with on_duplicate=update, as CSV and as XLSX, nothing changes; a name edited in the file updates
    that contact, found by its ID."""
    ws = malaysian_workspace
    add_field(session_factory, ws.id, "seats", "number", label="Seats")
    start(client, ws, (FIXTURES / "google_contacts.csv").read_bytes(), jobs)
    nameless = client.post(
        "/v1/contacts",
        headers=ws.headers,
        json={"first_name": "Nadia", "custom_fields": {"seats": -5}, "tags": ["vip", "Q3; renewals"]},
    )
    assert nameless.status_code == 201, nameless.text
    ids = [str(c.id) for c in contacts_of(session_factory, ws.id)]
    before = {i: client.get(f"/v1/contacts/{i}", headers=ws.headers).json() for i in ids}
    assert any("Friends; family" in c["tags"] for c in before.values())
    columns = [
        "id",
        "display_name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "country",
        "tags",
        "custom.seats",
    ]
    exported = export_csv(client, ws, jobs, ids, columns)
    rows = parse_csv(exported)
    assert rows[0] == ["ID", "Name", "First name", "Last name", "Email", "Phone", "Country", "Tags", "Seats"]
    nadia = next(r for r in rows if r[0] == nameless.json()["id"])
    # A tag holding ";" (given through the API) is quoted; a negative number stays a number.
    assert (nadia[7], nadia[8]) == ('vip; "Q3; renewals"', "-5")
    assert any('"Friends; family"' in r[7] for r in rows[1:])  # a tag holding ";" is quoted

    shown = preview(client, ws.headers, exported).json()
    assert shown["format"] == "contacts_module"
    assert shown["suggested_mapping"] == {
        "ID": "id",
        "First name": "first_name",
        "Last name": "last_name",
        "Email": "email",
        "Phone": "phone",
        "Country": "country",
        "Tags": "tags",
        "Seats": "custom.seats",
    }
    for content in (exported, as_xlsx(exported)):
        result = start(client, ws, content, jobs, on_duplicate="update")
        assert (result["created"], result["updated"], result["unchanged"], result["failed"]) == (0, 0, 49, 0)
        assert (result["warning_count"], result["errors"]) == (0, [])
        for contact_id, contact in before.items():
            assert client.get(f"/v1/contacts/{contact_id}", headers=ws.headers).json() == contact

    edited = exported.replace(b",Nadia,Nadia,", b",Nadia,Nadine,")
    assert edited != exported
    result = start(client, ws, edited, jobs, on_duplicate="update")
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 48)
    after = client.get(f"/v1/contacts/{nameless.json()['id']}", headers=ws.headers).json()
    assert (after["first_name"], after["version"]) == ("Nadine", nameless.json()["version"] + 1)
    assert len(contacts_of(session_factory, ws.id)) == 49


def test_blank_cells_keep_or_clear_what_a_contact_has(client, workspace, session_factory, jobs) -> None:
    add_field(session_factory, workspace.id, "plan", "text", label="Plan")
    created = client.post(
        "/v1/contacts",
        headers=workspace.headers,
        json={
            "first_name": "Ann",
            "last_name": "Lee",
            "email": "ann@example.com",
            "phone": "+60123456789",
            "tags": ["vip"],
            "custom_fields": {"plan": "pro"},
        },
    ).json()
    content = b"Email,Last Name,Phone,Tags,Plan\nann@example.com,,,,\n"
    mapping = {
        "Email": "email",
        "Last Name": "last_name",
        "Phone": "phone",
        "Tags": "tags",
        "Plan": "custom.plan",
    }
    kept = import_file(client, workspace, content, mapping, jobs, on_duplicate="update")
    assert (kept["updated"], kept["unchanged"], kept["blank_cells"]) == (0, 1, "keep")
    same = client.get(f"/v1/contacts/{created['id']}", headers=workspace.headers).json()
    assert same == created
    cleared = import_file(
        client, workspace, content, mapping, jobs, on_duplicate="update", blank_cells="clear"
    )
    assert (cleared["updated"], cleared["blank_cells"]) == (1, "clear")
    after = client.get(f"/v1/contacts/{created['id']}", headers=workspace.headers).json()
    assert (after["first_name"], after["last_name"], after["phone"], after["tags"]) == ("Ann", None, None, [])
    assert after["email"] == "ann@example.com" and after["custom_fields"] == {}
    assert after["version"] == created["version"] + 1
