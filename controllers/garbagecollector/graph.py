"""The dependency graph: a node per object (by uid), edges from owners to their dependents.

Upstream ``pkg/controller/garbagecollector/graph.go``. A node knows its *identity* (the owner
reference coordinates plus namespace), its owners (the object's ``ownerReferences`` as last
observed) and its dependents. A node is *virtual* when only a dependent's owner reference
told us about it: the informers have not shown the object (yet). The attempt-to-delete worker
checks a virtual node against the API and, when the object is not there, a *virtual delete
event* takes it out of the graph and sends its dependents to be collected.

Two flags record where a node is in its own deletion: ``being_deleted`` (it has a
``deletionTimestamp``) and ``deleting_dependents`` (being deleted with the
``foregroundDeletion`` finalizer: it waits for its blocking dependents to go first).

Everything here is touched only from the graph builder's informer handlers and the workers,
all in one trio thread, so upstream's locks are not needed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OwnerReference = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ObjectReference:
    """``objectReference``: an owner reference's coordinates plus the namespace."""

    api_version: str
    kind: str
    name: str
    uid: str
    namespace: str = ""

    @classmethod
    def from_owner_reference(cls, ref: OwnerReference, namespace: str = "") -> ObjectReference:
        return cls(
            ref.get("apiVersion", ""),
            ref.get("kind", ""),
            ref.get("name", ""),
            ref.get("uid", ""),
            namespace,
        )

    def coordinates(self) -> ObjectReference:
        """The identity without its namespace (for comparisons with a bare owner reference)."""
        return ObjectReference(self.api_version, self.kind, self.name, self.uid)

    def __str__(self) -> str:
        where = f"{self.namespace}/" if self.namespace else ""
        return f"[{self.api_version}/{self.kind}, namespace: {where}{self.name}, uid: {self.uid}]"


def owner_reference_matches_coordinates(ref: OwnerReference, identity: ObjectReference) -> bool:
    """``ownerReferenceMatchesCoordinates``: same uid, name, kind and apiVersion."""
    return (
        ref.get("uid", "") == identity.uid
        and ref.get("name", "") == identity.name
        and ref.get("kind", "") == identity.kind
        and ref.get("apiVersion", "") == identity.api_version
    )


@dataclass(eq=False)
class Node:
    """``node``: one object of the graph (hashable by identity of the Python object)."""

    identity: ObjectReference
    owners: list[OwnerReference] = field(default_factory=list)
    dependents: set[Node] = field(default_factory=set)
    #: the object has deletionTimestamp and the foregroundDeletion finalizer
    deleting_dependents: bool = False
    #: the object has deletionTimestamp
    being_deleted: bool = False
    #: known only through a dependent's owner reference, not (yet) from an informer
    virtual: bool = False

    def clone(self) -> Node:
        return Node(
            self.identity,
            list(self.owners),
            set(self.dependents),
            self.deleting_dependents,
            self.being_deleted,
            self.virtual,
        )

    def is_observed(self) -> bool:
        return not self.virtual

    def mark_observed(self) -> None:
        self.virtual = False

    def blocking_dependents(self) -> list[Node]:
        """``blockingDependents``: dependents whose reference to us has blockOwnerDeletion."""
        blocking = []
        for dependent in self.dependents:
            for ref in dependent.owners:
                if ref.get("uid") == self.identity.uid and ref.get("blockOwnerDeletion"):
                    blocking.append(dependent)
        return sorted(blocking, key=lambda n: n.identity.uid)

    def unblock_owner_references(self) -> list[OwnerReference]:
        """Our owner references, each with ``blockOwnerDeletion`` false
        (``unblockOwnerReferencesStrategicMergePatch``' list)."""
        return [
            {**ref, "blockOwnerDeletion": False} if ref.get("blockOwnerDeletion") else dict(ref)
            for ref in self.owners
        ]

    def __str__(self) -> str:
        return str(self.identity)


class UIDToNode:
    """``concurrentUIDToNode``: the graph's index."""

    def __init__(self) -> None:
        self._nodes: dict[str, Node] = {}

    def read(self, uid: str) -> Node | None:
        return self._nodes.get(uid)

    def write(self, node: Node) -> None:
        self._nodes[node.identity.uid] = node

    def delete(self, uid: str) -> None:
        self._nodes.pop(uid, None)

    def __len__(self) -> int:
        return len(self._nodes)

    def __contains__(self, uid: str) -> bool:
        return uid in self._nodes
