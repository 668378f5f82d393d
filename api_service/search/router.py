from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api_service.deps import BearerToken, StateDep, as_module_user
from api_service.search import aggregations, service
from api_service.search.schemas import AggregateRequest, AggregateResponse, SearchRequest, SearchResponse

router = APIRouter(prefix="/v1", tags=["search"])


@router.post("/contacts/search", response_model=SearchResponse)
async def search(body: SearchRequest, token: BearerToken, state: StateDep) -> Response:
    page = await as_module_user(
        state, token, lambda session, principal: service.search_contacts(session, state, principal, body)
    )
    return Response(page.to_json(), media_type="application/json")


@router.post("/contacts/aggregate", response_model=AggregateResponse)
async def aggregate(body: AggregateRequest, token: BearerToken, state: StateDep) -> dict[str, Any]:
    """Facets and date histograms over the contacts the same search would select (dashboards)."""
    return await as_module_user(
        state,
        token,
        lambda session, principal: aggregations.aggregate_contacts(session, state, principal, body),
    )
