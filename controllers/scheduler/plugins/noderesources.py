"""NodeResourcesFit (PreFilter, Filter, PreScore, Score) and NodeResourcesBalancedAllocation.

Upstream: ``framework/plugins/noderesources/{fit,least_allocated,most_allocated,
balanced_allocation,resource_allocation}.go``.

*Fit*: the pod's requests (init containers' peak, sidecars, overhead:
:func:`~controllers.scheduler.resources.pod_requests`) must fit in the node's allocatable
minus what the pods already there request -- CPU, memory, ephemeral storage, every scalar
resource the pod asks for -- and one more pod must fit under the ``pods`` allocatable. Every
shortfall is a reason (``Insufficient cpu``, ``Too many pods``...), all kept.

*Scores* (integer arithmetic as upstream): ``LeastAllocated`` (the default) is, per resource,
``(allocatable - requested) * 100 / allocatable``, weighted (cpu 1, memory 1); with the
pod's *non-zero* requests (an empty container counts 100m / 200Mi). ``MostAllocated`` is the
mirror. ``BalancedAllocation`` is ``(1 - std(fractions)) * 100`` over the requested fractions
of cpu and memory, with the real requests; best-effort pods skip it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from controllers.scheduler.framework.interface import (
    MAX_NODE_SCORE,
    SKIP,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    CycleState,
    EventResource,
    Plugin,
    PreFilterResult,
    QueueingHint,
    Status,
    unschedulable,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo
from controllers.scheduler.resources import (
    CPU,
    EPHEMERAL_STORAGE,
    MEMORY,
    Resource,
    is_scalar_resource_name,
    pod_requests,
)
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

LEAST_ALLOCATED = "LeastAllocated"
MOST_ALLOCATED = "MostAllocated"
DEFAULT_RESOURCES = ({"name": CPU, "weight": 1}, {"name": MEMORY, "weight": 1})
_PRE_SCORE_FIT = "PreScoreNodeResourcesFit"
_PRE_SCORE_BALANCED = "PreScoreNodeResourcesBalancedAllocation"

_MISS: Any = object()


class _PerNodeMemo:
    """Per-node answers to one question (a pod request shape), each valid while its node keeps
    the state it was computed for: a node's ``generation`` names that state, and from one
    cycle to the next only the nodes that gained or lost a pod change. The pods of a
    Deployment ask the same question a thousand times over a thousand nodes."""

    __slots__ = ("_tables",)

    def __init__(self) -> None:
        self._tables: dict[Any, dict[NodeInfo, tuple[int, Any]]] = {}

    def answers(
        self, question: Any, nodes: list[NodeInfo], compute: Callable[[list[NodeInfo]], list[Any]]
    ) -> list[Any]:
        """The answer for each node: remembered ones, and ``compute`` (one call, over the
        nodes without a valid answer) for the rest."""
        table = self._tables.get(question)
        if table is None:
            if len(self._tables) >= 64:
                self._tables.clear()  # many request shapes: start over rather than grow
            table = self._tables[question] = {}
        elif len(table) > 4 * len(nodes) + 1024:
            table.clear()  # nodes that went away (their NodeInfos are the keys)
        get = table.get
        out = [
            hit[1] if (hit := get(n)) is not None and hit[0] == n.generation else _MISS
            for n in nodes
        ]
        if _MISS in out:
            missing = [i for i, value in enumerate(out) if value is _MISS]
            fresh = compute([nodes[i] for i in missing])
            for i, value in zip(missing, fresh, strict=True):
                node = nodes[i]
                table[node] = (node.generation, value)
                out[i] = value
        return out


def fits_request(
    requests: Resource, node_info: NodeInfo, ignored: frozenset[str] = frozenset()
) -> list[str]:
    """``fitsRequest``: the reasons the pod does not fit (empty when it does)."""
    reasons: list[str] = []
    allocatable = node_info.allocatable
    requested = node_info.requested
    if len(node_info.pods) + 1 > allocatable.allowed_pod_number:
        reasons.append("Too many pods")
    if not (requests.milli_cpu or requests.memory or requests.ephemeral_storage or requests.scalar):
        return reasons
    if requests.milli_cpu > 0 and requests.milli_cpu > allocatable.milli_cpu - requested.milli_cpu:
        reasons.append("Insufficient cpu")
    if requests.memory > 0 and requests.memory > allocatable.memory - requested.memory:
        reasons.append("Insufficient memory")
    if (
        requests.ephemeral_storage > 0
        and requests.ephemeral_storage > allocatable.ephemeral_storage - requested.ephemeral_storage
    ):
        reasons.append("Insufficient ephemeral-storage")
    for name, amount in requests.scalar.items():
        if amount == 0 or name in ignored:
            continue
        if amount > allocatable.scalar.get(name, 0) - requested.scalar.get(name, 0):
            reasons.append(f"Insufficient {name}")
    return reasons


def _least_requested(requested: int, capacity: int) -> int:
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def _most_requested(requested: int, capacity: int) -> int:
    if capacity == 0:
        return 0
    requested = min(requested, capacity)
    return requested * MAX_NODE_SCORE // capacity


class _ResourceAllocationScorer:
    """``resourceAllocationScorer``: per-resource (allocatable, requested) for a node."""

    def __init__(self, resources: list[dict[str, Any]], *, use_requested: bool) -> None:
        self.resources = [(str(r["name"]), int(r.get("weight", 1))) for r in resources]
        self.use_requested = use_requested

    def pod_request_list(self, pod: PodInfo) -> list[int]:
        out = []
        for name, _ in self.resources:
            if not self.use_requested and name == CPU:
                out.append(pod.non_zero_cpu)
            elif not self.use_requested and name == MEMORY:
                out.append(pod.non_zero_memory)
            else:
                out.append(pod.requests.get(name))
        return out

    def allocatable_and_requested(
        self, node: NodeInfo, name: str, pod_request: int
    ) -> tuple[int, int]:
        """``calculateResourceAllocatableRequest``."""
        if name == CPU:
            used = node.requested.milli_cpu if self.use_requested else node.non_zero_cpu
            return node.allocatable.milli_cpu, used + pod_request
        if name == MEMORY:
            used = node.requested.memory if self.use_requested else node.non_zero_memory
            return node.allocatable.memory, used + pod_request
        if pod_request == 0 and is_scalar_resource_name(name):
            return 0, 0
        if name == EPHEMERAL_STORAGE:
            return (
                node.allocatable.ephemeral_storage,
                node.requested.ephemeral_storage + pod_request,
            )
        if name in node.allocatable.scalar:
            return node.allocatable.scalar[name], node.requested.scalar.get(name, 0) + pod_request
        return 0, 0


class NodeResourcesFit(Plugin):
    name = "NodeResourcesFit"

    def __init__(self, args: dict[str, Any], handle: Framework) -> None:
        self.handle = handle
        strategy = args.get("scoringStrategy") or {}
        self.strategy = strategy.get("type") or LEAST_ALLOCATED
        if self.strategy not in (LEAST_ALLOCATED, MOST_ALLOCATED):
            raise ValueError(
                f"NodeResourcesFit: scoring strategy {self.strategy!r} is not supported"
            )
        self.ignored = frozenset(args.get("ignoredResources") or ())
        self.scorer = _ResourceAllocationScorer(
            list(strategy.get("resources") or DEFAULT_RESOURCES), use_requested=False
        )
        self._score_fn = _least_requested if self.strategy == LEAST_ALLOCATED else _most_requested
        self._memo = _PerNodeMemo()

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        return None, None  # requests are computed once, in PodInfo

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        requests = pod.requests
        allocatable = node_info.allocatable
        requested = node_info.requested
        # the common case, inline: no scalar resources and everything fits
        if (
            not requests.scalar
            and len(node_info.pods) < allocatable.allowed_pod_number
            and requests.milli_cpu <= allocatable.milli_cpu - requested.milli_cpu
            and requests.memory <= allocatable.memory - requested.memory
            and requests.ephemeral_storage
            <= allocatable.ephemeral_storage - requested.ephemeral_storage
        ):
            return None
        reasons = fits_request(requests, node_info, self.ignored)
        return unschedulable(*reasons) if reasons else None

    def filter_mask(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[bool]:
        """For many nodes at once: True where the pod surely fits (no scalar resources);
        False sends the node through :meth:`filter` for the reasons."""
        requests = pod.requests
        if requests.scalar:
            return [False] * len(nodes)
        cpu, memory, storage = requests.milli_cpu, requests.memory, requests.ephemeral_storage

        def fits(batch: list[NodeInfo]) -> list[bool]:
            if storage:
                return [
                    cpu <= n.free_cpu
                    and memory <= n.free_memory
                    and storage <= n.free_storage
                    and n.free_pods > 0
                    for n in batch
                ]
            return [
                cpu <= n.free_cpu and memory <= n.free_memory and n.free_pods > 0 for n in batch
            ]

        return self._memo.answers(("fits", cpu, memory, storage), nodes, fits)

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        state[_PRE_SCORE_FIT] = self.scorer.pod_request_list(pod)
        return None

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        requests = state[_PRE_SCORE_FIT]
        score_fn = self._score_fn
        node_score = weight_sum = 0
        for (name, weight), pod_request in zip(self.scorer.resources, requests, strict=True):
            allocatable, requested = self.scorer.allocatable_and_requested(
                node_info, name, pod_request
            )
            if allocatable == 0:
                continue
            node_score += score_fn(requested, allocatable) * weight
            weight_sum += weight
        return node_score // weight_sum if weight_sum else 0

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        """:meth:`score` for many nodes at once; CPU and memory inline (the default)."""
        if [name for name, _ in self.scorer.resources] != [CPU, MEMORY]:
            score = self.score
            return [score(state, pod, n) for n in nodes]
        pod_cpu, pod_memory = state[_PRE_SCORE_FIT]
        (_, wc), (_, wm) = self.scorer.resources
        if self.strategy == LEAST_ALLOCATED and self.handle.snapshot.all_nodes_have_cpu_and_memory:
            ws = wc + wm

            def least_allocated(batch: list[NodeInfo]) -> list[int]:
                # (allocatable - non-zero requested - pod) * 100 / allocatable, 0 when over
                return [
                    (
                        (
                            ((fc - pod_cpu) * 100 // n.alloc_cpu)
                            if (fc := n.nz_free_cpu) >= pod_cpu
                            else 0
                        )
                        * wc
                        + (
                            ((fm - pod_memory) * 100 // n.alloc_memory)
                            if (fm := n.nz_free_memory) >= pod_memory
                            else 0
                        )
                        * wm
                    )
                    // ws
                    for n in batch
                ]

            return self._memo.answers(
                ("least", pod_cpu, pod_memory, wc, wm), nodes, least_allocated
            )
        score_fn = self._score_fn
        out = []
        for n in nodes:
            total = weights = 0
            if n.alloc_cpu:
                total += score_fn(n.non_zero_cpu + pod_cpu, n.alloc_cpu) * wc
                weights += wc
            if n.alloc_memory:
                total += score_fn(n.non_zero_memory + pod_memory, n.alloc_memory) * wm
                weights += wm
            out.append(total // weights if weights else 0)
        return out

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(
                ClusterEvent(
                    EventResource.ASSIGNED_POD,
                    ActionType.DELETE | ActionType.UPDATE_POD_SCALE_DOWN,
                ),
                _pod_freed_resources,
            ),
            ClusterEventWithHint(
                ClusterEvent(
                    EventResource.NODE,
                    ActionType.ADD | ActionType.UPDATE_NODE_ALLOCATABLE,
                ),
                self._node_fits_now,
            ),
        ]

    def _node_fits_now(self, pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
        """``isSchedulableAfterNodeChange``: queue when the (new or grown) node could hold
        the pod at all."""
        if new is None:
            return QueueingHint.QUEUE_SKIP
        node = NodeInfo(new)
        requests = pod_requests(pod)
        if old is not None:
            before = NodeInfo(old).allocatable
            grown = (
                node.allocatable.milli_cpu > before.milli_cpu
                or node.allocatable.memory > before.memory
                or node.allocatable.ephemeral_storage > before.ephemeral_storage
                or node.allocatable.allowed_pod_number > before.allowed_pod_number
                or any(v > before.scalar.get(k, 0) for k, v in node.allocatable.scalar.items())
            )
            if not grown:
                return QueueingHint.QUEUE_SKIP
        return QueueingHint.QUEUE_SKIP if fits_request(requests, node) else QueueingHint.QUEUE


def _pod_freed_resources(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """A deleted assigned pod frees what it requested (v1.32 queues on any such delete)."""
    if old is None:
        return QueueingHint.QUEUE
    if not (old.get("spec") or {}).get("nodeName"):
        return QueueingHint.QUEUE_SKIP
    return QueueingHint.QUEUE


class NodeResourcesBalancedAllocation(Plugin):
    name = "NodeResourcesBalancedAllocation"

    def __init__(self, args: dict[str, Any], handle: Framework) -> None:
        self.handle = handle
        self.scorer = _ResourceAllocationScorer(
            list(args.get("resources") or DEFAULT_RESOURCES), use_requested=True
        )
        self._memo = _PerNodeMemo()

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        requests = self.scorer.pod_request_list(pod)
        if not any(requests):
            return SKIP  # a best-effort pod: nothing to balance
        state[_PRE_SCORE_BALANCED] = requests
        return None

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        """:meth:`score` for many nodes at once; CPU and memory inline (the default)."""
        if [name for name, _ in self.scorer.resources] != [CPU, MEMORY]:
            score = self.score
            return [score(state, pod, n) for n in nodes]
        pod_cpu, pod_memory = state[_PRE_SCORE_BALANCED]
        if self.handle.snapshot.all_nodes_have_cpu_and_memory:

            def balanced(batch: list[NodeInfo]) -> list[int]:
                return [
                    int(
                        (
                            1
                            - abs(
                                (
                                    (fc if (fc := (n.req_cpu + pod_cpu) / n.alloc_cpu) < 1 else 1.0)
                                    - (
                                        fm
                                        if (fm := (n.req_memory + pod_memory) / n.alloc_memory) < 1
                                        else 1.0
                                    )
                                )
                                / 2
                            )
                        )
                        * MAX_NODE_SCORE
                    )
                    for n in batch
                ]

            return self._memo.answers(("balanced", pod_cpu, pod_memory), nodes, balanced)
        score = self.score
        return [score(state, pod, n) for n in nodes]

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        requests = state[_PRE_SCORE_BALANCED]
        fractions: list[float] = []
        for (name, _), pod_request in zip(self.scorer.resources, requests, strict=True):
            allocatable, requested = self.scorer.allocatable_and_requested(
                node_info, name, pod_request
            )
            if allocatable == 0:
                continue
            fractions.append(min(requested / allocatable, 1.0))
        std = 0.0
        if len(fractions) == 2:
            std = abs((fractions[0] - fractions[1]) / 2)
        elif len(fractions) > 2:
            mean = sum(fractions) / len(fractions)
            std = math.sqrt(sum((f - mean) ** 2 for f in fractions) / len(fractions))
        return int((1 - std) * MAX_NODE_SCORE)
