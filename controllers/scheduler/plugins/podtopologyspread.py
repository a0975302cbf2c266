"""PodTopologySpread (PreFilter, Filter, PreScore, Score): ``topologySpreadConstraints``.

Upstream: ``framework/plugins/podtopologyspread/{common,filtering,scoring,plugin}.go``, with
v1.32's feature gates (MinDomains, NodeInclusionPolicy, MatchLabelKeys all on).

*Filter* (``whenUnsatisfiable: DoNotSchedule``). PreFilter counts, for each constraint and each
domain (a value of its ``topologyKey``), the pods in the pod's namespace that match the
constraint's selector and are not terminating, over the nodes that carry every constraint's
key and pass its inclusion policies (``nodeAffinityPolicy: Honor`` -- the pod's nodeSelector
and required affinity --, ``nodeTaintsPolicy: Ignore`` by default). A node then fits when,
for every constraint, ``matching in its domain + (1 if the pod matches itself) - global
minimum <= maxSkew``; the global minimum is 0 while there are fewer domains than
``minDomains``. A node without a constraint's key is rejected as unresolvable.

*Score* (``ScheduleAnyway``; or, for pods with no constraints, the *system default*
constraints -- hostname maxSkew 3, zone maxSkew 5 -- with a selector made from the Services,
ReplicaSets, StatefulSets and ReplicationControllers that select the pod). Each node gets
``sum(count_in_domain * log(domains + 2) + maxSkew - 1)`` and scores are normalized so that
fewer matching pods score higher.

Counting uses the cache's memoised per-selector counts (see
:meth:`~controllers.scheduler.internal.cache.Cache.count_matching`), so the pods of a large
Deployment are not re-scanned on every cycle.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
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
    Status,
    unresolvable,
    unschedulable,
)
from controllers.scheduler.framework.types import (
    LABEL_HOSTNAME,
    LABEL_TOPOLOGY_ZONE,
    NodeInfo,
    PodInfo,
)
from controllers.scheduler.plugins.helper import (
    RequiredNodeAffinity,
    do_not_schedule_taints,
    find_matching_untolerated_taint,
)
from minikube_py.selectors.labels import (
    LabelSelector,
    Operator,
    Requirement,
    SelectorParseError,
    from_label_selector,
)

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints"
ERR_REASON_NODE_LABEL_NOT_MATCH = ERR_REASON_CONSTRAINTS_NOT_MATCH + " (missing required label)"
DO_NOT_SCHEDULE = "DoNotSchedule"
SCHEDULE_ANYWAY = "ScheduleAnyway"
HONOR = "Honor"
IGNORE = "Ignore"

#: ``systemDefaultConstraints``
SYSTEM_DEFAULT_CONSTRAINTS = (
    {"topologyKey": LABEL_HOSTNAME, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 3},
    {"topologyKey": LABEL_TOPOLOGY_ZONE, "whenUnsatisfiable": SCHEDULE_ANYWAY, "maxSkew": 5},
)

_PRE_FILTER_KEY = "PreFilterPodTopologySpread"
_PRE_SCORE_KEY = "PreScorePodTopologySpread"


class Constraint:
    """``topologySpreadConstraint``: one constraint with its selector compiled."""

    __slots__ = (
        "max_skew",
        "min_domains",
        "node_affinity_policy",
        "node_taints_policy",
        "selector",
        "topology_key",
    )

    def __init__(
        self,
        max_skew: int,
        topology_key: str,
        selector: LabelSelector,
        *,
        min_domains: int = 1,
        node_affinity_policy: str = HONOR,
        node_taints_policy: str = IGNORE,
    ) -> None:
        self.max_skew = max_skew
        self.topology_key = topology_key
        self.selector = selector
        self.min_domains = min_domains
        self.node_affinity_policy = node_affinity_policy
        self.node_taints_policy = node_taints_policy

    def match_node_inclusion_policies(
        self, pod: PodInfo, node: NodeInfo, required: RequiredNodeAffinity
    ) -> bool:
        if self.node_affinity_policy == HONOR and not required.match(node):
            return False
        if self.node_taints_policy == HONOR and node.taints:
            tolerations = pod.spec.get("tolerations") or []
            if find_matching_untolerated_taint(node.taints, tolerations, do_not_schedule_taints):
                return False
        return True


def _selector_with_match_label_keys(
    selector: Mapping[str, Any] | None, keys: list[str], labels: Mapping[str, str]
) -> LabelSelector:
    try:
        compiled = from_label_selector(selector)
    except SelectorParseError:
        return LabelSelector.nothing()
    extra = [Requirement(key, Operator.IN, (labels[key],)) for key in keys if key in labels]
    return compiled.add(*extra) if extra else compiled


def filter_topology_spread_constraints(
    constraints: list[dict[str, Any]], pod: PodInfo, action: str
) -> list[Constraint]:
    """``filterTopologySpreadConstraints``: the pod's constraints for ``action``."""
    out: list[Constraint] = []
    for c in constraints:
        if c.get("whenUnsatisfiable") != action:
            continue
        selector = _selector_with_match_label_keys(
            c.get("labelSelector"), list(c.get("matchLabelKeys") or ()), pod.labels
        )
        out.append(
            Constraint(
                int(c.get("maxSkew") or 1),
                c.get("topologyKey") or "",
                selector,
                min_domains=int(c.get("minDomains") or 1),
                node_affinity_policy=c.get("nodeAffinityPolicy") or HONOR,
                node_taints_policy=c.get("nodeTaintsPolicy") or IGNORE,
            )
        )
    return out


def node_labels_match_spread_constraints(
    labels: Mapping[str, str], constraints: list[Constraint]
) -> bool:
    return all(c.topology_key in labels for c in constraints)


class _PreFilterState:
    __slots__ = ("constraints", "min_match", "required", "tp_value_to_match_num")

    def __init__(self, constraints: list[Constraint], required: RequiredNodeAffinity) -> None:
        self.constraints = constraints
        self.required = required
        self.tp_value_to_match_num: list[dict[str, int]] = [{} for _ in constraints]
        self.min_match: list[int] = [0] * len(constraints)

    def compute_min(self) -> None:
        self.min_match = [min(d.values(), default=0) for d in self.tp_value_to_match_num]

    def clone(self) -> _PreFilterState:
        copy = _PreFilterState(self.constraints, self.required)
        copy.tp_value_to_match_num = [dict(d) for d in self.tp_value_to_match_num]
        copy.min_match = list(self.min_match)
        return copy

    def update_with_pod(self, pod: PodInfo, other: PodInfo, node: NodeInfo, delta: int) -> None:
        """``updateWithPod``: a pod appears on (leaves) ``node`` in a dry run."""
        if other.namespace != pod.namespace or other.deleting:
            return
        if not node_labels_match_spread_constraints(node.labels, self.constraints):
            return
        for i, c in enumerate(self.constraints):
            if not c.match_node_inclusion_policies(pod, node, self.required):
                continue
            if c.selector.empty() or not c.selector.matches(other.labels):
                continue
            value = node.labels[c.topology_key]
            counts = self.tp_value_to_match_num[i]
            counts[value] = counts.get(value, 0) + delta
        self.compute_min()


class PodTopologySpread(Plugin):
    name = "PodTopologySpread"

    def __init__(self, args: dict[str, Any], handle: Framework) -> None:
        self.handle = handle
        self._selectors: dict[tuple[str, str], LabelSelector | None] = {}
        #: ``_default_selector`` results by (namespace, pod labels), valid while no Service,
        #: ReplicaSet or StatefulSet selector appears, changes or goes (None: not kept, for a
        #: framework without informers)
        self._defaults: dict[tuple[str, frozenset[tuple[str, str]]], LabelSelector] | None = None
        try:
            informers = [handle.informer(r) for r in _SELECTING_RESOURCES]
        except RuntimeError:
            informers = []
        if informers:
            self._defaults = {}
            watcher = _SelectorChanges(self._defaults)
            for informer in informers:
                informer.add_event_handler(watcher)
        defaulting = args.get("defaultingType") or "System"
        if defaulting == "System":
            self.default_constraints: list[dict[str, Any]] = [
                dict(c) for c in SYSTEM_DEFAULT_CONSTRAINTS
            ]
            self.system_defaulted = True
        else:
            self.default_constraints = list(args.get("defaultConstraints") or [])
            self.system_defaulted = False

    # -- constraints ---------------------------------------------------------------------------

    def _default_selector(self, pod: PodInfo) -> LabelSelector:
        """``helper.DefaultSelector``: the selectors of the Services, ReplicationControllers,
        ReplicaSets and StatefulSets that select the pod, together.

        Upstream walks every such object of the namespace for each pod, twice a cycle; the
        answer depends only on the pod's labels and those selectors, so it is remembered per
        label set until a selector changes (the pods of one ReplicaSet share their labels).
        """
        defaults = self._defaults
        if defaults is None:
            return self._compute_default_selector(pod)
        key = (pod.namespace, frozenset(pod.labels.items()))
        selector = defaults.get(key)
        if selector is None:
            if len(defaults) > 10_000:
                defaults.clear()
            selector = defaults[key] = self._compute_default_selector(pod)
        return selector

    def _compute_default_selector(self, pod: PodInfo) -> LabelSelector:
        listers = self.handle.listers
        requirements: list[Requirement] = []
        labels = pod.labels
        if not labels:
            return LabelSelector.nothing()
        for service in listers.get("services", _none)(pod.namespace):
            selector = (service.get("spec") or {}).get("selector") or {}
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                requirements.extend(
                    Requirement(k, Operator.IN, (v,)) for k, v in sorted(selector.items())
                )
        for rc in listers.get("replicationcontrollers", _none)(pod.namespace):
            selector = (rc.get("spec") or {}).get("selector") or {}
            if selector and all(labels.get(k) == v for k, v in selector.items()):
                requirements.extend(
                    Requirement(k, Operator.IN, (v,)) for k, v in sorted(selector.items())
                )
        for resource in ("replicasets", "statefulsets"):
            for owner in listers.get(resource, _none)(pod.namespace):
                selector = self._owner_selector(owner)
                if selector is not None and not selector.empty() and selector.matches(labels):
                    requirements.extend(selector.requirements)
        return LabelSelector(requirements) if requirements else LabelSelector.nothing()

    def _owner_selector(self, owner: dict[str, Any]) -> LabelSelector | None:
        """An owner's compiled selector, remembered per (uid, resourceVersion)."""
        metadata = owner.get("metadata") or {}
        key = (metadata.get("uid", ""), metadata.get("resourceVersion", ""))
        cache = self._selectors
        if key in cache:
            return cache[key]
        try:
            selector: LabelSelector | None = from_label_selector(
                (owner.get("spec") or {}).get("selector")
            )
        except SelectorParseError:
            selector = None
        if len(cache) > 10_000:
            cache.clear()
        cache[key] = selector
        return selector

    def _constraints(self, pod: PodInfo, action: str) -> list[Constraint]:
        own = pod.spec.get("topologySpreadConstraints")
        if own:
            return filter_topology_spread_constraints(own, pod, action)
        if not self.default_constraints:
            return []
        defaults = [c for c in self.default_constraints if c.get("whenUnsatisfiable") == action]
        if not defaults:
            return []
        selector = self._default_selector(pod)
        if selector.empty() or selector.matches_nothing():
            return []
        return [
            Constraint(int(c.get("maxSkew") or 1), c["topologyKey"], selector) for c in defaults
        ]

    # -- filtering -----------------------------------------------------------------------------

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        constraints = self._constraints(pod, DO_NOT_SCHEDULE)
        if not constraints:
            return None, SKIP
        snapshot = self.handle.snapshot
        s = _PreFilterState(constraints, RequiredNodeAffinity(pod.spec))
        counts_by_constraint = [
            snapshot.count_matching(pod.namespace, c.selector) if not c.selector.empty() else {}
            for c in constraints
        ]
        for node in snapshot.node_info_list:
            if not node_labels_match_spread_constraints(node.labels, constraints):
                continue
            for i, c in enumerate(constraints):
                if not c.match_node_inclusion_policies(pod, node, s.required):
                    continue
                value = node.labels[c.topology_key]
                domain = s.tp_value_to_match_num[i]
                domain[value] = domain.get(value, 0) + counts_by_constraint[i].get(node.name, 0)
        s.compute_min()
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
        for i, c in enumerate(s.constraints):
            value = labels.get(c.topology_key)
            if value is None:
                return unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH)
            domains = s.tp_value_to_match_num[i]
            min_match = s.min_match[i] if len(domains) >= c.min_domains else 0
            self_match = 1 if c.selector.matches(pod.labels) else 0
            skew = domains.get(value, 0) + self_match - min_match
            if skew > c.max_skew:
                return unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH)
        return None

    # -- scoring -------------------------------------------------------------------------------

    def pre_score(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> Status | None:
        snapshot = self.handle.snapshot
        all_nodes = snapshot.node_info_list
        if not nodes or not all_nodes:
            return SKIP
        constraints = self._constraints(pod, SCHEDULE_ANYWAY)
        if not constraints:
            return SKIP
        require_all = bool(pod.spec.get("topologySpreadConstraints")) or not self.system_defaulted
        ignored: set[str] = set()
        pair_counts: dict[tuple[str, str], int] = {}
        topo_size = [0] * len(constraints)
        kept = nodes
        if require_all:
            keys = [c.topology_key for c in constraints]
            kept = []
            for node in nodes:
                labels = node.labels
                if all(k in labels for k in keys):
                    kept.append(node)
                else:
                    ignored.add(node.name)
        for i, c in enumerate(constraints):
            key = c.topology_key
            if key == LABEL_HOSTNAME:
                continue
            # the domains among the nodes being scored (the first constraint on a key counts
            # them, as upstream's node-major loop does)
            for value in {n.labels.get(key, "") for n in kept}:
                if (key, value) not in pair_counts:
                    pair_counts[(key, value)] = 0
                    topo_size[i] += 1
        weights = []
        for i, c in enumerate(constraints):
            size = topo_size[i]
            if c.topology_key == LABEL_HOSTNAME:
                size = len(nodes) - len(ignored)
            weights.append(math.log(size + 2))
        counts = [
            snapshot.count_matching(pod.namespace, c.selector) if not c.selector.empty() else {}
            for c in constraints
        ]
        required = RequiredNodeAffinity(pod.spec)
        if pair_counts:
            # only nodes with matching pods add to a domain: visit those, not every node
            with_matches: set[str] = set()
            for i, c in enumerate(constraints):
                if c.topology_key != LABEL_HOSTNAME:
                    with_matches.update(counts[i])
            get = snapshot.get
            visit = [n for name in with_matches if (n := get(name)) is not None]
            for node in visit:
                if require_all and not node_labels_match_spread_constraints(
                    node.labels, constraints
                ):
                    continue
                for i, c in enumerate(constraints):
                    if c.topology_key == LABEL_HOSTNAME:
                        continue
                    if not c.match_node_inclusion_policies(pod, node, required):
                        continue
                    pair = (c.topology_key, node.labels.get(c.topology_key, ""))
                    if pair in pair_counts:
                        pair_counts[pair] += counts[i].get(node.name, 0)
        state[_PRE_SCORE_KEY] = (constraints, ignored, pair_counts, weights, counts)
        return None

    def score(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> int:
        return self.score_nodes(state, pod, [node_info])[0]

    def score_nodes(self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]) -> list[int]:
        """Each node: ``sum(count * log(domains + 2) + maxSkew - 1)``, rounded half away
        from zero (Go's ``math.Round``)."""
        constraints, ignored, pair_counts, weights, counts = state[_PRE_SCORE_KEY]
        prepared = [
            (
                c.topology_key,
                c.topology_key == LABEL_HOSTNAME,
                weights[i],
                c.max_skew - 1,
                counts[i],
            )
            for i, c in enumerate(constraints)
        ]
        out = []
        for node in nodes:
            name = node.name
            if name in ignored:
                out.append(0)
                continue
            labels = node.labels
            total = 0.0
            for key, per_host, weight, extra, count_of in prepared:
                value = labels.get(key)
                if value is None:
                    continue
                if per_host:
                    count = count_of.get(name, 0)
                else:
                    count = pair_counts.get((key, value), 0)
                total += count * weight + extra
            out.append(math.floor(total + 0.5))
        return out

    def normalize_score(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo], scores: list[int]
    ) -> None:
        ignored = state[_PRE_SCORE_KEY][1]
        low: int | None = None
        high = 0
        for node, score in zip(nodes, scores, strict=True):
            if node.name in ignored:
                continue
            low = score if low is None or score < low else low
            high = max(high, score)
        for i, node in enumerate(nodes):
            if node.name in ignored:
                scores[i] = 0
            elif high == 0:
                scores[i] = MAX_NODE_SCORE
            else:
                scores[i] = MAX_NODE_SCORE * (high + (low or 0) - scores[i]) // high

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(
                ClusterEvent(
                    EventResource.ASSIGNED_POD,
                    ActionType.ADD | ActionType.UPDATE_POD_LABEL | ActionType.DELETE,
                ),
                None,
            ),
            ClusterEventWithHint(
                ClusterEvent(
                    EventResource.NODE,
                    ActionType.ADD
                    | ActionType.DELETE
                    | ActionType.UPDATE_NODE_LABEL
                    | ActionType.UPDATE_NODE_TAINT,
                ),
                None,
            ),
        ]


def _none(_namespace: str) -> list[Any]:
    return []


#: the kinds whose selectors make up a pod's default spreading selector (ReplicationControllers
#: are not served by this API server yet)
_SELECTING_RESOURCES = ("services", "replicasets", "statefulsets")


def _selector_of(obj: Any) -> Any:
    return (obj.get("spec") or {}).get("selector") if isinstance(obj, dict) else None


class _SelectorChanges:
    """Forgets remembered default selectors when a selecting object comes, goes, or changes
    its selector (status updates, the usual traffic, leave them be)."""

    def __init__(self, defaults: dict[Any, LabelSelector]) -> None:
        self._defaults = defaults

    def on_add(self, obj: Any) -> None:
        self._defaults.clear()

    def on_update(self, old: Any, new: Any) -> None:
        if _selector_of(old) != _selector_of(new):
            self._defaults.clear()

    def on_delete(self, obj: Any) -> None:
        self._defaults.clear()
