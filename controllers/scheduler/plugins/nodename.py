"""NodeName (Filter): a pod that names a node fits only there.

Upstream: ``framework/plugins/nodename/node_name.go``. The scheduler only takes pods without
``spec.nodeName``, so this filter rejects nothing in practice; it is kept, as upstream keeps it,
for completeness of the default profile.
"""

from __future__ import annotations

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
from minikube_py.objects import Object

#: ``ErrReason``
ERR_REASON = "node(s) didn't match the requested node name"


class NodeName(Plugin):
    name = "NodeName"

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        """Not upstream's: a pod naming no node skips the filter (same outcome, less work)."""
        return None, (None if pod.spec.get("nodeName") else SKIP)

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        wanted = pod.spec.get("nodeName")
        if wanted and wanted != node_info.name:
            return unresolvable(ERR_REASON)
        return None

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(
                ClusterEvent(EventResource.NODE, ActionType.ADD | ActionType.UPDATE_NODE_LABEL),
                _node_matches,
            )
        ]


def _node_matches(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    wanted = (pod.get("spec") or {}).get("nodeName")
    if new is None or not wanted or new["metadata"]["name"] == wanted:
        return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP
