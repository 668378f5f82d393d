"""Jobs and the relay apart: their own queues, interactive changes relayed before bulk ones, and one
workspace's running job never holding up another workspace's."""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

from redis import Redis
from sqlalchemy import func, select

from indexer_worker import relay
from indexer_worker.jobs import DEFERRED, next_queued_job, run_job
from indexer_worker.jobs import bulk as bulk_jobs
from shared.models import Contact, Job, OutboxEntry
from shared.outbox import BULK, INTERACTIVE
from shared.queue import JOBS_QUEUE, RELAY_OUTBOX, RELAY_QUEUE, RUN_JOB, make_celery_client
from tests.factories import new_contact


def newest_task_on(redis: Redis, queue: str) -> str:
    raw = redis.lindex(queue, 0)
    assert raw is not None, f"nothing on queue {queue!r}"
    return str(json.loads(raw)["headers"]["task"])


def test_the_api_sends_jobs_and_relay_nudges_to_separate_queues(settings, redis: Redis) -> None:
    celery = make_celery_client(settings)
    job_id = str(uuid.uuid4())
    before = redis.llen(JOBS_QUEUE), redis.llen(RELAY_QUEUE)
    celery.send_task(RUN_JOB, args=[job_id], retry=False)
    assert (redis.llen(JOBS_QUEUE), redis.llen(RELAY_QUEUE)) == (before[0] + 1, before[1])
    assert newest_task_on(redis, JOBS_QUEUE) == RUN_JOB
    celery.send_task(RELAY_OUTBOX, retry=False)
    assert (redis.llen(JOBS_QUEUE), redis.llen(RELAY_QUEUE)) == (before[0] + 1, before[1] + 1)
    assert newest_task_on(redis, RELAY_QUEUE) == RELAY_OUTBOX
    celery.close()
    # The worker's own app routes the same way (the beat sweep re-queues jobs through it).
    from indexer_worker.celery_app import app

    assert app.amqp.router.route({}, RUN_JOB)["queue"].name == JOBS_QUEUE
    assert app.amqp.router.route({}, RELAY_OUTBOX)["queue"].name == RELAY_QUEUE


def bulk_backlog(
    client: Any, workspace: Any, n: int, jobs: tuple[Any, Any, Any], sync_index: Any
) -> list[str]:
    """n contacts, indexed, then tagged by a bulk job: n bulk-priority outbox rows left waiting."""
    ids = [new_contact(client, workspace, first_name=f"Bulk{i}")["id"] for i in range(n)]
    sync_index()
    job = client.post(
        "/v1/contacts/bulk-tags",
        headers=workspace.headers,
        json={"selection": {"ids": ids}, "tags": ["backlog"]},
    ).json()
    assert run_job(uuid.UUID(job["id"]), *jobs) == "succeeded"
    return ids


def test_the_relay_takes_interactive_changes_before_a_bulk_backlog(
    client, workspace, make_workspace, session_factory, search_client, settings, sync_index
) -> None:
    ids = bulk_backlog(client, workspace, 6, (session_factory, search_client, settings), sync_index)
    quiet = make_workspace()
    single = new_contact(client, quiet, first_name="Single")
    with session_factory() as session:
        priorities = dict(
            session.execute(select(OutboxEntry.priority, func.count()).group_by(OutboxEntry.priority)).all()
        )
    assert priorities == {BULK: 6, INTERACTIVE: 1}
    # The single write of the other workspace goes first, though it is newest, and alone: its
    # batch is not filled up with the job's rows (the batch size would take all seven).
    assert settings.outbox_batch_size > 7
    with session_factory() as session, session.begin():
        result = relay.relay_batch(session, search_client, settings)
    assert result.claimed == 1
    with session_factory() as session:
        left = set(map(str, session.scalars(select(OutboxEntry.contact_id))))
    assert left == set(ids)
    search_client.indices.refresh(index=settings.index_alias)
    found = client.post("/v1/contacts/search", headers=quiet.headers, json={"query": "Single"}).json()
    assert [c["id"] for c in found["items"]] == [single["id"]]
    sync_index()


def test_a_batch_of_job_rows_in_flight_leaves_the_other_relay_slots_to_requests(
    client, workspace, make_workspace, session_factory, search_client, settings, sync_index
) -> None:
    """While one relay slot relays a batch of a job's rows (its transaction still open), a second
    slot takes no job rows (relay_bulk_slots=1), yet relays a request's change at once; with two
    bulk slots the second takes the job rows too."""
    ids = bulk_backlog(client, workspace, 8, (session_factory, search_client, settings), sync_index)
    small = settings.model_copy(update={"outbox_batch_size": 4, "relay_bulk_slots": 1})
    first = session_factory()
    try:
        with first.begin():
            in_flight = relay.relay_batch(first, search_client, small)  # holds the bulk slot
            assert in_flight.claimed == 4
            with session_factory() as second, second.begin():
                assert relay.relay_batch(second, search_client, small).claimed == 0
            new_contact(client, make_workspace(), first_name="Single")
            with session_factory() as second, second.begin():
                interactive = relay.relay_batch(second, search_client, small)
            assert interactive.claimed == 1 and interactive.indexed == 1
            with session_factory() as session:
                waiting = set(map(str, session.scalars(select(OutboxEntry.contact_id))))
            assert waiting == set(ids)  # the single change is settled; the 4 in flight are not yet
            two_slots = small.model_copy(update={"relay_bulk_slots": 2})
            with session_factory() as second, second.begin():
                assert relay.relay_batch(second, search_client, two_slots).claimed == 4
    finally:
        first.close()
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OutboxEntry)) == 0
    sync_index()


def test_a_workspace_runs_one_job_at_a_time_and_never_blocks_another_workspace(
    client, workspace, make_workspace, session_factory, search_client, settings, monkeypatch
) -> None:
    other = make_workspace()
    slow_ids = [new_contact(client, workspace, first_name="Slow")["id"]]
    second_ids = [new_contact(client, workspace, first_name="Second")["id"]]
    other_ids = [new_contact(client, other, first_name="Other")["id"]]

    def start(ws: Any, ids: list[str]) -> str:
        response = client.post(
            "/v1/contacts/bulk-tags", headers=ws.headers, json={"selection": {"ids": ids}, "tags": ["t"]}
        )
        assert response.status_code == 202, response.text
        return str(response.json()["id"])

    slow, second, elsewhere = (
        start(workspace, slow_ids),
        start(workspace, second_ids),
        start(other, other_ids),
    )
    inside, release = threading.Event(), threading.Event()
    real = bulk_jobs.tag_chunk

    def held(session: Any, workspace_id: uuid.UUID, *args: Any) -> dict[str, int]:
        if str(workspace_id) == workspace.id:
            inside.set()
            assert release.wait(30)
        return real(session, workspace_id, *args)

    monkeypatch.setattr(bulk_jobs, "tag_chunk", held)
    outcome: dict[str, str] = {}
    runner = threading.Thread(
        target=lambda: outcome.update(slow=run_job(uuid.UUID(slow), session_factory, search_client, settings))
    )
    runner.start()
    try:
        assert inside.wait(30)
        # The same workspace's next job is turned away untouched, leaving the slot to others...
        assert run_job(uuid.UUID(second), session_factory, search_client, settings) == DEFERRED
        # ...and another workspace's job runs to the end meanwhile.
        assert run_job(uuid.UUID(elsewhere), session_factory, search_client, settings) == "succeeded"
    finally:
        release.set()
        runner.join(30)
    assert outcome["slow"] == "succeeded"
    with session_factory() as session:
        waiting = session.get(Job, uuid.UUID(second))
        assert waiting is not None and (waiting.status, waiting.processed) == ("queued", 0)
        assert session.scalar(select(Contact.tags).where(Contact.id == uuid.UUID(second_ids[0]))) == []
    # The finished job's task hands the turn to the workspace's waiting job.
    assert next_queued_job(session_factory, uuid.UUID(slow)) == uuid.UUID(second)
    assert run_job(uuid.UUID(second), session_factory, search_client, settings) == "succeeded"
    assert next_queued_job(session_factory, uuid.UUID(slow)) is None


def test_an_import_writes_its_outbox_rows_as_bulk(
    client, workspace, session_factory, search_client, settings, sync_index
) -> None:
    sync_index()
    response = client.post(
        "/v1/imports",
        headers=workspace.headers,
        files={"file": ("contacts.csv", b"First Name,E-mail\nIra,ira@example.com\n", "text/csv")},
        data={"mapping": '{"First Name": "first_name", "E-mail": "email"}'},
    )
    assert response.status_code == 202, response.text
    assert run_job(uuid.UUID(response.json()["id"]), session_factory, search_client, settings) == "succeeded"
    with session_factory() as session:
        priorities = list(session.scalars(select(OutboxEntry.priority)))
    assert priorities == [BULK]
    sync_index()
