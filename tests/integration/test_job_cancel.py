"""Cancelling jobs (`POST /v1/jobs|exports|imports/{id}/cancel`) and the progress ETA, with the real
job runner: what a job committed before the cancel stays, the rest is not done, the status says so."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

import indexer_worker.jobs.export as export_jobs
import indexer_worker.jobs.import_csv  # noqa: F401  (registers the import handler)
from indexer_worker.jobs import bulk as bulk_jobs
from indexer_worker.jobs import run_job
from shared.models import Contact, Event, Job, OutboxEntry
from tests.factories import new_contact


def start_tags(client: Any, ws: Any, ids: list[str], tag: str = "promo") -> dict[str, Any]:
    response = client.post(
        "/v1/contacts/bulk-tags", headers=ws.headers, json={"selection": {"ids": ids}, "tags": [tag]}
    )
    assert response.status_code == 202, response.text
    return dict(response.json())


def tagged(session_factory: Any, ids: list[str], tag: str = "promo") -> set[str]:
    with session_factory() as session:
        rows = session.execute(
            select(Contact.id, Contact.tags).where(Contact.id.in_([uuid.UUID(i) for i in ids]))
        ).all()
    return {str(cid) for cid, tags in rows if tag in tags}


def cancel_during_chunk(monkeypatch: Any, name: str, on_call: int, cancel: Any) -> dict[str, Any]:
    """Wrap a bulk chunk function so that the API cancels the job while chunk `on_call` is in flight
    (its work done, not committed): the runner must roll that chunk back and stop."""
    real = getattr(bulk_jobs, name)
    seen: dict[str, Any] = {"calls": 0, "during": None}

    def wrapped(*args: Any) -> dict[str, int]:
        seen["calls"] += 1
        result = real(*args)
        if seen["calls"] == on_call:
            seen["during"] = cancel()
        return dict(result)

    monkeypatch.setattr(bulk_jobs, name, wrapped)
    return seen


def test_cancelling_a_running_bulk_tags_job_keeps_committed_chunks_and_stops_the_rest(
    client, workspace, session_factory, search_client, settings, monkeypatch
) -> None:
    monkeypatch.setattr(bulk_jobs, "CHUNK_SIZE", 2)
    ids = [new_contact(client, workspace, first_name=f"K{i}")["id"] for i in range(6)]
    job = start_tags(client, workspace, ids)

    def cancel() -> Any:
        progress = client.get(f"/v1/jobs/{job['id']}", headers=workspace.headers).json()
        response = client.post(f"/v1/jobs/{job['id']}/cancel", headers=workspace.headers)
        assert response.status_code == 200, response.text
        return progress, response.json()

    seen = cancel_during_chunk(monkeypatch, "tag_chunk", 2, cancel)
    assert run_job(uuid.UUID(job["id"]), session_factory, search_client, settings) == "cancelled"

    progress, answer = seen["during"]
    # While running, after one chunk of three: progress and an ETA derived from it.
    assert (progress["status"], progress["processed"], progress["total"]) == ("running", 2, 6)
    assert isinstance(progress["eta_seconds"], int) and progress["eta_seconds"] >= 0
    assert answer["status"] == "cancelled"
    assert seen["calls"] == 2, "no chunk may start after the cancel"

    done = client.get(f"/v1/jobs/{job['id']}", headers=workspace.headers).json()
    assert (done["status"], done["processed"], done["total"]) == ("cancelled", 2, 6)
    assert done["eta_seconds"] is None
    assert done["result"] == {"tagged": 2, "unchanged": 0, "over_tag_limit": 0, "skipped": 0}
    assert done["finished_at"] is not None
    # The first chunk's two contacts keep their tag (with their events); the chunk in flight was
    # rolled back and the last one never ran.
    assert tagged(session_factory, ids) == set(ids[:2])
    with session_factory() as session:
        events = session.scalar(
            select(func.count())
            .select_from(Event)
            .where(Event.contact_id.in_([uuid.UUID(i) for i in ids]), Event.type == "tagged")
        )
    assert events == 2
    # Running it again (a redelivered task) does nothing more.
    monkeypatch.undo()
    assert run_job(uuid.UUID(job["id"]), session_factory, search_client, settings) == "cancelled"
    assert tagged(session_factory, ids) == set(ids[:2])


def test_cancelling_a_queued_job_means_it_never_runs(
    client, workspace, session_factory, search_client, settings
) -> None:
    ids = [new_contact(client, workspace, first_name=f"Q{i}")["id"] for i in range(3)]
    job = start_tags(client, workspace, ids)
    response = client.post(f"/v1/jobs/{job['id']}/cancel", headers=workspace.headers)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["processed"]) == ("cancelled", 0)
    assert run_job(uuid.UUID(job["id"]), session_factory, search_client, settings) == "cancelled"
    assert tagged(session_factory, ids) == set()


def test_cancelling_a_running_bulk_delete_keeps_what_was_deleted(
    client, workspace, session_factory, search_client, settings, monkeypatch
) -> None:
    monkeypatch.setattr(bulk_jobs, "CHUNK_SIZE", 2)
    ids = [new_contact(client, workspace, first_name=f"X{i}")["id"] for i in range(5)]
    response = client.post(
        "/v1/contacts/bulk-delete",
        headers=workspace.headers,
        json={"selection": {"ids": ids}, "confirm": True},
    )
    job = response.json()
    cancel_during_chunk(
        monkeypatch,
        "delete_chunk",
        2,
        lambda: client.post(f"/v1/jobs/{job['id']}/cancel", headers=workspace.headers).status_code,
    )
    assert run_job(uuid.UUID(job["id"]), session_factory, search_client, settings) == "cancelled"
    with session_factory() as session:
        left = set(
            map(str, session.scalars(select(Contact.id).where(Contact.id.in_([uuid.UUID(i) for i in ids]))))
        )
        tombstones = session.scalar(
            select(func.count())
            .select_from(OutboxEntry)
            .where(OutboxEntry.contact_id.in_([uuid.UUID(i) for i in ids[:2]]), OutboxEntry.version == 2)
        )
    assert left == set(ids[2:])
    assert tombstones == 2
    done = client.get(f"/v1/jobs/{job['id']}", headers=workspace.headers).json()
    assert (done["status"], done["result"]["deleted"]) == ("cancelled", 2)


def test_a_finished_job_cannot_be_cancelled(
    client, workspace, session_factory, search_client, settings
) -> None:
    ids = [new_contact(client, workspace, first_name="F")["id"]]
    job = start_tags(client, workspace, ids)
    assert run_job(uuid.UUID(job["id"]), session_factory, search_client, settings) == "succeeded"
    response = client.post(f"/v1/jobs/{job['id']}/cancel", headers=workspace.headers)
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "succeeded" in response.json()["detail"]
    again = client.get(f"/v1/jobs/{job['id']}", headers=workspace.headers).json()
    assert (again["status"], again["result"]["tagged"]) == ("succeeded", 1)
    # Cancelling twice: the second is a 409 as well.
    other = start_tags(client, workspace, ids, tag="later")
    assert client.post(f"/v1/jobs/{other['id']}/cancel", headers=workspace.headers).status_code == 200
    assert client.post(f"/v1/jobs/{other['id']}/cancel", headers=workspace.headers).status_code == 409


def test_another_workspaces_job_is_not_found_and_left_running(client, workspace, make_workspace) -> None:
    intruder = make_workspace()
    ids = [new_contact(client, workspace, first_name="T")["id"]]
    job = start_tags(client, workspace, ids)
    paths = (f"/v1/jobs/{job['id']}/cancel", "/v1/jobs/not-a-uuid/cancel", f"/v1/jobs/{uuid.uuid4()}/cancel")
    for path in paths:
        response = client.post(path, headers=intruder.headers)
        assert response.status_code == 404, (path, response.text)
        assert response.json()["detail"] == "job not found"
    assert client.get(f"/v1/jobs/{job['id']}", headers=workspace.headers).json()["status"] == "queued"
    assert client.post(f"/v1/exports/{job['id']}/cancel", headers=workspace.headers).status_code == 404


def test_cancelling_an_export_mid_run_leaves_no_file(
    client, workspace, session_factory, search_client, settings, sync_index, monkeypatch
) -> None:
    for i in range(5):
        new_contact(client, workspace, first_name=f"E{i}")
    sync_index()
    # A query, so the selection is resolved through the index in batches of 2 before the COPY.
    selection = {"all_matching": {"query": "e"}}
    response = client.post("/v1/exports", headers=workspace.headers, json={"selection": selection})
    assert response.status_code == 202, response.text
    export_id = response.json()["id"]
    real_batches = export_jobs.selection_batches

    def batches_then_cancel(*args: Any) -> Any:
        for n, batch in enumerate(real_batches(*args), start=1):
            if n == 2:
                cancelled = client.post(f"/v1/exports/{export_id}/cancel", headers=workspace.headers)
                assert cancelled.status_code == 200, cancelled.text
                assert cancelled.json()["status"] == "cancelled"
            yield batch

    monkeypatch.setattr(export_jobs, "selection_batches", batches_then_cancel)
    in_pairs = settings.model_copy(update={"export_batch_size": 2})
    assert run_job(uuid.UUID(export_id), session_factory, search_client, in_pairs) == "cancelled"
    described = client.get(f"/v1/exports/{export_id}", headers=workspace.headers).json()
    assert (described["status"], described["download_url"]) == ("cancelled", None)
    download = client.get(f"/v1/exports/{export_id}/download", headers=workspace.headers)
    assert download.status_code == 409
    assert download.json()["detail"] == "the export was cancelled"
    path = export_jobs.export_path(settings, uuid.UUID(workspace.id), uuid.UUID(export_id))
    assert not path.exists() and not Path(str(path) + ".part").exists()
    assert client.post(f"/v1/exports/{export_id}/cancel", headers=workspace.headers).status_code == 409


def test_cancelling_an_export_while_its_parts_render_stops_them_and_leaves_no_file(
    client, workspace, session_factory, search_client, settings, monkeypatch
) -> None:
    for i in range(6):
        new_contact(client, workspace, first_name=f"P{i}")
    response = client.post("/v1/exports", headers=workspace.headers, json={"selection": {"all_matching": {}}})
    assert response.status_code == 202, response.text
    export_id = response.json()["id"]
    real_copy = export_jobs._copy_part
    started: list[int] = []
    first = threading.Lock()

    def cancelled_while_rendering(part: Any, stop: Any) -> int:
        # The first part to start cancels the job through the API, then every part takes longer
        # than the runner's progress step, so the cancel is seen while the parts are running.
        with first:
            if not started:
                cancelled = client.post(f"/v1/exports/{export_id}/cancel", headers=workspace.headers)
                assert cancelled.status_code == 200, cancelled.text
            started.append(1)
        time.sleep(export_jobs.PROGRESS_SECONDS * 1.5)
        return int(real_copy(part, stop))

    monkeypatch.setattr(export_jobs, "_copy_part", cancelled_while_rendering)
    in_parts = settings.model_copy(update={"export_parts": 3, "export_part_rows": 1})
    assert run_job(uuid.UUID(export_id), session_factory, search_client, in_parts) == "cancelled"
    assert len(started) == 3
    described = client.get(f"/v1/exports/{export_id}", headers=workspace.headers).json()
    assert (described["status"], described["download_url"]) == ("cancelled", None)
    path = export_jobs.export_path(settings, uuid.UUID(workspace.id), uuid.UUID(export_id))
    assert sorted(p.name for p in path.parent.glob(f"{export_id}*")) == []


def test_cancelling_a_queued_import_imports_nothing(
    client, workspace, session_factory, search_client, settings
) -> None:
    csv_text = "First Name,E-mail\nIra,ira@example.com\nJo,jo@example.com\n"
    response = client.post(
        "/v1/imports",
        headers=workspace.headers,
        files={"file": ("contacts.csv", csv_text.encode(), "text/csv")},
        data={"mapping": '{"First Name": "first_name", "E-mail": "email"}'},
    )
    assert response.status_code == 202, response.text
    import_id = response.json()["id"]
    cancelled = client.post(f"/v1/imports/{import_id}/cancel", headers=workspace.headers)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert run_job(uuid.UUID(import_id), session_factory, search_client, settings) == "cancelled"
    with session_factory() as session:
        job = session.get(Job, uuid.UUID(import_id))
        assert job is not None
        created = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.workspace_id == job.workspace_id)
        )
    assert created == 0
    assert client.post(f"/v1/imports/{import_id}/cancel", headers=workspace.headers).status_code == 409
