from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from api_service.inputs import StrictInput
from shared.contact_rules import MAX_TAG_CHARS, MAX_TAGS
from shared.fields import PLAIN, FieldSpec

Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TAG_CHARS)]

MAX_CUSTOM_FIELDS = 100


def _plain_in(spec: FieldSpec) -> Any:
    """A plain field in a request: optional text, trimmed, at most its registry length."""
    text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=spec.max_length)]
    return (text | None, None)


# The plain fields (shared.fields.PLAIN) come first in the request and the response models, in
# registry order, built from their rows; the declarations under TYPE_CHECKING only tell the type
# checker about the ones the code names.
if TYPE_CHECKING:

    class _PlainFieldsIn(StrictInput):
        first_name: str | None = None
        last_name: str | None = None

    class _PlainFieldsOut(BaseModel):
        id: uuid.UUID
        first_name: str | None
        last_name: str | None

else:
    _PlainFieldsIn = create_model(
        "_PlainFieldsIn", __base__=StrictInput, **{spec.name: _plain_in(spec) for spec in PLAIN}
    )
    _PlainFieldsOut = create_model(
        "_PlainFieldsOut", id=(uuid.UUID, ...), **{spec.name: (str | None, ...) for spec in PLAIN}
    )


class ContactFieldsIn(_PlainFieldsIn):
    email: Annotated[str, StringConstraints(max_length=320)] | None = None
    phone: Annotated[str, StringConstraints(max_length=40)] | None = None
    country: Annotated[str, StringConstraints(max_length=2)] | None = None
    language: Annotated[str, StringConstraints(max_length=35)] | None = None
    profile_pic_url: Annotated[str, StringConstraints(max_length=2048)] | None = None
    assignee_id: uuid.UUID | None = None
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] | None = None
    custom_fields: Annotated[dict[str, Any], Field(max_length=MAX_CUSTOM_FIELDS)] | None = None


class ContactCreate(ContactFieldsIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "first_name": "Zoë",
                    "last_name": "Åström",
                    "email": "zoe@example.com",
                    "phone": "+60123456789",
                    "country": "MY",
                    "tags": ["vip"],
                }
            ]
        }
    )


class ContactUpdate(ContactFieldsIn):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"tags": ["vip", "wholesale"], "language": "en"}]}
    )


class ChannelRef(BaseModel):
    channel_id: uuid.UUID
    channel_name: str
    type: str
    external_id: str


class Avatar(BaseModel):
    url: str | None = None
    initials: str | None = None
    color: str | None = None


class ContactOut(_PlainFieldsOut):
    email: str | None
    phone: str | None
    country: str | None
    language: str | None
    profile_pic_url: str | None
    assignee_id: uuid.UUID | None
    tags: list[str]
    custom_fields: dict[str, Any]
    display_name: str
    avatar: dict[str, str]
    channels: list[ChannelRef]
    source: str
    conversation_status: str
    conversation_opened_at: datetime | None
    last_interaction_at: datetime | None
    last_incoming_message_at: datetime | None
    last_interacted_channel_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class ContactPage(BaseModel):
    items: list[ContactOut]
    next_cursor: str | None
