from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api_service.contacts.schemas import ContactOut
from api_service.inputs import StrictInput


class FieldComparison(BaseModel):
    field: str
    primary: Any
    secondary: Any


class TagsComparison(BaseModel):
    primary: list[str]
    secondary: list[str]
    merged: list[str]


class MergePreview(BaseModel):
    # The fields a merge lets you choose, side by side; tags are always united.
    fields: list[FieldComparison]
    tags: TagsComparison


class MergeRequest(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "primary_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                    "secondary_id": "9b2e0c1d-8f4a-4c3b-a1d2-5e6f7a8b9c0d",
                    "choose": {"email": "secondary"},
                }
            ]
        }
    )
    primary_id: uuid.UUID
    secondary_id: uuid.UUID
    choose: Annotated[dict[str, Literal["primary", "secondary"]], Field(max_length=200)] = Field(
        default_factory=dict
    )


class MergeResult(BaseModel):
    contact: ContactOut
    merge_id: uuid.UUID


class UnmergeRequest(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"merge_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}]}
    )
    merge_id: uuid.UUID


class UnmergeResult(BaseModel):
    contact: ContactOut
    secondary: ContactOut
    merge_id: uuid.UUID


class MergeOut(BaseModel):
    id: uuid.UUID
    primary_id: uuid.UUID
    secondary_id: uuid.UUID
    secondary_display_name: str
    actor_id: uuid.UUID | None
    created_at: datetime
    undone_at: datetime | None
    # Fields whose value the primary took from the secondary, with that value.
    taken: dict[str, Any]


class MergePage(BaseModel):
    items: list[MergeOut]
    next_cursor: str | None
