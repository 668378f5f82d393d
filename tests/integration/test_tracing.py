"""Following one change from its request to the index, through real processes: uvicorn serving the
API and a Celery worker relaying the outbox and running jobs, both writing JSON log lines to files
this module reads. They share the test database and index; their broker is a Redis database of
their own, so the worker sees only the tasks this module's requests send."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from redis import Redis
from sqlalchemy import select

from shared.models import Job, OutboxEntry
from tests.factories import new_workspace
from tests.integration.test_operator_config import ROOT, free_port, stop, wait_for

BIN = Path(sys.executable).parent
MADE_ID = re.compile(r"[0-9a-f]{32}")
LINE_KEYS = {"timestamp", "level", "logger", "message"}


def log_lines(path: Path) -> list[dict[str, Any]]:
    """Every line of a log file, parsed; a line that is not one JSON object fails the test."""
    lines = []
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        if raw.strip():
            line = json.loads(raw)
            assert isinstance(line, dict), f"{path.name}:{number}: {raw}"
            lines.append(line)
    return lines


def worker_lines(path: Path) -> list[dict[str, Any]]:
    """The worker's JSON log lines (Celery also prints its start-up banner, which is no log line)."""
    lines = []
    for raw in path.read_text().splitlines():
        if raw.startswith("{"):
            lines.append(json.loads(raw))
    return lines


def eventually(
    find: Callable[[], list[dict[str, Any]]], what: str, timeout: float = 30
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


@dataclass
class Traced:
    base: str
    env: dict[str, str]
    directory: Path
    api_log: Path
    worker_log: Path
    worker: subprocess.Popen[bytes] | None = None
    logs: list[Any] = field(default_factory=list)

    def start_worker(self) -> None:
        if self.worker is not None:
            return
        log = open(self.worker_log, "a")  # noqa: SIM115
        self.logs.append(log)
        self.worker = subprocess.Popen(
            [
                *(str(BIN / "celery"), "-A", "indexer_worker.celery_app", "worker", "--concurrency=1"),
                *("--loglevel=INFO", "-n", f"tracing-{uuid.uuid4().hex[:6]}@%h"),
                # Beat's sweep relays what jobs write (the API nudges the relay, a job does not).
                *("--beat", "--schedule", str(self.directory / "beat-schedule")),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return httpx.request(method, f"{self.base}{path}", timeout=30, **kwargs)


@pytest.fixture(scope="module")
def traced(migrated_db: str, search_client: Any, settings: Any, tmp_path_factory: Any) -> Iterator[Traced]:
    directory = tmp_path_factory.mktemp("tracing")
    broker_url = re.sub(r"/\d+$", "/8", settings.redis_url)
    broker = Redis.from_url(broker_url)
    broker.flushdb()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")},
        "PYTHONUNBUFFERED": "1",
        "CONTACTS_REDIS_URL": broker_url,
        "CONTACTS_WORKER_METRICS_PORT": "0",
        "CONTACTS_OUTBOX_SWEEP_SECONDS": "1",
        # Jobs other tests left queued (they run theirs in-process) are not this worker's to re-queue.
        "CONTACTS_JOB_REQUEUE_SECONDS": "3600",
        "CONTACTS_LOG_LEVEL": "INFO",
        "CONTACTS_LOG_FORMAT": "json",
    }
    port = free_port()
    traced = Traced(
        f"http://127.0.0.1:{port}", env, directory, directory / "api.log", directory / "worker.log"
    )
    api_log = open(traced.api_log, "w")  # noqa: SIM115
    traced.logs.append(api_log)
    api = subprocess.Popen(
        [
            *(str(BIN / "uvicorn"), "--factory", "api_service.main:create_app"),
            *("--host", "127.0.0.1", "--port", str(port)),
        ],
        cwd=ROOT,
        env=env,
        stdout=api_log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"{traced.base}/healthz", api, "the API")
        yield traced
    finally:
        stop(api)
        if traced.worker is not None:
            stop(traced.worker)
        for log in traced.logs:
            log.close()
        broker.flushdb()
        broker.close()


@pytest.fixture(scope="module")
def owner(traced: Traced) -> dict[str, str]:
    with httpx.Client(base_url=traced.base, timeout=30) as client:
        workspace = new_workspace(client)
    return {"Authorization": f"Bearer {workspace.token}"}


def test_a_sane_request_id_is_echoed_on_every_answer(traced: Traced, owner: dict[str, str]) -> None:
    sent = "client-7f3a:0042.retry_1"
    answers = {
        "ok": traced.request("GET", "/healthz", headers={"X-Request-ID": sent}),
        "no credentials": traced.request("GET", "/v1/contacts", headers={"X-Request-ID": sent}),
        "unknown contact": traced.request(
            "GET", f"/v1/contacts/{uuid.uuid4()}", headers={**owner, "X-Request-ID": sent}
        ),
        "body too large": traced.request(
            "POST",
            "/v1/contacts",
            headers={**owner, "X-Request-ID": sent, "Content-Type": "application/json"},
            content=b'{"first_name": "' + b"x" * (2 * 1024 * 1024) + b'"}',
        ),
    }
    assert {name: r.status_code for name, r in answers.items()} == {
        "ok": 200,
        "no credentials": 401,
        "unknown contact": 404,
        "body too large": 413,
    }
    for name, response in answers.items():
        assert response.headers["X-Request-ID"] == sent, name


@pytest.mark.parametrize(
    "sent",
    [None, "", "has space", "x" * 129, "naïve", "a;b", "<script>", "line\tbreak"],
    ids=["absent", "empty", "space", "too-long", "non-ascii", "semicolon", "markup", "tab"],
)
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(traced: Traced, sent: str | None) -> None:
    headers = {} if sent is None else {"X-Request-ID": sent.encode()}
    first = traced.request("GET", "/healthz", headers=headers)
    second = traced.request("GET", "/healthz", headers=headers)
    made = first.headers["X-Request-ID"]
    assert MADE_ID.fullmatch(made), made
    assert second.headers["X-Request-ID"] != made  # one per request


def test_a_change_is_followed_from_its_request_to_the_index(
    traced: Traced, owner: dict[str, str], session_factory: Any
) -> None:
    request_id = f"trace-{uuid.uuid4().hex}"
    created = traced.request(
        "POST", "/v1/contacts", headers={**owner, "X-Request-ID": request_id}, json={"first_name": "Tracy"}
    )
    assert created.status_code == 201, created.text
    assert created.headers["X-Request-ID"] == request_id
    contact_id = uuid.UUID(created.json()["id"])
    # No worker runs yet: the change waits in the outbox, marked with the request that made it
    # (written by the service, which FastAPI runs in its threadpool).
    with session_factory() as session:
        rows = session.scalars(
            select(OutboxEntry.request_id).where(OutboxEntry.contact_id == contact_id)
        ).all()
    assert rows == [request_id]

    traced.start_worker()

    def relayed() -> list[dict[str, Any]]:
        return [
            line
            for line in worker_lines(traced.worker_log)
            if line["logger"] == "indexer.relay" and request_id in line.get("request_ids", [])
        ]

    (line,) = eventually(relayed, "the relay to log the request id of the change it indexed")
    assert line["indexed"] >= 1 and line["level"] == "info" and line.keys() >= LINE_KEYS
    with session_factory() as session:
        assert session.scalars(select(OutboxEntry.id).where(OutboxEntry.contact_id == contact_id)).all() == []
    found = traced.request(
        "POST",
        "/v1/contacts/search",
        headers=owner,
        json={"query": "tracy", "min_version": {str(contact_id): 1}},
    ).json()
    assert [c["id"] for c in found["items"]] == [str(contact_id)]


def test_a_job_runs_under_the_request_id_that_created_it(
    traced: Traced, owner: dict[str, str], session_factory: Any
) -> None:
    contact = traced.request("POST", "/v1/contacts", headers=owner, json={"first_name": "Joby"}).json()
    request_id = f"job-{uuid.uuid4().hex}"
    started = traced.request(
        "POST",
        "/v1/contacts/bulk-tags",
        headers={**owner, "X-Request-ID": request_id},
        json={"selection": {"ids": [contact["id"]]}, "tags": ["traced"]},
    )
    assert started.status_code == 202, started.text
    job_id = started.json()["id"]
    with session_factory() as session:
        assert session.scalar(select(Job.request_id).where(Job.id == uuid.UUID(job_id))) == request_id

    traced.start_worker()

    def job_lines() -> list[dict[str, Any]]:
        lines = [line for line in worker_lines(traced.worker_log) if line.get("job_id") == job_id]
        return lines if any(line.get("status") == "succeeded" for line in lines) else []

    lines = eventually(job_lines, "the worker to log the job's run")
    assert {line["request_id"] for line in lines} == {request_id}
    assert [line["message"] for line in lines] == [
        f"job {job_id} (bulk_tags) running",
        f"job {job_id} (bulk_tags) succeeded",
    ]
    # The outbox rows the job wrote carry its request id, so the relay names it once they are indexed.
    eventually(
        lambda: [
            line
            for line in worker_lines(traced.worker_log)
            if line["logger"] == "indexer.relay" and request_id in line.get("request_ids", [])
        ],
        "the relay to log the job's request id",
    )
    # The API's line of the job's creation, logged by the service in FastAPI's threadpool.
    (created,) = [line for line in log_lines(traced.api_log) if line.get("job_id") == job_id]
    assert created["request_id"] == request_id and created["logger"] == "jobs"


def test_every_api_log_line_is_json_with_one_access_line_per_request(
    traced: Traced, owner: dict[str, str]
) -> None:
    request_id = f"access-{uuid.uuid4().hex}"
    contact_id = uuid.uuid4()
    answer = traced.request(
        "GET", f"/v1/contacts/{contact_id}", headers={**owner, "X-Request-ID": request_id}
    )
    assert answer.status_code == 404

    def access() -> list[dict[str, Any]]:
        return [line for line in log_lines(traced.api_log) if line.get("request_id") == request_id]

    (line,) = eventually(access, "the access line")
    assert line["logger"] == "api.access"
    assert (line["method"], line["route"], line["status"]) == ("GET", "/v1/contacts/{contact_id}", 404)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert str(contact_id) not in json.dumps(line)  # the template, not the path

    lines = log_lines(traced.api_log)  # every line parses, uvicorn's own included
    assert all(line.keys() >= LINE_KEYS for line in lines)
    assert any(
        line["logger"] == "uvicorn.error" and "Application startup complete" in line["message"]
        for line in lines
    )
    access_lines = [line for line in lines if line["logger"] == "api.access"]
    assert len(access_lines) > 10
    assert all(
        {"method", "route", "status", "duration_ms", "request_id"} <= line.keys() for line in access_lines
    )
    assert not [line for line in lines if line["logger"] == "uvicorn.access"]  # replaced, not doubled


def test_answers_made_outside_the_routes_carry_the_request_id(
    settings: Any, migrated_db: str, search_client: Any
) -> None:
    """The 429 the rate limiter answers and the 500 of an unhandled error (answered by Starlette
    outside every middleware), on the real app with a route of this test that fails."""
    from api_service.main import create_app

    app = create_app(settings.model_copy(update={"rate_limit_per_ip": 1, "rate_limit_window_seconds": 3600}))

    async def broken() -> None:
        raise RuntimeError("a bug")

    app.router.add_api_route("/test-broken", broken, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())  # ahead of the web app's catch-all route
    address = (f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7", 40000)
    with TestClient(app, client=address, raise_server_exceptions=False) as client:
        failed = client.get("/test-broken", headers={"X-Request-ID": "bug-report-1"})
        limited = client.get("/healthz", headers={"X-Request-ID": "too-many-1"})
    assert (failed.status_code, failed.headers["X-Request-ID"]) == (500, "bug-report-1")
    assert failed.json()["detail"] == "internal error"  # the app's own problem, not a stack trace
    assert (limited.status_code, limited.headers["X-Request-ID"]) == (429, "too-many-1")
    assert limited.headers["content-type"] == "application/problem+json"
