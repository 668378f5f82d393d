"""Four relay worker processes on one outbox: a burst of creates, updates and deletes from several
writers, relayed by four real Celery workers (one of them with beat) into a partitioned index;
afterwards every outbox row was relayed exactly once, by all four workers between them, nothing is
left behind, and PostgreSQL and the index agree on every (id, version), each document once."""

from __future__ import annotations

import re
import socket
import threading
import uuid

import pytest
from sqlalchemy import func, select

from api_service.contacts import service as contacts
from api_service.contacts.schemas import ContactFieldsIn
from api_service.workspaces.service import create_workspace
from indexer_worker.reconcile import reconcile
from shared.models import Contact, OutboxEntry
from shared.search.index import ensure_index, make_client
from shared.search.mapping import routing
from tests.faults.conftest import BIN, FaultStack, Process, free_port, wait_until

pytestmark = pytest.mark.slow

WORKERS, WRITERS, PER_WRITER = 4, 3, 240
RELAYED = re.compile(r"Task indexer\.relay_outbox\[[^\]]+\] succeeded in [\d.e-]+s: \{'relayed': (\d+)")


def _burst(stack: FaultStack, workspace_id: uuid.UUID, actor_id: uuid.UUID, writer: int) -> list[uuid.UUID]:
    """Creates in small transactions, then updates of half of them, then deletes of a tenth, each
    transaction nudging the relay like the API; returns the contacts still alive."""
    made: list[uuid.UUID] = []
    for start in range(0, PER_WRITER, 8):
        with stack.session_factory() as session, session.begin():
            for i in range(start, min(PER_WRITER, start + 8)):
                body = ContactFieldsIn(first_name=f"W{writer}n{i}", email=f"w{writer}-{i}@example.com")
                made.append(contacts.create_contact(session, workspace_id, actor_id, body).id)
        stack.nudge()
    for n, contact_id in enumerate(made[: PER_WRITER // 2]):
        with stack.session_factory() as session, session.begin():
            body = ContactFieldsIn(tags=[f"round-{n % 3}"], last_name=f"Updated{n}")
            contacts.update_contact(session, workspace_id, actor_id, contact_id, body)
        if n % 4 == 0:
            stack.nudge()
    gone = made[-PER_WRITER // 10 :]
    with stack.session_factory() as session, session.begin():
        for contact_id in gone:
            contacts.delete_contact(session, workspace_id, contact_id)
    stack.nudge()
    return made[: -PER_WRITER // 10]


def _pending_rows(stack: FaultStack) -> set[int]:
    with stack.session_factory() as session:
        return set(session.scalars(select(OutboxEntry.id).where(OutboxEntry.parked_at.is_(None))))


def test_four_relay_workers_index_every_change_once_and_lose_none(fault_stack: FaultStack) -> None:
    stack = fault_stack
    stack.stop_workers()
    settings = stack.settings.model_copy(
        update={"index_alias": "contacts_faults_relay4", "index_shards": 3, "index_routing_partition_size": 2}
    )
    client = make_client(settings, timeout=30)
    for name in client.indices.get(index=f"{settings.index_alias}_v*", expand_wildcards="all"):
        client.indices.delete(index=name)
    ensure_index(client, settings)
    with stack.session_factory() as session, session.begin():
        workspace, owner, _ = create_workspace(
            session, "relay4", f"r4-{uuid.uuid4().hex[:8]}@example.com", "R"
        )
    # Rows an earlier test left pending (another workspace) are relayed by these workers too.
    leftover = _pending_rows(stack)

    env = {
        "CONTACTS_INDEX_ALIAS": settings.index_alias,
        "CONTACTS_INDEX_SHARDS": "3",
        "CONTACTS_INDEX_ROUTING_PARTITION_SIZE": "2",
    }
    workers: list[Process] = []
    for n in range(WORKERS):
        args = [str(BIN / "celery"), "-A", "indexer_worker.celery_app", "worker", "-Q", "relay"]
        args += ["--concurrency=1", "--loglevel=INFO", "-n", f"relay4-{n}@{socket.gethostname()}"]
        if n == 0:  # one beat for the sweeps, as in production
            args += ["--beat", "--schedule", str(stack.root / "beat-relay4")]
        worker = Process(
            "worker", args, stack.root / f"worker-relay4-{n}.log", env=stack.worker_env(free_port(), **env)
        )
        workers.append(worker)
        stack.workers.append(worker)  # the session fixture stops it if this test fails
    celery = stack.celery()
    try:
        wait_until(lambda: len(celery.control.ping(timeout=1.0)) >= WORKERS, 90, "four workers", interval=1)
    finally:
        celery.close()

    alive: list[uuid.UUID] = []
    lock = threading.Lock()

    def write(n: int) -> None:
        kept = _burst(stack, workspace.id, owner.id, n)
        with lock:
            alive.extend(kept)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(alive) == WRITERS * (PER_WRITER - PER_WRITER // 10)
    # One outbox row per create, update and delete.
    written = WRITERS * (PER_WRITER + PER_WRITER // 2 + PER_WRITER // 10)

    def in_sync() -> bool:
        if stack.pending(workspace.id):
            return False
        return reconcile(
            stack.session_factory, client, settings, workspace_id=workspace.id, repair=False
        ).in_sync

    try:
        wait_until(in_sync, 120, "the four workers to relay the burst", interval=1)
    finally:
        for worker in workers:
            worker.stop(timeout=30)
    report = reconcile(stack.session_factory, client, settings, workspace_id=workspace.id, repair=False)
    assert report.in_sync, "\n".join(report.lines())  # every (id, version) agrees, nothing extra
    with stack.session_factory() as session:
        in_db = session.scalar(
            select(func.count()).where(Contact.workspace_id == workspace.id, Contact.merged_into_id.is_(None))
        )
        parked = session.scalar(select(func.count()).where(OutboxEntry.parked_at.is_not(None)))
    assert in_db == len(alive) == report.index_contacts
    assert parked == 0
    # Each contact is one document (never twice on two shards of its partition).
    client.indices.refresh(index=settings.index_alias)
    twice = client.search(
        index=settings.index_alias,
        routing=routing(workspace.id),
        body={"size": 0, "aggs": {"ids": {"terms": {"field": "id", "min_doc_count": 2, "size": 10}}}},
    )["aggregations"]["ids"]["buckets"]
    assert twice == []
    # Every outbox row was claimed and relayed by exactly one worker, and all four took part.
    relayed = [sum(int(m) for m in RELAYED.findall(w.log_path.read_text())) for w in workers]
    others = len(leftover - _pending_rows(stack))
    assert sum(relayed) == written + others, (relayed, written, others)
    assert all(r > 0 for r in relayed), relayed
    client.close()
