"""The garbage collector: deletes dependents whose owners are gone, and carries out the
``Foreground`` and ``Orphan`` propagation policies.

Upstream ``pkg/controller/garbagecollector/garbagecollector.go``. Two work queues, two
workers' loops, both fed by the :class:`GraphBuilder`:

* :meth:`GarbageCollector.attempt_to_delete_item` -- for a node (by uid): read the live
  object; gone -> a virtual delete event for it; an owner in ``foregroundDeletion`` -> delete
  its dependents, and remove the finalizer once none blocks; otherwise classify its owner
  references (:meth:`classify_references`) as *solid* (the owner exists), *dangling* (no
  object with that uid: missing, or the name now holds another uid) or *waiting for
  dependents deletion* (the owner is being deleted in the foreground), and then:

  - some solid owner: keep the object, but drop its dangling and waiting references;
  - an owner waits and the object has dependents itself: delete it in the foreground too
    (first making its own references non-blocking if a dependent also waits -- a cycle guard);
  - otherwise: delete it, honouring an ``orphan`` or ``foregroundDeletion`` finalizer it
    already carries, else in the background;

* :meth:`GarbageCollector.attempt_to_orphan` -- for an owner deleted with ``orphan``: strip
  the reference to it from every dependent, then remove the ``orphan`` finalizer.

Results map to the runtime as upstream's ``workQueueItemAction``: ``forgetItem`` -> None,
``requeueItem`` -> ``Result(requeue=True)`` (rate-limited) or an API error raised.

Left out: metrics, the "garbage collector not synced" resync loop and RESTMapper resets
(resources are fixed at construction), the ``OwnerRefInvalidNamespace`` event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from controllers.garbagecollector.graph import Node, ObjectReference, OwnerReference
from controllers.garbagecollector.graph_builder import (
    FINALIZER_DELETE_DEPENDENTS,
    FINALIZER_ORPHAN,
    GraphBuilder,
    InformerFactory,
    has_delete_dependents_finalizer,
    has_orphan_finalizer,
)
from controllers.garbagecollector.operations import Operations
from controllers.garbagecollector.restmapper import DEFAULT_RESOURCES, APIResource, RESTMapper
from controllers.runtime.controller import Controller, Request, Result
from controllers.runtime.manager import Manager
from minikube_py.client import Client
from minikube_py.errors import NotFound, StatusError
from minikube_py.objects import Object

log = logging.getLogger(__name__)

COMPONENT = "garbage-collector-controller"


class _EnqueuedVirtualDeleteEvent(Exception):
    """``enqueuedVirtualDeleteEventErr``: the node's object is gone; the graph knows now."""


class _NamespacedOwnerOfClusterScopedObject(Exception):
    """``namespacedOwnerOfClusterScopedObjectErr``: retrying cannot fix such a reference."""


class GarbageCollector:
    """The collector; :meth:`controllers` gives its two loops as runtime controllers."""

    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        *,
        resources: Sequence[APIResource] = DEFAULT_RESOURCES,
        workers: int = 1,
    ) -> None:
        self.client = client
        self.workers = workers
        self.operations = Operations(client, RESTMapper(resources))
        self._delete_controller = Controller(
            f"{COMPONENT}-attempt-to-delete", self._attempt_to_delete_worker, workers=workers
        )
        self._orphan_controller = Controller(
            f"{COMPONENT}-attempt-to-orphan", self._attempt_to_orphan_worker, workers=workers
        )
        self.dependency_graph_builder = GraphBuilder(
            informers,
            resources,
            self._delete_controller.queue,
            self._orphan_controller.queue,
        )
        # the runtime starts (and waits for) a controller's informers before its workers
        self._delete_controller.informers.extend(self.dependency_graph_builder.monitors)
        self._orphan_controller.informers.extend(self.dependency_graph_builder.monitors)

    def controllers(self) -> list[Controller]:
        """The attempt-to-delete and attempt-to-orphan loops (run both)."""
        return [self._delete_controller, self._orphan_controller]

    def register(self, manager: Manager) -> list[Controller]:
        """Add both loops to a :class:`~controllers.runtime.Manager`."""
        return [manager.add(controller) for controller in self.controllers()]

    @property
    def graph(self) -> GraphBuilder:
        return self.dependency_graph_builder

    def _node(self, request: Request) -> Node | None:
        return self.dependency_graph_builder.uid_to_node.read(request.name)

    # -- attempt to delete ---------------------------------------------------------------------

    async def _attempt_to_delete_worker(self, request: Request) -> Result | None:
        """``attemptToDeleteWorker``."""
        node = self._node(request)
        if node is None:
            return None  # observed deleted meanwhile
        try:
            await self.attempt_to_delete_item(node)
        except _EnqueuedVirtualDeleteEvent:
            return None
        except _NamespacedOwnerOfClusterScopedObject:
            return None
        current = self._node(request)
        if current is not None and not current.is_observed():
            # not yet seen by an informer: look again, so a virtual node for an object
            # created and deleted while a watch was re-established cannot linger
            return Result(requeue=True)
        return None

    async def attempt_to_delete_item(self, item: Node) -> None:
        """``attemptToDeleteItem``."""
        if item.being_deleted and not item.deleting_dependents:
            return  # on its way out: its dependents are handled when it is gone
        try:
            latest = await self.operations.get_object(item.identity)
        except NotFound:
            self.dependency_graph_builder.enqueue_virtual_delete_event(item.identity)
            raise _EnqueuedVirtualDeleteEvent() from None
        latest_meta = latest.get("metadata") or {}
        if latest_meta.get("uid") != item.identity.uid:
            self.dependency_graph_builder.enqueue_virtual_delete_event(item.identity)
            raise _EnqueuedVirtualDeleteEvent()

        if item.deleting_dependents:
            await self.process_deleting_dependents_item(item)
            return

        owner_references: list[OwnerReference] = list(latest_meta.get("ownerReferences") or ())
        if not owner_references:
            return  # no owner: nothing to collect
        solid, dangling, waiting = await self.classify_references(item, owner_references)
        log.debug(
            "%s: solid %s, dangling %s, waiting %s",
            item.identity,
            _uids(solid),
            _uids(dangling),
            _uids(waiting),
        )
        if solid:
            if not dangling and not waiting:
                return
            # waiting references must go too, or their owners would wait for us forever
            await self.operations.delete_owner_references(
                item.identity, _uids(dangling) + _uids(waiting)
            )
            return
        if waiting and item.dependents:
            for dependent in list(item.dependents):
                if dependent.deleting_dependents:
                    log.info(
                        "%s: an owner and a dependent both delete dependents; unblocking its "
                        "owner references to avoid a cycle",
                        item.identity,
                    )
                    await self.operations.unblock_owner_references(item.identity)
                    break
            await self.operations.delete_object(
                item.identity,
                latest_meta.get("resourceVersion", ""),
                owner_references,
                "Foreground",
            )
            return
        if has_orphan_finalizer(latest):
            policy = "Orphan"
        elif has_delete_dependents_finalizer(latest):
            policy = "Foreground"
        else:
            policy = "Background"
        log.info("deleting %s with propagation policy %s", item.identity, policy)
        await self.operations.delete_object(
            item.identity, latest_meta.get("resourceVersion", ""), owner_references, policy
        )

    async def is_dangling(
        self, reference: OwnerReference, item: Node
    ) -> tuple[bool, Object | None]:
        """``isDangling``: is there no object with this reference's uid? Returns the owner when
        there is one."""
        builder = self.dependency_graph_builder
        absent = ObjectReference.from_owner_reference(reference)
        if absent in builder.absent_owner_cache:
            return True, None  # recorded absent cluster-scoped owner
        absent = ObjectReference.from_owner_reference(reference, item.identity.namespace)
        if absent in builder.absent_owner_cache:
            return True, None  # recorded absent namespaced owner
        resource = self.operations.api_resource(
            reference.get("apiVersion", ""), reference.get("kind", "")
        )
        if not resource.namespaced:
            absent = ObjectReference.from_owner_reference(reference)
        if not item.identity.namespace and resource.namespaced:
            log.info("%s is cluster-scoped but names a namespaced owner", item.identity)
            raise _NamespacedOwnerOfClusterScopedObject()
        try:
            owner = await self.client.get(
                resource.client_name,
                reference.get("name", ""),
                namespace=item.identity.namespace if resource.namespaced else "",
            )
        except NotFound:
            builder.absent_owner_cache.add(absent)
            return True, None
        if (owner.get("metadata") or {}).get("uid") != reference.get("uid"):
            builder.absent_owner_cache.add(absent)
            return True, None
        return False, owner

    async def classify_references(
        self, item: Node, latest_references: Iterable[OwnerReference]
    ) -> tuple[list[OwnerReference], list[OwnerReference], list[OwnerReference]]:
        """``classifyReferences``: solid, dangling, waitingForDependentsDeletion."""
        solid: list[OwnerReference] = []
        dangling: list[OwnerReference] = []
        waiting: list[OwnerReference] = []
        for reference in latest_references:
            is_dangling, owner = await self.is_dangling(reference, item)
            if is_dangling:
                dangling.append(reference)
                continue
            assert owner is not None
            if (owner.get("metadata") or {}).get(
                "deletionTimestamp"
            ) and has_delete_dependents_finalizer(owner):
                waiting.append(reference)
            else:
                solid.append(reference)
        return solid, dangling, waiting

    async def process_deleting_dependents_item(self, item: Node) -> None:
        """``processDeletingDependentsItem``: no blocking dependent left -> remove the
        ``foregroundDeletion`` finalizer; else make sure each is being deleted."""
        blocking = item.blocking_dependents()
        if not blocking:
            log.info("removing %s from %s", FINALIZER_DELETE_DEPENDENTS, item.identity)
            await self.operations.remove_finalizer(item.identity, FINALIZER_DELETE_DEPENDENTS)
            return
        for dependent in blocking:
            if not dependent.deleting_dependents:
                self._delete_controller.queue.add(Request("", dependent.identity.uid))

    # -- attempt to orphan ---------------------------------------------------------------------

    async def _attempt_to_orphan_worker(self, request: Request) -> Result | None:
        """``attemptToOrphanWorker``."""
        owner = self._node(request)
        if owner is None:
            return None
        dependents = sorted(owner.dependents, key=lambda n: n.identity.uid)
        await self.orphan_dependents(owner.identity, dependents)
        await self.operations.remove_finalizer(owner.identity, FINALIZER_ORPHAN)
        return None

    async def orphan_dependents(self, owner: ObjectReference, dependents: list[Node]) -> None:
        """``orphanDependents``: remove the reference to ``owner`` from each dependent; all are
        tried, the first failure is raised."""
        failure: StatusError | None = None
        for dependent in dependents:
            try:
                await self.operations.delete_owner_references(dependent.identity, [owner.uid])
            except NotFound:
                continue
            except StatusError as error:
                failure = failure or error
        if failure is not None:
            raise failure


def _uids(refs: list[OwnerReference]) -> list[str]:
    return [ref.get("uid", "") for ref in refs]
