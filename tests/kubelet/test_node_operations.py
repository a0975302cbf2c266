"""Simulated kubelets: kill, restart, partition and heal; with the node lifecycle controller."""

from __future__ import annotations

import pytest
import trio
from kubelet_helpers import condition, is_ready, make_job_pod, make_pod, start_nodes

from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


def _restarts(pod: Object) -> int:
    return pod["status"]["containerStatuses"][0]["restartCount"]


async def test_kill_stops_heartbeats_and_pods_keep_state(cluster: ClusterHarness) -> None:
    nodes = await start_nodes(cluster, "node-1")
    await make_pod(cluster, "web", "node-1")
    before = await cluster.wait_for("pods", "web", is_ready)
    nodes.kill("node-1")
    lease = await cluster.client.get("leases", "node-1", namespace="kube-node-lease")
    await trio.sleep(120)
    assert await cluster.client.get("leases", "node-1", namespace="kube-node-lease") == lease
    # pods created or deleted meanwhile are not touched
    await make_pod(cluster, "late", "node-1")
    await cluster.client.delete("pods", "web", namespace="default")
    await trio.sleep(30)
    late = await cluster.client.get("pods", "late", namespace="default")
    assert "phase" not in (late.get("status") or {}) or late["status"]["phase"] == "Pending"
    web = await cluster.client.get("pods", "web", namespace="default")
    assert web["status"] == before["status"]


async def test_restart_reboots_containers_and_confirms_deletions(cluster: ClusterHarness) -> None:
    nodes = await start_nodes(cluster, "node-1")
    await make_pod(cluster, "web", "node-1")
    await make_pod(cluster, "gone", "node-1")
    await cluster.wait_for("pods", "web", is_ready)
    await cluster.wait_for("pods", "gone", is_ready)
    nodes.kill("node-1")
    await cluster.client.delete("pods", "gone", namespace="default")
    await make_pod(cluster, "late", "node-1")
    await trio.sleep(60)
    await nodes.restart_started("node-1")
    await cluster.wait_for_deletion("pods", "gone")
    web = await cluster.wait_for("pods", "web", lambda p: _restarts(p) == 1 and is_ready(p))
    last = web["status"]["containerStatuses"][0]["lastState"]["terminated"]
    assert last["exitCode"] == 255 and last["reason"] == "Unknown"
    await cluster.wait_for("pods", "late", is_ready)
    node = await cluster.client.get("nodes", "node-1")
    assert condition(node, "Ready")["status"] == "True"
    events = await cluster.events(involved_name="node-1")
    assert "Rebooted" in [e["reason"] for e in events]


async def test_partition_then_heal_catches_up(cluster: ClusterHarness) -> None:
    nodes = await start_nodes(cluster, "node-1")
    await make_job_pod(
        cluster,
        "job",
        20,
    )
    await cluster.wait_for("pods", "job", is_ready)
    nodes.partition("node-1")
    lease = await cluster.client.get("leases", "node-1", namespace="kube-node-lease")
    await trio.sleep(60)
    assert await cluster.client.get("leases", "node-1", namespace="kube-node-lease") == lease
    job = await cluster.client.get("pods", "job", namespace="default")
    assert job["status"]["phase"] == "Running"  # the API server has not heard it finished
    assert nodes.agents["node-1"].workers[job["metadata"]["uid"]].phase == "Succeeded"
    nodes.heal("node-1")
    done = await cluster.wait_for("pods", "job", lambda p: p["status"]["phase"] == "Succeeded")
    assert done["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 0
    renewed = await cluster.client.get("leases", "node-1", namespace="kube-node-lease")
    assert renewed["spec"]["renewTime"] > lease["spec"]["renewTime"]


@pytest.mark.cluster(controllers=["nodelifecycle"])
async def test_killed_node_goes_unknown_after_grace(cluster: ClusterHarness) -> None:
    nodes = await start_nodes(cluster, "node-1", "node-2")
    await trio.sleep(15)
    nodes.kill("node-1")
    last = nodes.agents["node-1"].last_renewal
    node = await cluster.wait_for(
        "nodes",
        "node-1",
        lambda n: condition(n, "Ready").get("status") == "Unknown",
        namespace="",
        timeout=120,
    )
    # the grace period, plus up to two 5 s monitor periods (observe the renewal, then the miss)
    assert 50 <= trio.current_time() - last <= 61
    assert any(t["key"] == "node.kubernetes.io/unreachable" for t in node["spec"]["taints"])
    await nodes.restart_started("node-1")
    healthy = await cluster.wait_for(
        "nodes", "node-1", lambda n: condition(n, "Ready").get("status") == "True", namespace=""
    )
    assert condition(healthy, "Ready")["reason"] == "KubeletReady"


@pytest.mark.cluster(controllers=["nodelifecycle"])
async def test_long_partition_then_heal_restores_readiness(cluster: ClusterHarness) -> None:
    nodes = await start_nodes(cluster, "node-1", "node-2")
    await make_pod(cluster, "web", "node-1")
    await cluster.wait_for("pods", "web", is_ready)
    nodes.partition("node-1")
    await cluster.wait_for(
        "nodes",
        "node-1",
        lambda n: condition(n, "Ready").get("status") == "Unknown",
        namespace="",
        timeout=120,
    )
    # the node lifecycle controller marks the pods on the unreachable node not ready
    await cluster.wait_for("pods", "web", lambda p: not is_ready(p), timeout=30)
    nodes.heal("node-1")
    await cluster.wait_for(
        "nodes", "node-1", lambda n: condition(n, "Ready").get("status") == "True", namespace=""
    )
    web = await cluster.wait_for("pods", "web", is_ready, timeout=15)
    assert _restarts(web) == 0  # the containers kept running
