"""InterPodAffinity (PreFilter, Filter, PreScore, Score): pod affinity and anti-affinity.

Upstream: ``framework/plugins/interpodaffinity/{filtering,scoring,plugin}.go``.

*Filter.* PreFilter counts, per topology pair ``(key, value)``:

* ``existing_anti_affinity_counts`` -- existing pods whose *required anti-affinity* terms match
  the incoming pod, by the pair of their node (they forbid the incoming pod there);
* ``affinity_counts`` -- existing pods that match *all* the incoming pod's required affinity
  terms, for each term's pair;
* ``anti_affinity_counts`` -- existing pods matching each of its required anti-affinity terms.

A node then fails with ``node(s) didn't match pod affinity rules`` (unresolvable) when a
required affinity term has no matching pod in the node's domain -- unless no pod anywhere
matches and the pod matches its own terms (the first pod of a group); with ``node(s) didn't
match pod anti-affinity rules`` when a matching pod is in the domain of one of its
anti-affinity terms; and with ``node(s) didn't satisfy existing pods anti-affinity rules``
when an existing pod's anti-affinity forbids it there.

*Score.* For each existing pod (only those with affinity, unless the incoming pod has
preferred terms): the incoming pod's preferred (anti-)affinity terms that match it add (take
away) their weight to every node in its domain; the existing pod's required affinity terms
that match the incoming pod add ``hardPodAffinityWeight`` (1); its preferred terms add or take
their weights. Scores are normalized between the lowest and the highest.

``matchLabelKeys``/``mismatchLabelKeys`` are merged into each term's selector when the pod is
parsed (:class:`~controllers.scheduler.framework.types.AffinityTerm`).
"""

from __future__ import annotations

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
    unresolvable,
    unschedulable,
)
from controllers.scheduler.framework.types import AffinityTerm, NodeInfo, PodInfo
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH = (
    "node(s) didn't satisfy existing pods anti-affinity rules"
)
ERR_REASON_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod affinity rules"
ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH = "node(s) didn't match pod anti-affinity rules"
DEFAULT_HARD_POD_AFFINITY_WEIGHT = 1

_PRE_FILTER_KEY = "PreFilterInterPodAffinity"
_PRE_SCORE_KEY = "PreScoreInterPodAffinity"

Pair = tuple[str, str]


def _update(counts: dict[Pair, int], node: NodeInfo, key: str, value: int) -> None:
    label = node.labels.get(key)
    if label is None:
        return
    pair = (key, label)
    total = counts.get(pair, 0) + value
    if total == 0:
        counts.pop(pair, None)
    else:
        counts[pair] = total


def _matches_all(terms: list[AffinityTerm], pod: PodInfo, ns_labels: Any) -> bool:
    return bool(terms) and all(t.matches(pod, ns_labels) for t in terms)


class _PreFilterState:
    __slots__ = (
        "affinity_counts",
        "anti_affinity_counts",
        "existing_anti_affinity_counts",
        "lookup",
        "namespace_labels",
    )

    def __init__(self, lookup: Callable[[str], dict[str, str] | None]) -> None:
        self.existing_anti_affinity_counts: dict[Pair, int] = {}
        self.affinity_counts: dict[Pair, int] = {}
        self.anti_affinity_counts: dict[Pair, int] = {}
        self.namespace_labels: dict[str, str] | None = None
        #: namespace -> its labels, for terms with a namespaceSelector (None when none has)
        self.lookup = lookup

    def clone(self) -> _PreFilterState:
        copy = _PreFilterState(self.lookup)
        copy.existing_anti_affinity_counts = dict(self.existing_anti_affinity_counts)
        copy.affinity_counts = dict(self.affinity_counts)
        copy.anti_affinity_counts = dict(self.anti_affinity_counts)
        copy.namespace_labels = self.namespace_labels
        return copy

    def update_with_pod(
        self, incoming: PodInfo, existing: PodInfo, node: NodeInfo, multiplier: int
    ) -> None:
        """``updateWithPod``: account for ``existing`` appearing on (leaving) ``node``."""
        ns_labels = self.namespace_labels
        for term in existing.required_anti_affinity_terms:
            if term.matches(incoming, ns_labels):
                _update(self.existing_anti_affinity_counts, node, term.topology_key, multiplier)
        existing_ns = self.lookup(existing.namespace)
        if _matches_all(incoming.required_affinity_terms, existing, existing_ns):
            for term in incoming.required_affinity_terms:
                _update(self.affinity_counts, node, term.topology_key, multiplier)
        for term in incoming.required_anti_affinity_terms:
            if term.matches(existing, existing_ns):
                _update(self.anti_affinity_counts, node, term.topology_key, multiplier)


class InterPodAffinity(Plugin):
    name = "InterPodAffinity"

    def __init__(self, args: dict[str, Any], handle: Framework) -> None:
        self.handle = handle
        self.hard_pod_affinity_weight = int(
            args.get("hardPodAffinityWeight", DEFAULT_HARD_POD_AFFINITY_WEIGHT)
        )
        self.ignore_preferred_terms_of_existing_pods = bool(
            args.get("ignorePreferredTermsOfExistingPods", False)
        )

    def _ns_labels(self, namespace: str) -> dict[str, str] | None:
        return self.handle.snapshot.namespace_labels(namespace)

    # -- filtering -----------------------------------------------------------------------------

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        snapshot = self.handle.snapshot
        with_anti = snapshot.have_pods_with_required_anti_affinity_list
        if (
            not pod.required_affinity_terms
            and not pod.required_anti_affinity_terms
            and not with_anti
        ):
            return None, SKIP
        own_terms = pod.required_affinity_terms + pod.required_anti_affinity_terms
        if any(t.namespace_selector is not None for t in own_terms):
            lookup = self._ns_labels
        else:
            lookup = _no_labels
        s = _PreFilterState(lookup)
        s.namespace_labels = self._ns_labels(pod.namespace)
        for node in with_anti:
            for existing in node.pods_with_required_anti_affinity.values():
                for term in existing.required_anti_affinity_terms:
                    if term.matches(pod, s.namespace_labels):
                        _update(s.existing_anti_affinity_counts, node, term.topology_key, 1)
        if pod.required_affinity_terms or pod.required_anti_affinity_terms:
            for node in snapshot.node_info_list:
                for existing in node.pods.values():
                    existing_ns = lookup(existing.namespace)
                    if _matches_all(pod.required_affinity_terms, existing, existing_ns):
                        for term in pod.required_affinity_terms:
                            _update(s.affinity_counts, node, term.topology_key, 1)
                    for term in pod.required_anti_affinity_terms:
                        if term.matches(existing, existing_ns):
                            _update(s.anti_affinity_counts, node, term.topology_key, 1)
        state[_PRE_FILTER_KEY] = s
        return None, None

    def add_pod(
        self, state: CycleState, pod: PodInfo, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> None:
        s = state.get(_PRE_FILTER_KEY)
        if s is not None:
            s.update_with_pod(pod, pod_to_add, node_info, 1)

    def remove_pod(
        self, state: CycleState, pod: PodInfo, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> None:
        s = state.get(_PRE_FILTER_KEY)
        if s is not None:
            s.update_with_pod(pod, pod_to_remove, node_info, -1)

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        s: _PreFilterState = state[_PRE_FILTER_KEY]
        labels = node_info.labels
        if pod.required_affinity_terms and not _satisfy_pod_affinity(s, pod, labels):
            return unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH)
        if s.anti_affinity_counts:
            for term in pod.required_anti_affinity_terms:
                value = labels.get(term.topology_key)
                if (
                    value is not None
                    and s.anti_affinity_counts.get((term.topology_key, value), 0) > 0
                ):
                    return unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH)
        if s.existing_anti_affinity_counts:
            for (key, value), count in s.existing_anti_affinity_counts.items():
                if count > 0 and labels.get(key) == value:
                    return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH)
        return None

    # -- scoring -------------------------------------------------------------------------------

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        if not nodes:
            return SKIP
        has_constraints = bool(pod.preferred_affinity_terms or pod.preferred_anti_affinity_terms)
        if self.ignore_preferred_terms_of_existing_pods and not has_constraints:
            return SKIP
        snapshot = self.handle.snapshot
        all_nodes = (
            snapshot.node_info_list if has_constraints else snapshot.have_pods_with_affinity_list
        )
        ns_labels = self._ns_labels(pod.namespace)
        scores: dict[str, dict[str, int]] = {}
        for node in all_nodes:
            if not node.labels:
                continue
            existing_pods = node.pods if has_constraints else node.pods_with_affinity
            for existing in existing_pods.values():
                self._process_existing_pod(scores, pod, existing, node, ns_labels)
        if not scores:
            return SKIP
        state[_PRE_SCORE_KEY] = scores
        return None

    def _process_existing_pod(
        self,
        scores: dict[str, dict[str, int]],
        incoming: PodInfo,
        existing: PodInfo,
        node: NodeInfo,
        ns_labels: dict[str, str] | None,
    ) -> None:
        def process(term: AffinityTerm, weight: int, pod: PodInfo, labels: Any, sign: int) -> None:
            if term.matches(pod, labels):
                value = node.labels.get(term.topology_key)
                if value is not None:
                    by_value = scores.setdefault(term.topology_key, {})
                    by_value[value] = by_value.get(value, 0) + weight * sign

        existing_ns = (
            self._ns_labels(existing.namespace)
            if any(
                w.term.namespace_selector is not None
                for w in incoming.preferred_affinity_terms + incoming.preferred_anti_affinity_terms
            )
            else None
        )
        for w in incoming.preferred_affinity_terms:
            process(w.term, w.weight, existing, existing_ns, 1)
        for w in incoming.preferred_anti_affinity_terms:
            process(w.term, w.weight, existing, existing_ns, -1)
        if self.hard_pod_affinity_weight > 0:
            for term in existing.required_affinity_terms:
                process(term, self.hard_pod_affinity_weight, incoming, ns_labels, 1)
        for w in existing.preferred_affinity_terms:
            process(w.term, w.weight, incoming, ns_labels, 1)
        for w in existing.preferred_anti_affinity_terms:
            process(w.term, w.weight, incoming, ns_labels, -1)

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        total = 0
        labels = node_info.labels
        for key, by_value in state[_PRE_SCORE_KEY].items():
            value = labels.get(key)
            if value is not None:
                total += by_value.get(value, 0)
        return total

    def normalize_score(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]
    ) -> None:
        if not scores:
            return
        low, high = min(scores), max(scores)
        spread = high - low
        scores[:] = [
            int(MAX_NODE_SCORE * ((s - low) / spread)) if spread > 0 else 0 for s in scores
        ]

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(
                ClusterEvent(
                    EventResource.ASSIGNED_POD,
                    ActionType.ADD | ActionType.UPDATE_POD_LABEL | ActionType.DELETE,
                ),
                _pod_change_may_help,
            ),
            ClusterEventWithHint(
                ClusterEvent(EventResource.NODE, ActionType.ADD | ActionType.UPDATE_NODE_LABEL),
                None,
            ),
        ]


def _no_labels(_namespace: str) -> None:
    return None


def _satisfy_pod_affinity(s: _PreFilterState, pod: PodInfo, labels: dict[str, str]) -> bool:
    pods_exist = True
    for term in pod.required_affinity_terms:
        value = labels.get(term.topology_key)
        if value is None:
            return False  # all topology labels must exist on the node
        if s.affinity_counts.get((term.topology_key, value), 0) <= 0:
            pods_exist = False
    if pods_exist:
        return True
    # the first pod of a group with affinity to itself may go anywhere that has the labels
    return not s.affinity_counts and _matches_all(
        pod.required_affinity_terms, pod, s.namespace_labels
    )


def _pod_change_may_help(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """``isSchedulableAfterPodChange``: an added or relabelled pod may satisfy an affinity
    term; a deleted one may lift an anti-affinity."""
    info = PodInfo(pod)
    if new is not None:
        changed = PodInfo(new)
        if info.required_affinity_terms and _matches_all(
            info.required_affinity_terms, changed, None
        ):
            return QueueingHint.QUEUE
        if old is None:
            return QueueingHint.QUEUE_SKIP
    if old is not None:
        gone = PodInfo(old)
        if gone.required_anti_affinity_terms:
            return QueueingHint.QUEUE
        if any(t.matches(gone, None) for t in info.required_anti_affinity_terms):
            return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP
