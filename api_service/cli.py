"""Operator commands: `contacts-admin create-workspace|add-user|seed|sign-in-link|demo|migrate ...`."""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from shared.db import make_engine, make_session_factory
from shared.models import RESTRICTIONS, ROLES
from shared.settings import get_settings


@contextmanager
def _sessions(pool_size: int = 1) -> Iterator[sessionmaker[Session]]:
    """A session factory whose engine is disposed when the command ends."""
    engine = make_engine(get_settings().database_url, pool_size=pool_size)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _create_workspace(args: argparse.Namespace) -> int:
    from api_service.workspaces.service import create_workspace

    with _sessions() as factory, factory() as session, session.begin():
        workspace, owner, token = create_workspace(session, args.name, args.owner_email, args.owner_name)
    print(f"workspace {workspace.id} ({workspace.name})")
    print(f"owner     {owner.id} <{owner.email}>")
    print(f"token     {token}")
    return 0


def _add_user(args: argparse.Namespace) -> int:
    from api_service.errors import ProblemError
    from api_service.users.schemas import UserCreate
    from api_service.users.service import create_user
    from shared.contact_rules import FieldError

    try:
        body = UserCreate(email=args.email, name=args.name, role=args.role, restrictions=args.restriction)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        with _sessions() as factory, factory() as session, session.begin():
            user, token = create_user(session, uuid.UUID(args.workspace_id), body)
    except ProblemError as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    except FieldError as exc:
        print(f"error: {'.'.join(map(str, exc.loc))}: {exc.msg}", file=sys.stderr)
        return 1
    print(f"user  {user.id} <{user.email}> {user.role} {','.join(user.restrictions)}".rstrip())
    print(f"token {token}")
    return 0


def _seed(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from seeds.demo import seed

    started = time.monotonic()
    with (
        _sessions() as factory,
        tqdm(total=args.count, unit="contacts", desc="seeding", smoothing=0.1) as bar,
    ):
        try:
            written = seed(
                factory,
                uuid.UUID(args.workspace_id),
                args.count,
                batch_size=args.batch_size,
                rng_seed=args.random_seed,
                progress=bar.update,
            )
        except LookupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    elapsed = time.monotonic() - started
    print(f"seeded {written} contacts in {elapsed:.1f}s ({written / max(elapsed, 1e-9):,.0f} contacts/s)")
    return 0


def _sign_in_link(args: argparse.Namespace) -> int:
    """Print a one-time sign-in link for a user (stdout: the link alone; the rest on stderr)."""
    from sqlalchemy import select

    from api_service.sessions.service import create_sign_in_link
    from shared.models import User

    settings = get_settings()
    with _sessions() as factory, factory() as session, session.begin():
        if args.user_id:
            query = select(User).where(User.id == uuid.UUID(args.user_id))
        else:
            query = select(User).where(User.email == args.email.strip().lower())
        if args.workspace_id:
            query = query.where(User.workspace_id == uuid.UUID(args.workspace_id))
        users = list(session.scalars(query.limit(10)))
        if not users:
            print("error: no such user", file=sys.stderr)
            return 1
        if len(users) > 1:
            workspaces = ", ".join(str(u.workspace_id) for u in users)
            print(
                f"error: {args.email} is a user of several workspaces ({workspaces}); add --workspace-id",
                file=sys.stderr,
            )
            return 1
        user = users[0]
        url, expires_at = create_sign_in_link(session, settings, user.workspace_id, user.id)
    print(url)
    print(
        f"one-time sign-in link for {user.email} ({user.role}), valid until {expires_at:%Y-%m-%d %H:%M} UTC",
        file=sys.stderr,
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    """The demo workspace, made and seeded the first time only; prints a sign-in link for its owner."""
    from tqdm import tqdm

    from api_service.sessions.service import create_sign_in_link
    from seeds.workspace import ensure_demo_workspace

    settings = get_settings()
    bars: list[Any] = []

    def progress(total: int) -> Callable[[int], object]:
        bars.append(tqdm(total=total, unit="contacts", desc="seeding the demo workspace", leave=False))
        update: Callable[[int], object] = bars[-1].update
        return update

    with _sessions() as factory:
        try:
            demo = ensure_demo_workspace(
                factory, count=args.count, owner_email=args.owner_email, progress=progress
            )
        finally:
            for bar in bars:
                bar.close()
        with factory() as session, session.begin():
            url, _ = create_sign_in_link(session, settings, demo.workspace_id, demo.owner_id)
    what = "created" if demo.created else ("topped up" if demo.seeded else "already there")
    print(
        f"demo workspace {demo.workspace_id} ({what}): {demo.contacts} contacts, owner {args.owner_email}",
        file=sys.stderr,
    )
    print(url)
    return 0


def _migrate(_: argparse.Namespace) -> int:
    from shared.dbadmin import migrate

    migrate(get_settings().database_url)
    return 0


def _uuid_arg(raw: str) -> str:
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an id (a UUID): {raw!r}") from None


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="contacts-admin", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cw = sub.add_parser("create-workspace", help="create a workspace with its owner and print a token")
    cw.add_argument("--name", required=True)
    cw.add_argument("--owner-email", required=True)
    cw.add_argument("--owner-name", default="Owner")
    cw.set_defaults(func=_create_workspace)
    au = sub.add_parser("add-user", help="add a user to a workspace and print their token")
    au.add_argument("--workspace-id", required=True, type=_uuid_arg)
    au.add_argument("--email", required=True)
    au.add_argument("--name", required=True)
    au.add_argument("--role", required=True, choices=ROLES)
    au.add_argument("--restriction", action="append", default=[], choices=RESTRICTIONS)
    au.set_defaults(func=_add_user)
    sd = sub.add_parser("seed", help="fill a workspace with realistic demo contacts")
    sd.add_argument("--workspace-id", required=True, type=_uuid_arg)
    sd.add_argument("--count", required=True, type=_positive_int)
    sd.add_argument("--batch-size", type=_positive_int, default=2000)
    sd.add_argument("--random-seed", type=int, default=None, help="repeatable data for the same seed")
    sd.set_defaults(func=_seed)
    sl = sub.add_parser("sign-in-link", help="print a one-time sign-in link to the web app for a user")
    who = sl.add_mutually_exclusive_group(required=True)
    who.add_argument("--email")
    who.add_argument("--user-id", type=_uuid_arg)
    sl.add_argument("--workspace-id", type=_uuid_arg, help="when the e-mail is a user of several workspaces")
    sl.set_defaults(func=_sign_in_link)
    dm = sub.add_parser(
        "demo", help="create and seed the demo workspace once (make run), print a sign-in link for its owner"
    )
    dm.add_argument("--count", type=_positive_int, default=3000)
    dm.add_argument("--owner-email", default="owner@demo.example.com")
    dm.set_defaults(func=_demo)
    mg = sub.add_parser("migrate", help="apply database migrations")
    mg.set_defaults(func=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
