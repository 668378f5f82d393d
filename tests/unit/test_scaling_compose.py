"""The docker-compose `cluster` profile, checked by its structure (Docker cannot run here, so the
profile itself is unrun): three OpenSearch nodes that find each other, two stateless API replicas
behind nginx from the official image, and the relay and the jobs in separate workers, all given
every OpenSearch node and a partitioned index with a replica."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from shared.queue import JOBS_QUEUE, RELAY_QUEUE
from shared.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
NODES = ["opensearch-1", "opensearch-2", "opensearch-3"]


def cluster() -> dict[str, Any]:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    return {name: s for name, s in services.items() if "cluster" in s.get("profiles", [])}


def test_the_profile_holds_three_nodes_two_apis_a_balancer_and_separate_workers() -> None:
    assert set(cluster()) == {
        *NODES, "migrate-cluster", "api-1", "api-2", "lb", "relay-worker", "jobs-worker-cluster",
        "beat-cluster",
    }  # fmt: skip


def test_the_three_nodes_form_one_cluster() -> None:
    services = cluster()
    versions = dict(
        line.split("=", 1) for line in (ROOT / "deploy/versions.env").read_text().splitlines() if "=" in line
    )
    names = []
    for node in NODES:
        env = services[node]["environment"]
        assert services[node]["image"] == f"opensearchproject/opensearch:{versions['OPENSEARCH_VERSION']}"
        assert "discovery.type" not in env  # not single-node
        assert env["discovery.seed_hosts"].split(",") == NODES
        assert env["cluster.initial_cluster_manager_nodes"].split(",") == NODES
        assert env["cluster.name"] == "contacts-cluster"
        names.append(env["node.name"])
        assert services[node]["volumes"][0].endswith(":/usr/share/opensearch/data")
    assert names == NODES
    assert len({services[n]["volumes"][0] for n in NODES}) == 3  # a data volume each


def test_every_app_service_knows_every_node_and_the_index_layout() -> None:
    fields = set(Settings.model_fields)
    for name, service in cluster().items():
        if name in NODES or name == "lb":
            continue
        env = service["environment"]
        assert env["CONTACTS_OPENSEARCH_URL"].split(",") == [f"http://{n}:9200" for n in NODES], name
        for key in env:
            assert key.removeprefix("CONTACTS_").lower() in fields, (name, key)
        layout = Settings(
            index_shards=int(env["CONTACTS_INDEX_SHARDS"]),
            index_replicas=int(env["CONTACTS_INDEX_REPLICAS"]),
            index_routing_partition_size=int(env["CONTACTS_INDEX_ROUTING_PARTITION_SIZE"]),
        )
        assert layout.index_replicas >= 1 and layout.index_routing_partition_size > 1
        # Started once the cluster answers: directly, or after migrate-cluster, which waits for it.
        waits_for = service["depends_on"]
        if "migrate-cluster" in waits_for:
            assert waits_for["migrate-cluster"]["condition"] == "service_completed_successfully"
            waits_for = cluster()["migrate-cluster"]["depends_on"]
        assert waits_for["opensearch-1"]["condition"] == "service_healthy", name
    health = cluster()["opensearch-1"]["healthcheck"]["test"][1]
    assert "wait_for_nodes=3" in health


def test_two_api_replicas_behind_nginx() -> None:
    services = cluster()
    assert services["api-1"]["command"] == services["api-2"]["command"]
    assert services["api-1"]["command"][:3] == ["uvicorn", "--factory", "api_service.main:create_app"]
    lb = services["lb"]
    assert re.fullmatch(r"nginx:[\d.]+", lb["image"])  # the official image
    assert set(lb["depends_on"]) == {"api-1", "api-2"}
    mount = next(v for v in lb["volumes"] if v.endswith(":/etc/nginx/conf.d/default.conf:ro"))
    conf = (ROOT / mount.split(":", 1)[0]).read_text()
    upstream = re.search(r"upstream contacts_api \{(.*?)\}", conf, re.S)
    assert upstream is not None
    assert re.findall(r"server (\S+?):8000", upstream.group(1)) == ["api-1", "api-2"]
    assert "proxy_pass http://contacts_api;" in conf
    assert not re.search(r"\b(sticky|ip_hash|hash)\b", upstream.group(1))  # stateless: no affinity


def test_the_relay_and_the_jobs_run_in_separate_workers_with_one_beat() -> None:
    services = cluster()
    relay, jobs = services["relay-worker"]["command"], services["jobs-worker-cluster"]["command"]
    assert relay[relay.index("-Q") + 1] == RELAY_QUEUE
    assert jobs[jobs.index("-Q") + 1] == JOBS_QUEUE
    assert services["relay-worker"]["deploy"]["replicas"] >= 2
    assert "--beat" not in relay and "--beat" not in jobs
    assert "beat" in services["beat-cluster"]["command"]
    assert "deploy" not in services["beat-cluster"]  # one scheduler
