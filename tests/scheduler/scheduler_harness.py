"""Helpers for the scheduler tests: Nodes and Pods as API objects, a running scheduler.

No kubelets run: Nodes are created directly with their capacity, labels and taints, and a
bound pod stays Pending (nothing runs it). Deleting a bound pod leaves it Terminating, so
:func:`confirm_deletions` plays the kubelet's part where a test needs pods to go away.
"""

from __future__ import annotations

import contextlib
from typing import Any

import trio

from controllers.runtime.events import EventRecorder
from controllers.scheduler import COMPONENT, Profile, Scheduler
from minikube_py.errors import NotFound
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness


def node(
    name: str,
    *,
    cpu: str = "4",
    memory: str = "8Gi",
    pods: str = "110",
    labels: dict[str, str] | None = None,
    taints: list[dict[str, Any]] | None = None,
    unschedulable: bool = False,
    extra: dict[str, str] | None = None,
    images: list[dict[str, Any]] | None = None,
    ephemeral_storage: str | None = None,
) -> Object:
    allocatable = {"cpu": cpu, "memory": memory, "pods": pods, **(extra or {})}
    if ephemeral_storage is not None:
        allocatable["ephemeral-storage"] = ephemeral_storage
    spec: dict[str, Any] = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    status: dict[str, Any] = {"capacity": dict(allocatable), "allocatable": allocatable}
    if images:
        status["images"] = images
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/hostname": name, **(labels or {})},
        },
        "spec": spec,
        "status": status,
    }


def pod(
    name: str,
    *,
    cpu: str | None = None,
    memory: str | None = None,
    labels: dict[str, str] | None = None,
    namespace: str = "default",
    **spec: Any,
) -> Object:
    requests: dict[str, str] = {}
    if cpu is not None:
        requests["cpu"] = cpu
    if memory is not None:
        requests["memory"] = memory
    container: dict[str, Any] = {"name": "c", "image": spec.pop("image", "nginx")}
    if requests:
        container["resources"] = {"requests": requests}
    if "ports" in spec:
        container["ports"] = spec.pop("ports")
    if "extended" in spec:
        container.setdefault("resources", {}).setdefault("requests", {}).update(
            spec.pop("extended")
        )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"containers": [container], **spec},
    }


async def create_nodes(cluster: ClusterHarness, *nodes: Object) -> None:
    for n in nodes:
        status = n.get("status")
        created = await cluster.client.create(n)
        if status and created.get("status") != status:
            # status is not written on create: set it as a kubelet would
            created["status"] = status
            await cluster.client.update(created, subresource="status")


async def start_scheduler(
    cluster: ClusterHarness, profile: Profile | list[Profile] | Any = None
) -> Scheduler:
    scheduler = Scheduler(
        cluster.client,
        cluster.informer,
        cluster.cluster.clock,
        EventRecorder(cluster.client, cluster.cluster.clock, COMPONENT),
        profile=profile,
    )
    await cluster.cluster.start(scheduler.run)
    return scheduler


def node_of(p: Object) -> str:
    return (p.get("spec") or {}).get("nodeName") or ""


async def wait_bound(
    cluster: ClusterHarness, name: str, namespace: str = "default", *, within: float = 60.0
) -> str:
    bound = await cluster.wait_for(
        "pods", name, lambda p: bool(node_of(p)), namespace=namespace, timeout=within
    )
    return node_of(bound)


def scheduled_condition(p: Object) -> dict[str, Any] | None:
    for c in (p.get("status") or {}).get("conditions") or ():
        if c.get("type") == "PodScheduled":
            return c
    return None


async def wait_unschedulable(cluster: ClusterHarness, name: str, namespace: str = "default") -> str:
    """Wait for PodScheduled=False; return its message."""

    def failed(p: Object) -> bool:
        c = scheduled_condition(p)
        return c is not None and c.get("status") == "False"

    p = await cluster.wait_for("pods", name, failed, namespace=namespace)
    condition = scheduled_condition(p)
    assert condition is not None
    return str(condition["message"])


async def failed_scheduling_messages(cluster: ClusterHarness, name: str) -> list[str]:
    events = await cluster.events(namespace="default", involved_name=name)
    return [e["message"] for e in events if e["reason"] == "FailedScheduling"]


async def confirm_deletions(cluster: ClusterHarness) -> None:
    """Play the kubelet: finish the deletion of every terminating pod, forever."""
    client = cluster.client
    while True:
        listed = await client.list("pods")
        for p in listed["items"]:
            if p["metadata"].get("deletionTimestamp"):
                with contextlib.suppress(NotFound):
                    await client.delete(
                        "pods",
                        p["metadata"]["name"],
                        namespace=p["metadata"]["namespace"],
                        grace_period_seconds=0,
                    )
        await trio.sleep(1)
