"""The API as `make run` starts it: several uvicorn processes sharing one Prometheus multiprocess
directory. Whichever process answers GET /metrics, it reports the requests all of them served."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.test_operator_config import ROOT, free_port, stop, wait_for

REQUESTS = 60


def served(text: str, route: str) -> float:
    for family in text_string_to_metric_families(text):
        if family.name == "contacts_http_requests":
            return sum(
                s.value
                for s in family.samples
                if s.name.endswith("_total") and s.labels.get("route") == route
            )
    return 0.0


def test_metrics_add_up_across_api_processes(migrated_db: str, search_client: Any, tmp_path: Path) -> None:
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    port = free_port()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    api = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "uvicorn"), "--factory", "api_service.main:create_app"),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning", "--workers", "2"),
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/healthz", api, "the API")
        before = served(httpx.get(f"{base}/metrics", timeout=10).text, "/healthz")  # wait_for's
        # A new connection per request, many at once: both processes take some.
        with ThreadPoolExecutor(8) as pool:
            codes = list(
                pool.map(lambda _: httpx.get(f"{base}/healthz", timeout=10).status_code, range(REQUESTS))
            )
        assert codes == [200] * REQUESTS
        pids = {path.stem.rsplit("_", 1)[-1] for path in metrics_dir.glob("*.db")}
        assert len(pids) >= 2, f"one process wrote metrics: {pids}"
        # Each scrape may be answered by either process; every one counts all the requests.
        for _ in range(6):
            assert served(httpx.get(f"{base}/metrics", timeout=10).text, "/healthz") == before + REQUESTS
    finally:
        stop(api)
