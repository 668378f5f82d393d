from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api_service.inputs import StrictInput
from api_service.workspaces.schemas import UserOut

Secret = Annotated[str, Field(min_length=1, max_length=200)]


class SignInLinkCreate(StrictInput):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"user_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}]}
    )
    user_id: uuid.UUID


class SignInLinkOut(BaseModel):
    url: str
    expires_at: datetime


class SessionCreate(StrictInput):
    """Exactly one of: the code of a sign-in link, or an API token (the sign-in page accepts both)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"code": "k3YkTq0dVb8xR2mN"}]})

    code: Secret | None = None
    token: Secret | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> SessionCreate:
        if (self.code is None) == (self.token is None):
            raise ValueError("give either the code of a sign-in link or an API token")
        return self


class WorkspaceRef(BaseModel):
    id: uuid.UUID
    name: str


class MeOut(UserOut):
    workspace: WorkspaceRef
    # How this request was authenticated; with "session", csrf_token is what writes must send in
    # the X-CSRF-Token header (also readable from the contacts_csrf cookie).
    signed_in_with: Literal["session", "token"]
    csrf_token: str | None = None
