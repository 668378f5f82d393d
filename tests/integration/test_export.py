"""CSV export jobs through the real API, PostgreSQL, OpenSearch and the job runner."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import update

from shared.csv_format import render_tags
from shared.csv_safety import FORMULA_TRIGGERS, is_plain_number, restore
from shared.models import Contact, Job, User
from tests.factories import add_channel_identity, add_field, add_user, new_contact
from tests.integration.csv_jobs_support import job_row, parse_csv, run


def start_export(client: Any, headers: dict[str, str], body: dict[str, Any]) -> str:
    response = client.post("/v1/exports", headers=headers, json=body)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "queued"
    return str(response.json()["id"])


def export_rows(
    client: Any, ws: Any, body: dict[str, Any], session_factory: Any, search_client: Any, settings: Any
) -> list[list[str]]:
    export_id = start_export(client, ws.headers, body)
    assert run(export_id, session_factory, search_client, settings) == "succeeded"
    status = client.get(f"/v1/exports/{export_id}", headers=ws.headers).json()
    download = client.get(status["download_url"], headers=ws.headers)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/csv")
    return parse_csv(download.content)


def test_export_of_selected_contacts_renders_labels_lists_times_and_assignee(
    client, workspace, session_factory, search_client, settings
) -> None:
    add_field(session_factory, workspace.id, "plan", "select", ["free", "enterprise"], label="Plan")
    jane = new_contact(
        client,
        workspace,
        first_name="Jane",
        last_name="Doe, Jr.",
        email="jane@example.com",
        phone="+60123456789",
        country="MY",
        tags=["vip", "lead"],
        assignee_id=workspace.owner_id,
        custom_fields={"plan": "enterprise"},
    )
    bob = new_contact(client, workspace, first_name="Bob", last_name='The "Builder"\nLine 2')
    add_channel_identity(
        session_factory, workspace.id, jane["id"], "Acme WhatsApp", "whatsapp", "60123456789"
    )
    columns = [
        "display_name",
        "email",
        "phone",
        "tags",
        "channels",
        "assignee_id",
        "created_at",
        "custom.plan",
    ]
    export_id = start_export(
        client, workspace.headers, {"selection": {"ids": [jane["id"], bob["id"]]}, "columns": columns}
    )
    pending = client.get(f"/v1/exports/{export_id}", headers=workspace.headers).json()
    assert pending["status"] == "queued" and pending["download_url"] is None
    assert client.get(f"/v1/exports/{export_id}/download", headers=workspace.headers).status_code == 409

    assert run(export_id, session_factory, search_client, settings) == "succeeded"
    status = client.get(f"/v1/exports/{export_id}", headers=workspace.headers).json()
    assert status["status"] == "succeeded"
    assert (status["processed"], status["total"], status["rows"]) == (2, 2, 2)
    assert status["download_url"] == f"/v1/exports/{export_id}/download"
    rows = parse_csv(client.get(status["download_url"], headers=workspace.headers).content)

    assert rows[0] == ["Name", "Email", "Phone", "Tags", "Channels", "Assignee", "Created at", "Plan"]
    jane_row, bob_row = rows[1], rows[2]
    assert jane_row[0] == "Jane Doe, Jr."
    assert jane_row[1] == "jane@example.com"
    assert jane_row[2] == "'+60123456789"  # a leading + would start a formula
    assert jane_row[3] == "vip; lead"
    assert jane_row[4] == "Acme WhatsApp (60123456789)"
    assert jane_row[5].startswith("owner-") and jane_row[5].endswith("@example.com")
    assert datetime.fromisoformat(jane_row[6]) == datetime.fromisoformat(jane["created_at"])
    assert jane_row[7] == "enterprise"
    assert bob_row[0] == 'Bob The "Builder"\nLine 2'
    assert bob_row[1:6] == ["", "", "", "", ""]


def test_export_uses_the_default_columns_then_the_users_saved_ones(
    client, workspace, session_factory, search_client, settings
) -> None:
    contact = new_contact(client, workspace, first_name="Ana", country="PT")
    body = {"selection": {"ids": [contact["id"]]}}
    rows = export_rows(client, workspace, body, session_factory, search_client, settings)
    assert rows[0] == [
        "Name",
        "Email",
        "Phone",
        "Tags",
        "Channels",
        "Country",
        "Assignee",
        "Created at",
        "Last interaction at",
    ]
    assert rows[1][0] == "Ana" and rows[1][5] == "PT"
    with session_factory() as session, session.begin():
        session.execute(
            update(User)
            .where(User.id == uuid.UUID(workspace.owner_id))
            .values(columns=["display_name", "country", "custom.deleted_since"])
        )
    assert export_rows(client, workspace, body, session_factory, search_client, settings) == [
        ["Name", "Country"],
        ["Ana", "PT"],
    ]


@hyp_settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    suffixes=st.lists(
        st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=12),
        min_size=len(FORMULA_TRIGGERS),
        max_size=len(FORMULA_TRIGGERS),
    ),
    quotes=st.integers(min_value=0, max_value=2),
)
def test_no_exported_cell_can_start_a_formula(
    client, make_workspace, session_factory, search_client, settings, suffixes, quotes
) -> None:
    """Every trigger character, at the start of names, tags and custom text (optionally behind
    quotes already): the file never starts a cell with a trigger and each cell restores exactly."""
    ws = make_workspace()
    add_field(session_factory, ws.id, "note", "text", label="Note")
    values = [
        "'" * quotes + trigger + suffix
        for trigger, suffix in zip(sorted(FORMULA_TRIGGERS), suffixes, strict=True)
    ]
    ids = []
    with session_factory() as session, session.begin():
        for value in values:
            contact = Contact(
                workspace_id=uuid.UUID(ws.id),
                source="import",
                first_name=value,
                last_name=None,
                tags=[value],
                custom_fields={"note": value},
            )
            session.add(contact)
            session.flush()
            ids.append(str(contact.id))
    body = {"selection": {"ids": ids}, "columns": ["first_name", "tags", "custom.note"]}
    rows = export_rows(client, ws, body, session_factory, search_client, settings)
    assert len(rows) == 1 + len(values)
    for row, value in zip(rows[1:], values, strict=True):
        for cell in row:
            # A plain negative number ("-5") is no formula and stays a number.
            assert cell[:1] not in FORMULA_TRIGGERS or is_plain_number(cell), repr(cell)
        # The tags cell is the tag list; a tag holding ";" is quoted in it (csv_format.render_tags).
        assert [restore(cell) for cell in row] == [value, render_tags([value]), value]


def test_all_matching_exports_query_filter_and_view_without_contacts_deleted_meanwhile(
    client, workspace, session_factory, search_client, settings, sync_index
) -> None:
    mine = {"country": "MY", "assignee_id": workspace.owner_id}
    keep = [new_contact(client, workspace, first_name=f"Zephyr {i}", **mine) for i in range(3)]
    gone = new_contact(client, workspace, first_name="Zephyr Gone", **mine)
    new_contact(
        client, workspace, first_name="Zephyr Elsewhere", country="SG", assignee_id=workspace.owner_id
    )
    new_contact(client, workspace, first_name="Zephyr Unassigned", country="MY")
    new_contact(client, workspace, first_name="Someone Else", **mine)
    sync_index()
    criteria = {
        "query": "zephyr",
        "filter": {"and": [{"field": "country", "op": "eq", "value": "MY"}]},
        "view_id": "mine",
    }
    export_id = start_export(
        client, workspace.headers, {"selection": {"all_matching": criteria}, "columns": ["display_name"]}
    )
    # Deleted after the request: the index may still list it, the export must not.
    assert client.delete(f"/v1/contacts/{gone['id']}", headers=workspace.headers).status_code == 204
    assert run(export_id, session_factory, search_client, settings) == "succeeded"
    status = client.get(f"/v1/exports/{export_id}", headers=workspace.headers).json()
    assert status["rows"] == 3
    rows = parse_csv(client.get(status["download_url"], headers=workspace.headers).content)
    assert sorted(r[0] for r in rows[1:]) == sorted(c["display_name"] for c in keep)


def test_a_bad_filter_or_unknown_view_is_refused_before_any_job(client, workspace, session_factory) -> None:
    bad_filter = {"all_matching": {"filter": {"and": [{"field": "country", "op": "gt", "value": "MY"}]}}}
    response = client.post("/v1/exports", headers=workspace.headers, json={"selection": bad_filter})
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"][:3] == ["selection", "all_matching", "filter"]
    unknown_view = {"all_matching": {"view_id": str(uuid.uuid4())}}
    response = client.post("/v1/exports", headers=workspace.headers, json={"selection": unknown_view})
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    with session_factory() as session:
        assert session.query(Job).filter(Job.workspace_id == uuid.UUID(workspace.id)).count() == 0


def test_only_owners_and_unrestricted_managers_may_export(
    client, workspace, session_factory, search_client, settings
) -> None:
    contact = new_contact(client, workspace, first_name="Kim")
    body = {"selection": {"ids": [contact["id"]]}}
    restricted = add_user(session_factory, workspace.id, "manager", ["export_contacts"]).headers
    agent = add_user(session_factory, workspace.id, "agent").headers
    manager = add_user(session_factory, workspace.id, "manager", ["bulk_delete_contacts"]).headers
    for headers in (restricted, agent):
        refused = client.post("/v1/exports", headers=headers, json=body)
        assert refused.status_code == 403
        assert refused.headers["content-type"] == "application/problem+json"
    export_id = start_export(client, manager, body)
    assert run(export_id, session_factory, search_client, settings) == "succeeded"
    assert client.get(f"/v1/exports/{export_id}/download", headers=manager).status_code == 200
    assert client.get(f"/v1/exports/{export_id}/download", headers=restricted).status_code == 403


def test_an_export_of_another_workspace_is_not_found(
    client, make_workspace, session_factory, search_client, settings
) -> None:
    acme, other = make_workspace(), make_workspace()
    contact = new_contact(client, acme, first_name="Lee")
    export_id = start_export(client, acme.headers, {"selection": {"ids": [contact["id"]]}})
    assert run(export_id, session_factory, search_client, settings) == "succeeded"
    for path in (f"/v1/exports/{export_id}", f"/v1/exports/{export_id}/download", "/v1/exports/not-a-uuid"):
        response = client.get(path, headers=other.headers)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
    # Another workspace's contact ids select nothing rather than leaking rows.
    foreign = start_export(client, other.headers, {"selection": {"ids": [contact["id"]]}})
    assert run(foreign, session_factory, search_client, settings) == "succeeded"
    status = client.get(f"/v1/exports/{foreign}", headers=other.headers).json()
    assert status["rows"] == 0
    assert len(parse_csv(client.get(status["download_url"], headers=other.headers).content)) == 1


def test_bad_export_requests_are_422_naming_the_field(client, workspace, session_factory) -> None:
    contact_id = str(uuid.uuid4())
    cases = [
        ({"selection": {"ids": [contact_id]}, "columns": ["display_name", "shoe_size"]}, ["columns", 1]),
        ({"selection": {"ids": [contact_id]}, "columns": ["custom.nope"]}, ["columns", 0]),
        ({"selection": {"ids": [contact_id]}, "columns": ["email", "email"]}, ["columns", 1]),
        ({"selection": {"ids": [contact_id]}, "columns": []}, ["columns"]),
        ({"selection": {"ids": [contact_id]}, "format": "xlsx"}, ["format"]),
        ({"selection": {"ids": ["nope"]}}, ["selection", "ids", 0]),
        ({"selection": {"ids": [contact_id], "all_matching": {}}}, ["selection"]),
        ({"selection": {"all_matching": {"query": "x" * 257}}}, ["selection", "all_matching", "query"]),
    ]
    for body, loc in cases:
        response = client.post("/v1/exports", headers=workspace.headers, json=body)
        assert response.status_code == 422, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["loc"] == loc, (body, response.json())
    with session_factory() as session:
        assert session.query(Job).filter(Job.workspace_id == uuid.UUID(workspace.id)).count() == 0


def test_concurrent_exports_are_limited_per_workspace(
    client, make_workspace, session_factory, search_client, settings
) -> None:
    acme, other = make_workspace(), make_workspace()
    body = {"selection": {"ids": [str(uuid.uuid4())]}}
    first = [start_export(client, acme.headers, body) for _ in range(settings.max_concurrent_exports)]
    refused = client.post("/v1/exports", headers=acme.headers, json=body)
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    start_export(client, other.headers, body)  # the limit is per workspace
    assert run(first[0], session_factory, search_client, settings) == "succeeded"
    start_export(client, acme.headers, body)


def test_expired_exports_answer_410_and_the_cleanup_removes_the_file(
    client, workspace, session_factory, search_client, settings
) -> None:
    from indexer_worker.jobs.export import cleanup_exports

    contact = new_contact(client, workspace, first_name="Old")
    export_id = start_export(client, workspace.headers, {"selection": {"ids": [contact["id"]]}})
    assert run(export_id, session_factory, search_client, settings) == "succeeded"
    path = Path(job_row(session_factory, export_id).file_path or "")
    assert path.is_file()
    with session_factory() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == uuid.UUID(export_id))
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    gone = client.get(f"/v1/exports/{export_id}/download", headers=workspace.headers)
    assert gone.status_code == 410
    assert gone.headers["content-type"] == "application/problem+json"
    assert cleanup_exports(session_factory, settings) >= 1
    assert not path.exists()
    assert job_row(session_factory, export_id).file_path is None
    assert client.get(f"/v1/exports/{export_id}", headers=workspace.headers).json()["download_url"] is None


def test_the_cleanup_is_scheduled_by_beat() -> None:
    from indexer_worker.celery_app import get_app
    from indexer_worker.jobs.export import CLEANUP_TASK

    schedule = get_app().conf.beat_schedule
    assert CLEANUP_TASK in {entry["task"] for entry in schedule.values()}
    assert CLEANUP_TASK in get_app().tasks


def test_the_parts_of_an_export_read_the_rows_as_of_one_instant(
    client, workspace, session_factory, search_client, settings, monkeypatch
) -> None:
    from indexer_worker.jobs import export as export_jobs

    before = [new_contact(client, workspace, first_name=f"Before {i}")["id"] for i in range(6)]
    real_run_parts = export_jobs._run_parts

    def contacts_added_once_the_parts_are_open(*args: Any) -> int:
        # Every part's transaction is open on the shared snapshot: what commits now is not exported,
        # whichever part's range of ids it falls in.
        for i in range(8):
            new_contact(client, workspace, first_name=f"After {i}")
        return real_run_parts(*args)

    monkeypatch.setattr(export_jobs, "_run_parts", contacts_added_once_the_parts_are_open)
    in_parts = settings.model_copy(update={"export_parts": 4, "export_part_rows": 1})
    body = {"selection": {"all_matching": {}}, "columns": ["id", "display_name"]}
    rows = export_rows(client, workspace, body, session_factory, search_client, in_parts)
    assert [r[0] for r in rows[1:]] == sorted(before, key=uuid.UUID)
