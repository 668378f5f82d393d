"""The operators' files in deploy/ against the real processes: the API (uvicorn) and the worker
(celery) are started, their /metrics are read, and every metric an alert rule or a Grafana panel
queries must be among what they export. The rules and the scrape configuration must pass
promtool (Debian's `prometheus` package, installed here when missing: no promtool is a failure,
never a skip), and the rules' own unit tests (deploy/prometheus/alerts_test.yml) must pass."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy/prometheus"
GRAFANA = ROOT / "deploy/grafana"
# Series Prometheus makes itself for every target.
BUILT_IN_SERIES = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
PROMQL_WORDS = frozenset(
    {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool"}
)
UNITS = ("(seconds)", "(rows)", "(documents)", "(requests)", "(jobs)", "(errors)")


def promtool() -> str:
    """promtool from Debian's `prometheus` package, installed with apt-get when missing."""
    found = shutil.which("promtool")
    if found:
        return found
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    lock = ["-o", "DPkg::Lock::Timeout=180"]
    for command in (
        ["apt-get", *lock, "update", "-qq"],
        ["apt-get", *lock, "install", "-y", "-qq", "--no-install-recommends", "prometheus"],
    ):
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)
        if done.returncode != 0:
            pytest.fail(f"could not install promtool ({' '.join(command)}): {done.stderr[-2000:]}")
    found = shutil.which("promtool")
    if not found:
        pytest.fail("the prometheus package installed no promtool")
    return found


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (strings, label matchers, ranges, grouping
    labels and function names removed)."""
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.$])[A-Za-z_:][A-Za-z0-9_:]*", text):
        if text[match.end() :].lstrip().startswith("(") or match.group() in PROMQL_WORDS:
            continue
        names.add(match.group())
    return names


def rule_expressions() -> dict[str, str]:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return {rule["alert"]: rule["expr"] for group in rules["groups"] for rule in group["rules"]}


def panel_expressions() -> dict[str, str]:
    dashboards = sorted((GRAFANA / "dashboards").glob("*.json"))
    assert dashboards, "no Grafana dashboard JSON"
    found = {}
    for path in dashboards:
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                found[f"{path.name}: {panel['title']} {target['refId']}"] = target["expr"]
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(url: str, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 180  # only a hang: two API replicas once took 61 s beside the fault suite
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"{what} did not answer {url}")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def exported(migrated_db: str, search_client: Any, settings: Any) -> Iterator[dict[str, dict[str, Any]]]:
    """name -> {"help", "samples"} of every metric family the API and the worker export, read from
    the real processes after the API served a few requests."""
    bin_dir = Path(sys.executable).parent
    api_port, worker_port = free_port(), free_port()
    env = {**os.environ, "CONTACTS_WORKER_METRICS_PORT": str(worker_port), "CONTACTS_API_HOST": "127.0.0.1"}
    # The worker gets a broker database of its own, so it takes no task queued by other tests.
    worker_env = {**env, "CONTACTS_REDIS_URL": re.sub(r"/\d+$", "/7", settings.redis_url)}
    api = subprocess.Popen(
        [
            *(str(bin_dir / "uvicorn"), "--factory", "api_service.main:create_app"),
            *("--host", "127.0.0.1", "--port", str(api_port), "--log-level", "warning"),
        ],
        env=env,
        cwd=ROOT,
    )
    worker = subprocess.Popen(
        [
            *(str(bin_dir / "celery"), "-A", "indexer_worker.celery_app", "worker", "--concurrency=1"),
            *("--loglevel=WARNING", "--without-gossip", "--without-mingle"),
        ],
        env=worker_env,
        cwd=ROOT,
    )
    try:
        wait_for(f"http://127.0.0.1:{api_port}/healthz", api, "the API")
        wait_for(f"http://127.0.0.1:{worker_port}/metrics", worker, "the worker")
        base = f"http://127.0.0.1:{api_port}"
        httpx.post(f"{base}/v1/contacts/search", json={}, timeout=10)  # 401: a 4xx of a real route
        httpx.get(f"{base}/v1/no-such-path", timeout=10)
        families: dict[str, dict[str, Any]] = {}
        for url in (f"{base}/metrics", f"http://127.0.0.1:{worker_port}/metrics"):
            for family in text_string_to_metric_families(httpx.get(url, timeout=10).text):
                entry = families.setdefault(
                    family.name, {"help": family.documentation, "samples": set(), "labels": []}
                )
                entry["samples"].update(sample.name for sample in family.samples)
                entry["labels"].extend((sample.name, sample.labels) for sample in family.samples)
        yield families
    finally:
        stop(api)
        stop(worker)


def exported_series(families: dict[str, dict[str, Any]]) -> set[str]:
    return {name for family in families.values() for name in family["samples"]} | set(families)


def test_every_metric_a_rule_or_panel_queries_is_exported(exported: dict[str, dict[str, Any]]) -> None:
    series = exported_series(exported)
    queried = {**{f"rule {k}": v for k, v in rule_expressions().items()}, **panel_expressions()}
    wanted = {where: metric_names(expr) for where, expr in queried.items()}
    # The parsing found what the files query (the check below is not vacuous).
    assert {
        "contacts_outbox_backlog",
        "contacts_http_requests_total",
        "contacts_jobs_finished_total",
    } <= set().union(*wanted.values())
    missing = {where: names - series - BUILT_IN_SERIES for where, names in wanted.items()}
    assert not {where: names for where, names in missing.items() if names}


def test_request_metrics_have_bounded_labels_and_every_help_text_says_the_unit(
    exported: dict[str, dict[str, Any]],
) -> None:
    ours = {name: family for name, family in exported.items() if name.startswith("contacts_")}
    assert len(ours) >= 9
    for name, family in ours.items():
        assert any(unit in family["help"] for unit in UNITS), (name, family["help"])


def test_request_counts_carry_route_template_and_status_class(exported: dict[str, dict[str, Any]]) -> None:
    # The fixture's requests are there by route template and status class, never by raw path.
    labels = [lab for name, lab in exported["contacts_http_requests"]["labels"] if name.endswith("_total")]
    assert {"method": "POST", "route": "/v1/contacts/search", "status_class": "4xx"} in labels
    assert {"method": "GET", "route": "unmatched", "status_class": "4xx"} in labels
    assert all(lab["route"] != "/v1/no-such-path" for lab in labels)
    durations = {lab["route"] for _, lab in exported["contacts_http_request_duration_seconds"]["labels"]}
    assert "/v1/contacts/search" in durations
    # OpenSearch time by operation exists for both operations from the start.
    operations = {lab.get("operation") for _, lab in exported["contacts_search_latency_seconds"]["labels"]}
    assert {"search", "aggregate"} <= operations


def test_promtool_accepts_the_rules_and_the_scrape_configuration() -> None:
    tool = promtool()
    for args in (
        ["check", "rules", "alerts.yml"],
        ["check", "config", "prometheus.yml"],
        ["test", "rules", "alerts_test.yml"],
    ):
        done = subprocess.run([tool, *args], cwd=PROMETHEUS, capture_output=True, text=True, check=False)
        assert done.returncode == 0, f"promtool {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def test_grafana_provisioning_points_the_dashboard_at_the_provisioned_datasource() -> None:
    datasources = yaml.safe_load((GRAFANA / "provisioning/datasources/prometheus.yml").read_text())
    uids = {d["uid"] for d in datasources["datasources"]}
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/contacts.yml").read_text())
    assert providers["providers"][0]["options"]["path"] == "/var/lib/grafana/dashboards"
    for path in (GRAFANA / "dashboards").glob("*.json"):
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            if panel["type"] != "row":
                assert panel["datasource"]["uid"] in uids, (path.name, panel["title"])
                assert panel["targets"], (path.name, panel["title"])
