"""docker-compose.yml cannot run here; keep it honest against the local stack and the settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

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
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "opensearch", "migrate", "api", "worker", "beat"}
    assert services["migrate"]["command"] == ["contacts-admin", "migrate"]
    for name in ("api", "worker", "beat"):
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
