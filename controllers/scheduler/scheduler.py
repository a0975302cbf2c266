"""The scheduler: informers feed the cache and the queue; one loop schedules pod after pod.

Upstream: ``pkg/scheduler/scheduler.go`` (``Scheduler``, ``New``, ``Run``) and
``eventhandlers.go`` (``addAllEventHandlers``, ``nodeSchedulingPropertiesChange``).

Start it inside a cluster::

    scheduler = Scheduler(client, cluster.manager.informer, cluster.clock,
                          EventRecorder(client, cluster.clock, "default-scheduler"))
    await cluster.start(scheduler.run)

Event handling (all synchronous, inside the informers' tasks):

* a pending pod (no ``spec.nodeName``) whose ``schedulerName`` is one of the profiles' goes
  to the queue; its updates refresh it there; its deletion removes it;
* a bound pod goes to the cache (confirming the assumption made for it) and raises
  ``AssignedPod`` Add / Update / Delete events for the unschedulable pods' hints; a pod that
  finished (Succeeded/Failed) leaves the cache as if deleted;
* a node goes to the cache; an added node raises ``Node/Add``, an update raises the events for
  what changed -- allocatable, labels, taints (and ``spec.unschedulable``), conditions
  (statuses only, not heartbeats), annotations.

Only the loop and the binding tasks write to the API server. A cycle does not yield (see
:mod:`.schedule_one`); the loop yields between pods, so HTTP requests and informers keep
flowing while thousands of pods are pending.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import trio

from controllers.runtime.events import EventRecorder
from controllers.scheduler.framework.eventhandlers import add_resource_event_handlers
from controllers.scheduler.framework.interface import (
    ActionType,
    ClusterEvent,
    EventResource,
)
from controllers.scheduler.framework.runtime import Framework
from controllers.scheduler.framework.waiting_pods import WaitingPods
from controllers.scheduler.internal.cache import Cache
from controllers.scheduler.internal.queue import (
    QueueingHintFunction,
    QueueingHintMap,
    SchedulingQueue,
)
from controllers.scheduler.plugins.registry import in_tree_registry
from controllers.scheduler.profile import Profile, SchedulerConfiguration
from controllers.scheduler.schedule_one import ScheduleOne
from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.informer import DeletedFinalStateUnknown, FuncHandler, SharedInformer
from minikube_py.objects import Object

log = logging.getLogger(__name__)

COMPONENT = "default-scheduler"

_NODE_ADD = ClusterEvent(EventResource.NODE, ActionType.ADD)
_NODE_DELETE = ClusterEvent(EventResource.NODE, ActionType.DELETE)
_ASSIGNED_POD_ADD = ClusterEvent(EventResource.ASSIGNED_POD, ActionType.ADD)
_ASSIGNED_POD_DELETE = ClusterEvent(EventResource.ASSIGNED_POD, ActionType.DELETE)


class InformerFactory(Protocol):
    """Where shared informers come from: ``Manager.informer`` or ``ClusterHarness.informer``."""

    def __call__(self, resource: str) -> SharedInformer: ...


def _key(obj: Object) -> str:
    metadata = obj.get("metadata") or {}
    return f"{metadata.get('namespace', '')}/{metadata.get('name', '')}"


def _assigned(pod: Object) -> bool:
    return bool((pod.get("spec") or {}).get("nodeName"))


def _terminal(pod: Object) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def node_scheduling_properties_change(new: Object, old: Object) -> list[ClusterEvent]:
    """``nodeSchedulingPropertiesChange``: the events an update of a node amounts to."""
    action = ActionType(0)
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    new_status, old_status = new.get("status") or {}, old.get("status") or {}
    new_meta, old_meta = new.get("metadata") or {}, old.get("metadata") or {}
    if bool(new_spec.get("unschedulable")) != bool(old_spec.get("unschedulable")):
        action |= ActionType.UPDATE_NODE_TAINT
    if new_status.get("allocatable") != old_status.get("allocatable"):
        action |= ActionType.UPDATE_NODE_ALLOCATABLE
    if (new_meta.get("labels") or {}) != (old_meta.get("labels") or {}):
        action |= ActionType.UPDATE_NODE_LABEL
    if (new_spec.get("taints") or []) != (old_spec.get("taints") or []):
        action |= ActionType.UPDATE_NODE_TAINT

    def conditions(status: dict[str, Any]) -> dict[str, Any]:
        return {c.get("type"): c.get("status") for c in status.get("conditions") or ()}

    if conditions(new_status) != conditions(old_status):
        action |= ActionType.UPDATE_NODE_CONDITION
    if (new_meta.get("annotations") or {}) != (old_meta.get("annotations") or {}):
        action |= ActionType.UPDATE_NODE_ANNOTATION
    return [ClusterEvent(EventResource.NODE, action)] if action else []


def _assigned_pod_update_event(old: Object, new: Object) -> ClusterEvent | None:
    action = ActionType(0)
    if ((old.get("metadata") or {}).get("labels") or {}) != (
        (new.get("metadata") or {}).get("labels") or {}
    ):
        action |= ActionType.UPDATE_POD_LABEL
    if (old.get("spec") or {}).get("containers") != (new.get("spec") or {}).get("containers"):
        action |= ActionType.UPDATE_POD_SCALE_DOWN
    return ClusterEvent(EventResource.ASSIGNED_POD, action) if action else None


class Scheduler(ScheduleOne):
    """kube-scheduler: profiles of plugins over one cache and one queue."""

    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        clock: ClusterClock,
        recorder: EventRecorder | None = None,
        *,
        profile: Profile | Sequence[Profile] | SchedulerConfiguration | None = None,
    ) -> None:
        if isinstance(profile, SchedulerConfiguration):
            config = profile
        elif isinstance(profile, Profile):
            config = SchedulerConfiguration(profiles=[profile])
        elif profile is None:
            config = SchedulerConfiguration()
        else:
            config = SchedulerConfiguration(profiles=list(profile))
        if not config.profiles:
            raise ValueError("the scheduler needs at least one profile")
        self.config = config
        self.client = client
        self.clock = clock
        self.recorder = (
            recorder if recorder is not None else EventRecorder(client, clock, COMPONENT)
        )
        self.cache = Cache()
        self.next_start_node_index = 0
        #: pods bound so far (for benchmarks and tests)
        self.scheduled = 0
        #: exceptions that were not API errors (bugs), as controllers keep them
        self.unexpected_errors: list[str] = []
        self._informer_factory = informers
        self.pods = informers("pods")
        self.nodes = informers("nodes")
        self._informers: dict[str, SharedInformer] = {"pods": self.pods, "nodes": self.nodes}
        for resource in (
            "namespaces",
            "poddisruptionbudgets",
            "services",
            "replicasets",
            "statefulsets",
        ):  # (ReplicationControllers are not served by this API server yet)
            self._informers[resource] = informers(resource)
        self.cache.namespace_labels = self._namespace_labels
        listers: dict[str, Callable[..., Any]] = {
            "pod": self.pod_lister,
            "pdbs": lambda: self._informers["poddisruptionbudgets"].list(),
            "services": lambda ns: self._informers["services"].list(ns),
            "replicasets": lambda ns: self._informers["replicasets"].list(ns),
            "statefulsets": lambda ns: self._informers["statefulsets"].list(ns),
        }
        registry = in_tree_registry()
        #: pods Permit plugins hold (``waitingPodsMap``, shared by every profile)
        self.waiting_pods = WaitingPods()
        self.queue: SchedulingQueue = None  # type: ignore[assignment]  # made below
        self.profiles: dict[str, Framework] = {}
        for p in config.profiles:
            if p.scheduler_name in self.profiles:
                raise ValueError(f"duplicate profile {p.scheduler_name!r}")
            recorder_for = (
                self.recorder
                if p.scheduler_name == COMPONENT
                else EventRecorder(client, clock, p.scheduler_name)
            )
            self.profiles[p.scheduler_name] = Framework(
                p,
                {**registry, **p.registry},
                snapshot=self.cache,
                nominator=None,  # type: ignore[arg-type]  # set once the queue exists
                client=client,
                clock=clock,
                recorder=recorder_for,
                listers=listers,
                informers=self._informer_for,
                waiting_pods=self.waiting_pods,
            )
        first = next(iter(self.profiles.values()))
        hint_map: QueueingHintMap = {}
        for name, fwk in self.profiles.items():
            grouped: dict[ClusterEvent, list[QueueingHintFunction]] = {}
            for plugin_name, event_with_hint in fwk.events_to_register():
                grouped.setdefault(event_with_hint.event, []).append(
                    QueueingHintFunction(plugin_name, event_with_hint.hint)
                )
            hint_map[name] = list(grouped.items())
        self.queue = SchedulingQueue(
            clock,
            first.queue_sort_key(),
            hint_map=hint_map,
            pod_initial_backoff=config.pod_initial_backoff_seconds,
            pod_max_backoff=config.pod_max_backoff_seconds,
            pod_max_in_unschedulable=config.pod_max_in_unschedulable_pods_seconds,
        )
        for fwk in self.profiles.values():
            fwk.nominator = self.queue.nominator
        add_resource_event_handlers(
            self._informer_for,
            self.queue,
            [e.event for fwk in self.profiles.values() for _, e in fwk.events_to_register()],
        )
        self._pre_enqueue = {
            name: [p for p in fwk.plugins.values() if hasattr(p, "pre_enqueue")]
            for name, fwk in self.profiles.items()
        }
        self.gated: dict[str, Object] = {}
        self._binding_nursery: trio.Nursery | None = None
        self._add_all_event_handlers()

    # -- lookups -------------------------------------------------------------------------------

    @property
    def binding_nursery(self) -> trio.Nursery:
        assert self._binding_nursery is not None, "the scheduler is not running"
        return self._binding_nursery

    def _informer_for(self, resource: str) -> SharedInformer:
        """A shared informer the scheduler starts with its own (plugins' informers)."""
        informer = self._informers.get(resource)
        if informer is None:
            informer = self._informers[resource] = self._informer_factory(resource)
        return informer

    def pod_lister(self, namespace: str, name: str) -> Object | None:
        return self.pods.get(namespace, name)

    def _namespace_labels(self, namespace: str) -> dict[str, str] | None:
        ns = self._informers["namespaces"].get("", namespace)
        return (ns.get("metadata") or {}).get("labels") if ns is not None else None

    def framework_for_pod(self, pod: Object) -> Framework | None:
        return self.profiles.get((pod.get("spec") or {}).get("schedulerName") or COMPONENT)

    def responsible_for_pod(self, pod: Object) -> bool:
        return ((pod.get("spec") or {}).get("schedulerName") or COMPONENT) in self.profiles

    # -- event handlers ------------------------------------------------------------------------

    def _add_all_event_handlers(self) -> None:
        self.pods.add_event_handler(
            FuncHandler(self._on_pod_add, self._on_pod_update, self._on_pod_delete)
        )
        self.nodes.add_event_handler(
            FuncHandler(self._on_node_add, self._on_node_update, self._on_node_delete)
        )

    def _gate(self, pod: Object) -> bool:
        """PreEnqueue: keep gated pods out of the queue until their gates are gone."""
        name = (pod.get("spec") or {}).get("schedulerName") or COMPONENT
        for plugin in self._pre_enqueue.get(name, ()):
            if plugin.pre_enqueue(pod) is not None:
                self.gated[_key(pod)] = pod
                return True
        self.gated.pop(_key(pod), None)
        return False

    def _on_pod_add(self, pod: Object) -> None:
        if _assigned(pod):
            if not _terminal(pod):
                self.cache.add_pod(pod)
                self.queue.move_all_to_active_or_backoff_queue(_ASSIGNED_POD_ADD, None, pod)
        elif self.responsible_for_pod(pod) and not _terminal(pod) and not self._gate(pod):
            self.queue.add(pod)

    def _on_pod_update(self, old: Object, new: Object) -> None:
        if _assigned(new):
            if not _assigned(old):
                # bound: leaves the queue, joins the cache (confirming the assumption)
                self.queue.delete(old)
                self.gated.pop(_key(old), None)
                if not _terminal(new):
                    self.cache.add_pod(new)
                    self.queue.move_all_to_active_or_backoff_queue(_ASSIGNED_POD_ADD, None, new)
                return
            if _terminal(new):
                self.cache.remove_pod(new)
                self.queue.move_all_to_active_or_backoff_queue(_ASSIGNED_POD_DELETE, old, None)
                return
            self.cache.update_pod(old, new)
            event = _assigned_pod_update_event(old, new)
            if event is not None:
                self.queue.move_all_to_active_or_backoff_queue(event, old, new)
            return
        if not self.responsible_for_pod(new) or _terminal(new):
            self.queue.delete(new)
            return
        was_gated = _key(new) in self.gated
        if self._gate(new):
            return
        if was_gated:
            self.queue.add(new)
        else:
            self.queue.update(old, new)

    def _on_pod_delete(self, obj: Object | DeletedFinalStateUnknown) -> None:
        pod = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        self.gated.pop(_key(pod), None)
        if _assigned(pod):
            self.cache.remove_pod(pod)
            self.queue.move_all_to_active_or_backoff_queue(_ASSIGNED_POD_DELETE, pod, None)
        else:
            self.queue.delete(pod)

    def _on_node_add(self, node: Object) -> None:
        self.cache.add_node(node)
        self.queue.move_all_to_active_or_backoff_queue(_NODE_ADD, None, node)

    def _on_node_update(self, old: Object, new: Object) -> None:
        self.cache.update_node(new)
        for event in node_scheduling_properties_change(new, old):
            self.queue.move_all_to_active_or_backoff_queue(event, old, new)

    def _on_node_delete(self, obj: Object | DeletedFinalStateUnknown) -> None:
        node = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        self.cache.remove_node(node["metadata"]["name"])
        self.queue.move_all_to_active_or_backoff_queue(_NODE_DELETE, node, None)

    # -- running -------------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        """Start the informers that are not running yet, wait for their caches, then schedule
        until cancelled; ``started`` once the caches are synced."""
        async with trio.open_nursery() as nursery:
            for informer in self._informers.values():
                if not informer.has_synced:
                    await nursery.start(informer.run)
            await nursery.start(self.queue.run)
            self._binding_nursery = nursery
            task_status.started(self)
            await self.schedule_loop()

    async def schedule_loop(self) -> None:
        while True:
            try:
                qpi = await self.queue.pop()
            except trio.EndOfChannel:
                return
            try:
                await self.schedule_one(qpi)
            except Exception as error:  # a bug in a plugin: keep scheduling, keep it on record
                self.unexpected_errors.append(
                    f"scheduling {qpi.key}: {''.join(traceback.format_exception(error))}"
                )
                log.exception("%s: unexpected error while scheduling", qpi.key)
                self.cache.forget_pod(qpi.key)
                qpi.unschedulable_plugins = set()
                self.queue.add_unschedulable_if_not_present(qpi, self.queue.scheduling_cycle)
                self.queue.done(qpi.key)


__all__ = ["COMPONENT", "Scheduler", "node_scheduling_properties_change"]
