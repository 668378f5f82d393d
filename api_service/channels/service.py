"""Channels, inbound and outgoing messages, and the conversation state of a contact.

A channel's profile creates a new contact; for a known contact it only fills a missing name or
picture, so edits made in the contacts module always win.

Interaction timestamps only ever move forward: a message that arrives late (its `sent_at` older
than what the contact already has) is stored in the history but never moves a timestamp back, and
it only becomes `last_interacted_channel_id` when it is the newest interaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from api_service.channels.schemas import ChannelCreate, InboundMessage, InboundProfile, OutgoingMessage
from api_service.contacts import repository
from api_service.errors import NotFound
from api_service.pagination import keyset_page
from shared.contact_rules import FieldError, invalid, normalize_email, normalize_phone, normalize_url
from shared.events import EventType, add_event, conversation_event
from shared.models import Channel, Contact, ContactChannel, Message
from shared.outbox import record_change

# Clocks of channel providers drift; a message stamped further ahead than this is refused.
MAX_CLOCK_SKEW = timedelta(minutes=5)
# No messaging channel predates this; earlier stamps are bogus (and year-1 offsets overflow).
EARLIEST_MESSAGE = datetime(1990, 1, 1, tzinfo=UTC)
# Channels whose external id is the contact's phone number / e-mail address.
PHONE_CHANNELS = frozenset({"whatsapp", "sms", "viber"})
EMAIL_CHANNELS = frozenset({"email"})
MAX_MERGE_HOPS = 10


def create_channel(session: Session, workspace_id: uuid.UUID, body: ChannelCreate) -> Channel:
    channel = Channel(workspace_id=workspace_id, name=body.name, type=body.type)
    session.add(channel)
    session.flush()
    return channel


def list_channels(
    session: Session, workspace_id: uuid.UUID, page_size: int, cursor: str | None, secret: str
) -> tuple[list[Channel], str | None]:
    return keyset_page(
        session,
        select(Channel).where(Channel.workspace_id == workspace_id),
        Channel.created_at,
        Channel.id,
        page_size=page_size,
        cursor=cursor,
        secret=secret,
        scope=f"channels:{workspace_id}",
        newest_first=False,
    )


def get_channel(session: Session, workspace_id: uuid.UUID, raw_id: str) -> Channel:
    try:
        channel_id = uuid.UUID(raw_id)
    except ValueError:
        raise NotFound("channel") from None
    channel = session.scalars(
        select(Channel).where(Channel.id == channel_id, Channel.workspace_id == workspace_id)
    ).one_or_none()
    if channel is None:
        raise NotFound("channel")
    return channel


def latest(current: datetime | None, candidate: datetime) -> datetime:
    """The later of two instants; a missing one loses."""
    return candidate if current is None or candidate > current else current


def message_time(sent_at: datetime | None, now: datetime) -> datetime:
    """When the message was sent: given (with an offset, not in the future) or now."""
    if sent_at is None:
        return now
    if sent_at.tzinfo is None:
        raise invalid(["sent_at"], "a date-time needs a UTC offset")
    if sent_at - now > MAX_CLOCK_SKEW:
        raise invalid(["sent_at"], "is in the future")
    if sent_at < EARLIEST_MESSAGE:
        raise invalid(["sent_at"], f"is before {EARLIEST_MESSAGE.date().isoformat()}")
    return sent_at.astimezone(UTC)


def identity_fields(channel_type: str, external_id: str) -> dict[str, str]:
    """What a channel's external id tells about the contact: the phone number on WhatsApp, SMS and
    Viber, the address on e-mail. Anything that does not parse is just an id."""
    try:
        if channel_type in PHONE_CHANNELS:
            candidate = external_id if external_id.startswith("+") else "+" + external_id
            phone = normalize_phone(candidate, None, ["external_id"])
            return {"phone": phone} if phone else {}
        if channel_type in EMAIL_CHANNELS:
            email = normalize_email(external_id, ["external_id"])
            return {"email": email} if email else {}
    except FieldError:
        pass
    return {}


def _profile_values(profile: InboundProfile) -> dict[str, Any]:
    return {
        "first_name": profile.first_name or None,
        "last_name": profile.last_name or None,
        "profile_pic_url": normalize_url(profile.profile_pic_url, ["profile", "profile_pic_url"]),
    }


def _lock_visible(session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID) -> Contact:
    """The contact owning an identity, locked. Merges move identities to the primary, but should one
    still point at a merged-away contact, the message goes to the contact it was merged into."""
    for _ in range(MAX_MERGE_HOPS):
        contact = session.scalars(
            select(Contact)
            .where(Contact.id == contact_id, Contact.workspace_id == workspace_id)
            .with_for_update()
        ).one()
        if contact.merged_into_id is None:
            return contact
        contact_id = contact.merged_into_id
    raise RuntimeError(f"merge chain too long from contact {contact_id}")


def _find_by_identity(session: Session, channel: Channel, external_id: str) -> Contact | None:
    owner_id = session.scalar(
        select(ContactChannel.contact_id).where(
            ContactChannel.channel_id == channel.id, ContactChannel.external_id == external_id
        )
    )
    return None if owner_id is None else _lock_visible(session, channel.workspace_id, owner_id)


def _create_from_channel(
    session: Session, channel: Channel, external_id: str, values: dict[str, Any]
) -> Contact | None:
    """A new contact holding this identity, or None when a concurrent request created it first.

    The identity is claimed with INSERT ... ON CONFLICT DO NOTHING inside a savepoint: the loser of a
    race waits for the winner's commit, finds the identity taken and rolls its own contact back."""
    savepoint = session.begin_nested()
    contact = Contact(
        workspace_id=channel.workspace_id,
        source="channel",
        conversation_status="closed",
        tags=[],
        custom_fields={},
        **values,
    )
    session.add(contact)
    session.flush()
    claimed = session.scalar(
        pg_insert(ContactChannel)
        .values(
            id=uuid.uuid4(),
            workspace_id=channel.workspace_id,
            contact_id=contact.id,
            channel_id=channel.id,
            external_id=external_id,
        )
        .on_conflict_do_nothing(index_elements=["channel_id", "external_id"])
        .returning(ContactChannel.id)
    )
    if claimed is None:
        savepoint.rollback()
        return None
    savepoint.commit()
    add_event(session, contact, EventType.CREATED, None, {"source": "channel", "channel_id": str(channel.id)})
    return contact


def receive_inbound(
    session: Session, workspace_id: uuid.UUID, raw_channel_id: str, body: InboundMessage
) -> tuple[Contact, Message, bool]:
    """A message from a contact on a channel: find or create the contact, append the message,
    move the interaction timestamps forward and open the conversation if it is closed."""
    channel = get_channel(session, workspace_id, raw_channel_id)
    now = datetime.now(UTC)
    sent_at = message_time(body.sent_at, now)
    profile = _profile_values(body.profile)
    created = False
    contact = _find_by_identity(session, channel, body.external_id)
    if contact is None:
        values = {**identity_fields(channel.type, body.external_id), **profile}
        contact = _create_from_channel(session, channel, body.external_id, values)
        created = contact is not None
        if contact is None:
            contact = _find_by_identity(session, channel, body.external_id)
            if contact is None:
                raise RuntimeError("identity vanished between conflict and re-read")
    if not created:
        _fill_missing_profile(contact, profile)
    message = Message(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        contact_id=contact.id,
        channel_id=channel.id,
        direction="incoming",
        text=body.text,
        sent_at=sent_at,
    )
    session.add(message)
    _record_interaction(contact, channel.id, sent_at)
    contact.last_incoming_message_at = latest(contact.last_incoming_message_at, sent_at)
    if contact.conversation_status != "open":
        contact.conversation_status = "open"
        contact.conversation_opened_at = latest(contact.conversation_opened_at, sent_at)
        add_event(
            session,
            contact,
            EventType.CONVERSATION_OPENED,
            None,
            {"channel_id": str(channel.id), "message_id": str(message.id)},
        )
    session.flush()
    record_change(session, workspace_id, contact.id, contact.version)
    return contact, message, created


def _fill_missing_profile(contact: Contact, profile: dict[str, Any]) -> None:
    """The channel supplies the profile name and picture, but never over what the contact has:
    a name is taken only when the contact has none, a picture only when it has none."""
    if not contact.first_name and not contact.last_name and (profile["first_name"] or profile["last_name"]):
        contact.first_name, contact.last_name = profile["first_name"], profile["last_name"]
    if not contact.profile_pic_url and profile["profile_pic_url"]:
        contact.profile_pic_url = profile["profile_pic_url"]


def _record_interaction(contact: Contact, channel_id: uuid.UUID, at: datetime) -> None:
    previous = contact.last_interaction_at
    if previous is None or at >= previous:
        contact.last_interacted_channel_id = channel_id
    contact.last_interaction_at = latest(previous, at)


def send_message(
    session: Session, workspace_id: uuid.UUID, contact_id: uuid.UUID, body: OutgoingMessage
) -> tuple[Contact, Message]:
    """An outgoing message to the contact on one of the workspace's channels."""
    contact = repository.get_contact(session, workspace_id, contact_id, for_update=True)
    channel_id = session.scalar(
        select(Channel.id).where(Channel.id == body.channel_id, Channel.workspace_id == workspace_id)
    )
    if channel_id is None:
        raise invalid(["channel_id"], "not a channel of this workspace")
    now = datetime.now(UTC)
    message = Message(
        id=uuid.uuid4(),
        workspace_id=workspace_id,
        contact_id=contact.id,
        channel_id=channel_id,
        direction="outgoing",
        text=body.text,
        sent_at=now,
    )
    session.add(message)
    _record_interaction(contact, channel_id, now)
    session.flush()
    record_change(session, workspace_id, contact.id, contact.version)
    return contact, message


def set_conversation(
    session: Session, workspace_id: uuid.UUID, actor_id: uuid.UUID, contact_id: uuid.UUID, status: str
) -> Contact:
    """Open or close the contact's conversation; asking for the current state changes nothing."""
    contact = repository.get_contact(session, workspace_id, contact_id, for_update=True)
    if contact.conversation_status == status:
        return contact
    contact.conversation_status = status
    if status == "open":
        contact.conversation_opened_at = latest(contact.conversation_opened_at, datetime.now(UTC))
    session.flush()
    add_event(session, contact, conversation_event(status), actor_id)
    record_change(session, workspace_id, contact.id, contact.version)
    return contact
