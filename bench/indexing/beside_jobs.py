"""Freshness while jobs run (bench.indexing --beside-jobs): one workspace's steady writes while a
1M-row export and two 100k-row imports run in three other workspaces, on the worker layout of
`make run` (a relay worker with beat on the `relay` queue, a jobs worker with two slots on `jobs`).

The same steady load is measured twice in the run, first with no job (the baseline), then with the
three jobs queued at its start exactly as the API queues them (a job row, then `jobs.run` on the
broker). The imports write 200k bulk-priority outbox rows meanwhile; the relay must keep the
steady workspace's interactive changes ahead of them. Printed: commit-to-visible p50/p95/max of both
runs side by side, and each job's start and end against the measured window, so it is plain
whether the jobs ran during all of it.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select

from shared.jobs import create_job
from shared.models import ContactField, Job, User, Workspace
from shared.queue import RUN_JOB, make_celery_client
from shared.settings import Settings

export_bench = importlib.import_module("bench.export.__main__")
import_bench = importlib.import_module("bench.import.__main__")


def start_queue_worker(
    settings: Settings, queue: str, log_path: Path, metrics_port: int, beat: bool, niceness: int = 0
) -> Any:
    """One `celery worker -Q <queue> --concurrency=2`, as scripts/run.sh starts it."""
    env = {**os.environ, "CONTACTS_WORKER_METRICS_PORT": str(metrics_port), "PYTHONUNBUFFERED": "1"}
    args = [str(Path(sys.executable).parent / "celery"), "-A", "indexer_worker.celery_app", "worker"]
    args += [
        "-Q",
        queue,
        "--concurrency=2",
        "--loglevel=WARNING",
        "-n",
        f"bench-{queue}-{uuid.uuid4().hex[:6]}@%h",
    ]
    if beat:
        args += ["--beat", "--schedule", str(log_path.parent / "beat-schedule")]
    if niceness:
        args = ["nice", "-n", str(niceness), *args]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    root = Path(__file__).resolve().parents[2]
    return subprocess.Popen(args, cwd=root, env=env, stdout=log_path.open("w"), stderr=subprocess.STDOUT)


def wait_for_workers(settings: Settings, count: int, workers: list[Any]) -> None:
    celery = make_celery_client(settings)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and len(celery.control.ping(timeout=0.5) or []) < count:
        if any(w.poll() is not None for w in workers):
            raise SystemExit("a worker exited, see var/bench-indexing/")
    celery.close()


def _workspace(session: Any, name: str) -> tuple[uuid.UUID, uuid.UUID]:
    workspace = Workspace(name=name)
    session.add(workspace)
    session.flush()
    owner = User(workspace_id=workspace.id, email=f"owner-{name}@example.com", name="Owner", role="owner")
    session.add(owner)
    for key, label, type_ in (("plan", "Plan", "select"), ("seats", "Seats", "number")):
        session.add(
            ContactField(workspace_id=workspace.id, key=key, label=label, type=type_, options=["pro"])
        )
    session.flush()
    return workspace.id, owner.id


def prepare(factory: Any, engine: Any, export_rows: int, import_rows: int, directory: Path) -> list[Any]:
    """The three workspaces: `export_rows` contacts written with COPY (no outbox rows: the export
    reads PostgreSQL), and a CSV of `import_rows` rows for each import. Returns the job makers."""
    with factory() as session, session.begin():
        export_ws, export_owner = _workspace(session, "beside-export")
        imports = [_workspace(session, f"beside-import-{n}") for n in (1, 2)]
    export_bench.copy_contacts(
        engine, export_ws, export_owner, export_rows, "seed the export workspace (COPY)"
    )
    directory.mkdir(parents=True, exist_ok=True)
    files = []
    for n in (1, 2):
        path = (directory / f"beside-import-{n}.csv").resolve()
        import_bench.write_file(path, import_rows)
        files.append(path)

    def export_job(session: Any) -> uuid.UUID:
        params = {"selection": {"all_matching": {}}, "columns": export_bench.COLUMNS}
        return create_job(session, export_ws, export_owner, "export", params).id

    def import_job(k: int) -> Any:
        workspace_id, owner_id = imports[k]
        return lambda session: import_bench.new_import_job(session, workspace_id, owner_id, files[k], "skip")

    return [export_job, import_job(0), import_job(1)]


def queue_jobs(settings: Settings, factory: Any, makers: list[Any]) -> list[uuid.UUID]:
    """The jobs as the API creates them: committed rows, then `jobs.run` on the broker."""
    with factory() as session, session.begin():
        ids = [make(session) for make in makers]
    celery = make_celery_client(settings)
    for job_id in ids:
        celery.send_task(RUN_JOB, args=[str(job_id)], retry=False)
    celery.close()
    return ids


def job_report(factory: Any, ids: list[uuid.UUID], window: tuple[float, float]) -> list[str]:
    """Each job's kind, status, rows and its start and end in seconds from the window's start (wall
    clock, as the job row records them)."""
    start, end = window
    lines = []
    with factory() as session:
        for job in session.scalars(select(Job).where(Job.id.in_(ids))):
            began = job.started_at.timestamp() - start if job.started_at else None
            ended = job.finished_at.timestamp() - start if job.finished_at else None
            span = f"started {began:+.1f}s" if began is not None else "not started"
            span += f", ended {ended:+.1f}s" if ended is not None else ", still running"
            lines.append(
                f"  {job.kind:7} {job.status:10} {job.processed or 0:>9,} of {job.total or 0:>9,} rows;"
                f" {span}"
                f" (window 0 to {end - start:.1f}s)"
            )
    return lines


def unfinished(factory: Any, ids: list[uuid.UUID]) -> bool:
    with factory() as session:
        statuses = session.scalars(select(Job.status).where(Job.id.in_(ids))).all()
    return any(status in ("queued", "running") for status in statuses)
