"""Simulated kubelets: node registration, lease renewal, status reports, node events."""

from __future__ import annotations

import itertools

import pytest
import trio
from kubelet_helpers import condition, start_nodes

from controllers.kubelet import NodePool
from minikube_py.clock import parse_time
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


async def test_node_registration(cluster: ClusterHarness) -> None:
    pool = NodePool(
        zone="zone-b",
        capacity={"cpu": "8", "memory": "32Gi", "pods": "110", "example.com/gpu": "2"},
        taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}],
    )
    await start_nodes(cluster, "node-1", "node-2", pool=pool)
    node = await cluster.client.get("nodes", "node-2")
    labels = node["metadata"]["labels"]
    assert labels["kubernetes.io/hostname"] == "node-2"
    assert labels["topology.kubernetes.io/zone"] == "zone-b"
    assert labels["kubernetes.io/os"] == "linux"
    assert labels["kubernetes.io/arch"] == "amd64"
    assert node["spec"]["podCIDR"] == "10.244.1.0/24"
    assert node["spec"]["podCIDRs"] == ["10.244.1.0/24"]
    assert node["spec"]["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]
    status = node["status"]
    assert status["capacity"]["example.com/gpu"] == "2"
    assert status["allocatable"]["cpu"] == "8"
    assert {"type": "Hostname", "address": "node-2"} in status["addresses"]
    assert status["addresses"][0] == {"type": "InternalIP", "address": "10.0.0.3"}
    info = status["nodeInfo"]
    assert info["kubeletVersion"] == "v1.32.0"
    assert info["containerRuntimeVersion"] == "containerd://1.7.0"
    assert info["operatingSystem"] == "linux" and info["architecture"] == "amd64"
    ready = condition(node, "Ready")
    assert ready["status"] == "True" and ready["reason"] == "KubeletReady"
    assert ready["message"] == "kubelet is posting ready status"
    assert condition(node, "MemoryPressure")["reason"] == "KubeletHasSufficientMemory"
    assert condition(node, "DiskPressure")["reason"] == "KubeletHasNoDiskPressure"
    assert condition(node, "PIDPressure")["reason"] == "KubeletHasSufficientPID"
    assert condition(node, "NetworkUnavailable")["reason"] == "RouteCreated"
    lease = await cluster.client.get("leases", "node-2", namespace="kube-node-lease")
    assert lease["spec"]["holderIdentity"] == "node-2"
    assert lease["spec"]["leaseDurationSeconds"] == 40
    events = await cluster.events(involved_name="node-1")
    reasons = [e["reason"] for e in events]
    assert reasons[0] == "Starting" and "NodeReady" in reasons
    assert {"NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID"} <= set(
        reasons
    )
    assert all(e["source"] == {"component": "kubelet", "host": "node-1"} for e in events)
    starting = events[0]
    assert starting["message"] == "Starting kubelet."


async def test_lease_renewal_cadence(cluster: ClusterHarness) -> None:
    nodes = await start_nodes(cluster, "node-1")
    agent = nodes.agents["node-1"]
    times = []
    async with cluster.client.watch("leases", namespace="kube-node-lease") as stream:
        async for event in stream:
            times.append(parse_time(event["object"]["spec"]["renewTime"]))
            if len(times) == 8:
                break
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times[1:])]
    assert all(10.0 <= gap <= 10.4 for gap in gaps), gaps
    assert len(set(gaps)) > 1  # jittered
    # the status is re-posted only every 5 minutes when nothing changes
    post_times = []
    async with cluster.client.watch("nodes") as stream:
        async for event in stream:
            if event["type"] == "MODIFIED":
                post_times.append(trio.current_time())
                if len(post_times) == 2:
                    break
    assert 300 <= post_times[1] - post_times[0] <= 311
    assert agent.lease_renewals > 30
    node = await cluster.client.get("nodes", "node-1")
    ready = condition(node, "Ready")
    assert ready["lastHeartbeatTime"] != ready["lastTransitionTime"]
