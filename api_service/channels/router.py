"""Channels, the inbound webhook, and a contact's messages, conversation, events and comments."""

from __future__ import annotations

from fastapi import APIRouter

from api_service.channels import history, service
from api_service.channels.schemas import (
    ChannelCreate,
    ChannelOut,
    ChannelPage,
    CommentCreate,
    CommentOut,
    CommentPage,
    ConversationChange,
    EventOut,
    EventPage,
    InboundMessage,
    InboundResult,
    MessageOut,
    MessagePage,
    OutgoingMessage,
    SentMessage,
)
from api_service.contacts.presenter import present_many
from api_service.contacts.router import parse_id
from api_service.contacts.schemas import ContactOut
from api_service.deps import AuthFirstRoute, ModuleUser, SessionDep, SettingsDep
from api_service.pagination import DEFAULT_PAGE_SIZE, Cursor, PageSize
from shared.models import Comment, Event, Message

router = APIRouter(prefix="/v1", tags=["channels"], route_class=AuthFirstRoute)


@router.post("/channels", status_code=201, response_model=ChannelOut)
def create_channel(body: ChannelCreate, principal: ModuleUser, session: SessionDep) -> ChannelOut:
    return ChannelOut.model_validate(service.create_channel(session, principal.workspace_id, body))


@router.get("/channels", response_model=ChannelPage)
def list_channels(
    principal: ModuleUser,
    session: SessionDep,
    settings: SettingsDep,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> ChannelPage:
    rows, next_cursor = service.list_channels(
        session, principal.workspace_id, page_size, cursor, settings.secret_key
    )
    return ChannelPage(items=[ChannelOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.get("/channels/{channel_id}", response_model=ChannelOut)
def read_channel(channel_id: str, principal: ModuleUser, session: SessionDep) -> ChannelOut:
    return ChannelOut.model_validate(service.get_channel(session, principal.workspace_id, channel_id))


@router.post("/channels/{channel_id}/inbound", response_model=InboundResult)
def receive_inbound(
    channel_id: str, body: InboundMessage, principal: ModuleUser, session: SessionDep
) -> InboundResult:
    contact, message, created = service.receive_inbound(session, principal.workspace_id, channel_id, body)
    return InboundResult(
        contact_id=contact.id, message_id=message.id, contact_created=created, version=contact.version
    )


@router.post("/contacts/{contact_id}/messages", status_code=201, response_model=SentMessage)
def send_message(
    contact_id: str, body: OutgoingMessage, principal: ModuleUser, session: SessionDep
) -> SentMessage:
    contact, message = service.send_message(session, principal.workspace_id, parse_id(contact_id), body)
    return SentMessage(**MessageOut.model_validate(message).model_dump(), contact_version=contact.version)


@router.get("/contacts/{contact_id}/messages", response_model=MessagePage)
def list_messages(
    contact_id: str,
    principal: ModuleUser,
    session: SessionDep,
    settings: SettingsDep,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> MessagePage:
    rows, next_cursor = history.list_history(
        session, Message, principal.workspace_id, parse_id(contact_id), page_size, cursor, settings.secret_key
    )
    return MessagePage(items=[MessageOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/contacts/{contact_id}/conversation", response_model=ContactOut)
def change_conversation(
    contact_id: str, body: ConversationChange, principal: ModuleUser, session: SessionDep
) -> ContactOut:
    contact = service.set_conversation(
        session, principal.workspace_id, principal.user_id, parse_id(contact_id), body.status
    )
    return present_many(session, [contact])[0]


@router.get("/contacts/{contact_id}/events", response_model=EventPage)
def list_events(
    contact_id: str,
    principal: ModuleUser,
    session: SessionDep,
    settings: SettingsDep,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> EventPage:
    rows, next_cursor = history.list_history(
        session, Event, principal.workspace_id, parse_id(contact_id), page_size, cursor, settings.secret_key
    )
    return EventPage(items=[EventOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@router.post("/contacts/{contact_id}/comments", status_code=201, response_model=CommentOut)
def add_comment(
    contact_id: str, body: CommentCreate, principal: ModuleUser, session: SessionDep
) -> CommentOut:
    comment = history.add_comment(
        session, principal.workspace_id, principal.user_id, parse_id(contact_id), body.text
    )
    return CommentOut.model_validate(comment)


@router.get("/contacts/{contact_id}/comments", response_model=CommentPage)
def list_comments(
    contact_id: str,
    principal: ModuleUser,
    session: SessionDep,
    settings: SettingsDep,
    page_size: PageSize = DEFAULT_PAGE_SIZE,
    cursor: Cursor = None,
) -> CommentPage:
    rows, next_cursor = history.list_history(
        session, Comment, principal.workspace_id, parse_id(contact_id), page_size, cursor, settings.secret_key
    )
    return CommentPage(items=[CommentOut.model_validate(r) for r in rows], next_cursor=next_cursor)
