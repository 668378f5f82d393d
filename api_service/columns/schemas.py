from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api_service.inputs import StrictInput

ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class ColumnsIn(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"columns": ["display_name", "email", "phone", "tags", "custom.plan"]}]
        }
    )
    columns: Annotated[list[ColumnName], Field(min_length=1, max_length=200)]


class ColumnChoice(BaseModel):
    key: str
    label: str


class ColumnsOut(BaseModel):
    columns: list[str]
    # Every column the user may pick, with its label (custom fields included).
    available: list[ColumnChoice]
