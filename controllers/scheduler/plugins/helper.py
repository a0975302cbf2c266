"""Matching rules the plugins share: tolerations against taints, node selectors against nodes.

Upstream: ``k8s.io/component-helpers/scheduling/corev1`` (``nodeaffinity.GetRequiredNodeAffinity``,
``NodeSelectorRequirementsAsSelector``, ``MatchNodeSelectorTerms``), ``pkg/apis/core/v1/helper``
(``ToleratesTaint``, ``FindMatchingUntoleratedTaint``, ``TolerationsTolerateTaint``) and
``pkg/scheduler/framework/plugins/helper``.

Node selector terms are compiled once per pod into small closures; a compiled
:class:`RequiredNodeAffinity` answers ``match(node_info)`` with no parsing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from controllers.scheduler.framework.types import NodeInfo

TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
NO_SCHEDULE = "NoSchedule"
NO_EXECUTE = "NoExecute"
PREFER_NO_SCHEDULE = "PreferNoSchedule"

_NodeCheck = Callable[[NodeInfo], bool]


# -- taints and tolerations -----------------------------------------------------------------


def tolerates_taint(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """``Toleration.ToleratesTaint``."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return operator == "Exists"


def tolerations_tolerate_taint(
    tolerations: Iterable[Mapping[str, Any]], taint: Mapping[str, Any]
) -> bool:
    return any(tolerates_taint(t, taint) for t in tolerations)


def do_not_schedule_taints(taint: Mapping[str, Any]) -> bool:
    """``DoNotScheduleTaintsFilterFunc``: NoSchedule and NoExecute taints."""
    return taint.get("effect") in (NO_SCHEDULE, NO_EXECUTE)


def find_matching_untolerated_taint(
    taints: Iterable[Mapping[str, Any]],
    tolerations: list[Mapping[str, Any]],
    inclusion: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Mapping[str, Any] | None:
    """``FindMatchingUntoleratedTaint``: the first included taint no toleration tolerates."""
    for taint in taints:
        if inclusion is not None and not inclusion(taint):
            continue
        if not tolerations_tolerate_taint(tolerations, taint):
            return taint
    return None


# -- node selectors ---------------------------------------------------------------------------


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def _requirement(requirement: Mapping[str, Any], *, field: bool) -> _NodeCheck | None:
    """A node selector requirement as a check; None when it is invalid (then the term
    matches nothing, as a parse error makes upstream's term match nothing)."""
    key = requirement.get("key") or ""
    operator = requirement.get("operator") or ""
    values = list(requirement.get("values") or ())
    if field:
        if key != "metadata.name" or len(values) != 1 or operator not in ("In", "NotIn"):
            return None
        wanted = values[0]
        if operator == "In":
            return lambda n: n.name == wanted
        return lambda n: n.name != wanted
    if operator == "In":
        if not values:
            return None
        allowed = frozenset(values)
        return lambda n: key in n.labels and n.labels[key] in allowed
    if operator == "NotIn":
        if not values:
            return None
        denied = frozenset(values)
        return lambda n: n.labels.get(key) not in denied
    if operator == "Exists":
        return None if values else (lambda n: key in n.labels)
    if operator == "DoesNotExist":
        return None if values else (lambda n: key not in n.labels)
    if operator in ("Gt", "Lt"):
        bound = _int_or_none(values[0]) if len(values) == 1 else None
        if bound is None:
            return None
        greater = operator == "Gt"

        def compare(n: NodeInfo) -> bool:
            value = n.labels.get(key)
            number = _int_or_none(value) if value is not None else None
            if number is None:
                return False
            return number > bound if greater else number < bound

        return compare
    return None


def compile_node_selector_term(term: Mapping[str, Any]) -> _NodeCheck:
    """A ``NodeSelectorTerm``: its requirements ANDed; an empty term matches nothing."""
    checks: list[_NodeCheck] = []
    for requirement in term.get("matchExpressions") or ():
        check = _requirement(requirement, field=False)
        if check is None:
            return lambda _n: False
        checks.append(check)
    for requirement in term.get("matchFields") or ():
        check = _requirement(requirement, field=True)
        if check is None:
            return lambda _n: False
        checks.append(check)
    if not checks:
        return lambda _n: False
    if len(checks) == 1:
        return checks[0]
    return lambda n: all(check(n) for check in checks)


def compile_node_selector(selector: Mapping[str, Any] | None) -> _NodeCheck | None:
    """A ``NodeSelector`` (terms ORed); None when there is none."""
    if selector is None:
        return None
    terms = [compile_node_selector_term(t) for t in selector.get("nodeSelectorTerms") or ()]
    if not terms:
        return lambda _n: False
    if len(terms) == 1:
        return terms[0]
    return lambda n: any(term(n) for term in terms)


class RequiredNodeAffinity:
    """``nodeaffinity.RequiredNodeAffinity``: ``spec.nodeSelector`` and the required node
    affinity of a pod, both of which a node must match."""

    __slots__ = ("_affinity", "_labels")

    def __init__(self, pod_spec: Mapping[str, Any]) -> None:
        self._labels: dict[str, str] = dict(pod_spec.get("nodeSelector") or {})
        node_affinity = (pod_spec.get("affinity") or {}).get("nodeAffinity") or {}
        self._affinity = compile_node_selector(
            node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
        )

    @property
    def empty(self) -> bool:
        return not self._labels and self._affinity is None

    def match(self, node: NodeInfo) -> bool:
        if self._labels:
            labels = node.labels
            for key, value in self._labels.items():
                if labels.get(key) != value:
                    return False
        return self._affinity is None or self._affinity(node)


__all__ = [
    "NO_EXECUTE",
    "NO_SCHEDULE",
    "PREFER_NO_SCHEDULE",
    "TAINT_NODE_UNSCHEDULABLE",
    "RequiredNodeAffinity",
    "compile_node_selector",
    "compile_node_selector_term",
    "do_not_schedule_taints",
    "find_matching_untolerated_taint",
    "tolerates_taint",
    "tolerations_tolerate_taint",
]
