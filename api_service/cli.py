"""Operator commands: `contacts-admin create-workspace|add-user|seed|migrate|reindex ...`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from shared.db import make_engine, make_session_factory
from shared.settings import get_settings


def _create_workspace(args: argparse.Namespace) -> int:
    from api_service.workspaces.service import create_workspace

    factory = make_session_factory(make_engine(get_settings().database_url, pool_size=1))
    with factory() as session, session.begin():
        workspace, owner, token = create_workspace(session, args.name, args.owner_email, args.owner_name)
    print(f"workspace {workspace.id} ({workspace.name})")
    print(f"owner     {owner.id} <{owner.email}>")
    print(f"token     {token}")
    return 0


def _migrate(_: argparse.Namespace) -> int:
    from alembic import command
    from alembic.config import Config

    command.upgrade(Config(toml_file="pyproject.toml"), "heads")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="contacts-admin", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cw = sub.add_parser("create-workspace", help="create a workspace with its owner and print a token")
    cw.add_argument("--name", required=True)
    cw.add_argument("--owner-email", required=True)
    cw.add_argument("--owner-name", default="Owner")
    cw.set_defaults(func=_create_workspace)
    mg = sub.add_parser("migrate", help="apply database migrations")
    mg.set_defaults(func=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
