from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api_service.contacts.schemas import ContactOut


class SortItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: Annotated[str, Field(min_length=1, max_length=100)]
    order: Literal["asc", "desc"] = "asc"


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    query: Annotated[str, Field(max_length=256)] | None = None
    view_id: str | None = None
    filter: dict[str, Any] | None = None
    sort: Annotated[list[SortItem], Field(max_length=5)] | None = None
    page_size: Annotated[int, Field(ge=1, le=200)] = 50
    cursor: Annotated[str, Field(max_length=2000)] | None = None
    min_version: Annotated[dict[str, int], Field(max_length=200)] | None = None


class Total(BaseModel):
    value: int
    relation: Literal["eq", "gte"]


class SearchResponse(BaseModel):
    items: list[ContactOut]
    total: Total
    next_cursor: str | None
