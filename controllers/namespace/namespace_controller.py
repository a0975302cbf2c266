"""The namespace controller: a terminating namespace is emptied, then finalized.

Upstream ``pkg/controller/namespace/namespace_controller.go``: namespaces with a
``deletionTimestamp`` are queued (on add and update); ``syncNamespaceFromKey`` hands the name
to the :class:`~controllers.namespace.namespaced_resources_deleter.NamespacedResourcesDeleter`.
While content remains the namespace is looked at again after ``estimate / 2 + 1`` seconds;
other failures are retried with the queue's backoff.

Left out: the periodic resync of every namespace (five minutes upstream) -- an event or a
requeue brings every terminating namespace back anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from controllers.namespace.namespaced_resources_deleter import (
    DEFAULT_NAMESPACED_RESOURCES,
    ContentRemainsError,
    DiscoverResources,
    NamespacedResourcesDeleter,
    ResourcesRemainingError,
)
from controllers.runtime.controller import Controller, Request, Result
from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.errors import GroupResource
from minikube_py.informer import SharedInformer
from minikube_py.objects import Object

log = logging.getLogger(__name__)

COMPONENT = "namespace-controller"


class InformerFactory(Protocol):
    """``Manager.informer`` or ``ClusterHarness.informer``."""

    def __call__(self, resource: str) -> SharedInformer: ...


def _being_deleted(old: Object | None, new: Object) -> bool:
    return bool((new.get("metadata") or {}).get("deletionTimestamp"))


class NamespaceController:
    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        clock: ClusterClock,
        *,
        resources: Sequence[GroupResource] | DiscoverResources = DEFAULT_NAMESPACED_RESOURCES,
    ) -> None:
        self.namespaces = informers("namespaces")
        self.deleter = NamespacedResourcesDeleter(client, clock, resources=resources)

    def controller(self, *, name: str = COMPONENT, workers: int = 1) -> Controller:
        controller = Controller(name, self.reconcile, workers=workers)
        controller.watch(self.namespaces, predicates=[_being_deleted])
        return controller

    async def reconcile(self, request: Request) -> Result | None:
        """``syncNamespaceFromKey`` and the worker's handling of its result."""
        if self.namespaces.get("", request.name) is None:
            return None
        try:
            await self.deleter.delete(request.name)
        except ResourcesRemainingError as remaining:
            wait = remaining.estimate // 2 + 1
            log.debug("content remaining in namespace %s; again in %ss", request.name, wait)
            return Result(requeue_after=wait)
        except ContentRemainsError as error:
            log.info("deletion of namespace %s failed: %s", request.name, error)
            return Result(requeue=True)
        return None
