"""The scheduling framework's vocabulary: status codes, cycle state, plugins, cluster events.

Upstream: ``pkg/scheduler/framework/interface.go`` (``Code``, ``Status``, ``CycleState``,
``PreFilterResult``, ``PostFilterResult``, the plugin interfaces) and ``types.go``
(``ClusterEvent``, ``ActionType``, ``QueueingHint``, ``FitError``, ``Diagnosis``).

A plugin is an object with a ``name`` and any of the extension-point methods below; the
framework (:mod:`.runtime`) looks at which methods a plugin defines, exactly as Go's type
assertions decide which interfaces a plugin implements. Hot methods (``filter``, ``score``)
return ``None`` for success rather than a Status object, to keep the per-node loop cheap.

================== ======================================================================
extension point    method
================== ======================================================================
QueueSort          ``less(a: QueuedPodInfo, b: QueuedPodInfo) -> bool``
PreFilter          ``pre_filter(state, pod) -> (PreFilterResult | None, Status | None)``
Filter             ``filter(state, pod, node_info) -> Status | None``
PostFilter         ``post_filter(state, pod, statuses) -> (PostFilterResult | None, Status)``
PreScore           ``pre_score(state, pod, nodes) -> Status | None``
Score              ``score(state, pod, node_info) -> int`` (0..100)
NormalizeScore     ``normalize_score(state, pod, scores: list[NodeScore]) -> None``
Reserve            ``reserve(state, pod, node) -> Status | None`` / ``unreserve(...)``
Permit             ``permit(state, pod, node) -> Status | None | (Status, timeout_s)`` (Wait)
Bind               ``async bind(state, pod, node) -> Status | None`` (Skip passes it on)
EnqueueExtensions  ``events_to_register() -> list[ClusterEventWithHint]``
================== ======================================================================
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag
from typing import TYPE_CHECKING, Any

from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.scheduler.framework.types import PodInfo

#: ``framework.MaxNodeScore`` / ``MinNodeScore``
MAX_NODE_SCORE = 100
MIN_NODE_SCORE = 0


class Code(IntEnum):
    """``framework.Code``."""

    SUCCESS = 0
    ERROR = 1
    UNSCHEDULABLE = 2
    UNSCHEDULABLE_AND_UNRESOLVABLE = 3
    WAIT = 4
    SKIP = 5
    PENDING = 6


class Status:
    """``framework.Status``: a code, the reasons, and the plugin that said so."""

    __slots__ = ("code", "plugin", "reasons")

    def __init__(self, code: Code, *reasons: str, plugin: str = "") -> None:
        self.code = code
        self.reasons = list(reasons)
        self.plugin = plugin

    def is_success(self) -> bool:
        return self.code == Code.SUCCESS

    def is_skip(self) -> bool:
        return self.code == Code.SKIP

    def is_rejected(self) -> bool:
        """``IsRejected``: Unschedulable, UnschedulableAndUnresolvable or Pending."""
        return self.code in (
            Code.UNSCHEDULABLE,
            Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
            Code.PENDING,
        )

    def message(self) -> str:
        return ", ".join(self.reasons)

    def with_plugin(self, plugin: str) -> Status:
        self.plugin = plugin
        return self

    def __repr__(self) -> str:
        return f"Status({self.code.name}, {self.reasons!r}, plugin={self.plugin!r})"


def is_success(status: Status | None) -> bool:
    """A None status is success, as a nil ``*Status`` is upstream."""
    return status is None or status.code == Code.SUCCESS


def unschedulable(*reasons: str) -> Status:
    return Status(Code.UNSCHEDULABLE, *reasons)


def unresolvable(*reasons: str) -> Status:
    return Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, *reasons)


SKIP = Status(Code.SKIP)


class CycleState(dict[str, Any]):
    """``framework.CycleState``: what plugins computed for this pod in this cycle, by key,
    plus the plugins that PreFilter/PreScore said to skip."""

    def __init__(self) -> None:
        super().__init__()
        self.skip_filter_plugins: set[str] = set()
        self.skip_score_plugins: set[str] = set()

    def clone(self) -> CycleState:
        """A copy for preemption's dry runs: values that know how to clone themselves are
        cloned (``StateData.Clone``), others are shared."""
        copy = CycleState()
        for key, value in self.items():
            clone = getattr(value, "clone", None)
            copy[key] = clone() if callable(clone) else value
        copy.skip_filter_plugins = set(self.skip_filter_plugins)
        copy.skip_score_plugins = set(self.skip_score_plugins)
        return copy


@dataclass(slots=True)
class PreFilterResult:
    """``framework.PreFilterResult``: a PreFilter plugin may narrow the nodes to evaluate
    (None means all nodes)."""

    node_names: set[str] | None = None

    def merge(self, other: PreFilterResult | None) -> PreFilterResult:
        if other is None or other.node_names is None:
            return self
        if self.node_names is None:
            return PreFilterResult(set(other.node_names))
        return PreFilterResult(self.node_names & other.node_names)


@dataclass(slots=True)
class PostFilterResult:
    """``framework.PostFilterResult``: the node to nominate (empty clears the nomination)."""

    nominated_node_name: str = ""


@dataclass(slots=True)
class NodeScore:
    name: str
    score: int = 0


class ActionType(IntFlag):
    """``framework.ActionType``: what happened to an object, as finely as plugins care."""

    ADD = 1
    DELETE = 2
    UPDATE_NODE_ALLOCATABLE = 4
    UPDATE_NODE_LABEL = 8
    UPDATE_NODE_TAINT = 16
    UPDATE_NODE_CONDITION = 32
    UPDATE_NODE_ANNOTATION = 64
    UPDATE_POD_LABEL = 128
    UPDATE_POD_SCALE_DOWN = 256
    UPDATE_POD_TOLERATIONS = 512
    UPDATE_POD_SCHEDULING_GATES_ELIMINATED = 1024
    UPDATE_POD_GENERATED_RESOURCE_CLAIM = 2048
    UPDATE = (
        UPDATE_NODE_ALLOCATABLE
        | UPDATE_NODE_LABEL
        | UPDATE_NODE_TAINT
        | UPDATE_NODE_CONDITION
        | UPDATE_NODE_ANNOTATION
        | UPDATE_POD_LABEL
        | UPDATE_POD_SCALE_DOWN
        | UPDATE_POD_TOLERATIONS
        | UPDATE_POD_SCHEDULING_GATES_ELIMINATED
        | UPDATE_POD_GENERATED_RESOURCE_CLAIM
    )
    ALL = ADD | DELETE | UPDATE


class EventResource:
    """``framework.EventResource`` names."""

    POD = "Pod"
    ASSIGNED_POD = "AssignedPod"
    UNSCHEDULED_POD = "UnschedulablePod"
    NODE = "Node"
    PERSISTENT_VOLUME = "PersistentVolume"
    PERSISTENT_VOLUME_CLAIM = "PersistentVolumeClaim"
    STORAGE_CLASS = "storage.k8s.io/StorageClass"
    CSI_NODE = "storage.k8s.io/CSINode"
    CSI_DRIVER = "storage.k8s.io/CSIDriver"
    CSI_STORAGE_CAPACITY = "storage.k8s.io/CSIStorageCapacity"
    WILDCARD = "*"


@dataclass(frozen=True, slots=True)
class ClusterEvent:
    """``framework.ClusterEvent``: a resource and what happened to it."""

    resource: str
    action: ActionType
    label: str = ""

    def match(self, incoming: ClusterEvent) -> bool:
        """Whether a registered event covers ``incoming`` (``ClusterEvent.Match``)."""
        if self.resource == EventResource.WILDCARD:
            return True
        resource_match = self.resource == incoming.resource or (
            self.resource == EventResource.POD
            and incoming.resource in (EventResource.ASSIGNED_POD, EventResource.UNSCHEDULED_POD)
        )
        return resource_match and bool(self.action & incoming.action)


#: the events the queue itself raises (``framework.EventUnschedulableTimeout`` etc.)
EVENT_UNSCHEDULABLE_TIMEOUT = ClusterEvent(
    EventResource.WILDCARD, ActionType.ALL, "UnschedulableTimeout"
)
EVENT_FORCE_ACTIVATE = ClusterEvent(EventResource.WILDCARD, ActionType.ALL, "ForceActivate")


class QueueingHint(IntEnum):
    """``framework.QueueingHint``."""

    QUEUE_SKIP = 0
    QUEUE = 1


#: ``QueueingHintFn(pod, oldObj, newObj) -> QueueingHint``
QueueingHintFn = Callable[[Object, Object | None, Object | None], QueueingHint]


@dataclass(frozen=True, slots=True)
class ClusterEventWithHint:
    event: ClusterEvent
    hint: QueueingHintFn | None = None


@dataclass(slots=True)
class Diagnosis:
    """``framework.Diagnosis``: why each node was rejected, and by which plugins."""

    node_to_status: dict[str, Status] = field(default_factory=dict)
    unschedulable_plugins: set[str] = field(default_factory=set)
    pending_plugins: set[str] = field(default_factory=set)
    pre_filter_msg: str = ""
    post_filter_msg: str = ""
    #: the status every node not in ``node_to_status`` is taken to have (``absentNodesStatus``)
    absent_nodes_status: Status | None = None


#: ``framework.NoNodeAvailableMsg``
NO_NODE_AVAILABLE_MSG = "0/{} nodes are available"


class FitError(Exception):
    """``framework.FitError``: the pod fits on no node; ``str()`` is the message users see."""

    def __init__(self, pod: PodInfo, num_all_nodes: int, diagnosis: Diagnosis) -> None:
        super().__init__()
        self.pod = pod
        self.num_all_nodes = num_all_nodes
        self.diagnosis = diagnosis

    def __str__(self) -> str:
        diagnosis = self.diagnosis
        message = NO_NODE_AVAILABLE_MSG.format(self.num_all_nodes) + ":"
        if diagnosis.pre_filter_msg:
            message += f" {diagnosis.pre_filter_msg}."
        else:
            histogram: dict[str, int] = {}
            for status in diagnosis.node_to_status.values():
                for reason in status.reasons:
                    histogram[reason] = histogram.get(reason, 0) + 1
            absent = self.num_all_nodes - len(diagnosis.node_to_status)
            if absent > 0 and diagnosis.absent_nodes_status is not None:
                for reason in diagnosis.absent_nodes_status.reasons:
                    histogram[reason] = histogram.get(reason, 0) + absent
            reasons = sorted(f"{count} {reason}" for reason, count in histogram.items())
            if reasons:
                message += f" {', '.join(reasons)}."
        if diagnosis.post_filter_msg:
            message += f" {diagnosis.post_filter_msg}"
        return message


class Plugin:
    """The base every plugin may extend; only ``name`` is required."""

    name: str = ""

    def __repr__(self) -> str:
        return f"<plugin {self.name}>"


__all__ = [
    "MAX_NODE_SCORE",
    "MIN_NODE_SCORE",
    "SKIP",
    "ActionType",
    "ClusterEvent",
    "ClusterEventWithHint",
    "Code",
    "CycleState",
    "Diagnosis",
    "EventResource",
    "FitError",
    "NodeScore",
    "Plugin",
    "PostFilterResult",
    "PreFilterResult",
    "QueueingHint",
    "QueueingHintFn",
    "Status",
    "is_success",
    "unresolvable",
    "unschedulable",
]
