from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api_service.contacts.schemas import ContactOut
from api_service.inputs import StrictInput


class SortItem(StrictInput):
    field: Annotated[str, Field(min_length=1, max_length=100)]
    order: Literal["asc", "desc"] = "asc"


class SearchRequest(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "query": "jane 0123",
                    "filter": {
                        "and": [
                            {"field": "country", "op": "in", "value": ["MY", "SG"]},
                            {"field": "tags", "op": "has_any", "value": ["vip"]},
                        ]
                    },
                    "sort": [{"field": "last_interaction_at", "order": "desc"}],
                    "page_size": 50,
                }
            ]
        }
    )
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
