"""CSV import jobs through the real API, PostgreSQL, OpenSearch and the job runner."""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select, update

import indexer_worker.jobs.import_csv as import_job
from shared import csv_import
from shared.copy_rows import COPY_THRESHOLD
from shared.models import Contact, Event, Job, OutboxEntry
from tests.factories import add_field, add_user
from tests.integration.csv_jobs_support import job_row, parse_csv, run

PEOPLE_MAPPING = {
    "First Name": "first_name",
    "Last Name": "last_name",
    "E-mail": "email",
    "Mobile": "phone",
    "Country": "country",
    "Tags": "tags",
}


def upload(
    client: Any,
    headers: dict[str, str],
    content: bytes | str,
    mapping: dict[str, str] | str | None,
    on_duplicate: str | None = "skip",
    **options: str,
) -> Any:
    data = (
        {} if mapping is None else {"mapping": mapping if isinstance(mapping, str) else json.dumps(mapping)}
    )
    if on_duplicate is not None:
        data["on_duplicate"] = on_duplicate
    data.update(options)
    raw = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        "/v1/imports", headers=headers, files={"file": ("contacts.csv", raw, "text/csv")}, data=data
    )


def import_file(
    client: Any,
    ws: Any,
    content: bytes | str,
    mapping: dict[str, str],
    jobs: tuple[Any, Any, Any],
    on_duplicate: str = "skip",
    **options: str,
) -> dict[str, Any]:
    response = upload(client, ws.headers, content, mapping, on_duplicate, **options)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    import_id = response.json()["id"]
    assert run(import_id, *jobs) == "succeeded"
    status = client.get(f"/v1/imports/{import_id}", headers=ws.headers)
    assert status.status_code == 200, status.text
    return dict(status.json())


def contacts_of(session_factory: Any, workspace_id: str) -> list[Contact]:
    with session_factory() as session:
        return list(
            session.scalars(
                select(Contact)
                .where(Contact.workspace_id == uuid.UUID(workspace_id))
                .order_by(Contact.created_at)
            )
        )


@pytest.fixture
def jobs(session_factory: Any, search_client: Any, settings: Any) -> tuple[Any, Any, Any]:
    return session_factory, search_client, settings


def test_import_creates_contacts_from_import_with_events_outbox_and_search(
    client, workspace, session_factory, jobs, sync_index
) -> None:
    add_field(session_factory, workspace.id, "plan", "select", ["free", "pro"], label="Plan")
    content = (
        "First Name,Last Name,E-mail,Mobile,Country,Tags,Plan,Ignored\n"
        "Zoë,Åström,Zoe@Example.com,012-345 6789,MY,vip; lead,pro,x\n"
        '"Smith, Jr.",,,+44 20 7946 0958,,,free,y\n'
        "\n"
        ",,only@example.com,,,,,\n"
    )
    result = import_file(client, workspace, content, {**PEOPLE_MAPPING, "Plan": "custom.plan"}, jobs)
    assert result["status"] == "succeeded"
    assert (result["total_rows"], result["processed"]) == (3, 3)
    assert (result["created"], result["updated"], result["skipped"], result["failed"]) == (3, 0, 0, 0)
    assert result["errors"] == []

    contacts = contacts_of(session_factory, workspace.id)
    assert [c.source for c in contacts] == ["import"] * 3
    zoe = next(c for c in contacts if c.first_name == "Zoë")
    assert (zoe.last_name, zoe.email, zoe.phone, zoe.country) == (
        "Åström",
        "zoe@example.com",
        "+60123456789",
        "MY",
    )
    assert zoe.tags == ["vip", "lead"] and zoe.custom_fields == {"plan": "pro"}
    smith = next(c for c in contacts if c.first_name == "Smith, Jr.")
    assert smith.phone == "+442079460958" and smith.custom_fields == {"plan": "free"}
    with session_factory() as session:
        events = session.execute(
            select(Event.type, Event.triggers_workflows, Event.data).where(
                Event.workspace_id == uuid.UUID(workspace.id)
            )
        ).all()
        outbox = session.scalars(
            select(OutboxEntry.contact_id).where(OutboxEntry.workspace_id == uuid.UUID(workspace.id))
        ).all()
    assert sorted(e.type for e in events) == ["created"] * 3
    assert not any(e.triggers_workflows for e in events)  # imports run no automations
    assert all(e.data["source"] == "import" for e in events)
    assert set(outbox) == {c.id for c in contacts}
    sync_index()
    found = client.post("/v1/contacts/search", headers=workspace.headers, json={"query": "astrom"}).json()
    assert [c["id"] for c in found["items"]] == [str(zoe.id)]


@pytest.mark.parametrize("check_ahead", [True, False], ids=["checked-ahead", "one-process"])
def test_a_large_import_lands_every_contact_event_and_outbox_row_through_copy(
    client, workspace, session_factory, search_client, settings, check_ahead
) -> None:
    """Hundreds of rows a chunk go through COPY (shared.copy_rows): ids, server times and JSON values
    as a row-by-row INSERT would write them; a second import of the same people updates them all.
    The same whether the rows are checked in a second process ahead of the writing or not."""
    jobs = (session_factory, search_client, settings.model_copy(update={"import_check_ahead": check_ahead}))
    n = 300
    assert n >= COPY_THRESHOLD
    header = "First Name,Last Name,E-mail,Mobile,Country,Tags\n"
    first = header + "".join(f"P{i},Large,p{i}@example.com,+6012{i:07d},MY,vip\n" for i in range(n))
    result = import_file(client, workspace, first, PEOPLE_MAPPING, jobs)
    assert (result["created"], result["failed"]) == (n, 0)
    again = header + "".join(f"P{i},Large,p{i}@example.com,,,vip; lead\n" for i in range(n))
    result = import_file(client, workspace, again, PEOPLE_MAPPING, jobs, on_duplicate="update")
    assert (result["created"], result["updated"], result["failed"]) == (0, n, 0)
    contacts = contacts_of(session_factory, workspace.id)
    assert len(contacts) == n and all(c.created_at is not None and c.version == 2 for c in contacts)
    assert all(c.tags == ["vip", "lead"] and c.custom_fields == {} for c in contacts)
    with session_factory() as session:
        events = session.execute(
            select(Event.id, Event.type, Event.at, Event.data).where(
                Event.workspace_id == uuid.UUID(workspace.id)
            )
        ).all()
        outbox = session.execute(
            select(OutboxEntry.contact_id, OutboxEntry.version, OutboxEntry.priority).where(
                OutboxEntry.workspace_id == uuid.UUID(workspace.id)
            )
        ).all()
    assert sorted(e.type for e in events) == sorted(["created", "updated", "tagged"] * n)
    assert len({e.id for e in events}) == 3 * n and all(e.at is not None for e in events)
    assert all(e.data["import_id"] for e in events if e.type != "tagged")
    assert sorted((o.contact_id, o.version) for o in outbox) == sorted(
        (c.id, v) for c in contacts for v in (1, 2)
    )
    assert {o.priority for o in outbox} == {1}  # bulk: behind interactive changes


BAD_CELLS = (
    "First Name,E-mail,Mobile,Country,Seats,Plan\n"
    "Good,good@example.com,,,3,pro\n"
    "Bad Mail,not-an-email,,,,\n"
    "Bad Phone,,12,,,\n"
    "Bad Country,,,XX,,\n"
    "Bad Seats,,,,many,\n"
    "Bad Plan,,,,,=HYPERLINK(1)\n"
    ",,,,4,\n"
    "Also Good,,,,-2.5,free\n"
)
BAD_CELLS_MAPPING = {
    "First Name": "first_name",
    "E-mail": "email",
    "Mobile": "phone",
    "Country": "country",
    "Seats": "custom.seats",
    "Plan": "custom.plan",
}


def test_bad_cells_are_left_out_with_a_warning_and_only_unidentified_rows_fail(
    client, workspace, session_factory, jobs
) -> None:
    """The default on_invalid_cell=skip_cell: each row lands without its bad cell."""
    add_field(session_factory, workspace.id, "seats", "number", label="Seats")
    add_field(session_factory, workspace.id, "plan", "select", ["free", "pro"], label="Plan")
    result = import_file(client, workspace, BAD_CELLS, BAD_CELLS_MAPPING, jobs)
    assert (result["total_rows"], result["created"], result["failed"], result["warning_count"]) == (
        8,
        7,
        1,
        5,
    )
    assert result["on_invalid_cell"] == "skip_cell"
    assert [(e["row"], e["column"]) for e in result["errors"]] == [(8, "First Name")]
    assert "required" in result["errors"][0]["message"]
    warned = {w["row"]: w for w in result["warnings"]}
    assert [(r, warned[r]["column"]) for r in sorted(warned)] == [
        (3, "E-mail"),
        (4, "Mobile"),
        (5, "Country"),
        (6, "Seats"),
        (7, "Plan"),
    ]
    assert "'12' is not a valid phone number" in warned[4]["message"]
    assert "=HYPERLINK(1)" in warned[7]["message"]
    created = {c.first_name: c for c in contacts_of(session_factory, workspace.id)}
    assert set(created) == {
        "Good",
        "Bad Mail",
        "Bad Phone",
        "Bad Country",
        "Bad Seats",
        "Bad Plan",
        "Also Good",
    }
    assert (created["Bad Mail"].email, created["Bad Phone"].phone, created["Bad Country"].country) == (
        None,
        None,
        None,
    )
    assert created["Bad Seats"].custom_fields == {} and created["Bad Plan"].custom_fields == {}
    assert created["Good"].custom_fields == {"seats": 3, "plan": "pro"}
    assert created["Also Good"].custom_fields == {"seats": -2.5, "plan": "free"}
    rows = parse_csv(client.get(result["errors_url"], headers=workspace.headers).content)
    assert [int(r[0]) for r in rows[1:]] == [8]


def test_invalid_rows_are_reported_while_valid_rows_land(client, workspace, session_factory, jobs) -> None:
    """on_invalid_cell=fail_row: any bad cell fails its row."""
    add_field(session_factory, workspace.id, "seats", "number", label="Seats")
    add_field(session_factory, workspace.id, "plan", "select", ["free", "pro"], label="Plan")
    result = import_file(client, workspace, BAD_CELLS, BAD_CELLS_MAPPING, jobs, on_invalid_cell="fail_row")
    assert (result["total_rows"], result["created"], result["failed"]) == (8, 2, 6)
    assert (result["warnings"], result["warning_count"]) == ([], 0)
    by_row = {e["row"]: e for e in result["errors"]}
    assert sorted(by_row) == [3, 4, 5, 6, 7, 8]
    assert by_row[3]["column"] == "E-mail"
    assert by_row[4]["column"] == "Mobile" and "phone" in by_row[4]["message"]
    assert by_row[5]["column"] == "Country"
    assert by_row[6]["column"] == "Seats" and "number" in by_row[6]["message"]
    assert by_row[7]["column"] == "Plan" and "=HYPERLINK(1)" in by_row[7]["message"]
    assert by_row[8]["column"] == "First Name" and "required" in by_row[8]["message"]
    created = {c.first_name: c for c in contacts_of(session_factory, workspace.id)}
    assert set(created) == {"Good", "Also Good"}
    assert created["Also Good"].custom_fields == {"seats": -2.5, "plan": "free"}

    download = client.get(result["errors_url"], headers=workspace.headers)
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    rows = parse_csv(download.content)
    assert rows[0] == ["Row", "Column", "Message"]
    assert [int(r[0]) for r in rows[1:]] == [3, 4, 5, 6, 7, 8]
    assert all(cell[:1] not in "=+-@\t\r\n" for row in rows for cell in row)


def test_duplicates_by_email_then_phone_are_skipped_or_updated(
    client, workspace, session_factory, jobs
) -> None:
    by_email = client.post(
        "/v1/contacts", headers=workspace.headers, json={"first_name": "Old", "email": "ann@example.com"}
    ).json()
    by_phone = client.post(
        "/v1/contacts", headers=workspace.headers, json={"first_name": "Old", "phone": "+60123456789"}
    ).json()
    content = (
        "First Name,E-mail,Mobile,Country,Tags,Last Name\n"
        "Ann,ANN@example.com,,,,\n"
        "Phil,,0123456789,MY,vip,\n"
        "Newbie,new@example.com,,,,\n"
        "Newbie Again,new@example.com,,,,Twice\n"
    )
    mapping = {**PEOPLE_MAPPING, "Last Name": "last_name"}
    skipped = import_file(client, workspace, content, mapping, jobs, on_duplicate="skip")
    assert (skipped["created"], skipped["skipped"], skipped["updated"]) == (1, 3, 0)
    unchanged = {c["id"]: c for c in (by_email, by_phone)}
    for contact_id, before in unchanged.items():
        after = client.get(f"/v1/contacts/{contact_id}", headers=workspace.headers).json()
        assert (after["first_name"], after["version"]) == (before["first_name"], before["version"])

    updated = import_file(client, workspace, content, mapping, jobs, on_duplicate="update")
    # "Newbie" already holds exactly what its row says; "Newbie Again" then updates the same contact.
    assert (updated["created"], updated["updated"], updated["unchanged"], updated["skipped"]) == (0, 3, 1, 0)
    ann = client.get(f"/v1/contacts/{by_email['id']}", headers=workspace.headers).json()
    phil = client.get(f"/v1/contacts/{by_phone['id']}", headers=workspace.headers).json()
    assert (ann["first_name"], ann["version"]) == ("Ann", 2)
    assert (phil["first_name"], phil["tags"], phil["country"], phil["version"]) == ("Phil", ["vip"], "MY", 2)
    newbies = [c for c in contacts_of(session_factory, workspace.id) if c.email == "new@example.com"]
    assert len(newbies) == 1 and (newbies[0].first_name, newbies[0].last_name) == ("Newbie Again", "Twice")
    with session_factory() as session:
        types = session.scalars(select(Event.type).where(Event.contact_id == uuid.UUID(phil["id"]))).all()
        versions = session.scalars(
            select(OutboxEntry.version).where(OutboxEntry.contact_id == uuid.UUID(phil["id"]))
        ).all()
    assert sorted(types) == ["created", "tagged", "updated"]
    assert max(versions) == 2


def test_encoding_and_delimiter_are_detected(client, workspace, session_factory, jobs) -> None:
    mapping = {"Name": "first_name", "Mail": "email"}
    files = [
        "Name;Mail\r\nJosé;jose@example.com\r\n".encode("latin-1"),
        b"\xef\xbb\xbf" + "Name\tMail\nZoë\tzoe@example.com\n".encode(),
        "Name|Mail\nRenée|renee@example.com\n".encode(),
        'Name,Mail\n"Müller, Jürgen",jurgen@example.com\n'.encode("cp1252"),
    ]
    for content in files:
        result = import_file(client, workspace, content, mapping, jobs)
        assert (result["created"], result["failed"]) == (1, 0), result
    names = sorted(c.first_name or "" for c in contacts_of(session_factory, workspace.id))
    assert names == ["José", "Müller, Jürgen", "Renée", "Zoë"]


def test_bad_uploads_and_mappings_are_refused_at_once(
    client, workspace, session_factory, settings, monkeypatch
) -> None:
    add_field(session_factory, workspace.id, "plan", "text", label="Plan")
    csv_text = "Name,Mail,Plan\nA,a@example.com,x\n"
    cases: list[tuple[Any, Any, str | None, list[Any]]] = [
        (csv_text, {"Name": "shoe_size"}, "skip", ["mapping", "Name"]),
        (csv_text, {"Name": "first_name", "Plan": "custom.nope"}, "skip", ["mapping", "Plan"]),
        (csv_text, {"Name": "display_name"}, "skip", ["mapping", "Name"]),
        (csv_text, {"Nom": "first_name"}, "skip", ["mapping", "Nom"]),
        (csv_text, {"Name": "first_name", "Mail": "first_name"}, "skip", ["mapping", "Mail"]),
        (csv_text, {"Plan": "custom.plan"}, "skip", ["mapping"]),
        (csv_text, "{not json", "skip", ["mapping"]),
        (csv_text, {"Name": "first_name"}, "merge", ["on_duplicate"]),
        (csv_text, {"Name": "full_name", "Mail": "full_name"}, "skip", ["mapping", "Mail"]),
        ("Foo,Bar\nA,a@example.com\n", None, "skip", ["mapping"]),
        ("", {"Name": "first_name"}, "skip", ["file"]),
        (b"PK\x03\x04\x00\x00binary", {"Name": "first_name"}, "skip", ["file"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", {"Name": "first_name"}, "skip", ["file"]),
    ]
    for content, mapping, on_duplicate, loc in cases:
        response = upload(client, workspace.headers, content, mapping, on_duplicate)
        assert response.status_code == 422, (mapping, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == loc, (mapping, response.json())
    for option, value in (("on_invalid_cell", "ignore"), ("blank_cells", "erase")):
        response = upload(client, workspace.headers, csv_text, {"Name": "first_name"}, **{option: value})
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["loc"] == [option]
    missing_file = client.post("/v1/imports", headers=workspace.headers, data={"mapping": "{}"})
    assert missing_file.status_code == 422
    monkeypatch.setattr(settings, "import_max_bytes", 1024)
    too_big = upload(client, workspace.headers, "Name\n" + "x\n" * 600, {"Name": "first_name"})
    assert too_big.status_code == 413
    assert too_big.headers["content-type"] == "application/problem+json"
    with session_factory() as session:
        assert session.query(Job).filter(Job.workspace_id == uuid.UUID(workspace.id)).count() == 0


def test_imports_are_private_to_the_workspace_and_the_module(
    client, make_workspace, session_factory, jobs
) -> None:
    acme, other = make_workspace(), make_workspace()
    agent = add_user(session_factory, acme.id, "agent").headers
    assert upload(client, agent, "Name\nA\n", {"Name": "first_name"}).status_code == 403
    result = import_file(client, acme, "Name\nA\n=1+2\n", {"Name": "first_name"}, jobs)
    assert result["created"] == 2
    for path in (f"/v1/imports/{result['id']}", f"/v1/imports/{result['id']}/errors", "/v1/imports/nope"):
        assert client.get(path, headers=other.headers).status_code == 404, path


def ten_people_in_chunks_of_3(
    client: Any, workspace: Any, monkeypatch: Any, mail: Callable[[int], str]
) -> str:
    """An import of "Person 0".."Person 9" (spreadsheet rows 2-11) with the e-mail `mail(i)`,
    landed three rows a chunk: the id of the queued job."""
    monkeypatch.setattr(import_job, "CHUNK_ROWS", 3)
    rows = "".join(f"Person {i},{mail(i)}\n" for i in range(10))
    response = upload(
        client, workspace.headers, "Name,Mail\n" + rows, {"Name": "first_name", "Mail": "email"}
    )
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def test_a_resumed_import_does_not_land_a_chunk_twice(
    client, workspace, session_factory, jobs, monkeypatch
) -> None:
    """A worker dying mid-import: the next run starts after the last committed chunk."""
    import_id = ten_people_in_chunks_of_3(
        client, workspace, monkeypatch, lambda i: "bad" if i % 4 == 0 else ""
    )
    real_parse = csv_import.parse_row

    def dies_on_row_8(number: int, cells: list[str], plan: Any) -> Any:
        if number == 8:
            raise RuntimeError("worker killed")
        return real_parse(number, cells, plan)

    monkeypatch.setattr(import_job, "parse_row", dies_on_row_8)
    assert run(import_id, *jobs) == "failed"
    assert job_row(session_factory, import_id).processed == 6
    with session_factory() as session, session.begin():  # as if the task were redelivered
        session.execute(update(Job).where(Job.id == uuid.UUID(import_id)).values(status="running"))
    monkeypatch.setattr(import_job, "parse_row", real_parse)
    assert run(import_id, *jobs) == "succeeded"
    result = client.get(f"/v1/imports/{import_id}", headers=workspace.headers).json()
    assert (result["total_rows"], result["created"], result["failed"]) == (10, 10, 0)
    names = sorted(c.first_name or "" for c in contacts_of(session_factory, workspace.id))
    assert names == sorted(f"Person {i}" for i in range(10))
    # The bad e-mails were left out once each, also across the crash.
    assert [e["row"] for e in result["warnings"]] == [2, 6, 10]
    assert result["warning_count"] == 3


def test_a_file_that_stops_being_csv_fails_naming_the_row_and_imports_nothing(
    client, workspace, session_factory, jobs
) -> None:
    """A cell over the reader's 1 MiB limit on row 9: the job fails before any row lands, saying the
    last row that could be read (a half-imported file would be harder to fix than none)."""
    good = [f"Person {i},p{i}@example.com\n" for i in range(2, 9)]  # spreadsheet rows 2-8
    broken = "Broken," + "x" * (1024 * 1024 + 1) + "\n"
    content = "Name,Mail\n" + "".join(good) + broken + "After,after@example.com\n"
    response = upload(client, workspace.headers, content, {"Name": "first_name", "Mail": "email"})
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]
    assert run(import_id, *jobs) == "failed"
    job = job_row(session_factory, import_id)
    assert job.error is not None and "not valid CSV after row 8" in job.error, job.error
    assert "nothing was imported" in job.error
    assert contacts_of(session_factory, workspace.id) == []


def test_a_killed_checking_process_fails_the_import_in_words_keeping_what_landed(
    client, workspace, session_factory, jobs, monkeypatch
) -> None:
    """The process checking rows ahead is killed on row 8 (out of memory, say): the chunks before it
    stay, and the job fails saying what happened and how far it got, not "internal error"."""
    import_id = ten_people_in_chunks_of_3(client, workspace, monkeypatch, lambda i: f"p{i}@example.com")
    real_parse = csv_import.parse_row
    parent = os.getpid()

    def killed_on_row_8(number: int, cells: list[str], plan: Any) -> Any:
        if number == 8 and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return real_parse(number, cells, plan)

    monkeypatch.setattr(import_job, "parse_row", killed_on_row_8)
    assert run(import_id, *jobs) == "failed"
    job = job_row(session_factory, import_id)
    assert job.error is not None, job.error
    assert "ended without a word (exit code -9)" in job.error and "up to row 7 were imported" in job.error
    assert job.processed == 6
    names = sorted(c.first_name or "" for c in contacts_of(session_factory, workspace.id))
    assert names == sorted(f"Person {i}" for i in range(6))


def test_reimporting_an_export_with_update_changes_nothing(client, workspace, session_factory, jobs) -> None:
    """Export, then import that very file with on_duplicate=update: the importer undoes exactly the
    exporter's formula-neutralising quotes, so no value and no version changes."""
    fields = [
        ("plan", "Plan", "select", ["free", "pro"]),
        ("seats", "Seats", "number", []),
        ("renews", "Renews on", "date", []),
        ("seen", "Seen at", "datetime", []),
        ("vip", "VIP", "boolean", []),
        ("note", "Note", "text", []),
        ("site", "Site", "url", []),
    ]
    for key, label, type_, options in fields:
        add_field(session_factory, workspace.id, key, type_, options, label=label)
    bodies = [
        {
            "first_name": "=SUM(A1:A9)",
            "last_name": '-Minus, "quoted"',
            "email": "Zoe@Example.com",
            "phone": "+60123456789",
            "country": "MY",
            "language": "ms",
            "tags": ["vip", "@home"],
            "assignee_id": workspace.owner_id,
            "custom_fields": {
                "plan": "pro",
                "seats": -5,
                "renews": "2027-03-01",
                "seen": "2026-01-02T03:04:05+08:00",
                "vip": False,
                "note": "'=already quoted\nsecond line",
                "site": "https://example.com/a,b",
            },
        },
        {"first_name": "Plain", "email": "plain@example.com", "custom_fields": {"seats": 2.5, "vip": True}},
        {"phone": "+442079460958", "tags": ["+1", "-2"], "custom_fields": {"note": "@mention"}},
    ]
    before = []
    for body in bodies:
        response = client.post("/v1/contacts", headers=workspace.headers, json=body)
        assert response.status_code == 201, response.text
        before.append(response.json())
    columns = [
        "display_name",
        "first_name",
        "last_name",
        "email",
        "phone",
        "country",
        "language",
        "tags",
        "assignee_id",
        *[f"custom.{key}" for key, *_ in fields],
    ]
    export = client.post(
        "/v1/exports",
        headers=workspace.headers,
        json={"selection": {"ids": [c["id"] for c in before]}, "columns": columns},
    ).json()
    assert run(export["id"], *jobs) == "succeeded"
    exported = client.get(f"/v1/exports/{export['id']}/download", headers=workspace.headers).content
    header = parse_csv(exported)[0]
    mapping = {
        label: column for label, column in zip(header, columns, strict=True) if column != "display_name"
    }

    result = import_file(client, workspace, exported, mapping, jobs, on_duplicate="update")
    assert result["failed"] == 0, result["errors"]
    assert (result["total_rows"], result["created"], result["updated"], result["unchanged"]) == (3, 0, 0, 3)
    for contact in before:
        after = client.get(f"/v1/contacts/{contact['id']}", headers=workspace.headers).json()
        assert after == contact


def test_a_row_the_database_refuses_fails_alone(
    client, workspace, session_factory, jobs, monkeypatch
) -> None:
    """A row that passes the checks but that PostgreSQL refuses (here: an assignee that is not a
    user row, as if deleted mid-import) fails on its own; the rest of its chunk still lands."""
    real_build = csv_import.ImportPlan.build

    def build_with_a_ghost(*args: Any, **kwargs: Any) -> Any:
        plan = real_build(*args, **kwargs)
        plan.users["ghost@example.com"] = uuid.uuid4()
        return plan

    monkeypatch.setattr(csv_import.ImportPlan, "build", build_with_a_ghost)
    content = "Name,Owner\nAnn,\nGhosted,ghost@example.com\nBen,\n"
    result = import_file(client, workspace, content, {"Name": "first_name", "Owner": "assignee_id"}, jobs)
    assert (result["created"], result["failed"]) == (2, 1)
    assert [(e["row"], e["message"]) for e in result["errors"]] == [
        (3, "could not be saved (IntegrityError)")
    ]
    assert sorted(c.first_name or "" for c in contacts_of(session_factory, workspace.id)) == ["Ann", "Ben"]
