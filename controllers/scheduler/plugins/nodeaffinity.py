"""NodeAffinity (PreFilter, Filter, PreScore, Score): ``spec.nodeSelector`` and node affinity.

Upstream: ``framework/plugins/nodeaffinity/node_affinity.go``. The filter requires the node to
match ``nodeSelector`` and the required node affinity terms (ORed; the requirements inside a
term ANDed); PreFilter narrows the nodes to evaluate when every term pins ``metadata.name``.
The score is the sum of the weights of the preferred terms the node matches, normalized by the
highest. Pods with no node selection at all skip the filter, pods with no preferences skip the
score. (``addedAffinity`` from plugin arguments is supported as ``added_affinity``.)
"""

from __future__ import annotations

from typing import Any

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
    RequiredNodeAffinity,
    compile_node_selector,
    compile_node_selector_term,
)
from controllers.scheduler.plugins.normalize import default_normalize_score
from minikube_py.objects import Object

#: ``ErrReasonPod``, ``ErrReasonEnforced``, ``errReasonConflict``
ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector"
ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity"
ERR_REASON_CONFLICT = "pod affinity terms conflict"

_PRE_FILTER_KEY = "PreFilterNodeAffinity"
_PRE_SCORE_KEY = "PreScoreNodeAffinity"


def _required_terms(spec: dict[str, Any]) -> list[dict[str, Any]] | None:
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    if required is None:
        return None
    return list(required.get("nodeSelectorTerms") or [])


class NodeAffinity(Plugin):
    name = "NodeAffinity"

    def __init__(self, args: dict[str, Any]) -> None:
        added = args.get("added_affinity") or args.get("addedAffinity")
        self._added = (
            compile_node_selector(added.get("requiredDuringSchedulingIgnoredDuringExecution"))
            if added
            else None
        )

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        spec = pod.spec
        terms = _required_terms(spec)
        if terms is None and self._added is None and spec.get("nodeSelector") is None:
            return None, SKIP
        state[_PRE_FILTER_KEY] = RequiredNodeAffinity(spec)
        if not terms:
            return None, None
        node_names: set[str] | None = None
        for term in terms:
            term_names: set[str] | None = None
            for requirement in term.get("matchFields") or ():
                if (
                    requirement.get("key") == "metadata.name"
                    and requirement.get("operator") == "In"
                ):
                    values = set(requirement.get("values") or ())
                    term_names = values if term_names is None else term_names & values
            if term_names is None:
                return None, None  # this term allows any node: terms are ORed
            node_names = term_names if node_names is None else node_names | term_names
        if node_names is not None and not node_names:
            return None, unresolvable(ERR_REASON_CONFLICT)
        return PreFilterResult(node_names), None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if self._added is not None and not self._added(node_info):
            return unresolvable(ERR_REASON_ENFORCED)
        required = state.get(_PRE_FILTER_KEY)
        if required is None:
            required = RequiredNodeAffinity(pod.spec)
        if not required.match(node_info):
            return unresolvable(ERR_REASON_POD)
        return None

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        preferred = ((pod.spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
            "preferredDuringSchedulingIgnoredDuringExecution"
        ) or []
        if not preferred:
            return SKIP
        state[_PRE_SCORE_KEY] = [
            (int(term.get("weight") or 0), compile_node_selector_term(term.get("preference") or {}))
            for term in preferred
            if term.get("weight")
        ]
        return None

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        return sum(weight for weight, match in state[_PRE_SCORE_KEY] if match(node_info))

    def normalize_score(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]
    ) -> None:
        default_normalize_score(scores, reverse=False)

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(
                ClusterEvent(EventResource.NODE, ActionType.ADD | ActionType.UPDATE_NODE_LABEL),
                _node_matches_now,
            )
        ]


def _node_matches_now(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    if new is None:
        return QueueingHint.QUEUE_SKIP
    required = RequiredNodeAffinity(pod.get("spec") or {})
    if not required.match(NodeInfo(new)):
        return QueueingHint.QUEUE_SKIP
    if old is not None and required.match(NodeInfo(old)):
        return QueueingHint.QUEUE_SKIP  # it already matched: the change is not what helps
    return QueueingHint.QUEUE
