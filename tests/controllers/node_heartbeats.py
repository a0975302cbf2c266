"""A stand-in for kubelets in node lifecycle tests: Nodes that post status and renew Leases.

:class:`FakeKubelet` registers a Node (with a zone label if asked), posts a Ready=True status
and renews its Lease in ``kube-node-lease`` every ``renew_interval`` seconds (10 s, as a
kubelet), all through the API. ``kill()`` stops the renewals -- the node dies as far as the
control plane can tell; ``revive()`` posts Ready again and resumes them. ``last_renewal`` is
the monotonic time of the last heartbeat, for asserting the exact grace window.
"""

from __future__ import annotations

from typing import Any

import trio

from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.objects import Object

ZONE_LABEL = "topology.kubernetes.io/zone"


class FakeKubelet:
    def __init__(
        self,
        client: Client,
        clock: ClusterClock,
        name: str,
        *,
        zone: str = "",
        renew_interval: float = 10.0,
    ) -> None:
        self.client = client
        self.clock = clock
        self.name = name
        self.zone = zone
        self.renew_interval = renew_interval
        self.alive = True
        self.last_renewal = 0.0
        self._cancel: trio.CancelScope | None = None

    async def register(self) -> Object:
        labels = {"kubernetes.io/hostname": self.name}
        if self.zone:
            labels[ZONE_LABEL] = self.zone
        node = await self.client.create(
            {"apiVersion": "v1", "kind": "Node", "metadata": {"name": self.name, "labels": labels}}
        )
        await self.post_status("True")
        await self.client.create(
            {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": self.name, "namespace": "kube-node-lease"},
                "spec": {
                    "holderIdentity": self.name,
                    "leaseDurationSeconds": 40,
                    "renewTime": self.clock.micro_timestamp(),
                },
            }
        )
        self.last_renewal = self.clock.monotonic()
        return node

    async def post_status(self, ready: str, reason: str = "KubeletReady") -> Object:
        node = await self.client.get("nodes", self.name)
        now = self.clock.timestamp()
        conditions: list[dict[str, Any]] = []
        for kind in ("MemoryPressure", "DiskPressure", "PIDPressure"):
            conditions.append(
                {
                    "type": kind,
                    "status": "False",
                    "reason": f"KubeletHasNo{kind}",
                    "lastHeartbeatTime": now,
                    "lastTransitionTime": now,
                }
            )
        conditions.append(
            {
                "type": "Ready",
                "status": ready,
                "reason": reason,
                "message": "kubelet is posting ready status",
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
            }
        )
        node["status"] = {"conditions": conditions}
        return await self.client.update(node, subresource="status")

    async def renew(self) -> None:
        lease = await self.client.get("leases", self.name, namespace="kube-node-lease")
        lease["spec"]["renewTime"] = self.clock.micro_timestamp()
        await self.client.update(lease)
        self.last_renewal = self.clock.monotonic()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        await self.register()
        task_status.started()
        while True:
            await trio.sleep(self.renew_interval)
            if self.alive:
                await self.renew()

    def kill(self) -> None:
        self.alive = False

    async def revive(self) -> None:
        await self.post_status("True")
        await self.renew()
        self.alive = True


async def place_pod(
    client: Client,
    name: str,
    node: str,
    *,
    labels: dict[str, str] | None = None,
    tolerations: list[dict[str, Any]] | None = None,
    ready: bool = True,
    ip: str = "",
    ports: list[dict[str, Any]] | None = None,
    namespace: str = "default",
    extra_spec: dict[str, Any] | None = None,
    since: str = "",
) -> Object:
    """A pod bound to ``node`` with the status a kubelet would have written."""
    container: dict[str, Any] = {"name": "c", "image": "nginx"}
    if ports:
        container["ports"] = ports
    spec: dict[str, Any] = {"nodeName": node, "containers": [container], **(extra_spec or {})}
    if tolerations is not None:
        spec["tolerations"] = tolerations
    pod = await client.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {"app": "web"}},
            "spec": spec,
        }
    )
    return await set_pod_ready(client, pod, ready, ip=ip, since=since)


async def set_pod_ready(
    client: Client, pod: Object, ready: bool, *, ip: str = "", since: str = ""
) -> Object:
    """Write the pod's phase Running and its Ready condition (changed at ``since``)."""
    pod = await client.get("pods", pod["metadata"]["name"], namespace=pod["metadata"]["namespace"])
    status = "True" if ready else "False"
    pod["status"] = {
        **(pod.get("status") or {}),
        "phase": "Running",
        "conditions": [
            {"type": "PodScheduled", "status": "True"},
            {"type": "Ready", "status": status, **({"lastTransitionTime": since} if since else {})},
            {"type": "ContainersReady", "status": status},
        ],
    }
    if ip:
        pod["status"]["podIP"] = ip
        pod["status"]["podIPs"] = [{"ip": ip}]
    return await client.update(pod, subresource="status")
