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


# Aggregations (dashboards). Shapes only: fields, sizes, intervals, time zones, bounds and limits
# are checked by shared.search.aggregations, which names the offending node in its 422.
class FacetRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: Annotated[str, Field(min_length=1, max_length=200)]
    size: int = 10


class HistogramRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    field: Annotated[str, Field(min_length=1, max_length=200)]
    interval: str
    time_zone: Annotated[str, Field(max_length=64)] | None = None
    from_: Annotated[str, Field(max_length=64)] | None = Field(default=None, alias="from")
    to: Annotated[str, Field(max_length=64)] | None = None


class AggregateRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "filter": {"field": "conversation_status", "op": "eq", "value": "open"},
                    "facets": [{"field": "channels"}, {"field": "tags", "size": 20}],
                    "histograms": [
                        {"field": "created_at", "interval": "day", "time_zone": "Asia/Kuala_Lumpur"}
                    ],
                }
            ]
        },
    )
    query: Annotated[str, Field(max_length=256)] | None = None
    view_id: str | None = None
    filter: dict[str, Any] | None = None
    facets: list[FacetRequest] = Field(default_factory=list)
    histograms: list[HistogramRequest] = Field(default_factory=list)


class FacetBucket(BaseModel):
    value: str | bool | None
    count: int


class HistogramBucket(BaseModel):
    start: str
    count: int


class AggregateResponse(BaseModel):
    total: int
    facets: dict[str, list[FacetBucket]]
    histograms: dict[str, list[HistogramBucket]]
