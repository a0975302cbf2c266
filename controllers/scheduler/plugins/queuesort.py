"""PrioritySort (QueueSort) and SchedulingGates (PreEnqueue).

Upstream: ``framework/plugins/queuesort/priority_sort.go`` and
``framework/plugins/schedulinggates/scheduling_gates.go``.
"""

from __future__ import annotations

from controllers.scheduler.framework.interface import (
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    EventResource,
    Plugin,
    QueueingHint,
    Status,
    unresolvable,
)
from controllers.scheduler.framework.types import QueuedPodInfo
from minikube_py.objects import Object


class PrioritySort(Plugin):
    """Higher ``spec.priority`` first; equal priorities in the order they joined the queue."""

    name = "PrioritySort"

    def less(self, a: QueuedPodInfo, b: QueuedPodInfo) -> bool:
        p1, p2 = a.pod_info.priority, b.pod_info.priority
        return p1 > p2 or (p1 == p2 and a.timestamp < b.timestamp)

    @staticmethod
    def sort_key(qpi: QueuedPodInfo) -> tuple[int, float]:
        """The same order as :meth:`less`, as a heap key."""
        return (-qpi.pod_info.priority, qpi.timestamp)


class SchedulingGates(Plugin):
    """Pods with ``spec.schedulingGates`` wait outside activeQ until the gates are removed."""

    name = "SchedulingGates"

    def pre_enqueue(self, pod: Object) -> Status | None:
        gates = (pod.get("spec") or {}).get("schedulingGates") or []
        if not gates:
            return None
        names = [gate.get("name", "") for gate in gates]
        return unresolvable(f"waiting for scheduling gates: [{' '.join(names)}]")

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(
                ClusterEvent(
                    EventResource.UNSCHEDULED_POD,
                    ActionType.UPDATE_POD_SCHEDULING_GATES_ELIMINATED,
                ),
                _gates_removed,
            )
        ]


def _gates_removed(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    if new is None or (new.get("metadata") or {}).get("uid") != (pod.get("metadata") or {}).get(
        "uid"
    ):
        return QueueingHint.QUEUE_SKIP
    gated = (new.get("spec") or {}).get("schedulingGates")
    return QueueingHint.QUEUE_SKIP if gated else QueueingHint.QUEUE
