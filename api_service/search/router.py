from __future__ import annotations

from fastapi import APIRouter, Response

from api_service.deps import AuthFirstRoute, ModuleCredentials, StateDep, as_module_user
from api_service.search import service
from api_service.search.schemas import SearchRequest, SearchResponse

router = APIRouter(prefix="/v1", tags=["search"], route_class=AuthFirstRoute)


@router.post("/contacts/search", response_model=SearchResponse)
async def search(body: SearchRequest, credentials: ModuleCredentials, state: StateDep) -> Response:
    page = await as_module_user(
        state,
        credentials,
        lambda session, principal: service.search_contacts(session, state, principal, body),
    )
    return Response(page.to_json(), media_type="application/json")
