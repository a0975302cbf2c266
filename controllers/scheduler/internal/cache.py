"""The scheduler cache: every node's :class:`NodeInfo`, kept from informers and assumptions.

Upstream: ``pkg/scheduler/internal/cache/cache.go`` (``cacheImpl``: ``AssumePod``,
``FinishBinding``, ``ForgetPod``, ``AddPod``/``UpdatePod``/``RemovePod``, ``AddNode``...),
``node_tree.go`` and ``snapshot.go``.

*Assume, then bind.* When a scheduling cycle picks a node, the pod is **assumed** onto it at
once: its requests count against the node for every later cycle, while the binding runs in
the background. When the informer later reports the pod bound (``spec.nodeName`` set), the
assumption is *confirmed* and replaced by the real pod; when binding fails the assumption is
*forgotten*. (Upstream also expires assumed pods whose binding finished but never showed up
after a TTL; with one in-process API server the informer always catches up, so there is no
expiry here.)

*No separate snapshot.* Upstream copies changed NodeInfos into a snapshot at the start of
each cycle because its informers run in other goroutines. Here everything is one trio thread
and a scheduling cycle does not yield between PreFilter and Reserve, so nothing can change
the cache under a cycle; :class:`Cache` *is* the snapshot and ``Snapshot`` is only an alias.

Nodes are listed in upstream's *node tree* order: round-robin over zones
(``topology.kubernetes.io/zone``, with region), in the order nodes arrived, so that the
filter pass, which starts where the previous one stopped, spreads work across zones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from controllers.scheduler.framework.types import (
    LABEL_TOPOLOGY_ZONE,
    NodeInfo,
    PodInfo,
    next_generation,
)
from minikube_py.objects import Object
from minikube_py.selectors.labels import LabelSelector

LABEL_TOPOLOGY_REGION = "topology.kubernetes.io/region"


def _zone_of(labels: dict[str, str]) -> str:
    region = labels.get(LABEL_TOPOLOGY_REGION, "")
    zone = labels.get(LABEL_TOPOLOGY_ZONE, "")
    return f"{region}:\x00:{zone}" if region or zone else ""


class _PodState:
    __slots__ = ("assumed", "binding_finished", "pod_info")

    def __init__(self, pod_info: PodInfo, assumed: bool) -> None:
        self.pod_info = pod_info
        self.assumed = assumed
        self.binding_finished = False


class Cache:
    """Nodes and the pods on them, assumed or bound."""

    def __init__(self) -> None:
        self.nodes: dict[str, NodeInfo] = {}
        self._pod_states: dict[str, _PodState] = {}
        #: zone -> node names, in arrival order (the node tree)
        self._zones: dict[str, list[str]] = {}
        self._node_list: list[NodeInfo] | None = None
        self._affinity_list: list[NodeInfo] | None = None
        self._anti_affinity_list: list[NodeInfo] | None = None
        #: ``image -> number of nodes that have it`` (ImageLocality's spread factor)
        self.image_num_nodes: dict[str, int] = {}
        #: namespace labels for affinity terms' namespaceSelector (set by the scheduler)
        self.namespace_labels: Callable[[str], dict[str, str] | None] = lambda _ns: None
        #: bumped whenever any pod or node changes (memoised per-cycle views check it)
        self.generation = 0
        self._selector_counts: dict[tuple[str, LabelSelector], dict[str, int]] = {}
        self._node_flags: tuple[bool, bool, bool] | None = None

    # -- nodes ---------------------------------------------------------------------------------

    def add_node(self, node: Object) -> NodeInfo:
        name = node["metadata"]["name"]
        info = self.nodes.get(name)
        if info is None:
            info = self.nodes[name] = NodeInfo(node)
            self._tree_add(info)
        else:
            old_zone = _zone_of(info.labels)
            self._images_remove(info)
            had_node = info.node is not None
            info.set_node(node)
            if not had_node:
                self._tree_add(info)
            elif _zone_of(info.labels) != old_zone:
                self._tree_remove(name, old_zone)
                self._tree_add(info)
        self._images_add(info)
        self._changed()
        return info

    update_node = add_node

    def remove_node(self, name: str) -> None:
        info = self.nodes.get(name)
        if info is None:
            return
        self._images_remove(info)
        self._tree_remove(name, _zone_of(info.labels))
        if info.pods:
            # keep the pods' accounting until they are removed (a "ghost" node, as upstream)
            info.node = None
            info.generation = next_generation()
        else:
            del self.nodes[name]
        self._changed()

    def _tree_add(self, info: NodeInfo) -> None:
        self._zones.setdefault(_zone_of(info.labels), []).append(info.name)

    def _tree_remove(self, name: str, zone: str) -> None:
        names = self._zones.get(zone)
        if names and name in names:
            names.remove(name)
            if not names:
                del self._zones[zone]

    def _images_add(self, info: NodeInfo) -> None:
        counts = self.image_num_nodes
        for image in info.image_sizes:
            counts[image] = counts.get(image, 0) + 1

    def _images_remove(self, info: NodeInfo) -> None:
        counts = self.image_num_nodes
        for image in info.image_sizes:
            left = counts.get(image, 0) - 1
            if left > 0:
                counts[image] = left
            else:
                counts.pop(image, None)

    def _changed(self) -> None:
        """A node changed: the node list and its derived views are rebuilt on next use."""
        self.generation += 1
        self._node_list = None
        self._affinity_list = None
        self._anti_affinity_list = None
        self._node_flags = None

    def _pods_changed(self, pod: PodInfo) -> None:
        """A pod came or went: only the (anti-)affinity views may change."""
        self.generation += 1
        if pod.has_affinity:
            self._affinity_list = None
            self._anti_affinity_list = None

    @property
    def any_unschedulable_node(self) -> bool:
        """Whether some node is cordoned (lets NodeUnschedulable skip a cycle otherwise)."""
        return self._flags()[0]

    @property
    def any_tainted_node(self) -> bool:
        """Whether some node has taints (lets TaintToleration skip a cycle otherwise)."""
        return self._flags()[1]

    @property
    def all_nodes_have_cpu_and_memory(self) -> bool:
        """Whether every node has CPU and memory allocatable (the scores' fast path)."""
        return self._flags()[2]

    def _flags(self) -> tuple[bool, bool, bool]:
        if self._node_flags is None:
            nodes = self.node_info_list
            self._node_flags = (
                any(n.unschedulable for n in nodes),
                any(n.taints for n in nodes),
                all(n.alloc_cpu and n.alloc_memory for n in nodes),
            )
        return self._node_flags

    # -- the snapshot view ---------------------------------------------------------------------

    @property
    def node_info_list(self) -> list[NodeInfo]:
        """Nodes in node-tree order (zones round-robin); ghost nodes excluded."""
        if self._node_list is None:
            ordered: list[NodeInfo] = []
            zones = [names for names in self._zones.values() if names]
            index = 0
            while True:
                took = False
                for names in zones:
                    if index < len(names):
                        ordered.append(self.nodes[names[index]])
                        took = True
                if not took:
                    break
                index += 1
            self._node_list = ordered
        return self._node_list

    @property
    def have_pods_with_affinity_list(self) -> list[NodeInfo]:
        if self._affinity_list is None:
            self._affinity_list = [n for n in self.node_info_list if n.pods_with_affinity]
        return self._affinity_list

    @property
    def have_pods_with_required_anti_affinity_list(self) -> list[NodeInfo]:
        if self._anti_affinity_list is None:
            self._anti_affinity_list = [
                n for n in self.node_info_list if n.pods_with_required_anti_affinity
            ]
        return self._anti_affinity_list

    def get(self, name: str) -> NodeInfo | None:
        info = self.nodes.get(name)
        return info if info is not None and info.node is not None else None

    # -- pods ----------------------------------------------------------------------------------

    def _node_for(self, name: str) -> NodeInfo:
        info = self.nodes.get(name)
        if info is None:
            # a pod bound to a node not seen yet: account for it on a ghost node
            info = self.nodes[name] = NodeInfo(name=name)
        return info

    def _place(self, pod_info: PodInfo, node_name: str) -> None:
        info = self.nodes.get(node_name)
        if info is None:
            info = self._node_for(node_name)
            self._changed()
        info.add_pod(pod_info)
        if self._selector_counts:
            self._count_add(pod_info, node_name)
        self._pods_changed(pod_info)

    def _unplace(self, key: str, node_name: str) -> PodInfo | None:
        info = self.nodes.get(node_name)
        if info is None:
            return None
        removed = info.remove_pod(key)
        if removed is not None:
            if self._selector_counts:
                self._count_remove(removed, node_name)
            self._pods_changed(removed)
        if info.node is None and not info.pods:
            del self.nodes[node_name]
            self._changed()
        return removed

    def assume_pod(self, pod_info: PodInfo, node_name: str) -> None:
        """``AssumePod``: count the pod on ``node_name`` before it is bound."""
        if pod_info.key in self._pod_states:
            raise ValueError(f"pod {pod_info.key} is in the cache, so can't be assumed")
        pod_info.node_name = node_name
        self._pod_states[pod_info.key] = _PodState(pod_info, assumed=True)
        self._place(pod_info, node_name)

    def finish_binding(self, key: str) -> None:
        state = self._pod_states.get(key)
        if state is not None and state.assumed:
            state.binding_finished = True

    def forget_pod(self, key: str) -> None:
        """``ForgetPod``: drop an assumption whose binding failed."""
        state = self._pod_states.get(key)
        if state is None or not state.assumed:
            return
        del self._pod_states[key]
        self._unplace(key, state.pod_info.node_name)

    def is_assumed(self, key: str) -> bool:
        state = self._pod_states.get(key)
        return state is not None and state.assumed

    def add_pod(self, pod: Object) -> None:
        """``AddPod``: a bound pod from the informer (confirming an assumption if there is
        one)."""
        metadata = pod.get("metadata") or {}
        key = f"{metadata.get('namespace', '')}/{metadata.get('name', '')}"
        state = self._pod_states.get(key)
        node_name = (pod.get("spec") or {}).get("nodeName") or ""
        if state is not None:
            old = state.pod_info
            if (
                old.uid == metadata.get("uid")
                and old.node_name == node_name
                and old.labels == (metadata.get("labels") or {})
                and old.deleting == bool(metadata.get("deletionTimestamp"))
            ):
                # the same pod where we assumed (or saw) it: confirm in place
                old.refresh(pod)
                state.assumed = False
                return
            self._unplace(key, old.node_name)
        pod_info = PodInfo(pod)
        self._pod_states[key] = _PodState(pod_info, assumed=False)
        self._place(pod_info, node_name)

    def update_pod(self, old: Object, new: Object) -> None:
        self.add_pod(new)

    def remove_pod(self, pod: Object) -> None:
        metadata = pod.get("metadata") or {}
        key = f"{metadata.get('namespace', '')}/{metadata.get('name', '')}"
        state = self._pod_states.pop(key, None)
        if state is not None:
            self._unplace(key, state.pod_info.node_name)

    def pod_info(self, key: str) -> PodInfo | None:
        state = self._pod_states.get(key)
        return state.pod_info if state is not None else None

    @property
    def pod_count(self) -> int:
        return len(self._pod_states)

    # -- counting pods that match a selector, per node (PodTopologySpread, InterPodAffinity) --

    def count_matching(self, namespace: str, selector: LabelSelector) -> dict[str, int]:
        """Per node, the pods of ``namespace`` matching ``selector`` that are not being
        deleted (``countPodsMatchSelector``). Memoised per (namespace, selector) and kept
        current as pods come and go, so that a Deployment's thousand pods cost one scan, not
        one per scheduling cycle. Read-only for callers."""
        memo_key = (namespace, selector)
        counts = self._selector_counts.pop(memo_key, None)
        if counts is not None:
            self._selector_counts[memo_key] = counts  # most recently used last
            return counts
        counts = {}
        for name, info in self.nodes.items():
            n = 0
            for pod in info.pods.values():
                if pod.namespace == namespace and not pod.deleting and selector.matches(pod.labels):
                    n += 1
            if n:
                counts[name] = n
        if len(self._selector_counts) >= 64:  # bounded (every pod add checks each): drop the LRU
            self._selector_counts.pop(next(iter(self._selector_counts)))
        self._selector_counts[memo_key] = counts
        return counts

    def _count_add(self, pod: PodInfo, node_name: str) -> None:
        if pod.deleting:
            return
        for (namespace, selector), counts in self._selector_counts.items():
            if pod.namespace == namespace and selector.matches(pod.labels):
                counts[node_name] = counts.get(node_name, 0) + 1

    def _count_remove(self, pod: PodInfo, node_name: str) -> None:
        if pod.deleting:
            return
        for (namespace, selector), counts in self._selector_counts.items():
            if pod.namespace == namespace and selector.matches(pod.labels):
                left = counts.get(node_name, 0) - 1
                if left > 0:
                    counts[node_name] = left
                else:
                    counts.pop(node_name, None)

    def dump(self) -> dict[str, Any]:
        """For debugging and tests: node -> pod keys."""
        return {name: sorted(info.pods) for name, info in self.nodes.items()}


#: the cache serves as the cycle's snapshot (see the module docstring)
Snapshot = Cache

__all__ = ["Cache", "Snapshot"]
