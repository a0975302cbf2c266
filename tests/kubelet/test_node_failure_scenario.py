"""The node failure scenario of issue 7, end to end on virtual time with simulated kubelets.

A 3-node cluster runs a 6-replica Deployment behind a Service; one node is killed. The node goes
Ready=Unknown about 50 s after its last heartbeat, its pods are evicted 300 s later (the default
``not-ready``/``unreachable`` tolerations) and replaced on the other nodes, and the Service's
endpoints drop the dead pods.
"""

from __future__ import annotations

import time

import pytest
import trio
from kubelet_helpers import condition, is_ready, start_nodes

from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(scheduler=True)  # every built-in controller, and the scheduler


def _deployment() -> Object:
    labels = {"app": "web"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "replicas": 6,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx", "ports": [{"containerPort": 80}]}
                    ]
                },
            },
        },
    }


async def _pods(cluster: ClusterHarness) -> list[Object]:
    listed = await cluster.client.list("pods", namespace="default", label_selector="app=web")
    return listed["items"]


async def _ready_ips(cluster: ClusterHarness) -> set[str]:
    endpoints = await cluster.client.get("endpoints", "web", namespace="default")
    return {
        address["ip"]
        for subset in endpoints.get("subsets") or ()
        for address in subset.get("addresses") or ()
    }


async def test_killed_node_pods_are_replaced(cluster: ClusterHarness) -> None:
    wall = time.perf_counter()
    nodes = await start_nodes(cluster, "node-1", "node-2", "node-3")
    await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 80}]},
        }
    )
    await cluster.client.create(_deployment())

    async def all_ready() -> bool:
        pods = await _pods(cluster)
        return len(pods) == 6 and all(is_ready(p) for p in pods)

    await cluster.wait_until(all_ready)
    pods = await _pods(cluster)
    victims = {p["metadata"]["name"] for p in pods if p["spec"]["nodeName"] == "node-1"}
    assert victims, "the scheduler spreads the replicas over the three nodes"
    assert len(await _ready_ips(cluster)) == 6

    nodes.kill("node-1")
    last = nodes.agents["node-1"].last_renewal
    await cluster.wait_for(
        "nodes",
        "node-1",
        lambda n: condition(n, "Ready").get("status") == "Unknown",
        namespace="",
        timeout=120,
    )
    unknown_at = trio.current_time()
    assert 50 <= unknown_at - last <= 61

    async def endpoints_dropped() -> bool:
        ips = await _ready_ips(cluster)
        dead = {p["status"].get("podIP") for p in pods if p["metadata"]["name"] in victims}
        return not (ips & dead)

    await cluster.wait_until(endpoints_dropped, timeout=30)

    async def replaced() -> bool:
        current = await _pods(cluster)
        live = [
            p
            for p in current
            if not p["metadata"].get("deletionTimestamp") and p["spec"].get("nodeName") != "node-1"
        ]
        return len(live) == 6 and all(is_ready(p) for p in live)

    await cluster.wait_until(replaced, timeout=400)
    evicted_after = trio.current_time() - unknown_at
    assert 295 <= evicted_after <= 320, evicted_after
    assert len(await _ready_ips(cluster)) == 6
    assert time.perf_counter() - wall < 5
