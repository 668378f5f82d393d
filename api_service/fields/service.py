"""Custom contact field definitions of a workspace.

Deleting a definition deletes its values from every contact in one set-based UPDATE (bumping each
contact's version) with outbox rows for all of them in the same transaction. Removing a select
option that contacts still use is refused, naming the option: silently clearing values would lose
data the user may not know about; they can clear or change those values first.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api_service.errors import Conflict, NotFound, invalid
from api_service.fields.schemas import FieldCreate, FieldUpdate
from api_service.pagination import keyset_page
from shared.custom_fields import MAX_FIELDS
from shared.fields import FIELDS, custom_field_spec, standard_field_spec
from shared.models import Contact, ContactField
from shared.outbox import record_changes
from shared.text import fold


def _check_options(field_type: str, options: list[str] | None) -> list[str]:
    if field_type != "select":
        if options:
            raise invalid(["options"], f"options are only for select fields, not {field_type}")
        return []
    if not options:
        raise invalid(["options"], "a select field needs at least one option")
    seen: set[str] = set()
    for index, option in enumerate(options):
        if fold(option) in seen:
            raise invalid(["options", index], f"duplicate option '{option}'")
        seen.add(fold(option))
    return list(options)


def list_fields(
    session: Session, workspace_id: uuid.UUID, page_size: int, cursor: str | None, secret: str
) -> tuple[list[ContactField], str | None]:
    """The workspace's fields, oldest first (the order a form shows them in)."""
    return keyset_page(
        session,
        select(ContactField).where(ContactField.workspace_id == workspace_id),
        ContactField.created_at,
        ContactField.id,
        page_size=page_size,
        cursor=cursor,
        secret=secret,
        scope=f"contact-fields:{workspace_id}",
        newest_first=False,
    )


def all_fields(session: Session, workspace_id: uuid.UUID) -> list[dict[str, Any]]:
    """GET /v1/fields: the standard fields in registry order, then the custom ones, oldest first."""
    custom = session.scalars(
        select(ContactField)
        .where(ContactField.workspace_id == workspace_id)
        .order_by(ContactField.created_at, ContactField.id)
    )
    return [
        *(standard_field_spec(spec) for spec in FIELDS),
        *(custom_field_spec(f.key, f.label, f.type, f.options) for f in custom),
    ]


def get_field(
    session: Session, workspace_id: uuid.UUID, key: str, *, for_update: bool = False
) -> ContactField:
    stmt = select(ContactField).where(ContactField.workspace_id == workspace_id, ContactField.key == key)
    if for_update:
        stmt = stmt.with_for_update()
    field = session.scalars(stmt).one_or_none()
    if field is None:
        raise NotFound("contact field")
    return field


def create_field(session: Session, workspace_id: uuid.UUID, body: FieldCreate) -> ContactField:
    options = _check_options(body.type, body.options)
    if session.scalar(
        select(ContactField.id).where(ContactField.workspace_id == workspace_id, ContactField.key == body.key)
    ):
        raise Conflict(f"a contact field with key '{body.key}' already exists")
    count = session.scalar(select(func.count()).where(ContactField.workspace_id == workspace_id)) or 0
    if count >= MAX_FIELDS:
        raise invalid(["key"], f"a workspace can define at most {MAX_FIELDS} contact fields")
    field = ContactField(
        workspace_id=workspace_id, key=body.key, label=body.label, type=body.type, options=options
    )
    try:
        with session.begin_nested():
            session.add(field)
            session.flush()
    except IntegrityError:  # a concurrent request created the same key first
        raise Conflict(f"a contact field with key '{body.key}' already exists") from None
    session.refresh(field)
    return field


def _contacts_using(session: Session, workspace_id: uuid.UUID, key: str, values: list[str]) -> dict[str, int]:
    value = Contact.custom_fields[key].astext
    rows = session.execute(
        select(value, func.count())
        .where(Contact.workspace_id == workspace_id, value.in_(values))
        .group_by(value)
    ).all()
    return {str(v): int(n) for v, n in rows}


def update_field(session: Session, workspace_id: uuid.UUID, key: str, body: FieldUpdate) -> ContactField:
    field = get_field(session, workspace_id, key, for_update=True)
    if body.type is not None and body.type != field.type:
        raise invalid(["type"], "a field's type cannot be changed; create a new field instead")
    if body.label is not None:
        field.label = body.label
    if body.options is not None:
        options = _check_options(field.type, body.options)
        removed = [o for o in field.options if o not in options]
        in_use = _contacts_using(session, workspace_id, key, removed) if removed else {}
        if in_use:
            names = ", ".join(f"'{o}' ({n} contacts)" for o, n in sorted(in_use.items()))
            raise invalid(["options"], f"options still used by contacts cannot be removed: {names}")
        field.options = options
    session.flush()
    return field


def delete_field(session: Session, workspace_id: uuid.UUID, key: str) -> int:
    """Delete the definition and its values on every contact; returns how many contacts changed."""
    field = get_field(session, workspace_id, key, for_update=True)
    changed = session.execute(
        update(Contact)
        .where(Contact.workspace_id == workspace_id, Contact.custom_fields.has_key(key))
        .values(
            custom_fields=Contact.custom_fields.op("-", return_type=JSONB)(key),
            version=Contact.version + 1,
            updated_at=func.now(),
        )
        .returning(Contact.id, Contact.version)
        .execution_options(synchronize_session=False)
    ).all()
    session.delete(field)
    session.flush()
    record_changes(session, workspace_id, [(cid, version) for cid, version in changed])
    return len(changed)
