"""Cluster events from the storage objects plugins care about: PVs, claims, classes, CSI objects.

Upstream: ``pkg/scheduler/eventhandlers.go`` (``addAllEventHandlers``): beyond Pods and Nodes,
the scheduler watches a resource only when a plugin of some profile registered an event for it
(``gvkMap``), and turns each add, update and delete of it into a ``ClusterEvent`` that the queue
offers to the unschedulable pods' queueing hints. Updates of these resources are plain
``Update`` (only Nodes and Pods have finer update actions).

The scheduler calls :func:`add_resource_event_handlers` once, after its plugins registered their
events; informers come from the scheduler's factory, so they start with its other informers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from controllers.scheduler.framework.interface import ActionType, ClusterEvent, EventResource
from minikube_py.informer import DeletedFinalStateUnknown, FuncHandler, SharedInformer
from minikube_py.objects import Object

#: the event resources this scheduler can watch, and the API resource behind each
RESOURCE_INFORMERS: dict[str, str] = {
    EventResource.PERSISTENT_VOLUME: "persistentvolumes",
    EventResource.PERSISTENT_VOLUME_CLAIM: "persistentvolumeclaims",
    EventResource.STORAGE_CLASS: "storageclasses",
    EventResource.CSI_NODE: "csinodes",
    EventResource.CSI_DRIVER: "csidrivers",
    EventResource.CSI_STORAGE_CAPACITY: "csistoragecapacities",
}


class _Queue(Protocol):
    def move_all_to_active_or_backoff_queue(
        self, event: ClusterEvent, old: Object | None, new: Object | None
    ) -> None: ...


def _handler(resource: str, queue: _Queue) -> FuncHandler:
    add = ClusterEvent(resource, ActionType.ADD)
    update = ClusterEvent(resource, ActionType.UPDATE)
    delete = ClusterEvent(resource, ActionType.DELETE)

    def on_add(obj: Object) -> None:
        queue.move_all_to_active_or_backoff_queue(add, None, obj)

    def on_update(old: Object, new: Object) -> None:
        queue.move_all_to_active_or_backoff_queue(update, old, new)

    def on_delete(obj: Object | DeletedFinalStateUnknown) -> None:
        gone = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        queue.move_all_to_active_or_backoff_queue(delete, gone, None)

    return FuncHandler(on_add, on_update, on_delete)


def add_resource_event_handlers(
    informer_for: Callable[[str], SharedInformer],
    queue: _Queue,
    registered: Iterable[ClusterEvent],
) -> list[str]:
    """Watch every resource of ``RESOURCE_INFORMERS`` that some registered event names (a
    wildcard event adds no informer, as upstream); return the API resources now watched."""
    wanted = {event.resource for event in registered}
    watched: list[str] = []
    for resource, api_resource in RESOURCE_INFORMERS.items():
        if resource in wanted:
            informer_for(api_resource).add_event_handler(_handler(resource, queue))
            watched.append(api_resource)
    return watched


__all__ = ["RESOURCE_INFORMERS", "add_resource_event_handlers"]
