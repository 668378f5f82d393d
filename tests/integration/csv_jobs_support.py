"""Helpers for the export and import tests: rows the public API does not create yet (users with
roles, channels, custom fields) are inserted directly, and jobs run by calling the runner."""

from __future__ import annotations

import csv
import io
import secrets
import uuid
from typing import Any

from sqlalchemy import select

import indexer_worker.jobs.export
import indexer_worker.jobs.import_csv  # noqa: F401  (registers the handlers)
from api_service.auth import hash_token
from indexer_worker.jobs import run_job
from shared.models import ApiToken, Channel, ContactChannel, ContactField, Job, User


def add_user(
    session_factory: Any, workspace_id: str, role: str, restrictions: list[str] | None = None
) -> tuple[str, dict[str, str]]:
    """A user of the workspace and the headers that authenticate as them."""
    token = secrets.token_urlsafe(24)
    with session_factory() as session, session.begin():
        user = User(
            workspace_id=uuid.UUID(workspace_id),
            email=f"{role}-{uuid.uuid4().hex[:8]}@example.com",
            name=f"A {role}",
            role=role,
            restrictions=restrictions or [],
        )
        session.add(user)
        session.flush()
        session.add(ApiToken(workspace_id=user.workspace_id, user_id=user.id, token_hash=hash_token(token)))
        return str(user.id), {"Authorization": f"Bearer {token}"}


def add_field(
    session_factory: Any,
    workspace_id: str,
    key: str,
    label: str,
    type_: str,
    options: list[str] | None = None,
) -> None:
    with session_factory() as session, session.begin():
        session.add(
            ContactField(
                workspace_id=uuid.UUID(workspace_id), key=key, label=label, type=type_, options=options or []
            )
        )


def add_channel_identity(
    session_factory: Any, workspace_id: str, contact_id: str, name: str, type_: str, external_id: str
) -> str:
    with session_factory() as session, session.begin():
        channel = Channel(workspace_id=uuid.UUID(workspace_id), name=name, type=type_)
        session.add(channel)
        session.flush()
        session.add(
            ContactChannel(
                workspace_id=channel.workspace_id,
                contact_id=uuid.UUID(contact_id),
                channel_id=channel.id,
                external_id=external_id,
            )
        )
        return str(channel.id)


def run(job_id: str, session_factory: Any, search_client: Any, settings: Any) -> str:
    return run_job(uuid.UUID(job_id), session_factory, search_client, settings)


def job_row(session_factory: Any, job_id: str) -> Job:
    with session_factory() as session:
        return session.scalars(select(Job).where(Job.id == uuid.UUID(job_id))).one()


def parse_csv(content: bytes) -> list[list[str]]:
    """The file as a spreadsheet would read it: UTF-8 with a BOM, standard CSV quoting."""
    assert content.startswith(b"\xef\xbb\xbf"), "export must start with a UTF-8 BOM"
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
