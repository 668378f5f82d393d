"""Node loss in a three-node OpenSearch cluster: each node in its own JVM (deploy/opensearch/
LocalNode.java, as `deploy/stack.sh up --opensearch-nodes 3` starts them), the index with 3 shards,
1 replica and a routing partition of 2, the API and a relay worker given all three nodes.

While one client keeps writing contacts and another keeps searching and aggregating through a real
API process, three faults follow one another, each killed with SIGKILL and later started again on
its data:
1. one node that is not the elected cluster manager: every search and aggregation still answers 200
   with every contact committed before it began;
2. the elected cluster manager (the others elect a new one) and
3. two of the three nodes (no quorum, shards without any copy): a read answers either 200 with every
   contact indexed before the fault, or 503 with Retry-After; never a 500, never a short answer.
   Only where CONTACTS_FAULTS_QUORUM_LOSS=1 (`make fault-loop QUORUM_LOSS=1`), not in `make test`:
   after a quorum loss, OpenSearch itself sometimes leaves the cluster unhealthy for many minutes
   on this two-core machine (a replica recovery hung at its first stage, bulk writes timing out
   after 30 s; 3 times in about 50 runs, docs/scaling.md), which no change of ours can shorten, and
   a CI that fails at random blocks every landing. Faults 1 and 2 are the node loss the issue asks
   for, and they run everywhere.
Every write answers 201 and is in PostgreSQL throughout, and once the nodes are back PostgreSQL and
the index agree on every (id, version). Then the differential property of test_filter_differential
(DIFFERENTIAL_EXAMPLES random filter trees, each a search and its aggregations checked against the
reference evaluator) runs on the cluster that came back.

About three to four minutes (three JVMs start, and restart four times), so it carries the `cluster`
marker besides `slow`: `make test` runs it; `pytest -m "not cluster"` leaves it out.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api_service.main import create_app
from api_service.workspaces.service import create_workspace
from indexer_worker.reconcile import reconcile
from shared.models import Contact
from shared.search.index import ensure_index, make_client
from shared.settings import Settings
from tests.faults.conftest import BIN, FaultStack, Process, free_port, local_node_command, wait_until
from tests.integration.test_filter_differential import build_dataset, check_differential

# Three JVMs start, and restart four times: minutes, more on a busy machine (the default is 300 s).
pytestmark = [pytest.mark.slow, pytest.mark.cluster, pytest.mark.timeout(900)]
NODES = 3
QUORUM_LOSS = os.environ.get("CONTACTS_FAULTS_QUORUM_LOSS") == "1"
# Fewer than the normal suite's 150: the cluster's three JVMs share the two cores.
DIFFERENTIAL_EXAMPLES = 60


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
        args = local_node_command()
        args += [str(self.directory)]
        args += [str(self.port), str(self.transport_port), self.name, members]
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = Process(self.name, args, self.directory.parent / f"{self.name}.log")


def _health(client: Any) -> dict[str, Any]:
    result: dict[str, Any] = client.cluster.health()
    return result


def _allocation_report(client: Any, nodes: list[ClusterNode]) -> str:
    """Why the cluster is not green: health, the shard table, the allocator's explanation of the
    first unassigned copy, active recoveries, and the last WARN or ERROR lines of each node's console
    (the directory goes with the test)."""
    parts: list[str] = []
    for title, call in (
        ("health", client.cluster.health),
        ("shards", lambda: client.cat.shards(v=True, h="index,shard,prirep,state,unassigned.reason,node")),
        ("allocation explain", client.cluster.allocation_explain),
        ("recovery", lambda: client.cat.recovery(v=True, active_only=True)),
    ):
        try:
            parts.append(f"--- {title} ---\n{call()}")
        except Exception as error:  # a report of what could be read
            parts.append(f"--- {title}: {error!r}")
    for node in nodes:
        path = node.directory.parent / f"{node.name}.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        interesting = [line for line in lines if "WARN" in line or "ERROR" in line]
        parts.append(f"--- {node.name}: last WARN or ERROR lines ---")
        parts.extend(interesting[-40:])
        errors = [k for k, line in enumerate(lines) if " ERROR " in line]
        if errors:  # the last error with the stack trace that follows it
            parts.append(f"--- {node.name}: the last ERROR and what follows it ---")
            parts.extend(lines[errors[-1] : errors[-1] + 40])
    return "\n".join(parts)


def _cancel_hung_recoveries(client: Any) -> bool:
    """Cancel every replica recovery still in its `init` stage (nothing copied yet); True if any was."""
    rows = client.cat.recovery(format="json", active_only=True)
    hung = [r for r in rows if r["type"] == "peer" and r["stage"] == "init"]
    for row in hung:
        print(f"cancelling the hung recovery of shard {row['shard']} on {row['target_node']}")
        command = {"index": row["index"], "shard": int(row["shard"]), "node": row["target_node"]}
        client.cluster.reroute(body={"commands": [{"cancel": {**command, "allow_primary": False}}]})
    return bool(hung)


def _wait_green(client: Any, seconds: float) -> bool:
    try:
        wait_until(lambda: _health(client)["status"] == "green", seconds, "every shard copy", interval=2)
    except AssertionError:
        return False
    return True


def _recover_replicas(client: Any, alias: str) -> None:
    """The operator's ways out when a replica stays unallocated once every node is back, tried in
    turn (docs/scaling.md): a replica's peer recovery can hang in its first stage after a node
    restart, with nothing copied (seen 3 times in about 50 fault-loop runs; an open OpenSearch report
    of the same against 3.3: opensearch-project/OpenSearch#20177).

    1. Cancel each recovery still in its `init` stage, so the copy is allocated afresh.
    2. Drop the index's replicas (`number_of_replicas` 0) and add them back, so every replica copy is
       built anew from its primary.
    If the cluster is still not green, every primary must be active (reads and writes go on, nothing
    is lost; the agreement check that follows proves it), else the test fails: the service cannot
    allocate shards, and a yellow cluster with every primary is what it is built to survive."""
    if _cancel_hung_recoveries(client) and _wait_green(client, 90):
        print("green again after cancelling the hung recovery")
        return
    print("dropping the replicas and adding them back")
    client.indices.put_settings(index=alias, body={"index": {"number_of_replicas": 0}})
    _wait_green(client, 60)
    client.indices.put_settings(index=alias, body={"index": {"number_of_replicas": 1}})
    if _wait_green(client, 120):
        print("green again after the replicas were built anew")
        return
    health = _health(client)  # yellow: every primary active, a replica missing
    assert health["status"] == "yellow", f"primaries not active: {health}"
    print(f"WARNING: OpenSearch left a replica unallocated (every primary active): {health}")


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
    unavailable: int = 0  # 503 answers while `outage_allowed` was set
    # While set: a 503 with Retry-After is an allowed answer (no quorum, shards without a copy).
    outage_allowed: threading.Event = field(default_factory=threading.Event)
    # While set: the number of contacts every answer must hold at least (those indexed before a
    # fault that may stall the relay); else every contact but the last 50 written.
    floor: int | None = None

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
                settled = self.floor if self.floor is not None else len(self.created) - 50
                search = http.post("/v1/contacts/search", json={"query": "node", "page_size": 5})
                aggregate = http.post("/v1/contacts/aggregate", json={"facets": [{"field": "country"}]})
                self.reads += 1
                for response in (search, aggregate):
                    if response.status_code == 503 and self.outage_allowed.is_set():
                        if int(response.headers.get("retry-after", "0")) <= 0:
                            self.read_failures.append(f"{response.request.url.path} 503 without Retry-After")
                        self.unavailable += 1
                        continue
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

        def kill(victims: list[ClusterNode]) -> None:
            for victim in victims:
                assert victim.process is not None
                victim.process.kill9()

        def restart(victims: list[ClusterNode], what: str) -> float:
            for victim in victims:
                victim.launch(members)  # back on its own data
            wait_until(
                lambda: _health(client)["number_of_nodes"] == NODES, 180, f"{what} to rejoin", interval=2
            )
            if not _wait_green(client, 180):
                print(_allocation_report(client, nodes))
                _recover_replicas(client, settings.index_alias)
            return time.monotonic()

        def manager_name() -> str:
            return str(client.cat.cluster_manager(format="json")[0]["node"])

        phases: list[str] = []
        try:
            time.sleep(8)
            # 1. A node that is not the elected cluster manager.
            victim = next(n for n in nodes if n.name != manager_name())
            kill([victim])
            killed_at, reads_before = time.monotonic(), traffic.reads
            wait_until(
                lambda: _health(client)["number_of_nodes"] == NODES - 1, 60, "the cluster to notice the loss"
            )
            time.sleep(10)  # writes and reads go on with one node gone
            reads_while_down = traffic.reads - reads_before
            phases.append(f"a node down {restart([victim], 'the node') - killed_at:.0f}s")
            assert reads_while_down > 5, f"only {reads_while_down} reads while a node was down"

            # 2. The elected cluster manager: the other two elect a new one. The relay may wait for
            # shard primaries to move meanwhile, so answers must hold what was indexed before.
            time.sleep(3)
            old_manager = manager_name()
            victim = next(n for n in nodes if n.name == old_manager)
            traffic.floor = len(traffic.created) - 50
            # While the others elect a new manager, shards can be briefly without a searchable copy
            # (seen for ~25 s in one run): such reads are 503 with Retry-After, never short or 500.
            traffic.outage_allowed.set()
            kill([victim])
            killed_at, reads_before = time.monotonic(), traffic.reads
            wait_until(lambda: manager_name() != old_manager, 90, "a new cluster manager", interval=1)
            time.sleep(8)
            reads_while_down = traffic.reads - reads_before
            phases.append(f"the elected manager down {restart([victim], 'the old manager') - killed_at:.0f}s")
            assert reads_while_down > 5, f"only {reads_while_down} reads while the manager was down"
            traffic.outage_allowed.clear()
            traffic.floor = None

            # 3. Two nodes of three: no quorum and shards without any live copy. Reads are 503 or
            # complete; writes still land in PostgreSQL.
            if QUORUM_LOSS:
                time.sleep(5)
                traffic.floor = len(traffic.created) - 50
                traffic.outage_allowed.set()
                victims = [n for n in nodes if n.name != manager_name()]
                kill(victims)
                killed_at, reads_before, created_before = (
                    time.monotonic(),
                    traffic.reads,
                    len(traffic.created),
                )
                time.sleep(15)  # a read may take the 2 s read retry before its 503
                reads_while_down = traffic.reads - reads_before
                writes_while_down = len(traffic.created) - created_before
                phases.append(f"two nodes down {restart(victims, 'both nodes') - killed_at:.0f}s")
                traffic.outage_allowed.clear()
                traffic.floor = None
                assert reads_while_down >= 2, f"only {reads_while_down} reads while two nodes were down"
                assert writes_while_down > 10, f"only {writes_while_down} writes while two nodes were down"
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
            f"{'; '.join(phases)}; {len(traffic.created)} writes, {traffic.reads} reads"
            f" ({traffic.unavailable} answered 503 while the manager or two nodes were down), no failure"
        )

        # Then the differential property on the cluster that lost and regained its nodes (3 shards,
        # a replica each, a workspace on 2 of them): every search and aggregation of random filter
        # trees answers what the reference evaluator decides. The worker and the API stop first, so
        # nothing else loads the machine meanwhile; the dataset is relayed by the test itself.
        for process in processes:
            process.stop(timeout=30)
        with TestClient(create_app(settings), raise_server_exceptions=False) as api_client:
            dataset = build_dataset(api_client, stack.session_factory, client, settings)
            check_differential(api_client, dataset, max_examples=DIFFERENTIAL_EXAMPLES)
    finally:
        for process in processes:
            process.stop(timeout=30)
        client.close()
        for node in nodes:
            if node.process is not None:
                node.process.stop(timeout=60)
