from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from api_service.inputs import StrictInput
from shared.selection import Selection


class ExportCreate(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "selection": {
                        "all_matching": {
                            "filter": {"and": [{"field": "tags", "op": "has_any", "value": ["vip"]}]}
                        }
                    },
                    "columns": ["display_name", "email", "phone", "tags"],
                }
            ]
        }
    )
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
