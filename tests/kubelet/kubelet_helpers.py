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


async def make_probed_pod(
    cluster: ClusterHarness,
    name: str,
    *,
    node: str = "node-1",
    annotations: dict[str, str] | None = None,
    **probes: Any,
) -> Object:
    """A pod with one container ``c`` (nginx) declaring ``probes`` (``livenessProbe=...``)."""
    container = {"name": "c", "image": "nginx", **probes}
    return await make_pod(cluster, name, node, containers=[container], annotations=annotations)


async def make_job_pod(
    cluster: ClusterHarness, name: str, runs_for: float, *, node: str = "node-1", **spec: Any
) -> Object:
    """A Job-like pod (``restartPolicy: Never``) whose containers exit 0 after ``runs_for`` s."""
    annotations = {
        "sim.minikube-py.dev/crash-after": str(runs_for),
        "sim.minikube-py.dev/exit-code": "0",
    }
    return await make_pod(
        cluster, name, node, restartPolicy="Never", annotations=annotations, **spec
    )
