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
