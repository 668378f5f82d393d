from __future__ import annotations

from fastapi import APIRouter, Response

from api_service.deps import ModuleUser, SessionDep, StateDep
from api_service.search import service
from api_service.search.schemas import SearchRequest, SearchResponse

router = APIRouter(prefix="/v1", tags=["search"])


@router.post("/contacts/search", response_model=SearchResponse)
def search(body: SearchRequest, principal: ModuleUser, session: SessionDep, state: StateDep) -> Response:
    page = service.search_contacts(session, state, principal, body)
    return Response(page.to_json(), media_type="application/json")
