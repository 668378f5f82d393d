"""The API against its own OpenAPI document, with schemathesis (property-based, from PyPI).

A real uvicorn process serves the app against the test stack (PostgreSQL, Redis, OpenSearch); a
workspace of its own gives schemathesis an owner's token. Every operation is exercised in every
phase (explicit examples, coverage of the schema's boundaries, fuzzing, and stateful sequences
following the links schemathesis infers), with a fixed seed and a fixed number of examples, so the
run is bounded and the same on every machine: 25 examples per operation from two schemathesis
workers, 159 s alone on two cores (158 s beside the fault suite; four workers took 164 s; 100
examples from one worker took 473 s, a third of the pytest run). It must find nothing:
no server error, no status or content type the document does not list, no response that breaks
its schema.

Checks: all of schemathesis's but positive_data_acceptance (the schema cannot say that an id must
name an existing user or view, so schema-valid data is often rightly refused),
ensure_resource_availability (it takes any 404 after a creation for the created resource's, e.g.
"merge not found" from POST /v1/contacts/{contact_id}/unmerge with a made-up merge id right after
the contact was created: a false alarm that depends on which stateful sequences are drawn) and
object_level_authorization (tenant isolation has its own tests, tests/integration/test_tenant_isolation.py).
The stateful phase follows ids the server made up, so its sequences differ a little between runs;
every check kept here holds for any sequence.

SCHEMATHESIS_MAX_EXAMPLES overrides the examples per operation (e.g. 300 for a longer hunt),
SCHEMATHESIS_WORKERS the concurrent schemathesis workers, SCHEMATHESIS_CHECKS the checks (e.g. "all").
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_KEY

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SEED = 20261201
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
WORKERS = int(os.environ.get("SCHEMATHESIS_WORKERS", "2"))
CHECKS = os.environ.get("SCHEMATHESIS_CHECKS") or ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
        "unsupported_method",
        "allow_header_conformance",
        "use_after_free",
        "ignored_auth",
        "missing_required_header",
        "negative_data_rejection",
    )
)


def owner_token(base: str) -> str:
    suffix = uuid.uuid4().hex[:8]
    response = httpx.post(
        f"{base}/v1/workspaces",
        headers={"X-Admin-Key": ADMIN_KEY},
        json={"name": f"schemathesis-{suffix}", "owner": {"email": f"st-{suffix}@example.com", "name": "S"}},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


# Operations that can lock the caller out (revoke its own token, demote its own user): run on a
# workspace of their own after the rest, so they cannot turn every later case into a 401.
LOCKOUTS = ("DELETE /v1/tokens/current", "DELETE /v1/users/{user_id}/tokens", "PATCH /v1/users/{user_id}")


def run_schemathesis(base: str, token: str, report: Path, selection: list[str]) -> None:
    command = [
        str(BIN / "schemathesis"),
        "run",
        f"{base}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--header",
        f"X-Admin-Key: {ADMIN_KEY}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--seed",
        str(SEED),
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-database",
        "none",
        "--workers",
        str(WORKERS),
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(report),
        *selection,
    ]
    report.mkdir(parents=True)
    result = subprocess.run(
        command, check=False, cwd=report, capture_output=True, text=True, timeout=RUN_TIMEOUT_SECONDS
    )
    output = result.stdout + result.stderr
    print(output[-30000:])
    assert result.returncode == 0, output[-30000:]


# The run is bounded by its examples, not by time: about two minutes alone on two cores, longer when
# the machine is busy (at 100 examples it once passed 300 s, the suite's default timeout, beside a CPU
# hog and two other test runs). The timeouts only catch a hang: each of the two runs, and the whole.
RUN_TIMEOUT_SECONDS = 900


@pytest.mark.slow
@pytest.mark.timeout(2 * RUN_TIMEOUT_SECONDS + 120)
def test_the_api_keeps_its_openapi_contract(live_api: str, tmp_path: Path) -> None:
    excluded = [arg for name in LOCKOUTS for arg in ("--exclude-name", name)]
    run_schemathesis(live_api, owner_token(live_api), tmp_path / "main", excluded)
    included = [arg for name in LOCKOUTS for arg in ("--include-name", name)]
    run_schemathesis(live_api, owner_token(live_api), tmp_path / "lockouts", included)
