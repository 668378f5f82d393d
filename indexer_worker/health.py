"""The worker's health check: it fails when this worker's consumer has stopped while the outbox has work.

The worker's main process answers `GET /healthz` on its metrics port (see indexer_worker.metrics).
Progress is a file each pool process touches when it finishes a task (any task: a sweep arrives
every `outbox_sweep_seconds`, so a consuming worker finishes one every few seconds). The check fails
(503) when all of these hold for longer than `indexing_stall_seconds`:
  - changes have been ready to relay for that long (PostgreSQL says so),
  - this worker has finished no task for that long (nor since it started),
  - and a pool process is free (all of them busy on long jobs is not a stall).
A relay that runs but finds the index down still finishes tasks, so an OpenSearch outage does not
fail the check: restarting the worker would not help there.

`python -m indexer_worker.health` asks the endpoint and exits 0 (healthy) or 1, printing the answer:
scripts/run.sh's supervisor and docker-compose's healthcheck use it. With `--terminate-pidfile`, an
unhealthy worker is also stopped (SIGTERM, then SIGKILL) so that a restart policy brings a new one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

PROGRESS_ENV = "CONTACTS_WORKER_PROGRESS_FILE"
_started = time.time()


def progress_file() -> Path | None:
    value = os.environ.get(PROGRESS_ENV)
    return Path(value) if value else None


def set_up_progress_file(main_pid: int) -> None:
    """In the worker's main process, before the pool forks: one file per worker instance."""
    path = Path(tempfile.gettempdir()) / f"contacts-worker-progress-{main_pid}"
    path.touch()
    os.environ[PROGRESS_ENV] = str(path)


def record_progress() -> None:
    """In a pool process, after each task."""
    path = progress_file()
    if path is not None:
        try:
            os.utime(path)
        except OSError:
            path.touch()


def last_progress_seconds_ago(now: float | None = None) -> float:
    now = time.time() if now is None else now
    path = progress_file()
    latest = _started
    if path is not None:
        with contextlib.suppress(OSError):
            latest = max(latest, path.stat().st_mtime)
    return max(0.0, now - latest)


def evaluate(
    overdue: int,
    oldest_ready_seconds: float,
    idle_seconds: float,
    busy: int,
    pool_size: int,
    stall_seconds: float,
) -> dict[str, Any]:
    """The verdict, from the facts (pure, so each rule is tested on its own)."""
    facts = {
        "overdue_changes": overdue,
        "oldest_ready_seconds": round(oldest_ready_seconds, 1),
        "seconds_since_last_task": round(idle_seconds, 1),
        "busy_processes": busy,
        "pool_processes": pool_size,
        "stall_seconds": stall_seconds,
    }
    if overdue == 0:
        return {"healthy": True, "status": "ok", **facts}
    if pool_size and busy >= pool_size:
        return {"healthy": True, "status": "busy: every pool process is running a task", **facts}
    if idle_seconds <= stall_seconds:
        return {"healthy": True, "status": "ok: catching up", **facts}
    reason = (
        f"consumer stalled: no task finished for {idle_seconds:.0f} s while {overdue} changes "
        f"have been ready for more than {stall_seconds:g} s"
    )
    return {"healthy": False, "status": reason, **facts}


def check(session_factory: Any, stall_seconds: float) -> dict[str, Any]:
    """Run in the worker's main process for GET /healthz."""
    from celery.worker import state

    from indexer_worker.consumer import current_pool_size
    from shared.indexing_health import overdue_changes

    try:
        with session_factory() as session:
            overdue = overdue_changes(session, stall_seconds)
    except Exception as exc:  # no database: the worker cannot be judged (nor helped by a restart)
        return {"healthy": True, "status": f"unknown: database unreachable ({type(exc).__name__})"}
    return evaluate(
        overdue.count,
        overdue.oldest_ready_seconds,
        last_progress_seconds_ago(),
        len(state.active_requests),
        current_pool_size(),
        stall_seconds,
    )


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_http(host: str, port: int, registry: Any, health: Callable[[], dict[str, Any]]) -> None:
    """/healthz from `health`, everything else from the Prometheus registry, in a daemon thread."""
    from prometheus_client import make_wsgi_app

    metrics_app = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/healthz":
            return metrics_app(environ, start_response)  # type: ignore[no-any-return]
        verdict = health()
        status = "200 OK" if verdict.get("healthy") else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json")])
        return [json.dumps(verdict).encode()]

    server = make_server(host, port, app, _ThreadingWSGIServer, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="worker-http", daemon=True).start()


def _terminate(pidfile: Path, grace: float) -> None:
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        return
    print(f"stopping worker {pid}", file=sys.stderr)
    try:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def main(argv: list[str] | None = None) -> int:
    from shared.settings import get_settings

    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=f"http://{settings.api_host}:{settings.worker_metrics_port}/healthz")
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--terminate-pidfile", type=Path, help="if unhealthy, stop this worker")
    parser.add_argument("--grace", type=float, default=30.0, help="seconds between SIGTERM and SIGKILL")
    args = parser.parse_args(argv)
    if not args.url.startswith(("http://", "https://")):
        parser.error("--url must be an http(s) URL")
    try:
        with urllib.request.urlopen(args.url, timeout=args.timeout) as response:  # noqa: S310 (checked above)
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}") if exc.code == 503 else {"status": f"HTTP {exc.code}"}
        body["healthy"] = False
    except (OSError, ValueError) as exc:
        body = {"healthy": False, "status": f"worker not answering on {args.url}: {exc}"}
    if not args.quiet or not body.get("healthy"):
        print(json.dumps(body, sort_keys=True))
    if body.get("healthy"):
        return 0
    if args.terminate_pidfile is not None:
        _terminate(args.terminate_pidfile, args.grace)
    return 1


if __name__ == "__main__":
    sys.exit(main())
