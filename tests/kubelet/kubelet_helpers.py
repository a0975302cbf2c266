"""Helpers for simulated kubelet tests: a running NodeSet inside the test cluster."""

from __future__ import annotations

from typing import Any

from controllers.kubelet import NodePool, NodeSet
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness


async def start_nodes(
    cluster: ClusterHarness, *names: str, pool: NodePool | None = None
) -> NodeSet:
    nodes = NodeSet(cluster.client, cluster.cluster.clock, pool=pool)
    for name in names:
        nodes.add(name)
    await cluster.cluster.start(nodes.run)
    return nodes


async def make_pod(
    cluster: ClusterHarness,
    name: str,
    node: str,
    *,
    containers: list[dict[str, Any]] | None = None,
    annotations: dict[str, str] | None = None,
    namespace: str = "default",
    **spec: Any,
) -> Object:
    return await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "annotations": annotations or {}},
            "spec": {
                "nodeName": node,
                "containers": containers or [{"name": "c", "image": "nginx"}],
                **spec,
            },
        }
    )


def condition(obj: Object, kind: str) -> dict[str, Any]:
    for item in (obj.get("status") or {}).get("conditions") or ():
        if item.get("type") == kind:
            return item
    return {}


def is_ready(pod: Object) -> bool:
    return condition(pod, "Ready").get("status") == "True"
