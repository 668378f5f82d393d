"""Seeding for the search bench: N synthetic contacts straight into PostgreSQL (COPY) and the index
(parallel_bulk), plus the pg_trgm indexes the PostgreSQL baseline needs. A seeded database of the
same size is reused, so reruns only measure."""

from __future__ import annotations

import hashlib
import os
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from opensearchpy import OpenSearch, helpers
from psycopg.types.json import Jsonb
from tqdm import tqdm

from shared.contact_source import ChannelIdentity, ContactSource
from shared.dbadmin import reset_database as reset_db
from shared.search.index import documents_version, ensure_index
from shared.search.mapping import MAPPING_VERSION, build_document
from shared.settings import get_settings
from shared.text import fold

BENCH_DB = "contacts_bench"
BENCH_TOKEN = "bench-search-token"
BATCH = 10_000
FIRST = ["Ana", "Ána", "José", "Zoë", "Mei", "Wei", "Siti", "Nur", "Ahmad", "Raj", "Priya", "John", "Jane"]
FIRST += ["Marie", "François", "Björn", "Chloé", "Liam", "Noah", "Emma", "Aisyah", "Hafiz", "Kumar", "Lena"]
LAST = ["García", "Tan", "Lim", "Wong", "Abdullah", "Müller", "Dupont", "Smith", "Nguyen", "Singh", "Ong"]
LAST += ["Åström", "Rossi", "Kowalski", "Ibrahim", "Chen", "Lee", "O'Brien", "Fernández", "Yamamoto"]
DOMAINS = ["gmail.com", "yahoo.com", "acme-corp.com", "example.org", "mail.my", "outlook.com"]
COUNTRIES = ["MY", "MY", "MY", "SG", "SG", "ID", "TH", "PH", None]
TAGS = ["vip", "lead", "gold", "churned", "new", "b2b", "newsletter", "event-2024"]
PLANS = ["basic", "pro", "enterprise"]
CHANNELS = [("Acme WhatsApp", "whatsapp"), ("Acme Messenger", "messenger"), ("Support Mail", "email")]
CHANNELS += [("Web chat", "webchat"), ("Acme Telegram", "telegram")]
FIELD_TYPES = {"plan": "select", "score": "number", "renewal": "date"}


def use_bench_environment() -> None:
    """Our own database, index alias and Redis db; settings are read on first use."""
    pg_port = os.environ.get("CONTACTS_PG_PORT", "55432")  # the stack's ports (deploy/stack.sh)
    redis_port = os.environ.get("CONTACTS_REDIS_PORT", "56379")
    os.environ["CONTACTS_DATABASE_URL"] = (
        f"postgresql+psycopg://contacts:contacts@127.0.0.1:{pg_port}/{BENCH_DB}"
    )
    os.environ["CONTACTS_INDEX_ALIAS"] = "contacts_bench"
    os.environ["CONTACTS_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/3"
    get_settings.cache_clear()


def psycopg_url() -> str:
    return get_settings().database_url.replace("postgresql+psycopg://", "postgresql://")


@dataclass
class BenchWorkspace:
    workspace_id: uuid.UUID
    user_ids: list[uuid.UUID]
    channels: list[ChannelIdentity]
    slots: dict[str, int]  # custom field key -> sort slot (given by the database)
    token: str = BENCH_TOKEN


def _slots(conn: psycopg.Connection[Any], ws: uuid.UUID) -> dict[str, int]:
    rows = conn.execute("SELECT key, sort_slot FROM contact_fields WHERE workspace_id = %s", (ws,))
    return {key: slot for key, slot in rows}


def _reset_database() -> None:
    reset_db(get_settings().database_url)


def _existing(count: int, client: OpenSearch) -> BenchWorkspace | None:
    """The seeded workspace when the database and the index both hold exactly `count` contacts."""
    try:
        with psycopg.connect(psycopg_url()) as conn:
            row = conn.execute("SELECT id FROM workspaces WHERE name = %s", (f"bench-{count}",)).fetchone()
            if row is None:
                return None
            ws = row[0]
            contacts = conn.execute("SELECT count(*) FROM contacts WHERE workspace_id = %s", (ws,)).fetchone()
            users = [
                r[0]
                for r in conn.execute("SELECT id FROM users WHERE workspace_id = %s ORDER BY email", (ws,))
            ]
            channels = [
                ChannelIdentity(str(r[0]), r[1], r[2], "")
                for r in conn.execute(
                    "SELECT id, name, type FROM channels WHERE workspace_id = %s ORDER BY name", (ws,)
                )
            ]
            slots = _slots(conn, ws)
    except psycopg.Error:  # no database yet, or one of an older schema: seed again
        return None
    alias = get_settings().index_alias
    if not client.indices.exists_alias(name=alias) or contacts is None or contacts[0] != count:
        return None
    if client.count(index=alias)["count"] != count:
        return None
    if documents_version(client, alias) != MAPPING_VERSION:
        return None  # documents of an older mapping: seed again
    return BenchWorkspace(ws, users, channels, slots)


def _workspace(conn: psycopg.Connection[Any], count: int) -> BenchWorkspace:
    ws = uuid.uuid4()
    conn.execute("INSERT INTO workspaces (id, name) VALUES (%s, %s)", (ws, f"bench-{count}"))
    users = []
    for i, role in enumerate(("owner", "manager", "manager")):
        uid = uuid.uuid4()
        conn.execute(
            "INSERT INTO users (id, workspace_id, email, name, role) VALUES (%s, %s, %s, %s, %s)",
            (uid, ws, f"user{i}@bench.example", f"User {i}", role),
        )
        users.append(uid)
    token_hash = hashlib.sha256(BENCH_TOKEN.encode()).hexdigest()
    conn.execute(
        "INSERT INTO api_tokens (id, workspace_id, user_id, token_hash) VALUES (%s, %s, %s, %s)",
        (uuid.uuid4(), ws, users[0], token_hash),
    )
    channels = []
    for name, ctype in CHANNELS:
        cid = uuid.uuid4()
        conn.execute(
            "INSERT INTO channels (id, workspace_id, name, type) VALUES (%s, %s, %s, %s)",
            (cid, ws, name, ctype),
        )
        channels.append(ChannelIdentity(str(cid), name, ctype, ""))
    for key, ftype in FIELD_TYPES.items():
        conn.execute(
            "INSERT INTO contact_fields (id, workspace_id, key, label, type, options)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (uuid.uuid4(), ws, key, key.title(), ftype, Jsonb(PLANS if ftype == "select" else [])),
        )
    return BenchWorkspace(ws, users, channels, _slots(conn, ws))


def _maybe(rng: random.Random, p: float, value: Any) -> Any:
    return value if rng.random() < p else None


def synthetic_contact(rng: random.Random, i: int, bw: BenchWorkspace, now: datetime) -> ContactSource:
    first, last = _maybe(rng, 0.92, rng.choice(FIRST)), _maybe(rng, 0.8, rng.choice(LAST))
    local = fold(f"{first or 'user'}.{last or i}").replace(" ", "").replace("'", "")
    email = _maybe(rng, 0.8, f"{local}{i}@{rng.choice(DOMAINS)}")
    phone = _maybe(rng, 0.85, f"+601{rng.randrange(0, 10)}{rng.randrange(0, 10_000_000):07d}")
    if not (first or email or phone):
        first = "Guest"
    custom: dict[str, Any] = {}
    if rng.random() < 0.7:
        custom["plan"] = rng.choice(PLANS)
    if rng.random() < 0.6:
        custom["score"] = rng.randrange(0, 101)
    if rng.random() < 0.4:
        custom["renewal"] = (date(2024, 1, 1) + timedelta(days=rng.randrange(0, 900))).isoformat()
    channel = rng.choice(bw.channels)
    identity = ChannelIdentity(channel.channel_id, channel.channel_name, channel.channel_type, f"ext-{i}")
    created = now - timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
    last_in = _maybe(rng, 0.75, created + (now - created) * rng.random())
    opened = _maybe(rng, 0.3, last_in)
    return ContactSource(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        workspace_id=str(bw.workspace_id),
        version=1,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        country=rng.choice(COUNTRIES),
        language=rng.choice(["en", "ms", "zh", "id", None]),
        assignee_id=_maybe(rng, 0.6, str(rng.choice(bw.user_ids))),
        tags=rng.sample(TAGS, rng.choice([0, 0, 1, 1, 2, 3])),
        custom_fields=custom,
        source="import",
        conversation_status="open" if opened else "closed",
        conversation_opened_at=opened,
        last_interaction_at=last_in,
        last_incoming_message_at=last_in,
        last_interacted_channel_id=channel.channel_id if last_in else None,
        created_at=created,
        updated_at=created,
        profile_pic_url=None,
        channels=[identity],
        field_types=FIELD_TYPES,
        field_slots=bw.slots,
    )


CONTACT_COLUMNS = (
    "id, workspace_id, first_name, last_name, email, phone, country, language, assignee_id, tags, "
    "custom_fields, source, conversation_status, conversation_opened_at, last_interaction_at, "
    "last_incoming_message_at, last_interacted_channel_id, created_at, updated_at, version"
)


def _copy_batch(conn: psycopg.Connection[Any], batch: list[ContactSource]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY contacts ({CONTACT_COLUMNS}) FROM STDIN") as copy:
        for c in batch:
            copy.write_row(
                (
                    c.id, c.workspace_id, c.first_name, c.last_name, c.email, c.phone, c.country, c.language,
                    c.assignee_id, c.tags, Jsonb(c.custom_fields), c.source, c.conversation_status,
                    c.conversation_opened_at, c.last_interaction_at, c.last_incoming_message_at,
                    c.last_interacted_channel_id, c.created_at, c.updated_at, c.version,
                )
            )  # fmt: skip
    with (
        conn.cursor() as cur,
        cur.copy(
            "COPY contact_channels (id, workspace_id, contact_id, channel_id, external_id) FROM STDIN"
        ) as copy,
    ):
        for c in batch:
            for ch in c.channels:
                copy.write_row((uuid.uuid4(), c.workspace_id, c.id, ch.channel_id, ch.external_id))


def _index_batch(client: OpenSearch, index: str, batch: list[ContactSource]) -> None:
    actions = (
        {"_index": index, "_id": c.id, "routing": c.workspace_id, "_source": build_document(c)} for c in batch
    )
    for ok, item in helpers.parallel_bulk(client, actions, thread_count=2, chunk_size=2000):
        if not ok:
            raise RuntimeError(f"indexing failed: {item}")


BASELINE_INDEXES = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS bench_name_trgm ON contacts USING gin "
    "(lower(coalesce(first_name, '') || ' ' || coalesce(last_name, '')) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS bench_email_trgm ON contacts USING gin (email gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS bench_phone_trgm ON contacts USING gin "
    "(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g') gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS bench_tags_gin ON contacts USING gin (tags)",
    "CREATE INDEX IF NOT EXISTS bench_country ON contacts (workspace_id, country)",
    "CREATE INDEX IF NOT EXISTS bench_plan ON contacts ((custom_fields->>'plan'))",
    "CREATE INDEX IF NOT EXISTS bench_score ON contacts "
    "(((custom_fields->>'score')::numeric) DESC NULLS LAST, id)",
    "CREATE INDEX IF NOT EXISTS bench_last ON contacts "
    "(workspace_id, last_interaction_at DESC NULLS LAST, id)",
    "ANALYZE contacts",
)


def seed(count: int, client: OpenSearch) -> BenchWorkspace:
    """Reuse a seeded database of this size, or build one: PostgreSQL by COPY, the index by bulk."""
    found = _existing(count, client)
    if found is not None:
        print(f"reusing the seeded bench workspace ({count:,} contacts)")
        return found
    settings = get_settings()
    _reset_database()
    for name in client.indices.get(index=f"{settings.index_alias}_v*", expand_wildcards="all"):
        client.indices.delete(index=name)
    index = ensure_index(client, settings)
    client.indices.put_settings(index=index, body={"index": {"refresh_interval": "-1"}})
    rng = random.Random(count)
    now = datetime.now(UTC)
    with psycopg.connect(psycopg_url()) as conn:
        bw = _workspace(conn, count)
        conn.commit()
        with tqdm(total=count, desc="seed postgres+index", unit="contact") as bar:
            for start in range(0, count, BATCH):
                batch = [synthetic_contact(rng, start + i, bw, now) for i in range(min(BATCH, count - start))]
                _copy_batch(conn, batch)
                conn.commit()
                _index_batch(client, index, batch)
                bar.update(len(batch))
    client.indices.put_settings(index=index, body={"index": {"refresh_interval": "1s"}})
    client.indices.refresh(index=index)
    with psycopg.connect(psycopg_url(), autocommit=True) as conn:
        for statement in tqdm(BASELINE_INDEXES, desc="pg_trgm baseline indexes", unit="index"):
            conn.execute(statement)
    return bw
