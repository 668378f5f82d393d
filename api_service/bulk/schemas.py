from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api_service.contacts.schemas import Tag
from shared.contact_rules import MAX_TAGS
from shared.selection import Selection


class BulkDeleteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    selection: Selection
    # Deletion cannot be undone: the client must say so explicitly.
    confirm: StrictBool = False


class BulkTagsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    selection: Selection
    tags: Annotated[list[Tag], Field(min_length=1, max_length=MAX_TAGS)]
