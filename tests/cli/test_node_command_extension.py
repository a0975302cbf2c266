"""The ``nodes`` operator extension: what ``minikube-py node ACTION NAME`` asks the emulator."""

from __future__ import annotations

import pytest

from controllers.kubelet import NodePool
from minikube_py.errors import AlreadyExists, BadRequest, MethodNotSupported, NotFound
from minikube_py.node_operations import NodeOperations
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(nodes=1, controllers=["nodelifecycle"])


async def test_kill_partition_heal_restart_add(cluster: ClusterHarness) -> None:
    nodes = cluster.cluster.nodes
    ops = NodeOperations(nodes, pools={"big": NodePool(capacity={"cpu": "64", "pods": "110"})})
    assert await ops("GET", [], None) == (200, {"nodes": [{"name": "node-1", "state": "running"}]})
    code, status = await ops("POST", ["node-1", "kill"], None)
    assert (code, status["status"], status["message"]) == (200, "Success", "node/node-1 killed")
    assert (await ops("GET", [], None))[1]["nodes"][0]["state"] == "down"
    await ops("POST", ["node-1", "restart"], None)
    await ops("POST", ["node-1", "partition"], None)
    assert (await ops("GET", [], None))[1]["nodes"][0]["state"] == "partitioned"
    await ops("POST", ["node-1", "heal"], None)
    code, _ = await ops("POST", ["node-9", "add"], {"pool": "big"})
    assert code == 201
    node = await cluster.client.get("nodes", "node-9")
    assert node["status"]["capacity"]["cpu"] == "64"


async def test_refusals_are_statuses(cluster: ClusterHarness) -> None:
    ops = NodeOperations(cluster.cluster.nodes)
    with pytest.raises(NotFound):
        await ops("POST", ["node-7", "kill"], None)
    with pytest.raises(NotFound):
        await ops("POST", ["node-1", "explode"], None)
    with pytest.raises(MethodNotSupported):
        await ops("GET", ["node-1", "kill"], None)
    with pytest.raises(AlreadyExists):
        await ops("POST", ["node-1", "add"], None)
    with pytest.raises(BadRequest, match='unknown node pool "huge"'):
        await ops("POST", ["node-2", "add"], {"pool": "huge"})
