"""The relational model. PostgreSQL is the source of truth; the search index is derived from it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    FetchedValue,
    ForeignKey,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from shared.db import Base
from shared.fields import PLAIN
from shared.logs import REQUEST_ID_MAX_LENGTH

ROLES = ("owner", "manager", "agent")
RESTRICTIONS = ("export_contacts", "bulk_delete_contacts")
CHANNEL_TYPES = (
    "whatsapp",
    "messenger",
    "instagram",
    "telegram",
    "line",
    "viber",
    "email",
    "sms",
    "webchat",
    "custom",
)
SOURCES = ("contacts_module", "channel", "import")
FIELD_TYPES = ("text", "number", "date", "datetime", "boolean", "select", "email", "phone", "url")
EVENT_TYPES = (
    "created",
    "updated",
    "tagged",
    "assigned",
    "conversation_opened",
    "conversation_closed",
    "merged",
    "unmerged",
)


def _uuid() -> uuid.UUID:
    return uuid.uuid4()


def _pk() -> Mapped[uuid.UUID]:
    return mapped_column(UUID(as_uuid=True), primary_key=True, default=_uuid)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())


def _workspace_fk() -> Mapped[uuid.UUID]:
    return mapped_column(
        UUID(as_uuid=True), ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False, index=True
    )


class Workspace(Base):
    __tablename__ = "workspaces"
    id: Mapped[uuid.UUID] = _pk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    # ISO 3166-1 alpha-2: the region of national-format phones that come without a country (imports).
    default_country: Mapped[str | None] = mapped_column(String(2), nullable=True)
    created_at: Mapped[datetime] = _created()


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),)
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    email: Mapped[str] = mapped_column(String(320), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False)
    restrictions: Mapped[list[str]] = mapped_column(
        ARRAY(String(40)), nullable=False, server_default=text("'{}'")
    )
    # The user's chosen table columns ("Customize Columns"); null means the default set.
    columns: Mapped[list[str] | None] = mapped_column(JSONB, nullable=True)
    created_at: Mapped[datetime] = _created()


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # sha256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = _created()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Channel(Base):
    __tablename__ = "channels"
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = _created()


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_workspace_email", "workspace_id", "email"),
        Index("ix_contacts_workspace_phone", "workspace_id", "phone"),
        Index("ix_contacts_workspace_created", "workspace_id", "created_at"),
        # Only merged rows: "merged into X" always names X, and `IS NULL` (every visible-contacts
        # query) must not look indexable (migration 0008).
        Index(
            "ix_contacts_merged_into_id",
            "merged_into_id",
            postgresql_where=text("merged_into_id IS NOT NULL"),
        ),
    )
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    # The plain fields' columns (shared.fields.PLAIN) are added from the registry below the class;
    # these declarations only tell the type checker about the ones the code reads by name.
    if TYPE_CHECKING:
        first_name: Mapped[str | None]
        last_name: Mapped[str | None]
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(32))
    country: Mapped[str | None] = mapped_column(String(2))
    language: Mapped[str | None] = mapped_column(String(35))
    profile_pic_url: Mapped[str | None] = mapped_column(String(2048))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    tags: Mapped[list[str]] = mapped_column(ARRAY(String(100)), nullable=False, server_default=text("'{}'"))
    custom_fields: Mapped[dict[str, Any]] = mapped_column(
        JSONB, nullable=False, server_default=text("'{}'::jsonb")
    )
    source: Mapped[str] = mapped_column(String(20), nullable=False)
    conversation_status: Mapped[str] = mapped_column(String(10), nullable=False, server_default="closed")
    conversation_opened_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_interaction_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_incoming_message_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_interacted_channel_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("channels.id", ondelete="SET NULL")
    )
    # Set when this contact was merged away into another; such a contact is hidden everywhere.
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version, "eager_defaults": True}


def _add_plain_columns(model: type[Base]) -> None:
    """One nullable text column per plain registry field, its length from its row (declarative
    maps a column set on the class after its creation like one written in its body)."""
    for spec in PLAIN:
        setattr(model, spec.name, mapped_column(spec.name, String(spec.max_length)))


_add_plain_columns(Contact)


class ContactChannel(Base):
    """A contact's identity on a channel (channel + external id), e.g. a WhatsApp number."""

    __tablename__ = "contact_channels"
    __table_args__ = (UniqueConstraint("channel_id", "external_id"),)
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    contact_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    channel_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("channels.id", ondelete="CASCADE"), nullable=False
    )
    external_id: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = _created()


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_contact_sent", "contact_id", "sent_at", "id"),)
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    contact_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False
    )
    channel_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("channels.id", ondelete="SET NULL")
    )
    direction: Mapped[str] = mapped_column(String(10), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    created_at: Mapped[datetime] = _created()


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_contact_at", "contact_id", "at", "id"),)
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    contact_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False
    )
    type: Mapped[str] = mapped_column(String(40), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False, server_default=func.now())
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    data: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    triggers_workflows: Mapped[bool] = mapped_column(Boolean, nullable=False, server_default=text("true"))


class Comment(Base):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_contact_created", "contact_id", "created_at", "id"),)
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    contact_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = _created()


class ContactField(Base):
    """A custom contact field defined by the workspace."""

    __tablename__ = "contact_fields"
    __table_args__ = (
        UniqueConstraint("workspace_id", "key"),
        UniqueConstraint("workspace_id", "sort_slot"),
    )
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    key: Mapped[str] = mapped_column(String(64), nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    options: Mapped[list[str]] = mapped_column(JSONB, nullable=False, server_default=text("'[]'::jsonb"))
    created_at: Mapped[datetime] = _created()
    # Which of the workspace's numbered sort fields in the search index holds this field's values
    # (shared.search.mapping.sort_slot_field); given by a database trigger on insert: the lowest
    # slot no other field of the workspace holds.
    sort_slot: Mapped[int | None] = mapped_column(SmallInteger, FetchedValue())


class View(Base):
    """A saved view ("custom inbox"): a query, a filter tree and a sort."""

    __tablename__ = "views"
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    owner_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    query: Mapped[str | None] = mapped_column(String(256))
    filter: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    sort: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONB)
    visibility: Mapped[str] = mapped_column(String(20), nullable=False)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now(), onupdate=func.now()
    )


class OutboxEntry(Base):
    """A change that search must see, written in the same transaction as the change itself.

    The indexer never trusts the row's payload: it rebuilds the document from the current
    contact row, so only the id matters; `version` is the contact's version after the change
    (for a deletion, the version the tombstone is written with).
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "available_at", "id", postgresql_where=text("parked_at IS NULL")),
        # The relay's claim order: interactive changes (0) before bulk ones (1), then oldest first.
        Index("ix_outbox_claim", "priority", "id", postgresql_where=text("parked_at IS NULL")),
        Index("ix_outbox_contact", "contact_id"),
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    workspace_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    contact_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    # shared.outbox.INTERACTIVE (a request's change) or BULK (a background job's): relayed in that order.
    priority: Mapped[int] = mapped_column(SmallInteger, nullable=False, server_default=text("0"))
    created_at: Mapped[datetime] = _created()
    available_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    last_error: Mapped[str | None] = mapped_column(Text)
    parked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The id of the request (or of the job's request) that made the change (shared.logs): the relay
    # logs it when it indexes the row. None for changes made outside a request (seeding, reconcile).
    request_id: Mapped[str | None] = mapped_column(String(REQUEST_ID_MAX_LENGTH))


class Job(Base):
    """A background job: bulk delete, bulk tags, export, import."""

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_workspace_kind_status", "workspace_id", "kind", "status"),)
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, server_default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    processed: Mapped[int] = mapped_column(Integer, nullable=False, server_default=text("0"))
    total: Mapped[int | None] = mapped_column(Integer)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    error: Mapped[str | None] = mapped_column(Text)
    # Where a resumed run picks up (e.g. the last search_after key), so a crash does no harm twice.
    checkpoint: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    file_path: Mapped[str | None] = mapped_column(String(1024))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = _created()
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The request that created the job; the worker binds it to its log lines while the job runs.
    request_id: Mapped[str | None] = mapped_column(String(REQUEST_ID_MAX_LENGTH))


class Merge(Base):
    """What unmerge needs: the secondary's snapshot, what moved, which values the primary took."""

    __tablename__ = "merges"
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    primary_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    secondary_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    actor_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    secondary_snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    primary_before: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    taken: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    moved: Mapped[dict[str, Any]] = mapped_column(JSONB, nullable=False)
    # The side each field was explicitly chosen from; unset fields followed the default rule.
    choices: Mapped[dict[str, str]] = mapped_column(JSONB, nullable=False, server_default=text("'{}'::jsonb"))
    created_at: Mapped[datetime] = _created()
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class SignInLink(Base):
    """A one-time sign-in link for the web app; only the hash of its code is stored."""

    __tablename__ = "sign_in_links"
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: the cookie holds a random secret, the row its hash. Shared by every API
    replica; ends at expires_at, on sign-out, or when the API token it was opened with is revoked."""

    __tablename__ = "web_sessions"
    id: Mapped[uuid.UUID] = _pk()
    workspace_id: Mapped[uuid.UUID] = _workspace_fk()
    user_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # Set when the session was opened with an API token rather than a link.
    token_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("api_tokens.id", ondelete="CASCADE")
    )
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
