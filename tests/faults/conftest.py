"""Private Redis and OpenSearch instances, a database of their own and real Celery workers, so the
fault tests can kill and restart things without touching the services other people use.

Redis and OpenSearch run on free ports with data under var/faults/<run>/ (Redis with an append-only
file, OpenSearch started the way deploy/stack.sh starts it); PostgreSQL is the shared server with a
database of its own (`<test database>_faults`). Writes go through the API's service functions.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pytest
from redis import Redis
from sqlalchemy import func, make_url, select
from sqlalchemy.orm import Session, sessionmaker

from shared.db import make_engine, make_session_factory
from shared.dbadmin import reset_database
from shared.models import OutboxEntry
from shared.queue import RELAY_OUTBOX, make_celery_client
from shared.search.index import ensure_index, make_client
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.25) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except Exception:
            pass
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Process:
    """A child process in its own session, so it (and its children) can be signalled as a group."""

    def __init__(self, name: str, args: list[str], log_path: Path, env: dict[str, str] | None = None) -> None:
        self.name = name
        self.log: TextIO = open(log_path, "a")  # noqa: SIM115
        self.popen = subprocess.Popen(
            args, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        """SIGKILL the whole process group: no shutdown code runs anywhere in it."""
        os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)
        self.log.close()

    def stop(self, timeout: float = 60) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # leftovers of the group, if any
        self.log.close()


@dataclass
class RedisServer:
    directory: Path
    port: int = field(default_factory=free_port)
    process: Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
        args += ["--appendonly", "yes", "--save", "", "--daemonize", "no"]
        self.process = Process("redis", args, self.directory / "redis.log")
        client = Redis.from_url(self.url, socket_timeout=1)
        wait_until(lambda: bool(client.ping()), 20, "private redis")
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(timeout=20)


@dataclass
class OpenSearchNode:
    directory: Path
    port: int = field(default_factory=free_port)
    transport_port: int = field(default_factory=free_port)
    process: Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        classpath = (ROOT / "var" / "opensearch" / "classpath.txt").read_text().strip()
        args = ["java", "-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true", "-cp", classpath]
        args += [str(ROOT / "deploy/opensearch/LocalNode.java"), str(self.directory / "node")]
        args += [str(self.port), str(self.transport_port)]
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = Process("opensearch", args, self.directory / "opensearch.log")

    def wait_ready(self) -> None:
        client = make_client(Settings(opensearch_url=self.url), timeout=2)

        def healthy() -> bool:
            assert self.process is not None and self.process.alive(), "opensearch exited during start"
            return client.cluster.health()["status"] in ("yellow", "green")

        wait_until(healthy, 180, "private opensearch", interval=1)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop(timeout=60)


@dataclass
class FaultStack:
    root: Path
    settings: Settings
    session_factory: sessionmaker[Session]
    redis: RedisServer
    opensearch: OpenSearchNode
    workers: list[Process] = field(default_factory=list)
    metrics_port: int = field(default_factory=free_port)

    def worker_env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTACTS_", "PROMETHEUS_"))}
        env.update(
            PYTHONUNBUFFERED="1",
            CONTACTS_ENVIRONMENT="test",
            CONTACTS_DATABASE_URL=self.settings.database_url,
            CONTACTS_REDIS_URL=self.settings.redis_url,
            CONTACTS_OPENSEARCH_URL=self.settings.opensearch_url,
            CONTACTS_INDEX_ALIAS=self.settings.index_alias,
            CONTACTS_OUTBOX_BATCH_SIZE=str(self.settings.outbox_batch_size),
            CONTACTS_OUTBOX_SWEEP_SECONDS="1",
            CONTACTS_WORKER_METRICS_PORT=str(self.metrics_port),
        )
        return env

    def start_worker(self) -> Process:
        n = len(self.workers)
        args = [str(BIN / "celery"), "-A", "indexer_worker.celery_app", "worker", "--beat", "--concurrency=2"]
        args += [
            "--loglevel=INFO",
            "--schedule",
            str(self.root / f"beat-schedule-{n}"),
            "-n",
            f"faults{n}@%h",
        ]
        worker = Process("worker", args, self.root / f"worker-{n}.log", env=self.worker_env())
        self.workers.append(worker)
        return worker

    def nudge(self) -> None:
        """What the API does after a commit; best effort, like the API."""
        celery = make_celery_client(self.settings)
        try:
            celery.send_task(RELAY_OUTBOX, retry=False)
        except Exception:
            pass
        finally:
            celery.close()

    def pending(self, workspace_id: uuid.UUID | None = None) -> int:
        stmt = select(func.count()).select_from(OutboxEntry)
        if workspace_id is not None:
            stmt = stmt.where(OutboxEntry.workspace_id == workspace_id)
        with self.session_factory() as session:
            return int(session.scalar(stmt) or 0)

    def search_client(self) -> Any:
        return make_client(self.settings, timeout=5)


def _fresh_database(url: str) -> None:
    reset_database(url)


@pytest.fixture(scope="module")
def fault_stack(settings: Settings) -> Iterator[FaultStack]:
    root = ROOT / "var" / "faults" / uuid.uuid4().hex[:8]
    root.mkdir(parents=True)
    url = make_url(settings.database_url)
    database_url = url.set(database=f"{url.database}_faults").render_as_string(hide_password=False)
    redis, opensearch = RedisServer(root / "redis"), OpenSearchNode(root / "opensearch")
    engine = make_engine(database_url, pool_size=4)
    stack = FaultStack(root, settings, make_session_factory(engine), redis, opensearch)
    try:
        opensearch.launch()  # the slowest to start: the rest is prepared meanwhile
        _fresh_database(database_url)
        redis.start()
        opensearch.wait_ready()
        stack.settings = settings.model_copy(
            update={
                "database_url": database_url,
                "redis_url": redis.url,
                "opensearch_url": opensearch.url,
                "index_alias": "contacts_faults",
                "outbox_batch_size": 200,
            }
        )
        client = stack.search_client()
        ensure_index(client, stack.settings)
        client.close()
        yield stack
    finally:
        for worker in stack.workers:
            worker.stop(timeout=20)
        opensearch.stop()
        redis.stop()
        engine.dispose()
        # The logs go with the directory; their tails are kept in the report of a failed test.
        for log_path in sorted(root.glob("worker-*.log")):
            lines = log_path.read_text(errors="replace").splitlines()
            print(f"--- last lines of {log_path.name} ---", *lines[-40:], sep="\n")
        shutil.rmtree(root, ignore_errors=True)
