"""NodeUnschedulable (Filter): cordoned nodes (``spec.unschedulable``) take no new pods, unless
the pod tolerates the ``node.kubernetes.io/unschedulable:NoSchedule`` taint.

Upstream: ``framework/plugins/nodeunschedulable/node_unschedulable.go``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controllers.scheduler.framework.interface import (
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
    unresolvable,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo
from controllers.scheduler.plugins.helper import (
    NO_SCHEDULE,
    TAINT_NODE_UNSCHEDULABLE,
    tolerations_tolerate_taint,
)
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

#: ``ErrReasonUnschedulable``
ERR_REASON_UNSCHEDULABLE = "node(s) were unschedulable"
_UNSCHEDULABLE_TAINT = {"key": TAINT_NODE_UNSCHEDULABLE, "effect": NO_SCHEDULE}


def _tolerates_unschedulable(pod: Object) -> bool:
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    return tolerations_tolerate_taint(tolerations, _UNSCHEDULABLE_TAINT)


class NodeUnschedulable(Plugin):
    name = "NodeUnschedulable"

    def __init__(self, handle: Framework) -> None:
        self.handle = handle

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        """Not upstream's: with no cordoned node the filter is skipped (same outcome)."""
        return None, (None if self.handle.snapshot.any_unschedulable_node else SKIP)

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if not node_info.unschedulable:
            return None
        if _tolerates_unschedulable(pod.pod):
            return None
        return unresolvable(ERR_REASON_UNSCHEDULABLE)

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(
                ClusterEvent(EventResource.NODE, ActionType.ADD | ActionType.UPDATE_NODE_TAINT),
                _node_became_schedulable,
            ),
            ClusterEventWithHint(
                ClusterEvent(EventResource.UNSCHEDULED_POD, ActionType.UPDATE_POD_TOLERATIONS),
                _pod_tolerates_now,
            ),
        ]


def _node_became_schedulable(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    if new is None:
        return QueueingHint.QUEUE_SKIP
    schedulable_now = not (new.get("spec") or {}).get("unschedulable")
    if (schedulable_now or _tolerates_unschedulable(pod)) and (
        old is None or (old.get("spec") or {}).get("unschedulable")
    ):
        return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP


def _pod_tolerates_now(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    if new is not None and _tolerates_unschedulable(new):
        return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP
