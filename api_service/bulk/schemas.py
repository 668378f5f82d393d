from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, Field, StrictBool

from api_service.contacts.schemas import Tag
from api_service.inputs import StrictInput
from shared.contact_rules import MAX_TAGS
from shared.selection import Selection


class BulkDeleteRequest(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"selection": {"ids": ["3fa85f64-5717-4562-b3fc-2c963f66afa6"]}, "confirm": True}]
        }
    )
    selection: Selection
    # Deletion cannot be undone: the client must say so explicitly.
    confirm: StrictBool = False


class BulkTagsRequest(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"selection": {"all_matching": {"query": "jane", "filter": None}}, "tags": ["vip"]}]
        }
    )
    selection: Selection
    tags: Annotated[list[Tag], Field(min_length=1, max_length=MAX_TAGS)]
