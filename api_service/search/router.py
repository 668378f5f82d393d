from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic_core import to_json

from api_service.deps import AuthFirstRoute, ModuleCredentials, StateDep, as_module_user
from api_service.search import aggregations, service
from api_service.search.schemas import AggregateRequest, AggregateResponse, SearchRequest, SearchResponse

router = APIRouter(prefix="/v1", tags=["search"], route_class=AuthFirstRoute)


@router.post("/contacts/search", response_model=SearchResponse)
async def search(body: SearchRequest, credentials: ModuleCredentials, state: StateDep) -> Response:
    page = await as_module_user(
        state,
        credentials,
        lambda session, principal: service.search_contacts(session, state, principal, body),
    )
    return Response(page.to_json(), media_type="application/json")


@router.post("/contacts/aggregate", response_model=AggregateResponse)
async def aggregate(body: AggregateRequest, credentials: ModuleCredentials, state: StateDep) -> Response:
    """Facets and date histograms over the contacts the same search would select (dashboards)."""
    result = await as_module_user(
        state,
        credentials,
        lambda session, principal: aggregations.aggregate_contacts(session, state, principal, body),
    )
    # Built by the service in the response's shape: written as it is, not validated again.
    return Response(to_json(result), media_type="application/json")
