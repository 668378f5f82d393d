"""Realistic demo contacts for a workspace, written fast: COPY and multi-row inserts in batches, each
batch one transaction that also writes the batch's outbox rows, so the indexer picks them up.

Names come from several countries, with phone numbers that are valid for their country (made from
the country's example mobile number by varying its last digits and keeping only valid results).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import phonenumbers
import psycopg
from psycopg.types.json import Jsonb
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.models import Channel, Contact, ContactChannel, ContactField, Event, Message, User, Workspace
from shared.outbox import record_changes
from shared.text import fold

# region -> (language, e-mail domain, first names, last names)
PEOPLE: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "MY": (
        "ms-MY",
        "gmail.com",
        ("Aisyah", "Nurul", "Siti", "Ahmad", "Muhammad", "Wei Ling", "Arjun", "Farah"),
        ("Rahman", "Ismail", "Tan", "Lim", "Abdullah", "Subramaniam", "Wong", "Hassan"),
    ),
    "SG": (
        "en-SG",
        "singnet.com.sg",
        ("Jun Jie", "Hui Min", "Sarah", "Daniel", "Priya", "Marcus", "Xin Yi"),
        ("Tan", "Ng", "Lee", "Goh", "Chua", "Pillai", "Koh"),
    ),
    "ID": (
        "id-ID",
        "yahoo.co.id",
        ("Putri", "Budi", "Dewi", "Agus", "Rina", "Eko", "Sri"),
        ("Santoso", "Wijaya", "Saputra", "Hidayat", "Kusuma", "Pratama"),
    ),
    "PH": (
        "fil-PH",
        "gmail.com",
        ("Maria", "Jose", "Angelica", "Mark", "Kristine", "Paolo"),
        ("Santos", "Reyes", "Cruz", "Bautista", "Garcia", "Mendoza"),
    ),
    "IN": (
        "hi-IN",
        "rediffmail.com",
        ("Aarav", "Ananya", "Vihaan", "Diya", "Rohan", "Isha", "Kabir"),
        ("Sharma", "Patel", "Iyer", "Reddy", "Gupta", "Nair", "Singh"),
    ),
    "US": (
        "en-US",
        "outlook.com",
        ("Emily", "Michael", "Olivia", "James", "Ava", "Ethan", "Madison"),
        ("Smith", "Johnson", "Williams", "Brown", "Davis", "Miller", "Wilson"),
    ),
    "GB": (
        "en-GB",
        "btinternet.com",
        ("Oliver", "Amelia", "Harry", "Isla", "George", "Poppy"),
        ("Taylor", "Evans", "Thomas", "Roberts", "Walker", "Wright"),
    ),
    "DE": (
        "de-DE",
        "web.de",
        ("Lukas", "Mia", "Jürgen", "Hannah", "Maximilian", "Lea", "Jörg"),
        ("Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Köhler"),
    ),
    "FR": (
        "fr-FR",
        "orange.fr",
        ("Léa", "Hugo", "Chloé", "Louis", "Zoé", "Théo", "Inès"),
        ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Girard"),
    ),
    "ES": (
        "es-ES",
        "telefonica.es",
        ("Lucía", "Hugo", "Martina", "Álvaro", "Sofía", "Íñigo"),
        ("García", "Fernández", "López", "Martínez", "Sánchez", "Muñoz"),
    ),
    "BR": (
        "pt-BR",
        "uol.com.br",
        ("João", "Maria", "Gabriel", "Júlia", "Lucas", "Beatriz"),
        ("Silva", "Santos", "Oliveira", "Souza", "Conceição", "Araújo"),
    ),
    "MX": (
        "es-MX",
        "prodigy.net.mx",
        ("José", "Guadalupe", "Juan", "Ximena", "Diego", "Valentina"),
        ("Hernández", "González", "Rodríguez", "Pérez", "Ramírez", "Flores"),
    ),
    "JP": (
        "ja-JP",
        "docomo.ne.jp",
        ("Haruto", "Yui", "Sota", "Aoi", "Ren", "Hina"),
        ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito"),
    ),
}
TAGS = ("vip", "lead", "customer", "churn-risk", "newsletter", "wholesale", "event-2025", "support")
DEFAULT_CHANNELS = (
    ("Acme WhatsApp", "whatsapp"),
    ("Acme Messenger", "messenger"),
    ("Support e-mail", "email"),
    ("Acme Telegram", "telegram"),
)
DEFAULT_FIELDS: tuple[tuple[str, str, str, list[str]], ...] = (
    ("plan", "Plan", "select", ["free", "pro", "enterprise"]),
    ("seats", "Seats", "number", []),
    ("renewal_date", "Renewal date", "date", []),
)
INCOMING = (
    "Hi, is this still available?",
    "What are your opening hours?",
    "Can I change my order?",
    "Thanks!",
    "Do you ship to my area?",
    "I need help with my account",
    "Olá, tudo bem?",
)
OUTGOING = (
    "Hello! How can we help?",
    "Your order is on its way.",
    "Sure, let me check.",
    "We're open 9am-6pm.",
    "Anything else we can do for you?",
)
PHONE_SUFFIX_DIGITS = 5


def phone_numbers(region: str, rng: random.Random) -> Iterator[str]:
    """Distinct valid mobile numbers (E.164) for a region, in random order: the last digits of the
    region's example mobile number walk an affine permutation (step coprime to 10) from a random start."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        return
    national = str(example.national_number)
    head = national[:-PHONE_SUFFIX_DIGITS]
    space = 10**PHONE_SUFFIX_DIGITS
    step = rng.choice((3, 7, 9, 11, 13, 17, 19, 21, 23, 27, 29, 31, 33, 37))
    start = rng.randrange(space)
    for k in range(space):
        suffix = (start + k * step) % space
        number = phonenumbers.PhoneNumber(
            country_code=example.country_code, national_number=int(f"{head}{suffix:0{PHONE_SUFFIX_DIGITS}d}")
        )
        if phonenumbers.is_valid_number(number):
            yield phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class SeedContext:
    workspace_id: uuid.UUID
    user_ids: list[uuid.UUID]
    channels: list[tuple[uuid.UUID, str]]
    fields: list[ContactField]
    rng: random.Random
    now: datetime
    phones: dict[str, Iterator[str]] = field(default_factory=dict)
    serial: int = 0


def prepare(session: Session, workspace_id: uuid.UUID, rng: random.Random) -> SeedContext:
    """Look up the workspace; give it a few channels and custom fields when it has none."""
    if session.get(Workspace, workspace_id) is None:
        raise LookupError(f"workspace {workspace_id} does not exist")
    channels: list[tuple[uuid.UUID, str]] = [
        (cid, ctype)
        for cid, ctype in session.execute(
            select(Channel.id, Channel.type).where(Channel.workspace_id == workspace_id)
        )
    ]
    if not channels:
        for name, ctype in DEFAULT_CHANNELS:
            channel = Channel(workspace_id=workspace_id, name=name, type=ctype)
            session.add(channel)
            session.flush()
            channels.append((channel.id, ctype))
    fields = list(session.scalars(select(ContactField).where(ContactField.workspace_id == workspace_id)))
    if not fields:
        for key, label, ftype, options in DEFAULT_FIELDS:
            definition = ContactField(
                workspace_id=workspace_id, key=key, label=label, type=ftype, options=options
            )
            session.add(definition)
            fields.append(definition)
        session.flush()
    users = list(session.scalars(select(User.id).where(User.workspace_id == workspace_id)))
    return SeedContext(
        workspace_id=workspace_id,
        user_ids=users,
        channels=[(cid, ctype) for cid, ctype in channels],
        fields=fields,
        rng=rng,
        now=datetime.now(UTC),
        phones={region: phone_numbers(region, rng) for region in PEOPLE},
    )


def _custom_value(definition: ContactField, rng: random.Random, today: date) -> Any:
    kind = definition.type
    if kind == "select":
        return rng.choice(definition.options) if definition.options else None
    if kind == "number":
        return rng.randint(1, 500)
    if kind == "date":
        return (today + timedelta(days=rng.randint(-60, 365))).isoformat()
    if kind == "datetime":
        return (datetime.now(UTC) - timedelta(minutes=rng.randint(0, 500_000))).isoformat()
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "text":
        return rng.choice(("Referred by a friend", "Met at expo", "Prefers WhatsApp", "Key account"))
    return None  # e-mail, phone and url custom fields are left empty in demo data


@dataclass
class Batch:
    contacts: list[dict[str, Any]] = field(default_factory=list)
    identities: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def make_contact(ctx: SeedContext, batch: Batch) -> None:
    """Add one realistic contact (with its identities, messages and events) to the batch."""
    rng, now = ctx.rng, ctx.now
    ctx.serial += 1
    region = rng.choice(tuple(PEOPLE))
    language, domain, firsts, lasts = PEOPLE[region]
    first, last = rng.choice(firsts), rng.choice(lasts)
    phone = next(ctx.phones[region], None) if rng.random() < 0.9 else None
    email = None
    if rng.random() < 0.8:
        local = f"{fold(first)}.{fold(last)}".replace(" ", "")
        email = f"{local}{ctx.serial}@{domain}"
    contact_id = uuid.uuid4()
    created_at = now - timedelta(seconds=rng.randint(3600, 365 * 86400))
    identities = rng.sample(ctx.channels, k=min(len(ctx.channels), rng.choice((1, 1, 1, 2))))
    for channel_id, ctype in identities:
        if ctype in ("whatsapp", "sms", "viber") and phone:
            external_id = phone.lstrip("+")
        elif ctype == "email" and email:
            external_id = email
        else:
            external_id = f"{ctype[:2]}-{uuid.uuid4().hex[:16]}"
        batch.identities.append(
            {
                "id": uuid.uuid4(),
                "workspace_id": ctx.workspace_id,
                "contact_id": contact_id,
                "channel_id": channel_id,
                "external_id": external_id,
                "created_at": created_at,
            }
        )
    last_at = last_in = last_channel = None
    for _ in range(rng.randint(1, 5)):
        channel_id = rng.choice(identities)[0]
        sent_at = created_at + (now - created_at) * rng.random()
        direction = "incoming" if rng.random() < 0.6 else "outgoing"
        batch.messages.append(
            {
                "id": uuid.uuid4(),
                "workspace_id": ctx.workspace_id,
                "contact_id": contact_id,
                "channel_id": channel_id,
                "direction": direction,
                "text": rng.choice(INCOMING if direction == "incoming" else OUTGOING),
                "sent_at": sent_at,
            }
        )
        if last_at is None or sent_at > last_at:
            last_at, last_channel = sent_at, channel_id
        if direction == "incoming" and (last_in is None or sent_at > last_in):
            last_in = sent_at
    is_open = last_in is not None and rng.random() < 0.3
    today = now.date()
    custom = {
        f.key: v for f in ctx.fields if rng.random() < 0.7 and (v := _custom_value(f, rng, today)) is not None
    }
    batch.contacts.append(
        {
            "id": contact_id,
            "workspace_id": ctx.workspace_id,
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": phone,
            "country": region,
            "language": language,
            "profile_pic_url": None,
            "assignee_id": rng.choice(ctx.user_ids) if ctx.user_ids and rng.random() < 0.6 else None,
            "tags": rng.sample(TAGS, k=rng.choice((0, 1, 1, 2, 3))),
            "custom_fields": custom,
            "source": rng.choice(("channel", "channel", "channel", "contacts_module", "import")),
            "conversation_status": "open" if is_open else "closed",
            "conversation_opened_at": last_in if is_open else None,
            "last_interaction_at": last_at,
            "last_incoming_message_at": last_in,
            "last_interacted_channel_id": last_channel,
            "created_at": created_at,
            "updated_at": last_at or created_at,
            "version": 1,
        }
    )
    batch.events.append(
        {
            "id": uuid.uuid4(),
            "workspace_id": ctx.workspace_id,
            "contact_id": contact_id,
            "type": "created",
            "at": created_at,
            "actor_id": None,
            "data": {"source": "seed"},
            "triggers_workflows": False,
        }
    )
    if is_open:
        batch.events.append(
            {
                "id": uuid.uuid4(),
                "workspace_id": ctx.workspace_id,
                "contact_id": contact_id,
                "type": "conversation_opened",
                "at": last_in,
                "actor_id": None,
                "data": {},
                "triggers_workflows": True,
            }
        )


def _copy(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """COPY the rows into the model's table: several times faster than INSERT for bulk data."""
    if not rows:
        return
    columns = list(rows[0])
    raw = session.connection().connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    names = ", ".join(f'"{c}"' for c in columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {model.__tablename__} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([Jsonb(v) if isinstance(v, dict) else v for v in row.values()])


def write_batch(session: Session, ctx: SeedContext, size: int) -> int:
    batch = Batch()
    for _ in range(size):
        make_contact(ctx, batch)
    _copy(session, Contact, batch.contacts)
    # A re-run may meet identities an earlier run created: such a contact keeps its other ones.
    existing = session.execute(
        select(ContactChannel.channel_id, ContactChannel.external_id).where(
            ContactChannel.workspace_id == ctx.workspace_id,
            ContactChannel.external_id.in_({i["external_id"] for i in batch.identities}),
        )
    )
    taken = {(channel_id, external_id) for channel_id, external_id in existing}
    _copy(
        session,
        ContactChannel,
        [i for i in batch.identities if (i["channel_id"], i["external_id"]) not in taken],
    )
    _copy(session, Message, batch.messages)
    _copy(session, Event, batch.events)
    record_changes(session, ctx.workspace_id, [(c["id"], 1) for c in batch.contacts])
    return len(batch.contacts)


def seed(
    factory: sessionmaker[Session],
    workspace_id: uuid.UUID,
    count: int,
    *,
    batch_size: int = 2000,
    rng_seed: int | None = None,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Insert `count` demo contacts; each batch commits on its own, so an interruption keeps what
    was written and every written contact has its outbox row."""
    rng = random.Random(rng_seed)
    with factory() as session, session.begin():
        ctx = prepare(session, workspace_id, rng)
    written = 0
    while written < count:
        with factory() as session, session.begin():
            n = write_batch(session, ctx, min(batch_size, count - written))
        written += n
        if progress is not None:
            progress(n)
    return written
