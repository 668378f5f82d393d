from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from api_service.auth import Principal
from api_service.contacts import repository, service
from api_service.contacts.presenter import present_many
from api_service.contacts.schemas import ContactCreate, ContactOut, ContactPage, ContactUpdate
from api_service.deps import (
    AuthFirstRoute,
    ModuleCredentials,
    ModuleUser,
    SessionDep,
    StateDep,
    as_module_user,
)
from api_service.errors import NotFound, invalid
from api_service.search import service as search_service
from api_service.search.schemas import SearchRequest, SortItem
from api_service.search.service import SearchPage

router = APIRouter(prefix="/v1/contacts", tags=["contacts"], route_class=AuthFirstRoute)


def parse_id(raw: str) -> uuid.UUID:
    """A malformed id is just an id that does not exist."""
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFound("contact") from None


def parse_sort(raw: str | None) -> list[SortItem] | None:
    if not raw:
        return None
    items = []
    for part in raw.split(","):
        name, _, order = part.strip().partition(":")
        order = order or "asc"
        if order not in ("asc", "desc") or not name:
            raise invalid(["sort"], f"'{part}' is not field:asc or field:desc")
        items.append(SortItem(field=name, order="asc" if order == "asc" else "desc"))
    return items


@router.get("", response_model=ContactPage)
async def list_contacts(
    credentials: ModuleCredentials,
    state: StateDep,
    q: Annotated[str | None, Query(max_length=256)] = None,
    view_id: str | None = None,
    sort: Annotated[str | None, Query(max_length=500)] = None,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The contacts table: the same search as POST /v1/contacts/search, from query parameters."""

    def table_page(session: Session, principal: Principal) -> SearchPage:
        try:
            request = SearchRequest(
                query=q, view_id=view_id, sort=parse_sort(sort), page_size=page_size, cursor=cursor
            )
        except ValidationError as exc:  # too many sort fields, or an absurdly long name
            raise invalid(["sort"], exc.errors()[0]["msg"]) from None
        return search_service.search_contacts(session, state, principal, request)

    page = await as_module_user(state, credentials, table_page)
    return Response(page.to_json(with_total=False), media_type="application/json")


@router.post("", status_code=201, response_model=ContactOut)
def create_contact(body: ContactCreate, principal: ModuleUser, session: SessionDep) -> ContactOut:
    contact = service.create_contact(session, principal.workspace_id, principal.user_id, body)
    return present_many(session, [contact])[0]


@router.get("/{contact_id}", response_model=ContactOut)
def get_contact(contact_id: str, principal: ModuleUser, session: SessionDep) -> ContactOut:
    contact = repository.get_contact(session, principal.workspace_id, parse_id(contact_id))
    return present_many(session, [contact])[0]


@router.patch("/{contact_id}", response_model=ContactOut)
def update_contact(
    contact_id: str, body: ContactUpdate, principal: ModuleUser, session: SessionDep
) -> ContactOut:
    contact = service.update_contact(
        session, principal.workspace_id, principal.user_id, parse_id(contact_id), body
    )
    return present_many(session, [contact])[0]


@router.delete("/{contact_id}", status_code=204)
def delete_contact(contact_id: str, principal: ModuleUser, session: SessionDep) -> Response:
    service.delete_contact(session, principal.workspace_id, parse_id(contact_id))
    return Response(status_code=204)
