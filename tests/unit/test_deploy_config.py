"""docker-compose.yml cannot run here; keep it honest against the local stack and the settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from shared.queue import JOBS_QUEUE, RELAY_QUEUE
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def versions() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (ROOT / "deploy/versions.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    return dict(pairs)


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_the_whole_system() -> None:
    # `docker compose up` starts the services of no profile (the `cluster` profile is apart).
    services = {k: v for k, v in compose()["services"].items() if "profiles" not in v}
    assert set(services) == {
        "postgres", "redis", "opensearch", "migrate", "api", "worker", "jobs-worker", "beat", "prometheus",
        "grafana",
    }  # fmt: skip
    assert services["migrate"]["command"] == ["contacts-admin", "migrate"]
    for name in ("api", "worker", "jobs-worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "beat" in services["beat"]["command"] and "worker" in services["worker"]["command"]


def test_service_versions_match_the_local_stack() -> None:
    v = versions()
    services = compose()["services"]
    assert services["opensearch"]["image"] == f"opensearchproject/opensearch:{v['OPENSEARCH_VERSION']}"
    assert services["postgres"]["image"] == f"postgres:{v['POSTGRES_MAJOR']}"
    assert services["redis"]["image"] == f"redis:{v['REDIS_MAJOR']}"
    pom = (ROOT / "deploy/opensearch/pom.xml").read_text()
    found = re.search(r"<opensearch.version>(.+?)</opensearch.version>", pom)
    assert found is not None and found.group(1) == v["OPENSEARCH_VERSION"]


def test_compose_environment_names_real_settings() -> None:
    env = compose()["x-app"]["environment"]
    fields = set(Settings.model_fields)
    for key in env:
        assert key.startswith("CONTACTS_")
        assert key.removeprefix("CONTACTS_").lower() in fields, key


def test_compose_runs_prometheus_and_grafana_with_the_deploy_files() -> None:
    services = compose()["services"]
    assert services["prometheus"]["image"].startswith("prom/prometheus:")
    assert "./deploy/prometheus:/etc/prometheus:ro" in services["prometheus"]["volumes"]
    assert services["grafana"]["image"].startswith("grafana/grafana:")
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in services["grafana"]["volumes"]
    # Prometheus reaches the worker's metrics only if it listens beyond loopback.
    assert services["worker"]["environment"]["CONTACTS_API_HOST"] == "0.0.0.0"
    scrape = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    targets = {t for job in scrape["scrape_configs"] for c in job["static_configs"] for t in c["targets"]}
    port = Settings.model_fields["worker_metrics_port"].default
    assert targets == {"api:8000", f"worker:{port}", f"jobs-worker:{port}"}


def test_compose_restarts_a_worker_whose_health_check_fails() -> None:
    worker = compose()["services"]["worker"]
    command = worker["command"]
    pidfile = command[command.index("--pidfile") + 1]
    test = worker["healthcheck"]["test"]
    assert test[:4] == ["CMD", "python", "-m", "indexer_worker.health"]
    # The check stops the worker it judged unhealthy, the restart policy starts a new one; with an
    # init process the worker is not PID 1, which ignores signals it has no handler for.
    assert test[test.index("--terminate-pidfile") + 1] == pidfile
    assert worker["restart"] == "unless-stopped" and worker["init"] is True


def test_compose_runs_the_relay_and_the_jobs_on_separate_queues_and_pools() -> None:
    services = compose()["services"]
    relay, jobs = services["worker"]["command"], services["jobs-worker"]["command"]
    assert relay[relay.index("-Q") + 1] == RELAY_QUEUE
    assert jobs[jobs.index("-Q") + 1] == JOBS_QUEUE
    # Beat runs once, in its own service; neither worker embeds it.
    assert "--beat" not in relay and "--beat" not in jobs
