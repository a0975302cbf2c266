"""Pod resource arithmetic: what a pod asks of a node, as the scheduler and kubelets count it.

Upstream: ``k8s.io/component-helpers/resource`` (``PodRequests``) and
``pkg/scheduler/framework/types.go`` (``Resource``, ``calculateResource``) and
``pkg/scheduler/util/pod_resources.go`` (``GetNonzeroRequests``).

A pod's effective request for a resource is

* the sum over its regular containers, plus every restartable init container ("sidecar",
  ``restartPolicy: Always``) since sidecars run alongside them;
* or, if larger, what the init phase needs at its peak: each ordinary init container runs alone
  beside the sidecars started before it, so its request plus theirs;
* plus ``spec.overhead`` (RuntimeClass pod overhead).

Scoring uses the *non-zero* variant: a container that requests no CPU counts as 100m and one that
requests no memory as 200Mi, so that empty pods still spread (``DefaultMilliCPURequest``,
``DefaultMemoryRequest``).

Values are integers: CPU in millicores, everything else in its base unit (bytes, counts).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from minikube_py.objects import Object
from minikube_py.quantity import milli_value, value

CPU = "cpu"
MEMORY = "memory"
EPHEMERAL_STORAGE = "ephemeral-storage"
PODS = "pods"

#: ``DefaultMilliCPURequest`` and ``DefaultMemoryRequest`` (``pkg/scheduler/util``)
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024


class Resource:
    """``framework.Resource``: CPU (millicores), memory, ephemeral storage, pod count and
    scalar (extended, hugepages, attachable) resources."""

    __slots__ = ("allowed_pod_number", "ephemeral_storage", "memory", "milli_cpu", "scalar")

    def __init__(
        self,
        milli_cpu: int = 0,
        memory: int = 0,
        ephemeral_storage: int = 0,
        allowed_pod_number: int = 0,
        scalar: dict[str, int] | None = None,
    ) -> None:
        self.milli_cpu = milli_cpu
        self.memory = memory
        self.ephemeral_storage = ephemeral_storage
        self.allowed_pod_number = allowed_pod_number
        self.scalar: dict[str, int] = scalar if scalar is not None else {}

    @classmethod
    def from_list(cls, resources: Mapping[str, Any] | None) -> Resource:
        """A ``ResourceList`` (``{"cpu": "2", "memory": "4Gi", ...}``) as a Resource."""
        r = cls()
        if resources:
            r.add_list(resources)
        return r

    def add_list(self, resources: Mapping[str, Any]) -> None:
        for name, quantity in resources.items():
            if name == CPU:
                self.milli_cpu += milli_value(quantity)
            elif name == MEMORY:
                self.memory += value(quantity)
            elif name == EPHEMERAL_STORAGE:
                self.ephemeral_storage += value(quantity)
            elif name == PODS:
                self.allowed_pod_number += value(quantity)
            elif is_scalar_resource_name(name):
                self.scalar[name] = self.scalar.get(name, 0) + value(quantity)

    def add(self, other: Resource) -> None:
        self.milli_cpu += other.milli_cpu
        self.memory += other.memory
        self.ephemeral_storage += other.ephemeral_storage
        self.allowed_pod_number += other.allowed_pod_number
        if other.scalar:
            scalar = self.scalar
            for name, amount in other.scalar.items():
                scalar[name] = scalar.get(name, 0) + amount

    def subtract(self, other: Resource) -> None:
        self.milli_cpu -= other.milli_cpu
        self.memory -= other.memory
        self.ephemeral_storage -= other.ephemeral_storage
        self.allowed_pod_number -= other.allowed_pod_number
        if other.scalar:
            scalar = self.scalar
            for name, amount in other.scalar.items():
                scalar[name] = scalar.get(name, 0) - amount

    def set_max(self, other: Resource) -> None:
        self.milli_cpu = max(self.milli_cpu, other.milli_cpu)
        self.memory = max(self.memory, other.memory)
        self.ephemeral_storage = max(self.ephemeral_storage, other.ephemeral_storage)
        self.allowed_pod_number = max(self.allowed_pod_number, other.allowed_pod_number)
        for name, amount in other.scalar.items():
            if amount > self.scalar.get(name, 0):
                self.scalar[name] = amount

    def clone(self) -> Resource:
        return Resource(
            self.milli_cpu,
            self.memory,
            self.ephemeral_storage,
            self.allowed_pod_number,
            dict(self.scalar),
        )

    def get(self, name: str) -> int:
        """The amount of one resource by its Kubernetes name."""
        if name == CPU:
            return self.milli_cpu
        if name == MEMORY:
            return self.memory
        if name == EPHEMERAL_STORAGE:
            return self.ephemeral_storage
        if name == PODS:
            return self.allowed_pod_number
        return self.scalar.get(name, 0)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resource) and (
            self.milli_cpu,
            self.memory,
            self.ephemeral_storage,
            self.allowed_pod_number,
            {k: v for k, v in self.scalar.items() if v},
        ) == (
            other.milli_cpu,
            other.memory,
            other.ephemeral_storage,
            other.allowed_pod_number,
            {k: v for k, v in other.scalar.items() if v},
        )

    def __repr__(self) -> str:
        return (
            f"Resource(milli_cpu={self.milli_cpu}, memory={self.memory}, "
            f"ephemeral_storage={self.ephemeral_storage}, "
            f"allowed_pod_number={self.allowed_pod_number}, scalar={self.scalar})"
        )


def is_scalar_resource_name(name: str) -> bool:
    """``IsScalarResourceName``: extended resources (``example.com/gpu``), hugepages,
    ``attachable-volumes-*``, prefixed native resources -- what the scheduler counts besides
    the four native ones."""
    if name.startswith(("hugepages-", "attachable-volumes-")):
        return True
    # extended (``example.com/gpu``) and prefixed native (``kubernetes.io/x``) resources; a
    # ``requests.`` prefix belongs to quota, not to a pod
    return "/" in name and not name.startswith("requests.")


def _container_requests(container: Mapping[str, Any]) -> Mapping[str, Any]:
    return (container.get("resources") or {}).get("requests") or {}


def _non_zero(container: Mapping[str, Any]) -> Resource:
    requests = _container_requests(container)
    r = Resource.from_list(requests)
    if CPU not in requests:
        r.milli_cpu = DEFAULT_MILLI_CPU_REQUEST
    if MEMORY not in requests:
        r.memory = DEFAULT_MEMORY_REQUEST
    return r


def _aggregate(spec: Mapping[str, Any], of_container: Any) -> Resource:
    """``PodRequests``' combination rule with ``of_container`` giving each container's part."""
    total = Resource()
    for container in spec.get("containers") or ():
        total.add(of_container(container))
    init_peak = Resource()
    sidecars = Resource()
    for container in spec.get("initContainers") or ():
        requests = of_container(container)
        if container.get("restartPolicy") == "Always":
            total.add(requests)
            sidecars.add(requests)
            requests = sidecars.clone()
        else:
            requests.add(sidecars)
        init_peak.set_max(requests)
    total.set_max(init_peak)
    overhead = spec.get("overhead")
    if overhead:
        total.add(Resource.from_list(overhead))
    return total


def pod_requests(pod: Object) -> Resource:
    """``PodRequests``: the pod's effective requests (init containers' peak, sidecars,
    overhead)."""
    return _aggregate(pod.get("spec") or {}, lambda c: Resource.from_list(_container_requests(c)))


def pod_non_zero_requests(pod: Object) -> Resource:
    """The pod's requests with the scoring defaults for containers that name no CPU or memory
    (``NonMissingContainerRequests``)."""
    return _aggregate(pod.get("spec") or {}, _non_zero)


def node_allocatable(node: Object) -> Resource:
    """``status.allocatable`` (falling back to ``status.capacity``) of a Node."""
    status = node.get("status") or {}
    return Resource.from_list(status.get("allocatable") or status.get("capacity") or {})


def requested_resource_names(requests: Resource) -> Iterable[str]:
    """The names of the resources a Resource asks for, in upstream's check order."""
    if requests.milli_cpu:
        yield CPU
    if requests.memory:
        yield MEMORY
    if requests.ephemeral_storage:
        yield EPHEMERAL_STORAGE
    for name, amount in requests.scalar.items():
        if amount:
            yield name


__all__ = [
    "CPU",
    "DEFAULT_MEMORY_REQUEST",
    "DEFAULT_MILLI_CPU_REQUEST",
    "EPHEMERAL_STORAGE",
    "MEMORY",
    "PODS",
    "Resource",
    "is_scalar_resource_name",
    "node_allocatable",
    "pod_non_zero_requests",
    "pod_requests",
]
