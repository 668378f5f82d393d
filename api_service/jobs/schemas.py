from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

from shared.jobs import eta_seconds
from shared.models import Job


class JobOut(BaseModel):
    id: uuid.UUID
    kind: str
    status: str
    processed: int
    total: int | None
    # Seconds left at the pace kept so far, while running with a known total (else null).
    eta_seconds: int | None
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobPage(BaseModel):
    items: list[JobOut]
    next_cursor: str | None


def present_job(job: Job) -> JobOut:
    return JobOut(
        id=job.id,
        kind=job.kind,
        status=job.status,
        processed=job.processed,
        total=job.total,
        eta_seconds=eta_seconds(job.status, job.processed, job.total, job.started_at, datetime.now(UTC)),
        result=job.result,
        error=job.error,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )
