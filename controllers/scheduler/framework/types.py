"""What the scheduler knows about pods and nodes: ``PodInfo``, ``NodeInfo``, ``QueuedPodInfo``.

Upstream: ``pkg/scheduler/framework/types.go``. A :class:`PodInfo` is a pod parsed once --
its requests, host ports, affinity terms with compiled selectors -- so that filters evaluated
over a thousand nodes never parse a quantity or a selector. A :class:`NodeInfo` is a node plus
the aggregate of the pods on it (assumed and bound): requested and non-zero requested
resources, used host ports, the pods with (anti-)affinity, how many of its pods use each claim
(``PVCRefCounts``, for ReadWriteOncePod), and a ``generation`` renewed on every change from
one process-wide counter (upstream's ``nextGeneration``), so a node's name and generation
identify its state -- plugins may remember per-node results by them.

Pod objects held here are the informer's (read-only) dicts; nothing here writes to them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from controllers.scheduler.resources import (
    CPU,
    MEMORY,
    Resource,
    node_allocatable,
    pod_non_zero_requests,
    pod_requests,
)
from minikube_py.objects import Object
from minikube_py.selectors.labels import (
    LabelSelector,
    Operator,
    Requirement,
    SelectorParseError,
    from_label_selector,
)

DEFAULT_SCHEDULER_NAME = "default-scheduler"
#: ``v1.LabelHostname`` and ``v1.LabelTopologyZone``
LABEL_HOSTNAME = "kubernetes.io/hostname"
LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone"
DEFAULT_BIND_ALL_HOST_IP = "0.0.0.0"


def _selector(selector: Mapping[str, Any] | None) -> LabelSelector:
    try:
        return from_label_selector(selector)
    except SelectorParseError:
        return LabelSelector.nothing()


#: ``nextGeneration``: every NodeInfo state gets a number no other state (of any node, or of a
#: copy made for a preemption dry run) ever had
next_generation = itertools.count(1).__next__


class AffinityTerm:
    """``framework.AffinityTerm``: a pod (anti-)affinity term with its selectors compiled."""

    __slots__ = ("namespace_selector", "namespaces", "selector", "topology_key")

    def __init__(
        self,
        pod_namespace: str,
        term: Mapping[str, Any],
        pod_labels: Mapping[str, str] | None = None,
    ) -> None:
        self.topology_key: str = term.get("topologyKey") or ""
        self.selector = _selector(term.get("labelSelector"))
        # matchLabelKeys / mismatchLabelKeys (beta, on in v1.32): the owner pod's values for
        # those keys, ANDed into the selector. Upstream's API server merges them at creation;
        # this one does not yet, so the scheduler does (merging twice changes nothing).
        labels = pod_labels or {}
        extra = [
            Requirement(k, Operator.IN, (labels[k],))
            for k in term.get("matchLabelKeys") or ()
            if k in labels
        ] + [
            Requirement(k, Operator.NOT_IN, (labels[k],))
            for k in term.get("mismatchLabelKeys") or ()
            if k in labels
        ]
        if extra and not self.selector.matches_nothing():
            self.selector = self.selector.add(*extra)
        namespaces = set(term.get("namespaces") or ())
        namespace_selector = term.get("namespaceSelector")
        self.namespace_selector: LabelSelector | None = None
        if namespace_selector is not None:
            self.namespace_selector = _selector(namespace_selector)
        elif not namespaces:
            namespaces = {pod_namespace}
        self.namespaces = namespaces

    def matches(self, pod: PodInfo, namespace_labels: Mapping[str, str] | None) -> bool:
        """``AffinityTerm.Matches``: the pod is in the term's namespaces and matches its
        selector."""
        if pod.namespace not in self.namespaces and not (
            self.namespace_selector is not None
            and self.namespace_selector.matches(namespace_labels or {})
        ):
            return False
        return self.selector.matches(pod.labels)


class WeightedAffinityTerm:
    __slots__ = ("term", "weight")

    def __init__(self, weight: int, term: AffinityTerm) -> None:
        self.weight = weight
        self.term = term


def _terms(
    namespace: str, terms: Iterable[Mapping[str, Any]] | None, labels: Mapping[str, str]
) -> list[AffinityTerm]:
    return [AffinityTerm(namespace, term, labels) for term in terms or ()]


def _weighted(
    namespace: str, terms: Iterable[Mapping[str, Any]] | None, labels: Mapping[str, str]
) -> list[WeightedAffinityTerm]:
    return [
        WeightedAffinityTerm(
            int(term.get("weight") or 0),
            AffinityTerm(namespace, term.get("podAffinityTerm") or {}, labels),
        )
        for term in terms or ()
    ]


def host_ports(pod: Object) -> list[tuple[str, str, int]]:
    """The ``(hostIP, protocol, hostPort)`` a pod wants on its node (``GetHostPorts``)."""
    ports: list[tuple[str, str, int]] = []
    spec = pod.get("spec") or {}
    for containers in (spec.get("containers"), spec.get("initContainers")):
        for container in containers or ():
            for port in container.get("ports") or ():
                host_port = port.get("hostPort") or 0
                if host_port <= 0:
                    continue
                ports.append(
                    (
                        port.get("hostIP") or DEFAULT_BIND_ALL_HOST_IP,
                        port.get("protocol") or "TCP",
                        int(host_port),
                    )
                )
    return ports


def pod_pvc_keys(pod: Object) -> tuple[str, ...]:
    """The ``namespace/claim`` of each PVC the pod's volumes use, a generic ephemeral volume's
    claim (``<pod>-<volume>``) included (the keys of ``NodeInfo.PVCRefCounts``)."""
    spec = pod.get("spec") or {}
    volumes = spec.get("volumes")
    if not volumes:
        return ()
    metadata = pod.get("metadata") or {}
    namespace = metadata.get("namespace", "")
    keys: list[str] = []
    for volume in volumes:
        claim = volume.get("persistentVolumeClaim")
        if claim is not None:
            keys.append(f"{namespace}/{claim.get('claimName', '')}")
        elif volume.get("ephemeral") is not None:
            keys.append(f"{namespace}/{metadata.get('name', '')}-{volume.get('name', '')}")
    return tuple(keys)


class PodInfo:
    """``framework.PodInfo``: a pod with everything the plugins need pre-parsed."""

    __slots__ = (
        "deleting",
        "host_ports",
        "key",
        "labels",
        "name",
        "namespace",
        "node_name",
        "non_zero_cpu",
        "non_zero_memory",
        "pod",
        "preferred_affinity_terms",
        "preferred_anti_affinity_terms",
        "priority",
        "pvc_keys",
        "requests",
        "required_affinity_terms",
        "required_anti_affinity_terms",
        "start_time",
        "uid",
    )

    def __init__(self, pod: Object) -> None:
        self.update(pod)

    def update(self, pod: Object) -> None:
        metadata = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.pod = pod
        self.namespace: str = metadata.get("namespace", "")
        self.name: str = metadata.get("name", "")
        self.key = f"{self.namespace}/{self.name}"
        self.uid: str = metadata.get("uid", "")
        self.labels: dict[str, str] = metadata.get("labels") or {}
        self.deleting = bool(metadata.get("deletionTimestamp"))
        self.node_name: str = spec.get("nodeName") or ""
        self.priority: int = int(spec.get("priority") or 0)
        self.start_time: str = (pod.get("status") or {}).get("startTime") or metadata.get(
            "creationTimestamp", ""
        )
        self.requests = pod_requests(pod)
        non_zero = pod_non_zero_requests(pod)
        self.non_zero_cpu = non_zero.milli_cpu
        self.non_zero_memory = non_zero.memory
        self.host_ports = host_ports(pod)
        self.pvc_keys = pod_pvc_keys(pod)
        affinity = spec.get("affinity") or {}
        pod_affinity = affinity.get("podAffinity") or {}
        anti_affinity = affinity.get("podAntiAffinity") or {}
        ns, labels = self.namespace, self.labels
        self.required_affinity_terms = _terms(
            ns, pod_affinity.get("requiredDuringSchedulingIgnoredDuringExecution"), labels
        )
        self.required_anti_affinity_terms = _terms(
            ns, anti_affinity.get("requiredDuringSchedulingIgnoredDuringExecution"), labels
        )
        self.preferred_affinity_terms = _weighted(
            ns, pod_affinity.get("preferredDuringSchedulingIgnoredDuringExecution"), labels
        )
        self.preferred_anti_affinity_terms = _weighted(
            ns, anti_affinity.get("preferredDuringSchedulingIgnoredDuringExecution"), labels
        )

    def refresh(self, pod: Object) -> None:
        """Take a newer version of the same pod, re-reading only what may change: metadata and
        status. (Requests, ports and affinity are immutable in a pod's spec in v1.32.)"""
        metadata = pod.get("metadata") or {}
        self.pod = pod
        self.labels = metadata.get("labels") or {}
        self.deleting = bool(metadata.get("deletionTimestamp"))
        self.node_name = (pod.get("spec") or {}).get("nodeName") or ""
        self.start_time = (pod.get("status") or {}).get("startTime") or metadata.get(
            "creationTimestamp", ""
        )

    @property
    def has_affinity(self) -> bool:
        return bool(
            self.required_affinity_terms
            or self.required_anti_affinity_terms
            or self.preferred_affinity_terms
            or self.preferred_anti_affinity_terms
        )

    @property
    def spec(self) -> dict[str, Any]:
        return self.pod.get("spec") or {}

    def __repr__(self) -> str:
        return f"<PodInfo {self.key}>"


class ImageState:
    """``framework.ImageStateSummary``: an image's size and on how many nodes it is."""

    __slots__ = ("num_nodes", "size")

    def __init__(self, size: int, num_nodes: int) -> None:
        self.size = size
        self.num_nodes = num_nodes


class NodeInfo:
    """``framework.NodeInfo``: a node and the aggregate of the pods on it."""

    __slots__ = (
        "alloc_cpu",
        "alloc_memory",
        "alloc_pods",
        "alloc_storage",
        "allocatable",
        "free_cpu",
        "free_memory",
        "free_pods",
        "free_storage",
        "generation",
        "image_sizes",
        "labels",
        "name",
        "node",
        "non_zero_cpu",
        "non_zero_memory",
        "nz_free_cpu",
        "nz_free_memory",
        "pods",
        "pods_with_affinity",
        "pods_with_required_anti_affinity",
        "pvc_ref_counts",
        "req_cpu",
        "req_memory",
        "req_storage",
        "requested",
        "taints",
        "unschedulable",
        "used_ports",
    )

    def __init__(self, node: Object | None = None, name: str = "") -> None:
        self.name = name
        self.node: Object | None = None
        self.labels: dict[str, str] = {}
        self.taints: list[dict[str, Any]] = []
        self.unschedulable = False
        self.allocatable = Resource()
        self.image_sizes: dict[str, int] = {}
        self.requested = Resource()
        # the hot numbers, flattened for the filter and score loops
        self.alloc_cpu = self.alloc_memory = self.alloc_storage = self.alloc_pods = 0
        self.req_cpu = self.req_memory = self.req_storage = 0
        self.non_zero_cpu = 0
        self.non_zero_memory = 0
        self.free_cpu = self.free_memory = self.free_storage = self.free_pods = 0
        self.nz_free_cpu = self.nz_free_memory = 0
        self.pods: dict[str, PodInfo] = {}
        self.pods_with_affinity: dict[str, PodInfo] = {}
        self.pods_with_required_anti_affinity: dict[str, PodInfo] = {}
        #: ``(protocol, port) -> {hostIP: count}``
        self.used_ports: dict[tuple[str, int], dict[str, int]] = {}
        #: ``PVCRefCounts``: ``namespace/claim`` -> how many of the node's pods use it
        self.pvc_ref_counts: dict[str, int] = {}
        self.generation = next_generation()
        if node is not None:
            self.set_node(node)

    def set_node(self, node: Object) -> None:
        metadata = node.get("metadata") or {}
        spec = node.get("spec") or {}
        self.node = node
        self.name = metadata.get("name", "")
        self.labels = metadata.get("labels") or {}
        self.taints = spec.get("taints") or []
        self.unschedulable = bool(spec.get("unschedulable"))
        self.allocatable = allocatable = node_allocatable(node)
        self.alloc_cpu = allocatable.milli_cpu
        self.alloc_memory = allocatable.memory
        self.alloc_storage = allocatable.ephemeral_storage
        self.alloc_pods = allocatable.allowed_pod_number
        sizes: dict[str, int] = {}
        for image in (node.get("status") or {}).get("images") or ():
            for image_name in image.get("names") or ():
                sizes[normalized_image_name(image_name)] = int(image.get("sizeBytes") or 0)
        self.image_sizes = sizes
        self._refresh_free()
        self.generation = next_generation()

    def _refresh_free(self) -> None:
        """Allocatable minus requested, kept for the filter mask and the scores."""
        self.free_cpu = self.alloc_cpu - self.req_cpu
        self.free_memory = self.alloc_memory - self.req_memory
        self.free_storage = self.alloc_storage - self.req_storage
        self.free_pods = self.alloc_pods - len(self.pods)
        self.nz_free_cpu = self.alloc_cpu - self.non_zero_cpu
        self.nz_free_memory = self.alloc_memory - self.non_zero_memory

    # -- pods ----------------------------------------------------------------------------------

    def add_pod(self, pod: PodInfo) -> None:
        self.pods[pod.key] = pod
        requests = pod.requests
        self.requested.add(requests)
        self.req_cpu += requests.milli_cpu
        self.req_memory += requests.memory
        self.req_storage += requests.ephemeral_storage
        self.non_zero_cpu += pod.non_zero_cpu
        self.non_zero_memory += pod.non_zero_memory
        if pod.has_affinity:
            self.pods_with_affinity[pod.key] = pod
        if pod.required_anti_affinity_terms:
            self.pods_with_required_anti_affinity[pod.key] = pod
        for ip, protocol, port in pod.host_ports:
            ips = self.used_ports.setdefault((protocol, port), {})
            ips[ip] = ips.get(ip, 0) + 1
        if pod.pvc_keys:
            counts = self.pvc_ref_counts
            for claim in pod.pvc_keys:
                counts[claim] = counts.get(claim, 0) + 1
        self._refresh_free()
        self.generation = next_generation()

    def remove_pod(self, key: str) -> PodInfo | None:
        pod = self.pods.pop(key, None)
        if pod is None:
            return None
        requests = pod.requests
        self.requested.subtract(requests)
        self.req_cpu -= requests.milli_cpu
        self.req_memory -= requests.memory
        self.req_storage -= requests.ephemeral_storage
        self.non_zero_cpu -= pod.non_zero_cpu
        self.non_zero_memory -= pod.non_zero_memory
        self.pods_with_affinity.pop(key, None)
        self.pods_with_required_anti_affinity.pop(key, None)
        for ip, protocol, port in pod.host_ports:
            ips = self.used_ports.get((protocol, port))
            if ips is not None and ip in ips:
                ips[ip] -= 1
                if ips[ip] <= 0:
                    del ips[ip]
                if not ips:
                    del self.used_ports[(protocol, port)]
        if pod.pvc_keys:
            counts = self.pvc_ref_counts
            for claim in pod.pvc_keys:
                left = counts.get(claim, 0) - 1
                if left > 0:
                    counts[claim] = left
                else:
                    counts.pop(claim, None)
        self._refresh_free()
        self.generation = next_generation()
        return pod

    def ports_conflict(self, wanted: list[tuple[str, str, int]]) -> bool:
        """``HostPortInfo.CheckConflict`` for each wanted port: the same protocol and port on
        the same IP, or either side bound to 0.0.0.0."""
        used = self.used_ports
        for ip, protocol, port in wanted:
            ips = used.get((protocol, port))
            if not ips:
                continue
            if ip == DEFAULT_BIND_ALL_HOST_IP or DEFAULT_BIND_ALL_HOST_IP in ips or ip in ips:
                return True
        return False

    def clone(self) -> NodeInfo:
        """A copy whose pod set can change without touching this one (preemption dry runs)."""
        copy = NodeInfo.__new__(NodeInfo)
        copy.name = self.name
        copy.node = self.node
        copy.labels = self.labels
        copy.taints = self.taints
        copy.unschedulable = self.unschedulable
        copy.allocatable = self.allocatable
        copy.alloc_cpu = self.alloc_cpu
        copy.alloc_memory = self.alloc_memory
        copy.alloc_storage = self.alloc_storage
        copy.alloc_pods = self.alloc_pods
        copy.req_cpu = self.req_cpu
        copy.req_memory = self.req_memory
        copy.req_storage = self.req_storage
        copy.image_sizes = self.image_sizes
        copy.requested = self.requested.clone()
        copy.non_zero_cpu = self.non_zero_cpu
        copy.non_zero_memory = self.non_zero_memory
        copy.pods = dict(self.pods)
        copy.pods_with_affinity = dict(self.pods_with_affinity)
        copy.pods_with_required_anti_affinity = dict(self.pods_with_required_anti_affinity)
        copy.used_ports = {k: dict(v) for k, v in self.used_ports.items()}
        copy.pvc_ref_counts = dict(self.pvc_ref_counts)
        copy._refresh_free()
        copy.generation = self.generation
        return copy

    def requested_of(self, resource: str, *, non_zero: bool) -> int:
        if non_zero and resource == CPU:
            return self.non_zero_cpu
        if non_zero and resource == MEMORY:
            return self.non_zero_memory
        return self.requested.get(resource)

    def __repr__(self) -> str:
        return f"<NodeInfo {self.name} pods={len(self.pods)}>"


def normalized_image_name(name: str) -> str:
    """``normalizedImageName``: an image without tag or digest means ``:latest``."""
    if name.rfind(":") <= name.rfind("/"):
        return name + ":latest"
    return name


class QueuedPodInfo:
    """``framework.QueuedPodInfo``: a pod in the scheduling queue, with its history there."""

    __slots__ = (
        "attempts",
        "gated",
        "initial_attempt_timestamp",
        "pending_plugins",
        "pod_info",
        "timestamp",
        "unschedulable_plugins",
    )

    def __init__(self, pod_info: PodInfo, timestamp: float) -> None:
        self.pod_info = pod_info
        #: when the pod was last added to the queue (activeQ order, backoff start)
        self.timestamp = timestamp
        self.initial_attempt_timestamp: float | None = None
        self.attempts = 0
        self.unschedulable_plugins: set[str] = set()
        self.pending_plugins: set[str] = set()
        self.gated = False

    @property
    def pod(self) -> Object:
        return self.pod_info.pod

    @property
    def key(self) -> str:
        return self.pod_info.key

    def __repr__(self) -> str:
        return f"<QueuedPodInfo {self.key} attempts={self.attempts}>"


__all__ = [
    "DEFAULT_SCHEDULER_NAME",
    "LABEL_HOSTNAME",
    "LABEL_TOPOLOGY_ZONE",
    "AffinityTerm",
    "ImageState",
    "NodeInfo",
    "PodInfo",
    "QueuedPodInfo",
    "WeightedAffinityTerm",
    "host_ports",
    "normalized_image_name",
    "pod_pvc_keys",
]
