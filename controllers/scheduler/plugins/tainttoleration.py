"""TaintToleration (Filter, Score): untolerated NoSchedule/NoExecute taints reject a node;
untolerated PreferNoSchedule taints lower its score.

Upstream: ``framework/plugins/tainttoleration/taint_toleration.go``. The filter reports the
first untolerated taint as ``node(s) had untolerated taint {key: value}``; the score counts
untolerated PreferNoSchedule taints and is normalized in reverse (fewer is better).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    PREFER_NO_SCHEDULE,
    do_not_schedule_taints,
    find_matching_untolerated_taint,
    tolerations_tolerate_taint,
)
from controllers.scheduler.plugins.normalize import default_normalize_score
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

_PRE_SCORE_KEY = "PreScoreTaintToleration"


def untolerated_taint_message(taint: dict[str, Any] | Any) -> str:
    return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}"


class TaintToleration(Plugin):
    name = "TaintToleration"

    def __init__(self, handle: Framework) -> None:
        self.handle = handle

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        """Not upstream's (it has no PreFilter): with no tainted node the filter is skipped
        (same outcome, less work)."""
        return None, (None if self.handle.snapshot.any_tainted_node else SKIP)

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        taints = node_info.taints
        if not taints:
            return None
        taint = find_matching_untolerated_taint(
            taints, pod.spec.get("tolerations") or [], do_not_schedule_taints
        )
        if taint is None:
            return None
        return unresolvable(untolerated_taint_message(taint))

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        if not self.handle.snapshot.any_tainted_node:
            # not upstream's: every node would score the same (100), which changes no choice
            return SKIP
        state[_PRE_SCORE_KEY] = [
            t
            for t in pod.spec.get("tolerations") or ()
            if not t.get("effect") or t.get("effect") == PREFER_NO_SCHEDULE
        ]
        return None

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        if not node_info.taints:
            return 0
        tolerations = state[_PRE_SCORE_KEY]
        return sum(
            1
            for taint in node_info.taints
            if taint.get("effect") == PREFER_NO_SCHEDULE
            and not tolerations_tolerate_taint(tolerations, taint)
        )

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        """:meth:`score` for many nodes at once."""
        if not self.handle.snapshot.any_tainted_node:
            return [0] * len(nodes)
        score = self.score
        return [score(state, pod, n) if n.taints else 0 for n in nodes]

    def normalize_score(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]
    ) -> None:
        default_normalize_score(scores, reverse=True)

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(
                ClusterEvent(EventResource.NODE, ActionType.ADD | ActionType.UPDATE_NODE_TAINT),
                _node_taints_tolerated_now,
            ),
            ClusterEventWithHint(
                ClusterEvent(EventResource.UNSCHEDULED_POD, ActionType.UPDATE_POD_TOLERATIONS),
                lambda pod, old, new: QueueingHint.QUEUE,
            ),
        ]


def _untolerated(pod: Object, node: Object | None) -> bool:
    if node is None:
        return True
    taints = (node.get("spec") or {}).get("taints") or []
    tolerations = (pod.get("spec") or {}).get("tolerations") or []
    return find_matching_untolerated_taint(taints, tolerations, do_not_schedule_taints) is not None


def _node_taints_tolerated_now(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """``isSchedulableAfterNodeChange``: queue when the node's taints went from untolerated
    to tolerated (or a new node's are tolerated)."""
    if new is None or _untolerated(pod, new):
        return QueueingHint.QUEUE_SKIP
    if old is None or _untolerated(pod, old):
        return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP
