"""Node loss in a three-node OpenSearch cluster: each node in its own JVM (deploy/opensearch/
LocalNode.java, as `deploy/stack.sh up --opensearch-nodes 3` starts them), the index with 3 shards,
1 replica and a routing partition of 2, the API and a relay worker given all three nodes.

While one client keeps writing contacts and another keeps searching and aggregating through a real
API process, one node (not the elected cluster manager) is killed with SIGKILL and later started
again on its data: every search and aggregation still answers 200 with every contact committed
before it began, every write answers 201 and is in PostgreSQL, and once the node is back PostgreSQL
and the index agree on every (id, version).

About two to three minutes (three JVMs start), so it carries the `cluster` marker besides `slow`:
`make test` runs it; `pytest -m "not cluster"` leaves it out.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api_service.workspaces.service import create_workspace
from indexer_worker.reconcile import reconcile
from shared.models import Contact
from shared.search.index import ensure_index, make_client
from shared.settings import Settings
from tests.faults.conftest import BIN, ROOT, FaultStack, Process, free_port, wait_until

pytestmark = [pytest.mark.slow, pytest.mark.cluster]
NODES = 3


@dataclass
class ClusterNode:
    name: str
    directory: Path
    port: int = field(default_factory=free_port)
    transport_port: int = field(default_factory=free_port)
    process: Process | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self, members: str) -> None:
        classpath = (ROOT / "var" / "opensearch" / "classpath.txt").read_text().strip()
        args = ["java", "-Xms512m", "-Xmx512m", "-XX:+UseG1GC", "-Djava.awt.headless=true", "-cp", classpath]
        args += [str(ROOT / "deploy/opensearch/LocalNode.java"), str(self.directory)]
        args += [str(self.port), str(self.transport_port), self.name, members]
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = Process(self.name, args, self.directory.parent / f"{self.name}.log")


def _health(client: Any) -> dict[str, Any]:
    result: dict[str, Any] = client.cluster.health()
    return result


@dataclass
class Traffic:
    """Writes through POST /v1/contacts and reads through search and aggregate, until stopped."""

    api: str
    headers: dict[str, str]
    stop: threading.Event = field(default_factory=threading.Event)
    created: list[str] = field(default_factory=list)
    write_failures: list[str] = field(default_factory=list)
    read_failures: list[str] = field(default_factory=list)
    reads: int = 0

    def write(self) -> None:
        with httpx.Client(base_url=self.api, headers=self.headers, timeout=30) as http:
            n = 0
            while not self.stop.is_set():
                body = {
                    "first_name": f"Node{n}",
                    "last_name": "Loss",
                    "email": f"n{n}-{uuid.uuid4().hex[:6]}@ex.com",
                }
                response = http.post("/v1/contacts", json=body)
                if response.status_code == 201:
                    self.created.append(response.json()["id"])
                else:
                    self.write_failures.append(f"{response.status_code} {response.text[:200]}")
                n += 1
                time.sleep(0.05)

    def read(self) -> None:
        with httpx.Client(base_url=self.api, headers=self.headers, timeout=30) as http:
            while not self.stop.is_set():
                # Contacts relayed long ago: every answer must hold at least those.
                settled = len(self.created) - 50
                search = http.post("/v1/contacts/search", json={"query": "node", "page_size": 5})
                aggregate = http.post("/v1/contacts/aggregate", json={"facets": [{"field": "country"}]})
                self.reads += 1
                for response in (search, aggregate):
                    if response.status_code != 200:
                        self.read_failures.append(f"{response.request.url.path} {response.status_code}")
                        continue
                    total = response.json()["total"]
                    total = total["value"] if isinstance(total, dict) else total  # search: {value, relation}
                    if total < settled:
                        self.read_failures.append(f"{response.request.url.path} total {total} < {settled}")
                time.sleep(0.1)


def test_a_node_lost_during_writes_and_searches_loses_nothing(fault_stack: FaultStack) -> None:
    stack = fault_stack
    stack.stop_workers()
    root = stack.root / "cluster"
    nodes = [ClusterNode(f"scale-node-{k}", root / f"node-{k}") for k in range(1, NODES + 1)]
    members = ",".join(f"{n.name}:{n.transport_port}" for n in nodes)
    for node in nodes:
        node.launch(members)
    urls = ",".join(n.url for n in nodes)
    settings: Settings = stack.settings.model_copy(
        update={
            "opensearch_url": urls,
            "index_alias": "contacts_faults_cluster",
            "index_shards": 3,
            "index_replicas": 1,
            "index_routing_partition_size": 2,
        }
    )
    client = make_client(settings, timeout=30)
    processes: list[Process] = []
    try:
        wait_until(
            lambda: _health(client)["number_of_nodes"] == NODES,
            240,
            "three OpenSearch nodes to form a cluster",
            interval=2,
        )
        ensure_index(client, settings)
        wait_until(lambda: _health(client)["status"] == "green", 120, "the index green", interval=1)
        with stack.session_factory() as session, session.begin():
            workspace, _, token = create_workspace(
                session, "cluster", f"c-{uuid.uuid4().hex[:8]}@ex.com", "C"
            )

        env = stack.worker_env(
            free_port(),
            CONTACTS_OPENSEARCH_URL=urls,
            CONTACTS_INDEX_ALIAS=settings.index_alias,
            CONTACTS_INDEX_SHARDS="3",
            CONTACTS_INDEX_REPLICAS="1",
            CONTACTS_INDEX_ROUTING_PARTITION_SIZE="2",
            CONTACTS_ADMIN_KEY="cluster-admin-key",
        )
        args = [str(BIN / "celery"), "-A", "indexer_worker.celery_app", "worker", "-Q", "relay", "--beat"]
        args += ["--concurrency=2", "--loglevel=INFO", "--schedule", str(root / "beat"), "-n", "cluster@%h"]
        processes.append(Process("worker", args, root / "worker.log", env=env))
        port = free_port()
        args = [str(BIN / "uvicorn"), "--factory", "api_service.main:create_app", "--host", "127.0.0.1"]
        api = Process("api", [*args, "--port", str(port)], root / "api.log", env=env)
        processes.append(api)
        api_url = f"http://127.0.0.1:{port}"
        wait_until(lambda: httpx.get(f"{api_url}/healthz", timeout=2).status_code == 200, 60, "the API")

        traffic = Traffic(api_url, {"Authorization": f"Bearer {token}"})
        threads = [threading.Thread(target=traffic.write), threading.Thread(target=traffic.read)]
        for thread in threads:
            thread.start()
        try:
            time.sleep(8)
            manager = client.cat.cluster_manager(format="json")[0]["node"]
            victim = next(n for n in nodes if n.name != manager)
            assert victim.process is not None
            victim.process.kill9()
            killed_at, reads_before = time.monotonic(), traffic.reads
            wait_until(
                lambda: _health(client)["number_of_nodes"] == NODES - 1, 60, "the cluster to notice the loss"
            )
            time.sleep(10)  # writes and reads go on with one node gone
            reads_while_down = traffic.reads - reads_before
            victim.launch(members)  # back on its own data
            wait_until(
                lambda: _health(client)["number_of_nodes"] == NODES,
                180,
                "the node to rejoin",
                interval=2,
            )
            down_seconds = time.monotonic() - killed_at
            time.sleep(3)
        finally:
            traffic.stop.set()
            for thread in threads:
                thread.join(timeout=60)
        assert traffic.write_failures == [], traffic.write_failures[:5]
        if traffic.read_failures:  # what the API logged about them
            lines = api.log_path.read_text(errors="replace").splitlines()
            print("--- API error lines ---", *[line for line in lines if '"error"' in line][-10:], sep="\n")
        assert traffic.read_failures == [], traffic.read_failures[:5]
        assert reads_while_down > 5, f"only {reads_while_down} reads while a node was down"
        wait_until(lambda: _health(client)["status"] == "green", 180, "every shard copy again", interval=2)

        def in_sync() -> bool:
            if stack.pending(uuid.UUID(str(workspace.id))):
                return False
            report = reconcile(
                stack.session_factory, client, settings, workspace_id=workspace.id, repair=False
            )
            return report.in_sync

        wait_until(in_sync, 120, "PostgreSQL and the index to agree", interval=1)
        report = reconcile(stack.session_factory, client, settings, workspace_id=workspace.id, repair=False)
        assert report.in_sync, "\n".join(report.lines())
        with stack.session_factory() as session:
            in_db = session.scalar(select(func.count()).where(Contact.workspace_id == workspace.id))
        assert in_db == len(traffic.created) == report.index_contacts
        print(
            f"node down {down_seconds:.0f}s; {len(traffic.created)} writes, {traffic.reads} reads, no failure"
        )
    finally:
        for process in processes:
            process.stop(timeout=30)
        client.close()
        for node in nodes:
            if node.process is not None:
                node.process.stop(timeout=60)
