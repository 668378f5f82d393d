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
    # Cells left out of rows that landed (on_invalid_cell="skip_cell"); warning_count counts them all.
    warnings: list[RowErrorOut] = []
    warning_count: int = 0
    on_invalid_cell: str = "fail_row"
    blank_cells: str = "keep"
    format: str | None = None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


class ImportPreview(BaseModel):
    """POST /v1/imports/preview: what a mapping screen needs before any job."""

    format: str
    encoding: str | None
    delimiter: str | None
    headers: list[str]
    suggested_mapping: dict[str, str]
    sample_rows: list[list[str]]
    problems: list[RowErrorOut]
