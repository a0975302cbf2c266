"""The graph builder: informers ("monitors") on every resource keep the dependency graph.

Upstream ``pkg/controller/garbagecollector/graph_builder.go``. Each monitored resource has a
shared informer; its add, update and delete events become :class:`GraphEvent` s, and
:meth:`GraphBuilder.process_graph_changes` applies each to the graph (``uidToNode``) and
decides what the workers must look at:

* *attempt to delete* -- a dependent whose owner went away (or may never have existed: a
  *virtual* owner node is queued itself, to be checked against the API), an owner waiting for
  its dependents (``foregroundDeletion``), and an owner a blocking dependent stopped blocking;
* *attempt to orphan* -- an owner that started being deleted with the ``orphan`` finalizer.

Upstream funnels events through a ``graphChanges`` queue drained by one goroutine. Here the
informer handlers already run one at a time in their informers' tasks and processing a change
never does I/O, so a change is processed as it arrives; a *virtual* delete event (from a worker
that found a node's object gone) is processed at once in the worker the same way.

Work queues hold ``Request("", uid)``: a node is found again by uid when a worker takes it.
Upstream queues node pointers; the difference shows only when a virtual node is replaced while
queued, and then the worker sees the replacement, which is what it would look up anyway.

Left out: the absent-owner cache is an unbounded set (upstream: an LRU of 500); resources are
fixed at construction (no periodic rediscovery); no ``reportInvalidNamespaceOwnerRef`` events.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from controllers.garbagecollector.graph import (
    Node,
    ObjectReference,
    OwnerReference,
    UIDToNode,
    owner_reference_matches_coordinates,
)
from controllers.garbagecollector.restmapper import APIResource
from controllers.runtime.controller import Request
from minikube_py.informer import DeletedFinalStateUnknown, FuncHandler, SharedInformer
from minikube_py.objects import Object
from minikube_py.workqueue import RateLimitingQueue

log = logging.getLogger(__name__)

FINALIZER_ORPHAN = "orphan"
FINALIZER_DELETE_DEPENDENTS = "foregroundDeletion"


class InformerFactory(Protocol):
    """``Manager.informer`` or ``ClusterHarness.informer``."""

    def __call__(self, resource: str) -> SharedInformer: ...


class EventType(Enum):
    ADD = "add"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class GraphEvent:
    """``event``: what a monitor saw (or, ``virtual``, what a worker found out)."""

    type: EventType
    obj: Object
    old: Object | None = None
    #: the group/version/kind of the monitor (informer lists may lack kind)
    api_version: str = ""
    kind: str = ""
    virtual: bool = False


def uid_request(uid: str) -> Request:
    return Request("", uid)


def _meta(obj: Object) -> dict:
    return obj.get("metadata") or {}


def being_deleted(obj: Object) -> bool:
    return bool(_meta(obj).get("deletionTimestamp"))


def has_finalizer(obj: Object, finalizer: str) -> bool:
    return finalizer in (_meta(obj).get("finalizers") or ())


def has_delete_dependents_finalizer(obj: Object) -> bool:
    return has_finalizer(obj, FINALIZER_DELETE_DEPENDENTS)


def has_orphan_finalizer(obj: Object) -> bool:
    return has_finalizer(obj, FINALIZER_ORPHAN)


def _starts_waiting_for_dependents(old: Object | None, new: Object, finalizer: str) -> bool:
    """``startsWaitingForDependentsDeleted`` / ``...Orphaned``: the finalizer and the deletion
    timestamp are both on ``new`` and were not both on ``old``."""
    if not (being_deleted(new) and has_finalizer(new, finalizer)):
        return False
    return old is None or not (being_deleted(old) and has_finalizer(old, finalizer))


def references_diffs(
    old: list[OwnerReference], new: list[OwnerReference]
) -> tuple[list[OwnerReference], list[OwnerReference], list[tuple[OwnerReference, OwnerReference]]]:
    """``referencesDiffs``: owner references added, removed, and changed (same uid)."""
    old_by_uid = {ref.get("uid", ""): ref for ref in old}
    added: list[OwnerReference] = []
    changed: list[tuple[OwnerReference, OwnerReference]] = []
    for ref in new:
        previous = old_by_uid.pop(ref.get("uid", ""), None)
        if previous is None:
            added.append(ref)
        elif previous != ref:
            changed.append((previous, ref))
    return added, list(old_by_uid.values()), changed


def partition_dependents(
    dependents: Iterable[Node], match: ObjectReference
) -> tuple[list[Node], list[Node]]:
    """``partitionDependents``: dependents whose reference to ``match.uid`` agrees with its
    coordinates (and namespace, for a namespaced ``match``), and those that do not."""
    matching: list[Node] = []
    nonmatching: list[Node] = []
    for dependent in sorted(dependents, key=lambda n: n.identity.uid):
        is_match = False
        for ref in dependent.owners:
            if ref.get("uid") != match.uid:
                continue
            if match.namespace and dependent.identity.namespace != match.namespace:
                break
            is_match = owner_reference_matches_coordinates(ref, match)
            break
        (matching if is_match else nonmatching).append(dependent)
    return matching, nonmatching


class GraphBuilder:
    """Monitors plus the graph they keep; hands work to the collector's two queues."""

    def __init__(
        self,
        informers: InformerFactory,
        resources: Iterable[APIResource],
        attempt_to_delete: RateLimitingQueue[Request],
        attempt_to_orphan: RateLimitingQueue[Request],
    ) -> None:
        self.uid_to_node = UIDToNode()
        self.attempt_to_delete = attempt_to_delete
        self.attempt_to_orphan = attempt_to_orphan
        #: owners confirmed gone (``absentOwnerCache``); namespaced ones carry a namespace
        self.absent_owner_cache: set[ObjectReference] = set()
        self.monitors: list[SharedInformer] = []
        for resource in resources:
            informer = informers(resource.client_name)
            informer.add_event_handler(self._monitor_handler(resource))
            self.monitors.append(informer)

    # -- monitors ------------------------------------------------------------------------------

    def _monitor_handler(self, resource: APIResource) -> FuncHandler:
        def event(kind: EventType, obj: Object, old: Object | None = None) -> GraphEvent:
            return GraphEvent(kind, obj, old, resource.api_version, resource.kind)

        def on_delete(obj: Object | DeletedFinalStateUnknown) -> None:
            if isinstance(obj, DeletedFinalStateUnknown):
                obj = obj.obj
            self.process_graph_changes(event(EventType.DELETE, obj))

        return FuncHandler(
            on_add=lambda obj: self.process_graph_changes(event(EventType.ADD, obj)),
            on_update=lambda old, new: self.process_graph_changes(
                event(EventType.UPDATE, new, old)
            ),
            on_delete=on_delete,
        )

    def is_synced(self) -> bool:
        return all(monitor.has_synced for monitor in self.monitors)

    def enqueue_virtual_delete_event(self, identity: ObjectReference) -> None:
        """``enqueueVirtualDeleteEvent``: the API says this object is not there."""
        stub: Object = {
            "apiVersion": identity.api_version,
            "kind": identity.kind,
            "metadata": {"name": identity.name, "uid": identity.uid},
        }
        if identity.namespace:
            stub["metadata"]["namespace"] = identity.namespace
        self.process_graph_changes(
            GraphEvent(
                EventType.DELETE, stub, None, identity.api_version, identity.kind, virtual=True
            )
        )

    # -- processing ----------------------------------------------------------------------------

    def _delete(self, node: Node) -> None:
        self.attempt_to_delete.add(uid_request(node.identity.uid))

    def process_graph_changes(self, event: GraphEvent) -> None:
        """``processGraphChanges`` for one event."""
        obj = event.obj
        metadata = _meta(obj)
        uid = metadata.get("uid", "")
        if not uid:
            return
        existing = self.uid_to_node.read(uid)
        if existing is not None and not event.virtual and not existing.is_observed():
            # a virtual node is seen for real: check the coordinates dependents used for it
            observed = _identity_from_event(event)
            if observed != existing.identity:
                _, potentially_invalid = partition_dependents(existing.dependents, observed)
                for dependent in potentially_invalid:
                    self._delete(dependent)
                existing = existing.clone()
                existing.identity = observed
                self.uid_to_node.write(existing)
            existing.mark_observed()

        if event.type in (EventType.ADD, EventType.UPDATE) and existing is None:
            node = Node(
                identity=_identity_from_event(event),
                owners=list(metadata.get("ownerReferences") or ()),
                deleting_dependents=being_deleted(obj) and has_delete_dependents_finalizer(obj),
                being_deleted=being_deleted(obj),
            )
            self.insert_node(node)
            self.process_transitions(event.old, obj, node)
        elif event.type in (EventType.ADD, EventType.UPDATE):
            assert existing is not None
            owners = list(metadata.get("ownerReferences") or ())
            added, removed, changed = references_diffs(existing.owners, owners)
            if added or removed or changed:
                self.add_unblocked_owners_to_delete_queue(removed, changed)
                existing.owners = owners
                self.add_dependent_to_owners(existing, added)
                self.remove_dependent_from_owners(existing, removed)
            if being_deleted(obj):
                existing.being_deleted = True
            self.process_transitions(event.old, obj, existing)
        elif existing is None:
            log.debug("%s is not in the graph; nothing to delete", uid)
        else:
            self._process_delete(event, existing)

    def _process_delete(self, event: GraphEvent, existing: Node) -> None:
        remove_existing = True
        if event.virtual:
            deleted = _identity_from_event(event)
            if existing.virtual:
                matching, nonmatching = partition_dependents(existing.dependents, deleted)
                if nonmatching:
                    # dependents disagree on this owner's coordinates: keep the virtual node
                    remove_existing = False
                    if matching:
                        self.absent_owner_cache.add(deleted)
                        for dependent in matching:
                            self._delete(dependent)
                    if existing.identity == deleted:
                        replacement = _alternate_owner_identity(nonmatching, deleted)
                        if replacement is not None:
                            node = existing.clone()
                            node.identity = replacement
                            self.uid_to_node.write(node)
                            self.attempt_to_delete.add_rate_limited(uid_request(node.identity.uid))
            elif existing.identity != deleted:
                # a real node is not removed on a virtual event with other coordinates
                remove_existing = False
                matching, _ = partition_dependents(existing.dependents, deleted)
                if matching:
                    self.absent_owner_cache.add(deleted)
                    for dependent in matching:
                        self._delete(dependent)
        if not remove_existing:
            return
        self.remove_node(existing)
        if existing.dependents:
            self.absent_owner_cache.add(_identity_from_event(event))
        for dependent in sorted(existing.dependents, key=lambda n: n.identity.uid):
            self._delete(dependent)
        for ref in existing.owners:
            owner = self.uid_to_node.read(ref.get("uid", ""))
            if owner is not None and owner.deleting_dependents:
                # let the owner see whether its last blocking dependent just went
                self._delete(owner)

    def insert_node(self, node: Node) -> None:
        """``insertNode``."""
        self.uid_to_node.write(node)
        self.add_dependent_to_owners(node, node.owners)

    def add_dependent_to_owners(self, node: Node, owners: list[OwnerReference]) -> None:
        """``addDependentToOwners``: owners not in the graph get a virtual node, queued to be
        checked; a reference that disagrees with an observed owner queues the dependent."""
        potentially_invalid = False
        for ref in owners:
            owner = self.uid_to_node.read(ref.get("uid", ""))
            if owner is None:
                owner = Node(
                    identity=ObjectReference.from_owner_reference(ref, node.identity.namespace),
                    virtual=True,
                )
                self.uid_to_node.write(owner)
                owner.dependents.add(node)
                self._delete(owner)
                continue
            owner.dependents.add(node)
            if potentially_invalid:
                continue
            owner_namespaced = bool(owner.identity.namespace)
            if owner_namespaced and owner.identity.namespace != node.identity.namespace:
                if owner.is_observed():
                    log.info(
                        "%s references an owner %s in another namespace",
                        node.identity,
                        owner.identity,
                    )
                potentially_invalid = True
            elif not owner_reference_matches_coordinates(ref, owner.identity) or (
                not owner_namespaced
                and owner.identity.namespace != node.identity.namespace
                and not owner.is_observed()
            ):
                potentially_invalid = True
        if potentially_invalid:
            self._delete(node)

    def remove_dependent_from_owners(self, node: Node, owners: list[OwnerReference]) -> None:
        """``removeDependentFromOwners``."""
        for ref in owners:
            owner = self.uid_to_node.read(ref.get("uid", ""))
            if owner is not None:
                owner.dependents.discard(node)

    def remove_node(self, node: Node) -> None:
        """``removeNode``: out of the index and out of its owners' dependents."""
        self.uid_to_node.delete(node.identity.uid)
        self.remove_dependent_from_owners(node, node.owners)

    def add_unblocked_owners_to_delete_queue(
        self,
        removed: list[OwnerReference],
        changed: list[tuple[OwnerReference, OwnerReference]],
    ) -> None:
        """``addUnblockedOwnersToDeleteQueue``: a dependent stopped blocking an owner (the
        reference went, or lost ``blockOwnerDeletion``): the owner may be able to go now."""
        for ref in removed:
            if ref.get("blockOwnerDeletion"):
                owner = self.uid_to_node.read(ref.get("uid", ""))
                if owner is not None:
                    self._delete(owner)
        for old_ref, new_ref in changed:
            if old_ref.get("blockOwnerDeletion") and not new_ref.get("blockOwnerDeletion"):
                owner = self.uid_to_node.read(new_ref.get("uid", ""))
                if owner is not None:
                    self._delete(owner)

    def process_transitions(self, old: Object | None, new: Object, node: Node) -> None:
        """``processTransitions``: deletion with ``orphan`` -> attempt to orphan; with
        ``foregroundDeletion`` -> the node and all its dependents to attempt to delete."""
        if _starts_waiting_for_dependents(old, new, FINALIZER_ORPHAN):
            self.attempt_to_orphan.add(uid_request(node.identity.uid))
            return
        if _starts_waiting_for_dependents(old, new, FINALIZER_DELETE_DEPENDENTS):
            node.deleting_dependents = True
            for dependent in sorted(node.dependents, key=lambda n: n.identity.uid):
                self._delete(dependent)
            self._delete(node)


def _identity_from_event(event: GraphEvent) -> ObjectReference:
    metadata = _meta(event.obj)
    return ObjectReference(
        event.obj.get("apiVersion") or event.api_version,
        event.obj.get("kind") or event.kind,
        metadata.get("name", ""),
        metadata.get("uid", ""),
        metadata.get("namespace", ""),
    )


def _alternate_owner_identity(
    dependents: list[Node], verified_absent: ObjectReference
) -> ObjectReference | None:
    """``getAlternateOwnerIdentity``: another set of coordinates dependents use for the
    owner uid (the first one sorting after the absent one, else the first)."""
    absent_coordinates = verified_absent.coordinates()
    first: ObjectReference | None = None
    first_after: ObjectReference | None = None
    for dependent in dependents:
        for ref in dependent.owners:
            if ref.get("uid") != verified_absent.uid:
                continue
            candidate = ObjectReference.from_owner_reference(ref, dependent.identity.namespace)
            if candidate.coordinates() == absent_coordinates:
                continue
            if first is None or _ref_key(candidate) < _ref_key(first):
                first = candidate
            if _ref_key(candidate) > _ref_key(verified_absent) and (
                first_after is None or _ref_key(candidate) < _ref_key(first_after)
            ):
                first_after = candidate
    return first_after if first_after is not None else first


def _ref_key(ref: ObjectReference) -> tuple[str, str, str, str]:
    return (ref.api_version, ref.kind, ref.name, ref.namespace)
