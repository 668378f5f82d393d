"""Job runner: one Celery task runs any job kind through a registered handler.

A handler gets a JobContext; it reports progress and checkpoints in short transactions of their
own, and must be safe to run again from its last checkpoint (a killed worker redelivers the task).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from opensearchpy import OpenSearch
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from shared.models import Job
from shared.settings import Settings

log = logging.getLogger("jobs")


class JobFailed(Exception):
    """A handler's clear, user-facing reason for failing the job."""


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

    def progress(
        self, processed: int, total: int | None = None, checkpoint: dict[str, Any] | None = None
    ) -> None:
        values: dict[str, Any] = {"processed": processed}
        if total is not None:
            values["total"] = total
        if checkpoint is not None:
            values["checkpoint"] = checkpoint
            self.checkpoint = checkpoint
        with self.session_factory() as session, session.begin():
            session.execute(update(Job).where(Job.id == self.job_id).values(**values))


Handler = Callable[[JobContext], dict[str, Any] | None]
HANDLERS: dict[str, Handler] = {}


def register(kind: str) -> Callable[[Handler], Handler]:
    def wrap(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return wrap


def run_job(
    job_id: uuid.UUID, session_factory: sessionmaker[Session], search: OpenSearch, settings: Settings
) -> str:
    """Run (or resume) one job; returns its final status. Finished jobs are left alone."""
    with session_factory() as session, session.begin():
        job = session.scalars(
            select(Job).where(Job.id == job_id).with_for_update(skip_locked=True)
        ).one_or_none()
        if job is None or job.status in ("succeeded", "failed"):
            return job.status if job is not None else "missing"
        job.status = "running"
        job.started_at = job.started_at or datetime.now(UTC)
        ctx = JobContext(
            job.id,
            job.workspace_id,
            job.user_id,
            job.kind,
            dict(job.params),
            dict(job.checkpoint) if job.checkpoint else None,
            session_factory,
            search,
            settings,
        )
    handler = HANDLERS.get(ctx.kind)
    status, result, error = "succeeded", None, None
    try:
        if handler is None:
            raise JobFailed(f"no handler for job kind {ctx.kind!r}")
        result = handler(ctx)
    except JobFailed as exc:
        status, error = "failed", str(exc)
    except Exception as exc:
        log.exception("job %s (%s) crashed", job_id, ctx.kind)
        status, error = "failed", f"internal error: {type(exc).__name__}"
    with session_factory() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(status=status, result=result, error=error, finished_at=datetime.now(UTC))
        )
    return status
