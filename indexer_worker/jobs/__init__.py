"""Job runner: one Celery task runs any job kind through a registered handler.

A handler gets a JobContext. It does its work in chunks, each chunk one transaction that also
records the job's progress and checkpoint (`ctx.record`), so a killed worker resumes after the last
committed chunk and never does a chunk's work twice. While a job runs, its worker holds a
PostgreSQL advisory lock on the job id: a redelivered or re-queued task for a job that is still
running elsewhere returns at once instead of running it a second time in parallel.

Cancelling (the API marks the job `cancelled`) stops a job at its next chunk: `ctx.record` only
writes progress while the job is still `running`, and otherwise raises JobCancelled in the chunk's
transaction, which rolls that chunk back. What earlier chunks committed stays.
"""

from __future__ import annotations

import copy
import importlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opensearchpy import OpenSearch
from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from indexer_worker import locks
from indexer_worker.metrics import JOBS_FINISHED
from shared.contact_rules import FieldError
from shared.jobs import FINISHED_STATUSES
from shared.logs import log_context
from shared.models import Job
from shared.search.outage import is_search_outage
from shared.selection import Selection, SelectionNotFound, compile_selection
from shared.settings import Settings

log = logging.getLogger("jobs")


class JobFailed(Exception):
    """A handler's clear, user-facing reason for failing the job."""


class JobCancelled(Exception):
    """The job was cancelled while it ran: the chunk in flight is rolled back, the run ends."""


@dataclass
class JobContext:
    job_id: uuid.UUID
    workspace_id: uuid.UUID
    user_id: uuid.UUID | None
    kind: str
    params: dict[str, Any]
    checkpoint: dict[str, Any] | None
    session_factory: sessionmaker[Session]
    search: OpenSearch
    settings: Settings
    total: int | None = None
    # The request that created the job: bound to the run's log lines and the outbox rows it writes.
    request_id: str | None = None

    def record(
        self,
        session: Session,
        processed: int,
        checkpoint: dict[str, Any] | None = None,
        total: int | None = None,
    ) -> None:
        """Progress and checkpoint written in the caller's transaction: they commit with the chunk's
        work or not at all, so a resumed run starts exactly after the last chunk that committed.
        A job no longer `running` (cancelled) raises JobCancelled, so the chunk is not committed;
        the job row's lock taken here orders the chunk's commit and a cancel one after the other."""
        values: dict[str, Any] = {"processed": processed}
        if total is not None:
            values["total"] = total
        if checkpoint is not None:
            values["checkpoint"] = checkpoint
        still_running = session.execute(
            update(Job)
            .where(Job.id == self.job_id, Job.status == "running")
            .values(**values)
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if still_running is None:
            raise JobCancelled(str(self.job_id))
        if total is not None:
            self.total = total
        if checkpoint is not None:
            # A copy: handlers keep mutating their counters for the next chunk.
            self.checkpoint = copy.deepcopy(checkpoint)

    def progress(
        self, processed: int, total: int | None = None, checkpoint: dict[str, Any] | None = None
    ) -> None:
        """Progress in a short transaction of its own (for work that is not transactional)."""
        with self.session_factory() as session, session.begin():
            self.record(session, processed, checkpoint, total)


Handler = Callable[[JobContext], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}


def selection_query(ctx: JobContext, selection: Selection) -> dict[str, Any] | None:
    """The OpenSearch query of an "all matching" selection (None for explicit ids), compiled when
    the job runs: a view deleted, or a filter made invalid (a custom field deleted), since the
    request fails the job with a message naming it."""
    if selection.all_matching is None:
        return None
    with ctx.session_factory() as session:
        try:
            return compile_selection(session, ctx.workspace_id, ctx.user_id, selection.all_matching)
        except SelectionNotFound as exc:
            raise JobFailed(str(exc)) from None
        except FieldError as exc:
            raise JobFailed(f"{'.'.join(map(str, exc.loc))}: {exc.msg}") from None


# The modules whose handlers register themselves (`register`), imported by `_run` before it looks a
# kind up, so any caller of run_job (a worker, the CLI, a test) finds every kind.
HANDLER_MODULES = ("bulk", "export", "import_csv")


def register(kind: str) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return wrap


def _start(
    session_factory: sessionmaker[Session], job_id: uuid.UUID, search: OpenSearch, settings: Settings
) -> JobContext | str:
    """Mark the job running and build its context, or return the status of a job not to run."""
    with session_factory() as session, session.begin():
        job = session.scalars(select(Job).where(Job.id == job_id).with_for_update()).one_or_none()
        if job is None:
            return "missing"
        if job.status in FINISHED_STATUSES:
            return job.status
        job.status = "running"
        job.started_at = job.started_at or datetime.now(UTC)
        return JobContext(
            job.id,
            job.workspace_id,
            job.user_id,
            job.kind,
            dict(job.params),
            dict(job.checkpoint) if job.checkpoint else None,
            session_factory,
            search,
            settings,
            total=job.total,
            request_id=job.request_id,
        )


def is_outage(exc: BaseException) -> bool:
    """PostgreSQL or OpenSearch unreachable (a restart, a network cut), as opposed to a bug or bad data."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return is_search_outage(exc)


# run_job's answer for a job whose workspace already has a job running: not started, not touched,
# the pool slot left to other workspaces; the running job's task queues it when it ends
# (next_queued_job), and the re-queue sweep catches it otherwise.
DEFERRED = "deferred"


def workspace_turn_key(workspace_id: uuid.UUID) -> int:
    """The advisory lock a workspace's running job holds: one job per workspace at a time, so one
    workspace's slow jobs occupy at most one slot of the jobs pool and never starve the others."""
    return locks.lock_key(uuid.uuid5(workspace_id, "jobs"))


def run_job(
    job_id: uuid.UUID, session_factory: sessionmaker[Session], search: OpenSearch, settings: Settings
) -> str:
    """Run (or resume) one job; returns its final status. Finished jobs are left alone, a job
    another worker is running right now answers "running" without being touched, and a job whose
    workspace is running another one answers DEFERRED, also untouched."""
    engine = session_factory.kw["bind"]
    lease = locks.try_lock(engine, locks.lock_key(job_id))
    if lease is None:
        return "running"
    turn: Connection | None = None
    try:
        with session_factory() as session:
            workspace_id = session.scalar(select(Job.workspace_id).where(Job.id == job_id))
        if workspace_id is not None:
            turn = locks.try_lock(engine, workspace_turn_key(workspace_id))
            if turn is None:
                return DEFERRED
        ctx = _start(session_factory, job_id, search, settings)
        if isinstance(ctx, str):
            return ctx
        with log_context(request_id=ctx.request_id, job_id=str(job_id), job_kind=ctx.kind):
            return _run(ctx)
    finally:
        if turn is not None and workspace_id is not None:
            locks.release(turn, workspace_turn_key(workspace_id))
        locks.release(lease, locks.lock_key(job_id))


def _run(ctx: JobContext) -> str:
    """Run a started job's handler and record how it ended; returns the final status."""
    log.info("job %s (%s) running", ctx.job_id, ctx.kind)
    for module in HANDLER_MODULES:
        importlib.import_module(f"{__name__}.{module}")
    handler = HANDLERS.get(ctx.kind)
    status, result, error = "succeeded", None, None
    try:
        if handler is None:
            raise JobFailed(f"no handler for job kind {ctx.kind!r}")
        result = handler(ctx)
    except JobCancelled:
        status, result = "cancelled", _partial_result(ctx)
    except JobFailed as exc:
        status, error = "failed", str(exc)
    except Exception as exc:
        if is_outage(exc):
            # Not the job's fault: it stays "running", and once the dependency is back the
            # re-queue of stale jobs resumes it from its last checkpoint.
            log.warning("job %s (%s) interrupted by an outage, it will resume: %r", ctx.job_id, ctx.kind, exc)
            raise
        log.exception("job %s (%s) crashed", ctx.job_id, ctx.kind)
        status, error = "failed", f"internal error: {type(exc).__name__}"
    status = _finish(ctx.session_factory, ctx.job_id, status, result, error)
    JOBS_FINISHED.labels(ctx.kind, status).inc()
    log.info("job %s (%s) %s", ctx.job_id, ctx.kind, status, extra={"status": status, "error": error})
    return status


def _partial_result(ctx: JobContext) -> dict[str, Any] | None:
    """What a cancelled job had committed: the counters of its last checkpoint, if it keeps any."""
    state = ctx.checkpoint or {}
    counts = state.get("counts", state.get("counters"))
    return dict(counts) if isinstance(counts, dict) else None


def _finish(
    session_factory: sessionmaker[Session],
    job_id: uuid.UUID,
    status: str,
    result: dict[str, Any] | None,
    error: str | None,
) -> str:
    """Write the run's outcome. A job cancelled while its last chunk committed stays `cancelled`
    (the API already said so), with the run's result kept."""
    with session_factory() as session, session.begin():
        finished = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "running")
            .values(status=status, result=result, error=error, finished_at=datetime.now(UTC))
            .returning(Job.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if finished is not None:
            return status
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(result=result)
            .execution_options(synchronize_session=False)
        )
        return "cancelled"


def next_queued_job(session_factory: sessionmaker[Session], job_id: uuid.UUID) -> uuid.UUID | None:
    """The oldest job still queued in the workspace of `job_id` (the next one to get its turn)."""
    with session_factory() as session:
        workspace_id = select(Job.workspace_id).where(Job.id == job_id).scalar_subquery()
        return session.scalar(
            select(Job.id)
            .where(Job.workspace_id == workspace_id, Job.status == "queued", Job.id != job_id)
            .order_by(Job.created_at, Job.id)
            .limit(1)
        )
