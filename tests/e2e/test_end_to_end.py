"""A contact's journey through real processes: uvicorn serving the API, a Celery worker with beat
draining the outbox into OpenSearch. Nothing is called in-process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def live_stack(migrated_db: str, search_client: Any, tmp_path: Path) -> Iterator[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    port = _free_port()
    bin_dir = Path(sys.executable).parent
    api_log = open(tmp_path / "api.log", "w")  # noqa: SIM115
    worker_log = open(tmp_path / "worker.log", "w")  # noqa: SIM115
    api = subprocess.Popen(
        [str(bin_dir / "uvicorn"), "--factory", "api_service.main:create_app", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=api_log,
        stderr=subprocess.STDOUT,
    )
    worker = subprocess.Popen(
        [
            str(bin_dir / "celery"),
            "-A",
            "indexer_worker.celery_app",
            "worker",
            "--beat",
            "--concurrency=1",
            "--loglevel=INFO",
            "--schedule",
            str(tmp_path / "beat-schedule"),
        ],
        cwd=ROOT,
        env=env,
        stdout=worker_log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{base}/healthz").status_code == 200, 180, "the API to start")
        yield base
    finally:
        for proc in (api, worker):
            proc.terminate()
        for proc in (api, worker):
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        api_log.close()
        worker_log.close()


def test_contact_journey_through_real_processes(live_stack: str) -> None:
    from tests.conftest import ADMIN_KEY

    base = live_stack
    suffix = uuid.uuid4().hex[:8]
    created = httpx.post(
        f"{base}/v1/workspaces",
        headers={"X-Admin-Key": ADMIN_KEY},
        json={"name": "E2E", "owner": {"email": f"e2e-{suffix}@example.com", "name": "E"}},
    )
    assert created.status_code == 201, created.text
    headers = {"Authorization": f"Bearer {created.json()['token']}"}

    def hits(query: str) -> list[str]:
        response = httpx.post(f"{base}/v1/contacts/search", headers=headers, json={"query": query})
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    contact = httpx.post(
        f"{base}/v1/contacts", headers=headers, json={"first_name": "Imelda", "phone": "+60 12-345 6789"}
    ).json()
    _wait(lambda: hits("imelda") == [contact["id"]], 60, "the new contact to be searchable")
    assert hits("3456") == [contact["id"]]

    patched = httpx.patch(
        f"{base}/v1/contacts/{contact['id']}", headers=headers, json={"first_name": "Rosalind"}
    )
    assert patched.status_code == 200
    _wait(
        lambda: hits("rosalind") == [contact["id"]] and hits("imelda") == [],
        60,
        "the update to be searchable",
    )

    assert httpx.delete(f"{base}/v1/contacts/{contact['id']}", headers=headers).status_code == 204
    _wait(lambda: hits("rosalind") == [], 60, "the deletion to reach search")

    # A huge import is refused from its headers: the server answers before the body is sent, so
    # nothing is spooled to disk (here the client never sends a byte of the 5 GB it announced).
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /v1/imports HTTP/1.1\r\nHost: x\r\nAuthorization: "
            + headers["Authorization"].encode()
            + b"\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 5000000000\r\n\r\n"
        )
        answer = sock.recv(65536).decode()
    assert answer.startswith("HTTP/1.1 413"), answer
    assert "application/problem+json" in answer
