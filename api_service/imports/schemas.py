from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class ImportAccepted(BaseModel):
    id: uuid.UUID
    status: Literal["queued", "running", "succeeded", "failed"]


class RowErrorOut(BaseModel):
    row: int
    column: str
    message: str


class ImportOut(BaseModel):
    id: uuid.UUID
    status: str
    on_duplicate: str
    total_rows: int | None
    processed: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    failed: int
    errors: list[RowErrorOut]
    errors_url: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
