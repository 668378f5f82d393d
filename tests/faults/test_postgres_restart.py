"""PostgreSQL restarted under write and search traffic through a real API process and worker.

While it is down every request that needs it answers 503 with Retry-After (never a 500), and a
search of a cached principal still answers from the index; once it is back, nothing acknowledged is
lost, PostgreSQL and the index agree on every (id, version), and a bulk job that was running resumes
and finishes. The PostgreSQL is the fault stack's private cluster.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import pytest
from sqlalchemy import func, select

from shared.models import Contact
from tests.faults.conftest import FaultStack, wait_until
from tests.faults.test_faults import Writer, assert_converges

pytestmark = pytest.mark.slow


@dataclass
class Traffic:
    """Creates and searches in a loop, one request at a time, recording what each answered."""

    base_url: str
    token: str
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    missing_retry_after: int = 0
    errors: list[str] = field(default_factory=list)
    created: list[uuid.UUID] = field(default_factory=list)
    # (sent, answered, kind, status), monotonic seconds.
    timeline: list[tuple[float, float, str, int]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base_url, headers=headers, timeout=15) as http:
            i = 0
            while not self.stop.is_set() and i < 100_000:
                i += 1
                kind = "write" if i % 2 else "search"
                sent = time.monotonic()
                try:
                    if kind == "write":
                        body = {"first_name": f"Pg{i}", "email": f"pg{i}-{uuid.uuid4().hex[:6]}@example.com"}
                        response = http.post("/v1/contacts", json=body)
                    else:
                        response = http.post("/v1/contacts/search", json={"query": "fault", "page_size": 5})
                except httpx.HTTPError as exc:  # no answer at all would hide a lost or doubled write
                    self.errors.append(f"{kind}: {exc!r}")
                    continue
                self.statuses[kind, response.status_code] += 1
                self.timeline.append((sent, time.monotonic(), kind, response.status_code))
                if response.status_code == 503 and not response.headers.get("Retry-After"):
                    self.missing_retry_after += 1
                if kind == "write" and response.status_code == 201:
                    self.created.append(uuid.UUID(response.json()["id"]))
                time.sleep(0.02)


def test_postgres_restarted_under_write_and_search_traffic(fault_stack: FaultStack) -> None:
    fault_stack.stop_workers()
    writer = Writer(fault_stack)
    writer.create(3000, per_transaction=500)  # enough for a bulk job that is still running below
    api = fault_stack.start_api()
    fault_stack.start_worker()
    assert_converges(fault_stack, writer, timeout=120)
    headers = {"Authorization": f"Bearer {writer.token}"}
    seeded = list(writer.live)

    traffic = Traffic(api.url, writer.token)
    thread = threading.Thread(target=traffic.run, daemon=True)
    thread.start()
    time.sleep(2)
    job = httpx.post(
        f"{api.url}/v1/contacts/bulk-tags",
        headers=headers,
        json={"selection": {"all_matching": {"query": "fault"}}, "tags": ["pg-restart"]},
        timeout=15,
    )
    assert job.status_code == 202, job.text
    job_id = job.json()["id"]
    time.sleep(0.5)
    fault_stack.postgres.stop()
    down_at = time.monotonic()  # stopped: every request sent from now on finds it down
    time.sleep(6)
    starting_at = time.monotonic()
    fault_stack.postgres.start()
    up_at = time.monotonic()
    time.sleep(6)
    traffic.stop.set()
    thread.join(timeout=60)

    assert not traffic.errors, traffic.errors[:5]
    statuses = {status for _, status in traffic.statuses}
    assert statuses <= {200, 201, 503}, traffic.statuses  # never a 500
    assert traffic.missing_retry_after == 0
    timeline = traffic.timeline
    during = [(k, s) for sent, answered, k, s in timeline if sent > down_at and answered < starting_at]
    # Writes need PostgreSQL: 503. Searches need only the index once the token's principal is in
    # the auth cache (api_service.auth.cache; nothing can revoke it while PostgreSQL is down), so
    # they keep answering 200; an uncached one would be a 503, never a 500.
    assert {s for k, s in during if k == "write"} == {503}, Counter(during)
    assert {s for k, s in during if k == "search"} <= {200, 503}, Counter(during)
    after = [(k, s) for sent, _, k, s in traffic.timeline if sent > up_at + 3]
    assert ("write", 201) in after and ("search", 200) in after, Counter(after)

    # The job was running when PostgreSQL went away: it resumes and tags every seeded contact.
    def job_done() -> bool:
        answer = httpx.get(f"{api.url}/v1/jobs/{job_id}", headers=headers, timeout=15).json()
        assert answer["status"] not in ("failed", "cancelled"), answer
        return bool(answer["status"] == "succeeded")

    wait_until(job_done, 180, "the bulk job to resume and finish", interval=2)
    with fault_stack.session_factory() as session:
        untagged = session.scalar(
            select(func.count()).where(Contact.id.in_(seeded), ~Contact.tags.contains(["pg-restart"]))
        )
    assert untagged == 0

    writer.live += traffic.created  # every write acknowledged with 201, and nothing else
    assert_converges(fault_stack, writer, timeout=120)
