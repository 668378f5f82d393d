from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class ColumnsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: Annotated[list[ColumnName], Field(min_length=1, max_length=200)]


class ColumnChoice(BaseModel):
    key: str
    label: str


class ColumnsOut(BaseModel):
    columns: list[str]
    # Every column the user may pick, with its label (custom fields included).
    available: list[ColumnChoice]
