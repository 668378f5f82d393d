from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api_service.inputs import StrictInput
from shared.models import FIELD_TYPES

FieldType = Literal[FIELD_TYPES]  # type: ignore[valid-type]
FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Option = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Options = Annotated[list[Option], Field(max_length=200)]


class FieldCreate(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"key": "plan", "label": "Plan", "type": "select", "options": ["free", "pro"]}]
        }
    )
    key: FieldKey
    label: Label
    type: FieldType
    options: Options | None = None


class FieldUpdate(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"label": "Plan", "options": ["free", "pro", "enterprise"]}]}
    )
    label: Label | None = None
    options: Options | None = None
    # Accepted only to say clearly that a type cannot change (values would no longer fit it).
    type: str | None = None


class FieldOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    key: str
    label: str
    type: str
    options: list[str]
    created_at: datetime


class FieldPage(BaseModel):
    items: list[FieldOut]
    next_cursor: str | None


class FieldInfo(BaseModel):
    """One field of GET /v1/fields (built by shared.fields)."""

    field: str
    label: str
    type: str
    custom: bool
    operators: list[str]
    sortable: bool
    facetable: bool
    column: bool
    importable: bool
    options: list[str] | None = None


class FieldList(BaseModel):
    items: list[FieldInfo]
