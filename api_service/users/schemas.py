from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api_service.inputs import StrictInput
from api_service.workspaces.schemas import UserOut

Role = Literal["owner", "manager", "agent"]
Restriction = Literal["export_contacts", "bulk_delete_contacts"]
Restrictions = Annotated[list[Restriction], Field(max_length=2)]


class UserCreate(StrictInput):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "email": "maya@example.com",
                    "name": "Maya",
                    "role": "manager",
                    "restrictions": ["export_contacts"],
                }
            ]
        }
    )
    email: Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    role: Role
    restrictions: Restrictions = []


class UserUpdate(StrictInput):
    model_config = ConfigDict(json_schema_extra={"examples": [{"role": "manager", "restrictions": []}]})
    role: Role | None = None
    restrictions: Restrictions | None = None


class UserCreated(BaseModel):
    user: UserOut
    token: str


class TokenIssued(BaseModel):
    user_id: uuid.UUID
    token: str


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None
