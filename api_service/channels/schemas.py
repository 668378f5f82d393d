from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from api_service.inputs import StrictInput
from shared.models import CHANNEL_TYPES

ChannelType = Literal[CHANNEL_TYPES]  # type: ignore[valid-type]
MAX_MESSAGE_CHARS = 10_000
MAX_COMMENT_CHARS = 5_000

MessageText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_MESSAGE_CHARS)]
ProfileName = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class Strict(StrictInput):
    pass


class ChannelCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Support WhatsApp", "type": "whatsapp"}]}
    )
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    type: ChannelType


class ChannelOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    type: str
    created_at: datetime


class ChannelPage(BaseModel):
    items: list[ChannelOut]
    next_cursor: str | None


class InboundProfile(Strict):
    first_name: ProfileName | None = None
    last_name: ProfileName | None = None
    profile_pic_url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048)] | None = None


class InboundMessage(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "external_id": "60123456789",
                    "profile": {"first_name": "Aisha"},
                    "text": "Hi, is my order ready?",
                }
            ]
        }
    )
    external_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    profile: InboundProfile = InboundProfile()
    text: MessageText
    sent_at: datetime | None = None


class InboundResult(BaseModel):
    contact_id: uuid.UUID
    message_id: uuid.UUID
    contact_created: bool
    version: int


class OutgoingMessage(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"channel_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "text": "Your order ships today."}
            ]
        }
    )
    channel_id: uuid.UUID
    text: MessageText


class MessageOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    contact_id: uuid.UUID
    channel_id: uuid.UUID | None
    direction: str
    text: str
    sent_at: datetime
    created_at: datetime


class MessagePage(BaseModel):
    items: list[MessageOut]
    next_cursor: str | None


class ConversationChange(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "closed"}]})
    status: Literal["open", "closed"]


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    type: str
    at: datetime
    actor_id: uuid.UUID | None
    data: dict[str, Any]
    triggers_workflows: bool


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None


class CommentCreate(Strict):
    model_config = ConfigDict(json_schema_extra={"examples": [{"text": "Called back, wants a quote."}]})
    text: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_COMMENT_CHARS)]


class CommentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    contact_id: uuid.UUID
    author_id: uuid.UUID | None
    text: str
    created_at: datetime


class CommentPage(BaseModel):
    items: list[CommentOut]
    next_cursor: str | None


class SentMessage(MessageOut):
    contact_version: int
