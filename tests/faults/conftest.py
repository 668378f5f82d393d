"""Private Redis and OpenSearch instances, a database of their own and real Celery workers, so the
fault tests can kill and restart things without touching the services other people use.

Redis and OpenSearch run on free ports with data under var/faults/<run>/ (Redis with an append-only
file, OpenSearch started the way deploy/stack.sh starts it), and so does PostgreSQL (a private
cluster, initdb'd as the `postgres` user like deploy/stack.sh does), so a test can stop it without
touching anybody else's tests. Writes go through the API's service functions or a real API process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
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
FAULT_LOGS = ROOT / "var" / "fault-logs"


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
        self.node = ""
        self.log_path = log_path
        self.metrics_port = 0
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


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise RuntimeError("PostgreSQL binaries not found (deploy/stack.sh up installs them)")
    return found[-1].parent


def _as_postgres(args: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; the stack runs it as the `postgres` user too."""
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class PostgresServer:
    """A private PostgreSQL cluster (initdb under var/faults/<run>/pg) that a test may stop and start."""

    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://contacts:contacts@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        (self.directory / "run").mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
            shutil.chown(self.directory / "run", "postgres", "postgres")
        initdb = [str(_pg_bin() / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust"]
        initdb += ["-E", "UTF8", "--locale=C.UTF-8"]
        subprocess.run(_as_postgres(initdb), check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {self.directory / 'run'} -c fsync=off"
        args = [str(_pg_bin() / "pg_ctl"), "-D", str(self.data), "-l", str(self.directory / "postgres.log")]
        args += ["-w", "-t", "60", "-o", options, "start"]
        subprocess.run(_as_postgres(args), check=True, capture_output=True, timeout=90)

    def stop(self) -> None:
        args = [str(_pg_bin() / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
        subprocess.run(_as_postgres(args), check=False, capture_output=True, timeout=90)

    def bootstrap(self) -> None:
        psql = ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
        sql = "CREATE ROLE contacts LOGIN SUPERUSER PASSWORD 'contacts'"
        subprocess.run([*psql, "-c", sql], check=True, capture_output=True, timeout=30)


def local_node_command() -> list[str]:
    """The java command of a node up to its own arguments, as deploy/stack.sh starts nodes: from the
    class it compiled into var/opensearch/localnode when that is of the current source and jars, else
    from the source file (java then compiles it at every start, about 2 s slower)."""
    opensearch = ROOT / "var" / "opensearch"
    classpath = (opensearch / "classpath.txt").read_text().strip()
    source = ROOT / "deploy" / "opensearch" / "LocalNode.java"
    compiled = opensearch / "localnode"
    try:
        stamp = (compiled / "stamp").read_text().split()
        jars = (opensearch / "classpath.txt.stamp").read_text().strip()
        current = [hashlib.sha256(source.read_bytes()).hexdigest()[:16], jars]
    except OSError:
        stamp, current = [], [""]
    java = ["java", "-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true"]
    if stamp == current and (compiled / "LocalNode.class").is_file():
        return [*java, "-cp", f"{compiled}:{classpath}", "LocalNode"]
    return [*java, "-cp", classpath, str(source)]


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
        args = local_node_command()
        args += [str(self.directory / "node")]
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


API_ADMIN_KEY = "faults-admin-key"


@dataclass
class ApiServer:
    process: Process
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def answers(self) -> bool:
        assert self.process.alive(), "the API exited"
        with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
            return bool(response.status == 200)


@dataclass
class FaultStack:
    root: Path
    settings: Settings
    session_factory: sessionmaker[Session]
    redis: RedisServer
    opensearch: OpenSearchNode
    postgres: PostgresServer
    workers: list[Process] = field(default_factory=list)
    apis: list[ApiServer] = field(default_factory=list)
    metrics_port: int = field(default_factory=free_port)
    # Short, so a stalled consumer shows within seconds (CONTACTS_INDEXING_STALL_SECONDS).
    stall_seconds: float = 4.0

    def worker_env(self, metrics_port: int | None = None, **extra: str) -> dict[str, str]:
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
            CONTACTS_WORKER_METRICS_PORT=str(self.metrics_port if metrics_port is None else metrics_port),
            CONTACTS_EXPORT_DIR=str(self.root / "exports"),
            CONTACTS_INDEXING_STALL_SECONDS=str(self.stall_seconds),
            # A job whose worker was killed is picked up again within seconds, not a minute.
            CONTACTS_JOB_REQUEUE_SECONDS="2",
            CONTACTS_JOB_STALE_SECONDS="5",
            # An export resolves its selection in many small steps, so a kill lands in the middle.
            CONTACTS_EXPORT_BATCH_SIZE="100",
        )
        env.update(extra)
        return env

    def start_worker(self, **extra_env: str) -> Process:
        """A worker with beat; each has its own metrics/health port (`stack.metrics_port`: the newest)."""
        n = len(self.workers)
        if n:
            self.metrics_port = free_port()
        args = [str(BIN / "celery"), "-A", "indexer_worker.celery_app", "worker", "--beat", "--concurrency=2"]
        args += [
            "--loglevel=INFO",
            "--schedule",
            str(self.root / f"beat-schedule-{n}"),
            "-n",
            f"faults{n}@%h",
        ]
        env = self.worker_env(None, **extra_env)
        worker = Process("worker", args, self.root / f"worker-{n}.log", env=env)
        worker.node = f"faults{n}@{socket.gethostname()}"
        worker.metrics_port = self.metrics_port
        self.workers.append(worker)
        return worker

    def stop_workers(self) -> None:
        """Every worker an earlier test left running: a test that needs to know who consumes starts clean."""
        for worker in self.workers:
            if worker.alive():
                worker.stop(timeout=30)

    def health(self, port: int | None = None) -> tuple[int, str]:
        """`python -m indexer_worker.health` against a worker, as a supervisor runs it: (exit, output)."""
        url = f"http://127.0.0.1:{self.metrics_port if port is None else port}/healthz"
        done = subprocess.run(
            [str(BIN / "python"), "-m", "indexer_worker.health", "--url", url, "--timeout", "10"],
            check=False,
            cwd=ROOT,
            env=self.worker_env(),
            capture_output=True,
            text=True,
            timeout=60,
        )
        return done.returncode, done.stdout + done.stderr

    def start_api(self) -> ApiServer:
        """The API as `make run` runs it (uvicorn), against this stack."""
        port = free_port()
        args = [str(BIN / "uvicorn"), "--factory", "api_service.main:create_app", "--host", "127.0.0.1"]
        args += ["--port", str(port)]
        env = self.worker_env(CONTACTS_ADMIN_KEY=API_ADMIN_KEY)
        api = ApiServer(Process("api", args, self.root / f"api-{port}.log", env=env), port)
        self.apis.append(api)
        wait_until(api.answers, 60, "the API to answer")
        return api

    def celery(self) -> Any:
        return make_celery_client(self.settings)

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


@pytest.fixture(scope="session")
def fault_stack(settings: Settings, request: pytest.FixtureRequest) -> Iterator[FaultStack]:
    root = ROOT / "var" / "faults" / uuid.uuid4().hex[:8]
    root.mkdir(parents=True)
    redis, opensearch = RedisServer(root / "redis"), OpenSearchNode(root / "opensearch")
    postgres = PostgresServer(root / "pg")
    database_url = postgres.url(f"{make_url(settings.database_url).database}_faults")
    engine = make_engine(database_url, pool_size=4)
    stack = FaultStack(root, settings, make_session_factory(engine), redis, opensearch, postgres)
    try:
        opensearch.launch()  # the slowest to start: the rest is prepared meanwhile
        postgres.init()
        postgres.start()
        postgres.bootstrap()
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
        for api in stack.apis:
            api.process.stop(timeout=20)
        for worker in stack.workers:
            worker.stop(timeout=20)
        opensearch.stop()
        redis.stop()
        engine.dispose()
        postgres.stop()
        # The data goes with the directory. The process logs of a session in which a test failed
        # (or all of them, with FAULTS_KEEP_LOGS=1) are kept in FAULT_LOGS/<run>/; scripts/faults.sh
        # prints their tails, and scripts/fault-loop.sh keeps them per run.
        if request.session.testsfailed or os.environ.get("FAULTS_KEEP_LOGS"):
            kept = FAULT_LOGS / root.name
            kept.mkdir(parents=True, exist_ok=True)
            for log_path in root.glob("*.log"):
                shutil.copy(log_path, kept / log_path.name)
        shutil.rmtree(root, ignore_errors=True)
