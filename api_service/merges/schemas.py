from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api_service.contacts.schemas import ContactOut


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


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    primary_id: uuid.UUID
    secondary_id: uuid.UUID
    choose: Annotated[dict[str, Literal["primary", "secondary"]], Field(max_length=200)] = Field(
        default_factory=dict
    )


class MergeResult(BaseModel):
    contact: ContactOut
    merge_id: uuid.UUID


class UnmergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
