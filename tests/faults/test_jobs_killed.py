"""A worker killed with SIGKILL in the middle of an export and of an import: no shutdown code runs,
the job's task is lost with the process. A new worker resumes the job (the stale-job re-queue finds
it `running` with nobody holding its lock): the export file is complete with every contact exactly
once, and the import's counts are exact with no contact created twice."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from shared.models import Contact
from tests.faults.conftest import FaultStack, wait_until
from tests.faults.test_faults import Writer, assert_converges

pytestmark = pytest.mark.slow


def _status(http: httpx.Client, path: str) -> dict[str, Any]:
    return http.get(path).json()


def _wait_succeeded(http: httpx.Client, path: str) -> None:
    def done() -> bool:
        answer = _status(http, path)
        assert answer["status"] not in ("failed", "cancelled"), answer
        return bool(answer["status"] == "succeeded")

    wait_until(done, 240, f"{path} to resume and finish", interval=2)


def _kill_mid_job(stack: FaultStack, http: httpx.Client, path: str) -> None:
    """Wait until the job has made progress but is not done, then SIGKILL the only worker."""
    wait_until(lambda: _status(http, path)["processed"] > 0, 120, "the job to make progress", interval=0.05)
    stack.workers[-1].kill9()
    answer = _status(http, path)
    assert answer["status"] == "running", answer  # killed in the middle, not after
    stack.start_worker()


def test_worker_killed_in_the_middle_of_an_export(fault_stack: FaultStack) -> None:
    fault_stack.stop_workers()
    writer = Writer(fault_stack)
    writer.create(8000, per_transaction=1000)
    api = fault_stack.start_api()
    fault_stack.start_worker()
    assert_converges(fault_stack, writer, timeout=180)
    auth = {"Authorization": f"Bearer {writer.token}"}
    with httpx.Client(base_url=api.url, headers=auth, timeout=30) as http:
        made = http.post("/v1/exports", json={"selection": {"all_matching": {"query": "fault"}}})
        assert made.status_code == 202, made.text
        path = f"/v1/exports/{made.json()['id']}"
        _kill_mid_job(fault_stack, http, path)
        _wait_succeeded(http, path)
        done = _status(http, path)
        body = http.get(f"{path}/download")
        assert body.status_code == 200, body.text
    rows = list(csv.reader(io.StringIO(body.content.decode("utf-8-sig"))))
    header, data = rows[0], rows[1:]
    emails = [row[header.index("Email")] for row in data] if "Email" in header else []
    assert len(data) == len(writer.live) == done["rows"] == 8000  # complete
    assert len(set(map(tuple, data))) == len(data)  # no row twice
    if emails:
        assert len(set(emails)) == 8000


def test_worker_killed_in_the_middle_of_an_import(fault_stack: FaultStack) -> None:
    fault_stack.stop_workers()
    writer = Writer(fault_stack)
    api = fault_stack.start_api()
    fault_stack.start_worker()
    count = 6000
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(["First name", "E-mail"])
    for i in range(count):
        out.writerow([f"Imported{i}", f"imported{i}-{writer.workspace_id.hex[:6]}@example.com"])
    auth = {"Authorization": f"Bearer {writer.token}"}
    with httpx.Client(base_url=api.url, headers=auth, timeout=60) as http:
        made = http.post(
            "/v1/imports",
            files={"file": ("contacts.csv", buffer.getvalue().encode(), "text/csv")},
            data={"mapping": json.dumps({"First name": "first_name", "E-mail": "email"})},
        )
        assert made.status_code == 202, made.text
        path = f"/v1/imports/{made.json()['id']}"
        _kill_mid_job(fault_stack, http, path)
        _wait_succeeded(http, path)
        done = _status(http, path)
    assert done["total_rows"] == count and done["processed"] == count
    assert (done["created"], done["updated"], done["skipped"], done["failed"]) == (count, 0, 0, 0)
    mine = Contact.workspace_id == writer.workspace_id
    with fault_stack.session_factory() as session:
        in_db = session.scalar(select(func.count()).where(mine))
        distinct = session.scalar(select(func.count(func.distinct(Contact.email))).where(mine))
        writer.live = list(session.scalars(select(Contact.id).where(mine)))
    assert in_db == distinct == count  # no contact created twice
    assert_converges(fault_stack, writer, timeout=120)
