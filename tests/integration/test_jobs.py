"""The job runner: progress, resuming after a crash without doing harm twice, one run at a time."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, text

from indexer_worker import jobs, locks
from indexer_worker.jobs import bulk as bulk_jobs
from shared.models import Contact, Event, Job
from tests.factories import add_user, new_contact


class WorkerKilled(BaseException):
    """Stands for the worker process dying: nothing in the runner catches it."""


def crash_on_second_chunk(monkeypatch: Any, name: str) -> None:
    real = getattr(bulk_jobs, name)
    calls = {"n": 0}

    def flaky(*args: Any) -> dict[str, int]:
        calls["n"] += 1
        result = real(*args)  # the chunk's work is done but not committed when the worker dies
        if calls["n"] == 2:
            raise WorkerKilled
        return result

    monkeypatch.setattr(bulk_jobs, name, flaky)


def job_row(session_factory: Any, job_id: str) -> Job:
    with session_factory() as session:
        job = session.get(Job, uuid.UUID(job_id))
        assert job is not None
        return job


def test_bulk_tags_resumed_after_a_crash_tags_and_announces_each_contact_once(
    client, workspace, session_factory, search_client, settings, monkeypatch
) -> None:
    monkeypatch.setattr(bulk_jobs, "CHUNK_SIZE", 2)
    contacts = [new_contact(client, workspace, first_name=f"C{i}") for i in range(5)]
    job = client.post(
        "/v1/contacts/bulk-tags",
        headers=workspace.headers,
        json={"selection": {"ids": [c["id"] for c in contacts]}, "tags": ["promo"]},
    ).json()
    crash_on_second_chunk(monkeypatch, "tag_chunk")
    with pytest.raises(WorkerKilled):
        jobs.run_job(uuid.UUID(job["id"]), session_factory, search_client, settings)
    interrupted = job_row(session_factory, job["id"])
    assert (interrupted.status, interrupted.processed) == ("running", 2)
    monkeypatch.undo()
    monkeypatch.setattr(bulk_jobs, "CHUNK_SIZE", 2)
    assert jobs.run_job(uuid.UUID(job["id"]), session_factory, search_client, settings) == "succeeded"
    done = client.get(f"/v1/jobs/{job['id']}", headers=workspace.headers).json()
    assert done["result"] == {"tagged": 5, "unchanged": 0, "over_tag_limit": 0, "skipped": 0}
    assert (done["processed"], done["total"]) == (5, 5)
    ids = [uuid.UUID(c["id"]) for c in contacts]
    with session_factory() as session:
        rows = session.execute(select(Contact.tags, Contact.version).where(Contact.id.in_(ids))).all()
        events = session.scalar(
            select(func.count()).select_from(Event).where(Event.contact_id.in_(ids), Event.type == "tagged")
        )
    assert sorted(rows) == [(["promo"], 2)] * 5
    assert events == 5


def test_bulk_delete_resumed_after_a_crash_counts_every_contact_once(
    client, workspace, session_factory, search_client, settings, monkeypatch
) -> None:
    monkeypatch.setattr(bulk_jobs, "CHUNK_SIZE", 2)
    contacts = [new_contact(client, workspace, first_name=f"D{i}") for i in range(5)]
    job = client.post(
        "/v1/contacts/bulk-delete",
        headers=workspace.headers,
        json={"selection": {"ids": [c["id"] for c in contacts]}, "confirm": True},
    ).json()
    crash_on_second_chunk(monkeypatch, "delete_chunk")
    with pytest.raises(WorkerKilled):
        jobs.run_job(uuid.UUID(job["id"]), session_factory, search_client, settings)
    remaining = [
        c
        for c in contacts
        if client.get(f"/v1/contacts/{c['id']}", headers=workspace.headers).status_code == 200
    ]
    assert len(remaining) == 3  # the chunk in flight rolled back
    monkeypatch.undo()
    assert jobs.run_job(uuid.UUID(job["id"]), session_factory, search_client, settings) == "succeeded"
    done = client.get(f"/v1/jobs/{job['id']}", headers=workspace.headers).json()
    assert done["result"] == {"deleted": 5, "skipped": 0}
    assert all(
        client.get(f"/v1/contacts/{c['id']}", headers=workspace.headers).status_code == 404 for c in contacts
    )


def test_a_job_running_elsewhere_is_not_run_again_and_a_finished_one_is_left_alone(
    client, workspace, session_factory, search_client, settings
) -> None:
    contact = new_contact(client, workspace, first_name="Once")
    job = client.post(
        "/v1/contacts/bulk-tags",
        headers=workspace.headers,
        json={"selection": {"ids": [contact["id"]]}, "tags": ["a"]},
    ).json()
    job_id = uuid.UUID(job["id"])
    with session_factory() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": locks.lock_key(job_id)})
        assert jobs.run_job(job_id, session_factory, search_client, settings) == "running"
        assert job_row(session_factory, job["id"]).status == "queued"
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": locks.lock_key(job_id)})
    assert jobs.run_job(job_id, session_factory, search_client, settings) == "succeeded"
    finished = job_row(session_factory, job["id"]).finished_at
    assert jobs.run_job(job_id, session_factory, search_client, settings) == "succeeded"
    assert job_row(session_factory, job["id"]).finished_at == finished
    assert client.get(f"/v1/contacts/{contact['id']}", headers=workspace.headers).json()["version"] == 2


def test_a_job_whose_view_was_deleted_fails_with_a_clear_error(
    client, workspace, session_factory, search_client, settings
) -> None:
    view = client.post(
        "/v1/views",
        headers=workspace.headers,
        json={
            "name": "Leads",
            "filter": {"field": "tags", "op": "has_any", "value": ["lead"]},
            "visibility": "private",
        },
    )
    assert view.status_code == 201, view.text
    job = client.post(
        "/v1/contacts/bulk-tags",
        headers=workspace.headers,
        json={"selection": {"all_matching": {"view_id": view.json()["id"]}}, "tags": ["x"]},
    )
    assert job.status_code == 202, job.text
    assert client.delete(f"/v1/views/{view.json()['id']}", headers=workspace.headers).status_code == 204
    assert jobs.run_job(uuid.UUID(job.json()["id"]), session_factory, search_client, settings) == "failed"
    failed = client.get(f"/v1/jobs/{job.json()['id']}", headers=workspace.headers).json()
    assert failed["status"] == "failed" and "not found" in failed["error"]


def test_jobs_are_private_to_their_workspace_and_the_module(client, make_workspace, session_factory) -> None:
    ws, other = make_workspace(), make_workspace()
    contact = new_contact(client, ws, first_name="J")
    job = client.post(
        "/v1/contacts/bulk-tags",
        headers=ws.headers,
        json={"selection": {"ids": [contact["id"]]}, "tags": ["a"]},
    ).json()
    assert client.get(f"/v1/jobs/{job['id']}", headers=ws.headers).status_code == 200
    assert client.get(f"/v1/jobs/{job['id']}", headers=other.headers).status_code == 404
    assert client.get(f"/v1/jobs/{uuid.uuid4()}", headers=ws.headers).status_code == 404
    assert client.get("/v1/jobs/not-an-id", headers=ws.headers).status_code == 404
    agent = add_user(session_factory, ws, "agent", []).headers
    assert client.get(f"/v1/jobs/{job['id']}", headers=agent).status_code == 403
