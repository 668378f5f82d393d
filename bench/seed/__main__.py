"""Demo seeding throughput (`contacts-admin seed`) beside a per-object ORM baseline.

    .venv/bin/python -m bench.seed [--count 100000] [--baseline-count 2000]

Uses its own database (contacts_bench_seed, recreated and migrated each run) and a fresh workspace
with three users. Runs:

1. the seed command's code path: COPY batches of 2000 contacts with identities, messages, events
   and outbox rows, each batch one transaction (progress bar);
2. the baseline: the same generated records added as ORM objects and flushed per contact, the way
   a naive script would write them, on `--baseline-count` contacts.
"""

from __future__ import annotations

import argparse
import random
import time
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from bench.export.__main__ import ensure_database, use_bench_environment
from shared.db import make_engine, make_session_factory
from shared.models import Contact, ContactChannel, Event, Message, OutboxEntry, User, Workspace
from shared.outbox import record_change
from shared.settings import get_settings

BENCH_DB = "contacts_bench_seed"


def make_workspace(factory: sessionmaker[Session]) -> uuid.UUID:
    with factory() as session, session.begin():
        workspace = Workspace(name="bench seed")
        session.add(workspace)
        session.flush()
        for role in ("owner", "manager", "agent"):
            session.add(
                User(
                    workspace_id=workspace.id,
                    email=f"{role}@bench.example",
                    name=role,
                    role=role,
                    restrictions=[],
                )
            )
        return workspace.id


def run_seed(factory: sessionmaker[Session], workspace_id: uuid.UUID, count: int) -> float:
    from seeds.demo import seed

    started = time.perf_counter()
    with tqdm(total=count, unit="contacts", desc="seed (COPY batches)") as bar:
        seed(factory, workspace_id, count, rng_seed=1, progress=bar.update)
    return time.perf_counter() - started


def run_baseline(factory: sessionmaker[Session], workspace_id: uuid.UUID, count: int) -> float:
    from seeds import demo as demo_seed

    with factory() as session, session.begin():
        ctx = demo_seed.prepare(session, workspace_id, random.Random(2))
    started = time.perf_counter()
    with (
        factory() as session,
        session.begin(),
        tqdm(total=count, unit="contacts", desc="baseline (ORM)") as bar,
    ):
        for _ in range(count):
            batch = demo_seed.Batch()
            demo_seed.make_contact(ctx, batch)
            contact = Contact(**batch.contacts[0])
            session.add(contact)
            session.flush()
            taken = {
                (c, e)
                for c, e in session.execute(
                    select(ContactChannel.channel_id, ContactChannel.external_id).where(
                        ContactChannel.external_id.in_([i["external_id"] for i in batch.identities])
                    )
                )
            }
            session.add_all(
                ContactChannel(**i)
                for i in batch.identities
                if (i["channel_id"], i["external_id"]) not in taken
            )
            session.add_all(Message(**m) for m in batch.messages)
            session.add_all(Event(**e) for e in batch.events)
            session.flush()
            record_change(session, workspace_id, contact.id, contact.version)
            bar.update(1)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--baseline-count", type=int, default=2_000)
    args = parser.parse_args()
    use_bench_environment(BENCH_DB, "contacts_bench_seed")
    ensure_database(reset=True)
    engine = make_engine(get_settings().database_url, pool_size=2)
    factory = make_session_factory(engine)
    seed_ws = make_workspace(factory)
    seed_seconds = run_seed(factory, seed_ws, args.count)
    base_ws = make_workspace(factory)
    base_seconds = run_baseline(factory, base_ws, args.baseline_count)
    with factory() as session:
        outbox = session.scalar(
            select(func.count()).select_from(OutboxEntry).where(OutboxEntry.workspace_id == seed_ws)
        )
        messages = session.scalar(
            select(func.count()).select_from(Message).where(Message.workspace_id == seed_ws)
        )
    engine.dispose()
    seed_rate = args.count / seed_seconds
    base_rate = args.baseline_count / base_seconds
    print()
    print(f"{'path':<28}{'contacts':>10}{'seconds':>10}{'contacts/s':>12}")
    print(f"{'seed (COPY batches of 2000)':<28}{args.count:>10}{seed_seconds:>10.1f}{seed_rate:>12,.0f}")
    print(
        f"{'baseline (ORM per contact)':<28}{args.baseline_count:>10}{base_seconds:>10.1f}{base_rate:>12,.0f}"
    )
    print(f"speed-up x{seed_rate / base_rate:.1f}; seeded {messages} messages and {outbox} outbox rows")


if __name__ == "__main__":
    main()
