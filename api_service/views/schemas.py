from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api_service.inputs import StrictInput
from api_service.search.schemas import SortItem

ViewName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class ViewCreate(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "VIPs in Malaysia",
                    "filter": {
                        "and": [
                            {"field": "tags", "op": "has_any", "value": ["vip"]},
                            {"field": "country", "op": "eq", "value": "MY"},
                        ]
                    },
                    "sort": [{"field": "display_name", "order": "asc"}],
                    "visibility": "workspace",
                }
            ]
        }
    )
    name: ViewName
    query: Annotated[str, Field(max_length=256)] | None = None
    filter: dict[str, Any] | None = None
    sort: Annotated[list[SortItem], Field(max_length=5)] | None = None
    visibility: Literal["private", "workspace"]


class ViewUpdate(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "VIPs", "visibility": "private"}]})
    name: ViewName | None = None
    query: Annotated[str, Field(max_length=256)] | None = None
    filter: dict[str, Any] | None = None
    sort: Annotated[list[SortItem], Field(max_length=5)] | None = None
    visibility: Literal["private", "workspace"] | None = None


class ViewOut(BaseModel):
    id: str
    name: str
    built_in: bool
    query: str | None
    filter: dict[str, Any] | None
    sort: list[dict[str, Any]] | None
    visibility: Literal["private", "workspace"]
    owner_id: uuid.UUID | None
    created_at: datetime | None
    updated_at: datetime | None


class ViewList(BaseModel):
    items: list[ViewOut]
    next_cursor: str | None = None
