"""NodePorts (PreFilter, Filter): a pod's host ports must be free on the node.

Upstream: ``framework/plugins/nodeports/node_ports.go``. A port conflicts with one in use on
the same protocol and number when either side binds 0.0.0.0 or both bind the same IP.
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
    unschedulable,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo, host_ports
from minikube_py.objects import Object

#: ``ErrReason``
ERR_REASON = "node(s) didn't have free ports for the requested pod ports"


class NodePorts(Plugin):
    name = "NodePorts"

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        if not pod.host_ports:
            return None, SKIP
        return None, None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if pod.host_ports and node_info.ports_conflict(pod.host_ports):
            return unschedulable(ERR_REASON)
        return None

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(
                ClusterEvent(EventResource.ASSIGNED_POD, ActionType.DELETE), _freed_ports
            ),
            ClusterEventWithHint(
                ClusterEvent(EventResource.NODE, ActionType.ADD | ActionType.UPDATE), None
            ),
        ]


def _freed_ports(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """A deleted pod helps only if it held one of the ports this pod wants."""
    if old is None:
        return QueueingHint.QUEUE
    wanted = {(proto, port) for _ip, proto, port in host_ports(pod)}
    freed = {(proto, port) for _ip, proto, port in host_ports(old)}
    return QueueingHint.QUEUE if wanted & freed else QueueingHint.QUEUE_SKIP
