"""The beat sweep re-queues jobs no live worker runs, so a job is never stranded."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update

from shared.models import Job


def test_a_job_whose_worker_died_is_resumed_by_the_sweep(
    client: Any, workspace: Any, session_factory: Any
) -> None:
    from indexer_worker import tasks
    from indexer_worker.celery_app import app

    contact = client.post("/v1/contacts", headers=workspace.headers, json={"first_name": "Stranded"}).json()
    created = client.post(
        "/v1/contacts/bulk-tags",
        headers=workspace.headers,
        json={"selection": {"ids": [contact["id"]]}, "tags": ["rescued"]},
    )
    assert created.status_code == 202, created.text
    job_id = uuid.UUID(created.json()["id"])
    # As a worker killed mid-job leaves it: marked running long ago, nobody holding its lock.
    with session_factory() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status="running", started_at=datetime.now(UTC) - timedelta(minutes=5))
        )
    app.conf.task_always_eager = True  # run the re-queued task here, against the same real services
    try:
        tasks.requeue_stale_jobs()
    finally:
        app.conf.task_always_eager = False
        from indexer_worker import runtime

        runtime.session_factory().kw["bind"].dispose()
        runtime.session_factory.cache_clear()
        runtime.search_client().close()
        runtime.search_client.cache_clear()
    job = client.get(f"/v1/jobs/{job_id}", headers=workspace.headers).json()
    assert job["status"] == "succeeded", job
    tags = client.get(f"/v1/contacts/{contact['id']}", headers=workspace.headers).json()["tags"]
    assert tags == ["rescued"]
