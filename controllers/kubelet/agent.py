"""A simulated kubelet: registers its Node, keeps its Lease and status fresh, runs its pods.

As upstream's kubelet (``pkg/kubelet/kubelet_node_status.go``, ``nodelease``):

* registration creates the Node (labels, taints, ``spec.podCIDR``) and posts its status --
  capacity, allocatable, addresses, ``nodeInfo`` and the conditions ``MemoryPressure``,
  ``DiskPressure``, ``PIDPressure`` (False), ``Ready`` (True, ``KubeletReady``) and
  ``NetworkUnavailable`` (False, ``RouteCreated``), with the events a kubelet records at start;
* the Lease ``kube-node-lease/<node>`` is renewed every 10 s (a quarter of its 40 s duration)
  with upstream's 4 % jitter;
* the status is re-posted when it changes (checked on the 10 s tick: e.g. a newly pulled image in
  ``status.images``) or every 5 min (``nodeStatusReportFrequency``); an idle node is one sleeping
  task.

Operations for chaos: :meth:`NodeAgent.kill` stops everything at once (pods keep their last
reported state); running it again is a reboot (each pod gets a new sandbox and IP, its init
containers run again, its containers restart, restartCount + 1; a ``restartPolicy: Never`` pod
that ran fails instead);
:meth:`NodeAgent.partition` cuts API writes while pods keep running locally, and
:meth:`NodeAgent.heal` catches the API server up.
"""

from __future__ import annotations

from typing import Any

import trio

from controllers.kubelet.config import NodeConfig
from controllers.kubelet.containers import image_id, image_size, normalize_image
from controllers.kubelet.pods import PodWorker
from controllers.runtime.events import NORMAL, EventRecorder
from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.errors import AlreadyExists, Conflict, NotFound, StatusError
from minikube_py.informer import SharedInformer
from minikube_py.objects import Object

LEASE_NAMESPACE = "kube-node-lease"
LEASE_DURATION = 40
RENEW_INTERVAL = LEASE_DURATION / 4
RENEW_JITTER = 0.04
STATUS_REPORT_FREQUENCY = 300.0
KUBELET_VERSION = "v1.32.0"
#: nodeStatusMaxImages
MAX_IMAGES = 50

_PRESSURE = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)


def node_internal_ip(index: int) -> str:
    number = index + 2
    return f"10.0.{number // 256}.{number % 256}"


class NodeAgent:
    """One simulated kubelet. ``await nursery.start(agent.run)`` registers the node."""

    def __init__(
        self,
        client: Client,
        clock: ClusterClock,
        config: NodeConfig,
        pod_cidr_index: int,
        *,
        informer: SharedInformer | None = None,
    ) -> None:
        self.client = client
        self.clock = clock
        self.config = config
        self.name = config.name
        self.index = pod_cidr_index
        self.pod_cidr = f"10.244.{pod_cidr_index}.0/24"
        self.internal_ip = node_internal_ip(pod_cidr_index)
        self.recorder = EventRecorder(client, clock, "kubelet", config.name)
        self.workers: dict[str, PodWorker] = {}
        self.alive = False
        self.partitioned = False
        self.healed = trio.Event()
        self.registered = trio.Event()
        #: set while the agent is not running
        self.stopped = trio.Event()
        self.stopped.set()
        self.boots = 0
        #: when the current boot began (the probe workers spread their first probes after it)
        self.boot_time = 0.0
        self.runs_started = 0
        self.lease_renewals = 0
        self.status_posts = 0
        self.last_renewal = 0.0
        self._informer = informer
        self._own_informer = informer is None
        self._nursery: trio.Nursery | None = None
        self._scope: trio.CancelScope | None = None
        self._lease: Object | None = None
        self._last_status_post = 0.0
        self._next_ip = 2
        self._ips: set[str] = set()
        self._node_uid = ""
        #: the node's containerd images: normalized name -> size in bytes
        self.images: dict[str, int] = {normalize_image(i): image_size(i) for i in config.images}
        self._status_changed = False

    # -- state -----------------------------------------------------------------------------------

    @property
    def api_ok(self) -> bool:
        """Whether this kubelet can reach the API server now."""
        return self.alive and not self.partitioned

    def allocate_ip(self) -> str:
        base = self.pod_cidr.split("/")[0].rsplit(".", 1)[0]
        for _ in range(253):
            number = self._next_ip
            self._next_ip = 2 if self._next_ip >= 254 else self._next_ip + 1
            ip = f"{base}.{number}"
            if ip not in self._ips:
                self._ips.add(ip)
                return ip
        raise RuntimeError(f"node {self.name}: pod CIDR {self.pod_cidr} exhausted")

    @property
    def nursery(self) -> trio.Nursery | None:
        """Where the agent's pod tasks run while it is up."""
        return self._nursery

    def release_ip(self, ip: str) -> None:
        self._ips.discard(ip)

    def has_image(self, image: str) -> bool:
        return normalize_image(image) in self.images

    def add_image(self, image: str) -> None:
        """A pull finished: the image is on the node (reported at the next status sync)."""
        name = normalize_image(image)
        if name not in self.images:
            self.images[name] = image_size(image)
            self._status_changed = True

    def _image_list(self) -> list[dict[str, Any]]:
        """``status.images`` as the Images setter: largest first, at most 50, each named by
        digest and by tag."""
        ordered = sorted(self.images.items(), key=lambda item: (-item[1], item[0]))
        return [
            {"names": [image_id(name), name], "sizeBytes": size}
            for name, size in ordered[:MAX_IMAGES]
        ]

    # -- pods, as the informer tells them ---------------------------------------------------------

    def pod_changed(self, pod: Object) -> None:
        worker = self.workers.get(pod["metadata"].get("uid", ""))
        if worker is not None:
            worker.update(pod)
            return
        if self._nursery is None or self.partitioned:
            return  # down or cut off: picked up on restart or heal
        worker = PodWorker(self, pod)
        self.workers[worker.uid] = worker
        self._nursery.start_soon(self._run_worker, worker, False)

    def pod_deleted(self, pod: Object) -> None:
        worker = self.workers.pop(pod["metadata"].get("uid", ""), None)
        if worker is not None:
            worker.confirmed = True
            worker.changed.set()
            self.release_ip(worker.ip)

    async def _run_worker(self, worker: PodWorker, rebooted: bool) -> None:
        await worker.run(rebooted=rebooted)
        if self.workers.get(worker.uid) is worker and worker.confirmed:
            del self.workers[worker.uid]

    def _pods(self) -> list[Object]:
        assert self._informer is not None
        if self._own_informer:
            return self._informer.list()
        return self._informer.indexer.by_index("spec.nodeName", self.name)

    # -- running -----------------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Register (or re-register after a kill) and run until cancelled or killed."""
        if self._scope is not None:
            raise RuntimeError(f"node {self.name} is already running")
        self.alive = True
        self.boots += 1
        self.boot_time = self.clock.monotonic()
        self.stopped = trio.Event()
        try:
            with trio.CancelScope() as scope:
                self._scope = scope
                async with trio.open_nursery() as nursery:
                    await self._register()
                    if self._informer is None:
                        self._informer = SharedInformer(
                            self.client,
                            "pods",
                            field_selector=f"spec.nodeName={self.name}",
                            rng=self.clock.rng,
                        )
                    if self._own_informer:
                        self._informer.add_event_handler(_Handler(self))
                        await nursery.start(self._informer.run)
                    self._nursery = nursery
                    self._resume_pods()
                    self.registered.set()
                    task_status.started()
                    await self._heartbeat_loop()
        finally:
            self._nursery = None
            self._scope = None
            if self._own_informer:
                self._informer = None
            self.stopped.set()

    def _resume_pods(self) -> None:
        """Start workers for the node's pods: the ones known before a kill restart their
        containers (a reboot); the ones deleted while down get their deletion confirmed."""
        assert self._nursery is not None
        current = {p["metadata"].get("uid", ""): p for p in self._pods()}
        for uid in list(self.workers):
            if uid not in current:
                self.workers.pop(uid)
        for uid, pod in current.items():
            worker = self.workers.get(uid)
            if worker is None:
                worker = PodWorker(self, pod)
                self.workers[uid] = worker
                self._nursery.start_soon(self._run_worker, worker, False)
            elif not worker.running:
                worker.pod = pod
                worker.changed = trio.Event()
                self._nursery.start_soon(self._run_worker, worker, self.boots > 1)

    def kill(self) -> None:
        """Stop at once: no heartbeats, no lease renewals, no pod handling."""
        self.alive = False
        now = self.clock.monotonic()
        for worker in self.workers.values():
            for container in (*worker.init_containers, *worker.containers):
                if container.run is not None and "running" in container.state:
                    container.run.stop(now)
        if self._scope is not None:
            self._scope.cancel()

    def partition(self) -> None:
        """Writes to the API server stop; the node keeps running its pods."""
        self.partitioned = True
        self.healed = trio.Event()

    def heal(self) -> None:
        """Reconnect: the next heartbeat (now) renews the lease and posts status and pods."""
        self.partitioned = False
        self.healed.set()
        if self._nursery is not None:
            self._nursery.start_soon(self._catch_up)

    async def _catch_up(self) -> None:
        await self._renew_lease()
        await self._post_status(force=True)
        for worker in list(self.workers.values()):
            if worker.start_time and not worker.confirmed:
                await worker.sync()  # whatever happened meanwhile, the kubelet's view wins
            worker.changed.set()
        for pod in self._pods():
            self.pod_changed(pod)

    async def _heartbeat_loop(self) -> None:
        rng = self.clock.rng
        while True:
            await trio.sleep(RENEW_INTERVAL * (1 + RENEW_JITTER * rng.random()))
            if not self.api_ok:
                continue
            await self._renew_lease()
            # the status sync (every nodeStatusUpdateFrequency, 10 s, here folded into the
            # lease tick) posts at once when something changed, else every 5 minutes
            stale = self.clock.monotonic() - self._last_status_post >= STATUS_REPORT_FREQUENCY
            if stale or self._status_changed:
                await self._post_status()

    # -- the API side ------------------------------------------------------------------------------

    def _node_object(self) -> Object:
        config = self.config
        metadata: dict[str, Any] = {"name": self.name, "labels": dict(config.labels)}
        metadata["annotations"] = {
            "node.alpha.kubernetes.io/ttl": "0",
            "volumes.kubernetes.io/controller-managed-attach-detach": "true",
            **config.annotations,
        }
        spec: dict[str, Any] = {"podCIDR": self.pod_cidr, "podCIDRs": [self.pod_cidr]}
        if config.taints:
            spec["taints"] = [dict(t) for t in config.taints]
        return {"apiVersion": "v1", "kind": "Node", "metadata": metadata, "spec": spec}

    def _status(self, previous: Object | None) -> dict[str, Any]:
        config, now = self.config, self.clock.timestamp()
        old = {
            c.get("type"): c for c in ((previous or {}).get("status") or {}).get("conditions") or ()
        }

        def condition(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
            before = old.get(kind)
            moved = before is None or before.get("status") != status
            return {
                "type": kind,
                "status": status,
                "lastHeartbeatTime": now,
                "lastTransitionTime": now if moved else before.get("lastTransitionTime", now),
                "reason": reason,
                "message": message,
            }

        conditions = [
            condition(
                "NetworkUnavailable", "False", "RouteCreated", "RouteController created a route"
            )
        ]
        conditions += [condition(kind, "False", r, m) for kind, r, m in _PRESSURE]
        conditions.append(
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")
        )
        return {
            "capacity": dict(config.capacity),
            "allocatable": dict(config.allocatable),
            "conditions": conditions,
            "addresses": [
                {"type": "InternalIP", "address": self.internal_ip},
                {"type": "Hostname", "address": self.name},
            ],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "images": self._image_list(),
            "nodeInfo": {
                "machineID": f"{self.index:032x}",
                "systemUUID": f"{self.index:08x}-0000-0000-0000-000000000000",
                "bootID": f"{self.index:08x}-{self.boots:04x}-0000-0000-000000000000",
                "kernelVersion": config.kernel_version,
                "osImage": config.os_image,
                "containerRuntimeVersion": "containerd://1.7.0",
                "kubeletVersion": KUBELET_VERSION,
                "kubeProxyVersion": KUBELET_VERSION,
                "operatingSystem": "linux",
                "architecture": config.architecture,
            },
        }

    async def _register(self) -> None:
        first = False
        try:
            node = await self.client.create(self._node_object())
            first = True
        except AlreadyExists:
            node = await self.client.get("nodes", self.name)
        self._node_uid = node["metadata"].get("uid", "")
        was_ready = any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in (node.get("status") or {}).get("conditions") or ()
        )
        await self._post_status(node=node, force=True)
        await self._renew_lease()
        # a kubelet refers to its node with the node name as uid
        ref = {"kind": "Node", "apiVersion": "v1", "metadata": {"name": self.name}}
        ref["metadata"]["uid"] = self.name
        if self.boots == 1 or first:
            record = self.recorder.event
            await record(ref, NORMAL, "Starting", "Starting kubelet.")
            await record(
                ref, NORMAL, "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods"
            )
            for _, condition_reason, _ in _PRESSURE:
                reason = condition_reason.replace("Kubelet", "Node", 1)
                await record(ref, NORMAL, reason, f"Node {self.name} status is now: {reason}")
        else:
            await self.recorder.event(
                ref,
                "Warning",
                "Rebooted",
                f"Node {self.name} has been rebooted, boot id: "
                f"{self.index:08x}-{self.boots:04x}-0000-0000-000000000000",
            )
            await self.recorder.event(ref, NORMAL, "Starting", "Starting kubelet.")
        if not was_ready or first:
            await self.recorder.event(
                ref, NORMAL, "NodeReady", f"Node {self.name} status is now: NodeReady"
            )

    async def _post_status(self, *, node: Object | None = None, force: bool = False) -> None:
        for _ in range(3):
            if node is None:
                try:
                    node = await self.client.get("nodes", self.name)
                except NotFound:
                    return  # deleted: as upstream, a kubelet re-registers only when it restarts
            node["status"] = {**(node.get("status") or {}), **self._status(node)}
            try:
                await self.client.update(node, subresource="status")
            except Conflict:
                node = None
                continue
            except StatusError:
                return
            self.status_posts += 1
            self._status_changed = False
            self._last_status_post = self.clock.monotonic()
            return

    async def _renew_lease(self) -> None:
        for _ in range(3):
            lease = self._lease
            try:
                if lease is None:
                    lease = await self.client.get("leases", self.name, namespace=LEASE_NAMESPACE)
                lease["spec"]["renewTime"] = self.clock.micro_timestamp()
                lease["spec"]["holderIdentity"] = self.name
                lease["spec"]["leaseDurationSeconds"] = LEASE_DURATION
                self._lease = await self.client.update(lease)
            except NotFound:
                self._lease = None
                try:
                    self._lease = await self.client.create(self._new_lease())
                except AlreadyExists:
                    continue
            except Conflict:
                self._lease = None
                continue
            self.lease_renewals += 1
            self.last_renewal = self.clock.monotonic()
            return

    def _new_lease(self) -> Object:
        return {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {
                "name": self.name,
                "namespace": LEASE_NAMESPACE,
                "ownerReferences": [
                    {"apiVersion": "v1", "kind": "Node", "name": self.name, "uid": self._node_uid}
                ]
                if self._node_uid
                else [],
            },
            "spec": {
                "holderIdentity": self.name,
                "leaseDurationSeconds": LEASE_DURATION,
                "renewTime": self.clock.micro_timestamp(),
            },
        }


class _Handler:
    """Feeds an agent's own informer into it."""

    def __init__(self, agent: NodeAgent) -> None:
        self.agent = agent

    def on_add(self, obj: Object) -> None:
        self.agent.pod_changed(obj)

    def on_update(self, old: Object, new: Object) -> None:
        self.agent.pod_changed(new)

    def on_delete(self, obj: Any) -> None:
        self.agent.pod_deleted(getattr(obj, "obj", obj))


__all__ = ["LEASE_NAMESPACE", "NodeAgent", "node_internal_ip"]
