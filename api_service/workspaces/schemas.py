from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from api_service.inputs import StrictInput


class Strict(StrictInput):
    pass


class OwnerIn(Strict):
    email: EmailStr
    name: str = Field(min_length=1, max_length=200)


class WorkspaceCreate(Strict):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "Acme", "owner": {"email": "owner@example.com", "name": "Olive"}}]
        }
    )
    name: str = Field(min_length=1, max_length=200)
    owner: OwnerIn


class WorkspaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    created_at: datetime
    # The region of national-format phones an import meets without a country (ISO 3166-1 alpha-2).
    default_country: str | None = None


class WorkspaceUpdate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"default_country": "MY"}]})
    default_country: str | None = Field(default=None, max_length=100)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    email: str
    name: str
    role: str
    restrictions: list[str]
    created_at: datetime


class WorkspaceCreated(BaseModel):
    workspace: WorkspaceOut
    user: UserOut
    token: str
