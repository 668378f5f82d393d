"""Operator commands for the search index: `contacts-index reindex|reconcile|parked ...`."""

from __future__ import annotations

import argparse
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.orm import Session, sessionmaker
from tqdm import tqdm

from shared.db import make_engine, make_session_factory
from shared.search.index import ensure_index, make_client
from shared.search.sync_state import outbox_backlog, parked_changes, retry_parked
from shared.settings import get_settings


@contextmanager
def _database() -> Iterator[sessionmaker[Session]]:
    engine = make_engine(get_settings().database_url, pool_size=2)
    try:
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _reindex(args: argparse.Namespace) -> int:
    from indexer_worker.reindex import ReindexInProgress, reindex

    settings = get_settings()
    client = make_client(settings, timeout=120)
    ensure_index(client, settings)
    with _database() as factory, tqdm(unit="contacts", desc="reindex", dynamic_ncols=True) as bar:
        try:
            result = reindex(
                factory,
                client,
                settings,
                batch_size=args.batch_size,
                on_total=lambda total: bar.reset(total=total),
                on_progress=bar.update,
            )
        except ReindexInProgress as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        finally:
            client.close()
    print(
        f"{settings.index_alias} -> {result.new_index}: {result.copied} documents in {result.seconds:.1f}s; "
        f"dropped {', '.join(result.old_indices) or 'nothing'}"
    )
    return 0


def _reconcile(args: argparse.Namespace) -> int:
    from indexer_worker.reconcile import reconcile

    settings = get_settings()
    client = make_client(settings, timeout=60)
    with _database() as factory:
        report = reconcile(factory, client, settings, workspace_id=args.workspace_id, repair=not args.dry_run)
    client.close()
    print("\n".join(report.lines()))
    return 0 if report.in_sync or not args.dry_run else 1


def _parked(args: argparse.Namespace) -> int:
    with _database() as factory, factory() as session, session.begin():
        if args.action == "retry":
            print(f"{retry_parked(session, args.workspace_id)} parked changes queued again")
            return 0
        backlog = outbox_backlog(session, args.workspace_id)
        rows = parked_changes(session, args.workspace_id, limit=args.limit)
    print(
        f"pending {backlog.pending} (oldest {backlog.oldest_pending_seconds:.1f}s), parked {backlog.parked}"
    )
    for row in rows:
        print(
            f"#{row.id} contact {row.contact_id} v{row.version} workspace {row.workspace_id} "
            f"attempts {row.attempts} parked {row.parked_at:%Y-%m-%d %H:%M:%S}: {row.last_error}"
        )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="contacts-index", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    ri = sub.add_parser("reindex", help="rebuild the index from PostgreSQL behind the alias, no downtime")
    ri.add_argument("--batch-size", type=int, default=1000)
    ri.set_defaults(func=_reindex)
    rc = sub.add_parser("reconcile", help="compare ids and versions with PostgreSQL and repair the drift")
    rc.add_argument("--workspace-id", type=uuid.UUID, default=None)
    rc.add_argument("--dry-run", action="store_true", help="report only (exit 1 when out of sync)")
    rc.set_defaults(func=_reconcile)
    pk = sub.add_parser("parked", help="list outbox changes parked after repeated failures, or retry them")
    pk.add_argument("action", choices=["list", "retry"])
    pk.add_argument("--workspace-id", type=uuid.UUID, default=None)
    pk.add_argument("--limit", type=int, default=100)
    pk.set_defaults(func=_parked)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
