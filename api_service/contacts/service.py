"""Contact rules: validation, defaults, events, and the outbox row for every searchable change."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from api_service.contacts import repository
from api_service.contacts.schemas import ContactFieldsIn
from shared.contact_rules import (
    invalid,
    normalize_country,
    normalize_email,
    normalize_language,
    normalize_phone,
    normalize_url,
)
from shared.custom_fields import apply_custom_fields, field_definitions
from shared.events import EventType, add_event, assignment_change
from shared.fields import IDENTITY, PLAIN
from shared.models import Contact, ContactChannel, User
from shared.outbox import record_change
from shared.tags import tag_change, unique_tags

IDENTITY_FIELDS = IDENTITY


def validate_fields(
    session: Session, workspace_id: uuid.UUID, incoming: dict[str, Any], current: Contact | None
) -> dict[str, Any]:
    """Normalised values for the given subset of standard fields, or a 422 naming the field."""
    values: dict[str, Any] = {}
    country = current.country if current is not None else None
    if "country" in incoming:
        country = normalize_country(incoming["country"], ["country"])
        values["country"] = country
    for spec in PLAIN:  # kept as given (the request model trims them and checks their length)
        if spec.name in incoming:
            values[spec.name] = incoming[spec.name] or None
    if "profile_pic_url" in incoming:
        values["profile_pic_url"] = normalize_url(incoming["profile_pic_url"], ["profile_pic_url"])
    if "language" in incoming:
        values["language"] = normalize_language(incoming["language"], ["language"])
    if "email" in incoming:
        values["email"] = normalize_email(incoming["email"], ["email"])
    if "phone" in incoming:
        values["phone"] = normalize_phone(incoming["phone"], country, ["phone"])
    if "assignee_id" in incoming:
        assignee = incoming["assignee_id"]
        if assignee is not None:
            user = session.get(User, assignee)
            if user is None or user.workspace_id != workspace_id:
                raise invalid(["assignee_id"], "not a user of this workspace")
        values["assignee_id"] = assignee
    if "tags" in incoming:
        values["tags"] = unique_tags(list(incoming["tags"] or []))
    if "custom_fields" in incoming:
        current_custom = dict(current.custom_fields) if current is not None else {}
        values["custom_fields"] = apply_custom_fields(
            current_custom, incoming["custom_fields"] or {}, field_definitions(session, workspace_id), country
        )
    return values


def _require_identity(values: dict[str, Any]) -> None:
    if not any(values.get(k) for k in IDENTITY_FIELDS):
        raise invalid(["first_name"], "at least one of first_name, email or phone is required")


def has_channel_identity(session: Session, contact_id: uuid.UUID) -> bool:
    return bool(session.scalar(select(exists().where(ContactChannel.contact_id == contact_id))))


def create_contact(
    session: Session,
    workspace_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    body: ContactFieldsIn,
    *,
    source: str = "contacts_module",
) -> Contact:
    """A contact added from the contacts module. No automation or automatic assignment runs for it."""
    values = validate_fields(session, workspace_id, body.model_dump(exclude_unset=True), None)
    _require_identity(values)
    values.setdefault("tags", [])
    values.setdefault("custom_fields", {})
    contact = Contact(workspace_id=workspace_id, source=source, conversation_status="closed", **values)
    session.add(contact)
    session.flush()
    add_event(session, contact, EventType.CREATED, actor_id, {"source": source}, triggers_workflows=False)
    record_change(session, workspace_id, contact.id, contact.version)
    return contact


def update_contact(
    session: Session,
    workspace_id: uuid.UUID,
    actor_id: uuid.UUID | None,
    contact_id: uuid.UUID,
    body: ContactFieldsIn,
) -> Contact:
    contact = repository.get_contact(session, workspace_id, contact_id, for_update=True)
    values = validate_fields(session, workspace_id, body.model_dump(exclude_unset=True), contact)
    changed = {k: v for k, v in values.items() if getattr(contact, k) != v}
    if not changed:
        return contact
    after = {k: changed.get(k, getattr(contact, k)) for k in IDENTITY_FIELDS}
    if not any(after.values()) and not has_channel_identity(session, contact.id):
        _require_identity(after)  # a contact from a channel is shown by its external id instead
    old_tags, old_assignee = list(contact.tags), contact.assignee_id
    for key, value in changed.items():
        setattr(contact, key, value)
    session.flush()
    add_event(session, contact, EventType.UPDATED, actor_id, {"fields": sorted(changed)})
    if "tags" in changed:
        add_event(session, contact, EventType.TAGGED, actor_id, tag_change(old_tags, contact.tags))
    if "assignee_id" in changed:
        data = assignment_change(old_assignee, contact.assignee_id)
        add_event(session, contact, EventType.ASSIGNED, actor_id, data)
    record_change(session, workspace_id, contact.id, contact.version)
    return contact


def delete_contact(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> None:
    """Irreversible: the contact goes with its channels, messages, events and comments (FK cascade)."""
    contact = repository.get_contact(session, workspace_id, contact_id, for_update=True)
    tombstone_version = contact.version + 1
    session.execute(delete(Contact).where(Contact.id == contact.id))
    session.expunge(contact)
    record_change(session, workspace_id, contact_id, tombstone_version)
