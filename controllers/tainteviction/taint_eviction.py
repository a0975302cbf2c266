"""The taint eviction controller (kube-controller-manager's ``taint-eviction-controller``, v1.32).

After upstream ``pkg/controller/tainteviction/taint_eviction.go`` and ``timed_workers.go``.
Pods on a node with ``NoExecute`` taints are deleted -- at once when some taint is not tolerated,
else when the shortest ``tolerationSeconds`` among the tolerations used runs out (never, when
they all tolerate for ever). Taking the taint away, or changing the pod's tolerations so that
they now tolerate for ever, cancels the scheduled deletion (a ``TaintManagerEviction`` event,
"Cancelling deletion of Pod ns/name"). Before deleting, the pod gets the ``DisruptionTarget``
condition (reason ``DeletionByTaintManager``) and a ``TaintManagerEviction`` event, "Marking for
deletion Pod ns/name".

As upstream, the toleration time is counted from when this controller first saw the pod on the
tainted node (``processPodOnNode``'s ``now``), which is the taint's ``timeAdded`` whenever the
controller is running when the taint is added.

The timed work queue is a dict of :class:`TimedWork` by pod key plus a runtime
:class:`~controllers.runtime.Controller` whose items are enqueued with the delay until their
``fire_at``; a work item that has fired stays in the dict (upstream's nil worker) so a pod being
deleted is not deleted again, until the pod's deletion cancels it.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from typing import Protocol

from controllers.nodelifecycle.node_lifecycle_controller import (
    POD_NODE_NAME_INDEX,
    ensure_pod_node_index,
)
from controllers.nodelifecycle.node_util import (
    Taint,
    Toleration,
    get_matching_tolerations,
    get_min_toleration_time,
    get_no_execute_taints,
)
from controllers.runtime.controller import Controller, Request, Result
from controllers.runtime.events import NORMAL, EventRecorder
from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.errors import NotFound
from minikube_py.informer import SharedInformer
from minikube_py.objects import Object

log = logging.getLogger(__name__)

COMPONENT = "taint-eviction-controller"
REASON = "TaintManagerEviction"
DISRUPTION_TARGET = "DisruptionTarget"


class InformerFactory(Protocol):
    def __call__(self, resource: str) -> SharedInformer: ...


@dataclass
class TimedWork:
    """A scheduled deletion: created (the start of the toleration) and due times, monotonic."""

    created_at: float
    fire_at: float
    fired: bool = False


def _pod_ref(namespace: str, name: str) -> Object:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": namespace, "name": name}}


def _no_execute_taints_changed(old: Object | None, new: Object) -> bool:
    """``NodeUpdated``: only a change of the node's NoExecute taints matters."""
    before = get_no_execute_taints(old) if old is not None else []
    return before != get_no_execute_taints(new)


def _pod_moved_or_retolerated(old: Object | None, new: Object) -> bool:
    """``PodUpdated``: a new pod, another node or other tolerations."""
    if old is None:
        return True
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    return old_spec.get("tolerations") != new_spec.get("tolerations") or old_spec.get(
        "nodeName"
    ) != new_spec.get("nodeName")


class TaintEvictionController:
    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        recorder: EventRecorder,
        clock: ClusterClock,
    ) -> None:
        self.client = client
        self.recorder = recorder
        self.clock = clock
        self.node_informer = informers("nodes")
        self.pod_informer = informers("pods")
        ensure_pod_node_index(self.pod_informer)
        self.tainted_nodes: dict[str, list[Taint]] = {}
        self.evictions: dict[str, TimedWork] = {}
        self._worker: Controller | None = None

    def controllers(self) -> list[Controller]:
        nodes = Controller("taint-eviction-node-update", self.handle_node_update)
        nodes.watch(self.node_informer, predicates=[_no_execute_taints_changed])
        pods = Controller("taint-eviction-pod-update", self.handle_pod_update, workers=2)
        pods.watch(self.pod_informer, predicates=[_pod_moved_or_retolerated])
        worker = Controller("taint-eviction-worker", self._fire, workers=4)
        self._worker = worker
        return [nodes, pods, worker]

    # -- the timed work queue ------------------------------------------------------------------

    def add_work(self, namespace: str, name: str, created_at: float, fire_at: float) -> None:
        key = f"{namespace}/{name}"
        if key in self.evictions:
            return  # already scheduled (or done): upstream skips it too
        self.evictions[key] = TimedWork(created_at, fire_at)
        if self._worker is not None:
            self._worker.enqueue(
                Request(namespace, name), max(0.0, fire_at - self.clock.monotonic())
            )

    async def cancel_work_with_event(self, namespace: str, name: str) -> None:
        work = self.evictions.pop(f"{namespace}/{name}", None)
        if work is not None and not work.fired:
            await self.recorder.event(
                _pod_ref(namespace, name),
                NORMAL,
                REASON,
                f"Cancelling deletion of Pod {namespace}/{name}",
            )

    async def _fire(self, request: Request) -> Result | None:
        work = self.evictions.get(str(request))
        if work is None or work.fired:
            return None
        wait = work.fire_at - self.clock.monotonic()
        if wait > 0:
            return Result(requeue_after=wait)
        await self.delete_pod(request.namespace, request.name)
        if self.evictions.get(str(request)) is work:
            work.fired = True
        return None

    async def delete_pod(self, namespace: str, name: str) -> None:
        """``deletePodHandler``: the event, the DisruptionTarget condition, the delete."""
        await self.recorder.event(
            _pod_ref(namespace, name),
            NORMAL,
            REASON,
            f"Marking for deletion Pod {namespace}/{name}",
        )
        try:
            pod = await self.client.get("pods", name, namespace=namespace)
        except NotFound:
            return
        conditions = pod.setdefault("status", {}).setdefault("conditions", [])
        wanted = {
            "type": DISRUPTION_TARGET,
            "status": "True",
            "reason": "DeletionByTaintManager",
            "message": "Taint manager: deleting due to NoExecute taint",
        }
        existing = next((c for c in conditions if c.get("type") == DISRUPTION_TARGET), None)
        if existing is None or any(existing.get(k) != v for k, v in wanted.items()):
            if existing is None or existing.get("status") != "True":
                wanted["lastTransitionTime"] = self.clock.timestamp()
            if existing is None:
                conditions.append(wanted)
            else:
                existing.update(wanted)
            try:
                await self.client.update(pod, subresource="status")
            except NotFound:
                return
        with contextlib.suppress(NotFound):
            await self.client.delete("pods", name, namespace=namespace)

    # -- handlers ------------------------------------------------------------------------------

    async def process_pod_on_node(
        self,
        namespace: str,
        name: str,
        tolerations: list[Toleration],
        taints: list[Taint],
        now: float,
    ) -> None:
        if not taints:
            await self.cancel_work_with_event(namespace, name)
        all_tolerated, used = get_matching_tolerations(taints, tolerations)
        if not all_tolerated:
            log.debug("not all taints are tolerated by pod %s/%s", namespace, name)
            await self.cancel_work_with_event(namespace, name)
            self.add_work(namespace, name, now, now)
            return
        minimum = get_min_toleration_time(used)
        if minimum < 0:  # tolerated for ever
            await self.cancel_work_with_event(namespace, name)
            return
        start, trigger = now, now + minimum
        scheduled = self.evictions.get(f"{namespace}/{name}")
        if scheduled is not None and not scheduled.fired:
            start = scheduled.created_at
            if start + minimum < trigger:
                return  # the eviction already scheduled comes sooner
            await self.cancel_work_with_event(namespace, name)
        self.add_work(namespace, name, start, trigger)

    async def handle_node_update(self, request: Request) -> None:
        node = self.node_informer.get("", request.name)
        if node is None:
            self.tainted_nodes.pop(request.name, None)
            return
        taints = get_no_execute_taints(node)
        if taints:
            self.tainted_nodes[request.name] = taints
        else:
            self.tainted_nodes.pop(request.name, None)
        pods = self.pod_informer.indexer.by_index(POD_NODE_NAME_INDEX, request.name)
        if not pods:
            return
        if not taints:  # short cut: nothing to evict for
            for pod in pods:
                metadata = pod["metadata"]
                await self.cancel_work_with_event(metadata["namespace"], metadata["name"])
            return
        now = self.clock.monotonic()
        for pod in pods:
            metadata = pod["metadata"]
            tolerations = (pod.get("spec") or {}).get("tolerations") or []
            await self.process_pod_on_node(
                metadata["namespace"], metadata["name"], tolerations, taints, now
            )

    async def handle_pod_update(self, request: Request) -> None:
        pod = self.pod_informer.get(request.namespace, request.name)
        if pod is None:
            await self.cancel_work_with_event(request.namespace, request.name)
            return
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name:
            return
        taints = self.tainted_nodes.get(node_name)
        if taints is None:
            node = self.node_informer.get("", node_name)
            taints = get_no_execute_taints(node) if node is not None else []
            if not taints:
                return
        tolerations = (pod.get("spec") or {}).get("tolerations") or []
        await self.process_pod_on_node(
            request.namespace, request.name, tolerations, taints, self.clock.monotonic()
        )
