"""The demo workspace `make run` shows a newcomer: an owner, two managers (one restricted), an agent
and a few thousand realistic contacts. The database itself remembers it: the demo owner's row
(DEMO_OWNER_EMAIL) marks it, so it is created once, and an interrupted seeding is topped up on the
next start instead of being started again."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api_service.users.schemas import UserCreate
from api_service.users.service import create_user
from api_service.workspaces.service import create_workspace
from seeds.demo import seed
from shared.models import Contact, User

DEMO_OWNER_EMAIL = "owner@demo.example.com"
DEMO_WORKSPACE_NAME = "Demo: Oceanic Retail"
DEMO_COUNT = 3000
DEMO_RANDOM_SEED = 2026
TEAM = (
    UserCreate(email="manager@demo.example.com", name="Max Manager", role="manager"),
    UserCreate(
        email="restricted@demo.example.com",
        name="Rita Restricted",
        role="manager",
        restrictions=["export_contacts", "bulk_delete_contacts"],
    ),
    UserCreate(email="agent@demo.example.com", name="Alex Agent", role="agent"),
)


@dataclass(frozen=True)
class DemoWorkspace:
    workspace_id: uuid.UUID
    owner_id: uuid.UUID
    created: bool
    seeded: int
    contacts: int


def find_demo_owner(session: Session, owner_email: str) -> User | None:
    return session.scalars(
        select(User)
        .where(User.email == owner_email.lower(), User.role == "owner")
        .order_by(User.created_at)
        .limit(1)
    ).first()


def ensure_demo_workspace(
    factory: sessionmaker[Session],
    *,
    count: int = DEMO_COUNT,
    owner_email: str = DEMO_OWNER_EMAIL,
    progress: Callable[[int], Callable[[int], object]] | None = None,
) -> DemoWorkspace:
    """`progress(total)`, called only when contacts are to be written, returns the callback that
    is told how many were written after each batch."""
    created = False
    with factory() as session, session.begin():
        owner = find_demo_owner(session, owner_email)
        if owner is None:
            workspace, owner, _token = create_workspace(
                session, DEMO_WORKSPACE_NAME, owner_email, "Olivia Owner"
            )
            for member in TEAM:
                create_user(session, workspace.id, member)
            created = True
        workspace_id, owner_id = owner.workspace_id, owner.id
        existing = session.scalar(
            select(func.count()).select_from(Contact).where(Contact.workspace_id == workspace_id)
        )
    missing = max(0, count - (existing or 0))
    seeded = 0
    if missing:
        # A fixed seed for the first run (the same demo everywhere); a top-up must not repeat it.
        rng_seed = DEMO_RANDOM_SEED if not existing else None
        update = progress(missing) if progress is not None else None
        seeded = seed(factory, workspace_id, missing, rng_seed=rng_seed, progress=update)
    return DemoWorkspace(workspace_id, owner_id, created, seeded, (existing or 0) + seeded)
