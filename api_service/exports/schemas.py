from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.selection import Selection


class ExportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    selection: Selection
    columns: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=200)] | None = None


class ExportAccepted(BaseModel):
    id: uuid.UUID
    status: Literal["queued", "running", "succeeded", "failed"]


class ExportOut(BaseModel):
    id: uuid.UUID
    status: str
    processed: int
    total: int | None
    rows: int | None
    columns: list[str]
    download_url: str | None
    expires_at: datetime | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None
