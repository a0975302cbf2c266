"""A whole cluster in one trio run: the assembly of store, API server and controllers.

``Cluster`` is what fixtures, the CLI and chaos scripts start::

    async with trio.open_nursery() as nursery:
        cluster = await nursery.start(Cluster(seed=1).run)
        client = cluster.client()

Its pieces start in dependency order inside ``run`` (store background work, bootstrap objects,
the controller manager) and stop together when the nursery is cancelled. The cluster clock and
its seeded generator are shared by every piece, so a run replays from its seed.

This module belongs to the *assembly* part of ``minikube_py``: it may import everything.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import trio

from apiserver.client import InProcessClient
from apiserver.endpoints.request import UserInfo
from apiserver.endpoints.server import APIServer
from apiserver.storage import MVCCStore, StoreConfig
from controllers.deployment import COMPONENT as DEPLOYMENT_COMPONENT
from controllers.deployment import DeploymentController
from controllers.disruption import COMPONENT as DISRUPTION_COMPONENT
from controllers.disruption import DisruptionController
from controllers.endpoint import COMPONENT as ENDPOINT_COMPONENT
from controllers.endpoint import EndpointController
from controllers.endpointslice import EndpointSliceController
from controllers.garbagecollector import GarbageCollector
from controllers.kubelet import NodePool, NodeSet
from controllers.namespace import NamespaceController
from controllers.nodelifecycle import COMPONENT as NODE_LIFECYCLE_COMPONENT
from controllers.nodelifecycle import NodeLifecycleController
from controllers.replicaset import ReplicaSetController
from controllers.runtime.events import EventRecorder
from controllers.runtime.manager import Manager
from controllers.scheduler import COMPONENT as SCHEDULER_COMPONENT
from controllers.scheduler import Profile, Scheduler, SchedulerConfiguration
from controllers.tainteviction import COMPONENT as TAINT_EVICTION_COMPONENT
from controllers.tainteviction import TaintEvictionController
from controllers.volume import COMPONENT as PV_COMPONENT
from controllers.volume import PROVISIONER_NAME, HostPathProvisioner, PersistentVolumeController
from minikube_py import objects
from minikube_py.clock import ClusterClock, seed_scheduler
from minikube_py.errors import AlreadyExists

#: The built-in controllers available so far, as kube-controller-manager names them.
BUILTIN_CONTROLLERS = (
    "namespace",
    "garbagecollector",
    "replicaset",
    "deployment",
    "disruption",
    "nodelifecycle",
    "taint-eviction-controller",
    "endpoint",
    "endpointslice",
    "persistentvolume-binder",
    # minikube's storage-provisioner addon (a pod in minikube), with its default-storageclass
    # addon's ``standard`` StorageClass
    "storage-provisioner",
)

#: minikube's default StorageClass (the default-storageclass addon)
STANDARD_STORAGE_CLASS: dict[str, Any] = {
    "apiVersion": "storage.k8s.io/v1",
    "kind": "StorageClass",
    "metadata": {
        "name": "standard",
        "labels": {"addonmanager.kubernetes.io/mode": "EnsureExists"},
        "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
    },
    "provisioner": PROVISIONER_NAME,
    "reclaimPolicy": "Delete",
    "volumeBindingMode": "Immediate",
}


class Cluster:
    def __init__(
        self,
        *,
        seed: int = 0,
        epoch: datetime | None = None,
        store: StoreConfig | None = None,
        controllers: Sequence[str] = BUILTIN_CONTROLLERS,
        scheduler: bool = True,
        scheduler_profile: Profile | Sequence[Profile] | SchedulerConfiguration | None = None,
        nodes: int = 0,
        node_pool: NodePool | None = None,
    ) -> None:
        self.clock = ClusterClock(epoch=epoch, seed=seed)
        self.kv = MVCCStore(store if store is not None else StoreConfig())
        self.server = APIServer(self.kv, self.clock)
        self.manager = Manager(self.client(user="system:kube-controller-manager"), self.clock)
        self._nursery: trio.Nursery | None = None
        self._controllers = tuple(controllers)
        self._install_controllers(controllers)
        #: kube-scheduler: its own identity, the process's shared informers
        self.scheduler: Scheduler | None = None
        if scheduler:
            client = self.client(user="system:kube-scheduler")
            self.scheduler = Scheduler(
                client,
                self.manager.informer,
                self.clock,
                EventRecorder(client, self.clock, SCHEDULER_COMPONENT),
                profile=scheduler_profile,
            )
        #: the simulated kubelets (``node-1``... from ``node_pool``); add, kill, restart,
        #: partition and heal nodes through it, also while the cluster runs
        self.nodes = NodeSet(self.client(user="system:node"), self.clock, pool=node_pool)
        for _ in range(nodes):
            self.nodes.add()
        self.server.log_source = self.nodes  # pods/log reads the containers' simulated output

    def _install_controllers(self, names: Sequence[str]) -> None:
        """Register kube-controller-manager's loops (by their upstream names) on the manager;
        they start once the manager's informers have synced."""
        unknown = set(names) - set(BUILTIN_CONTROLLERS)
        if unknown:
            raise ValueError(
                f"unknown controllers {sorted(unknown)}; available: {list(BUILTIN_CONTROLLERS)}"
            )
        manager, clock = self.manager, self.clock
        client, informers = manager.client, manager.informer
        if "namespace" in names:
            manager.add(NamespaceController(client, informers, clock).controller())
        if "garbagecollector" in names:
            GarbageCollector(client, informers).register(manager)
        if "replicaset" in names:
            recorder = EventRecorder(client, clock, "replicaset-controller")
            manager.add(ReplicaSetController(client, informers, recorder, clock).controller())
        if "deployment" in names:
            recorder = EventRecorder(client, clock, DEPLOYMENT_COMPONENT)
            manager.add(DeploymentController(client, informers, recorder, clock).controller())
        if "disruption" in names:
            recorder = EventRecorder(client, clock, DISRUPTION_COMPONENT)
            for loop in DisruptionController(client, informers, recorder, clock).controllers():
                manager.add(loop)
        if "nodelifecycle" in names:
            recorder = EventRecorder(client, clock, NODE_LIFECYCLE_COMPONENT)
            for loop in NodeLifecycleController(client, informers, recorder, clock).controllers():
                manager.add(loop)
        if "taint-eviction-controller" in names:
            recorder = EventRecorder(client, clock, TAINT_EVICTION_COMPONENT)
            for loop in TaintEvictionController(client, informers, recorder, clock).controllers():
                manager.add(loop)
        if "endpoint" in names:
            recorder = EventRecorder(client, clock, ENDPOINT_COMPONENT)
            manager.add(EndpointController(client, informers, recorder).controller())
        if "endpointslice" in names:
            manager.add(EndpointSliceController(client, informers).controller())
        if "persistentvolume-binder" in names:
            recorder = EventRecorder(client, clock, PV_COMPONENT)
            for loop in PersistentVolumeController(client, informers, recorder).controllers():
                manager.add(loop)
        if "storage-provisioner" in names:
            recorder = EventRecorder(client, clock, "k8s.io/minikube-hostpath")
            for loop in HostPathProvisioner(client, informers, recorder).controllers():
                manager.add(loop)

    def client(self, *, user: str = "system:admin", field_manager: str = "") -> InProcessClient:
        """A client acting as ``user`` (every call goes through the full pipeline)."""
        groups = (
            ("system:masters", "system:authenticated")
            if user == "system:admin"
            else ("system:authenticated",)
        )
        return InProcessClient(
            self.server, user=UserInfo(user, groups), field_manager=field_manager
        )

    @property
    def nursery(self) -> trio.Nursery:
        """Where the cluster runs its tasks (available once started)."""
        if self._nursery is None:
            raise RuntimeError("the cluster is not running")
        return self._nursery

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        """Run until cancelled; ``started`` with the cluster once it serves and its
        controllers' caches are synced."""
        if _on_virtual_time():
            seed_scheduler(self.clock.seed)  # virtual time: replayable interleavings too
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            await nursery.start(self.kv.run)
            await self.server.bootstrap()
            if "storage-provisioner" in self._controllers:
                await self._ensure_exists(STANDARD_STORAGE_CLASS, "storageclasses")
            await nursery.start(self.manager.run)
            if self.scheduler is not None:
                await nursery.start(self.scheduler.run)
            await nursery.start(self.nodes.run)
            task_status.started(self)

    async def _ensure_exists(self, obj: dict[str, Any], resource: str) -> None:
        """An addon object in ``EnsureExists`` mode: created once, never overwritten."""
        with contextlib.suppress(AlreadyExists):
            await self.client().create(objects.deep_copy(obj), resource=resource)

    async def start(self, run: Callable[..., Any], *args: Any) -> Any:
        """Start a component (``async def run(..., task_status)``) inside the cluster."""
        return await self.nursery.start(run, *args)


def _on_virtual_time() -> bool:
    """Whether this trio run uses trio's ``MockClock`` (without importing ``trio.testing``,
    which pulls in pytest: a third of ``minikube-py start``'s import time)."""
    testing = sys.modules.get("trio.testing")
    return testing is not None and isinstance(trio.lowlevel.current_clock(), testing.MockClock)
