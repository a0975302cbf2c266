"""Preemption: make room for a pod by evicting lower-priority pods from one node.

Upstream: ``pkg/scheduler/framework/preemption/preemption.go`` (``Evaluator.Preempt``,
``findCandidates``, ``DryRunPreemption``, ``SelectCandidate``, ``pickOneNodeForPreemption``,
``prepareCandidate``, ``filterPodsWithPDBViolation``). :class:`Evaluator` is the algorithm;
the DefaultPreemption plugin supplies the policy hooks (``select_victims_on_node``,
``pod_eligible_to_preempt_others``, ``get_offset_and_num_candidates``).

1. *Eligible?* Not with ``preemptionPolicy: Never``; not while a lower-priority pod on the
   node it was already nominated to is still terminating (it waits for that).
2. *Candidates.* Only nodes rejected as ``Unschedulable`` (not Unresolvable) are tried: from a
   random offset, a dry run per node removes the lower-priority pods and checks the filters,
   then re-admits ("reprieves") as many as still fit -- PDB-protected ones first -- so the
   victims are minimal. It stops after enough candidates (10% of the nodes, at least 100).
3. *Best candidate* (``pickOneNodeForPreemption``): fewest PDB violations, then the lowest
   highest-victim priority, the smallest sum of priorities, the fewest victims, the latest
   start among the highest-priority victims, then the first.
4. *Prepare.* Each victim gets the ``DisruptionTarget`` condition (reason
   ``PreemptionByScheduler``) and is deleted; lower-priority pods nominated to the node lose
   their nomination; the preemptor is nominated to the node and waits for the victims to go.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from controllers.scheduler.framework.interface import (
    Code,
    CycleState,
    Diagnosis,
    FitError,
    PostFilterResult,
    Status,
    unresolvable,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo
from minikube_py.errors import NotFound, StatusError
from minikube_py.selectors.labels import SelectorParseError, from_label_selector

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

log = logging.getLogger(__name__)

MIN_CANDIDATE_NODES_PERCENTAGE = 10
MIN_CANDIDATE_NODES_ABSOLUTE = 100
#: v1.32's condition and reason for a pod the scheduler preempts
DISRUPTION_TARGET = "DisruptionTarget"
POD_REASON_PREEMPTION_BY_SCHEDULER = "PreemptionByScheduler"
_INT32_MAX = 2**31 - 1


@dataclass(slots=True)
class Candidate:
    """A node and the pods to evict from it."""

    name: str
    victims: list[PodInfo] = field(default_factory=list)
    num_pdb_violations: int = 0


def importance_key(p: PodInfo) -> tuple[int, str]:
    """Sorts by ``MoreImportantPod``: higher priority, then started earlier."""
    return (-p.priority, p.start_time or "")


def filter_pods_with_pdb_violation(
    pods: list[PodInfo], pdbs: list[Mapping[str, Any]]
) -> tuple[list[PodInfo], list[PodInfo]]:
    """``filterPodsWithPDBViolation``: (violating, non-violating), each in the given order;
    each matching PDB's ``disruptionsAllowed`` is spent as pods are taken."""
    allowed = [int((pdb.get("status") or {}).get("disruptionsAllowed") or 0) for pdb in pdbs]
    selectors = []
    for pdb in pdbs:
        try:
            selectors.append(from_label_selector((pdb.get("spec") or {}).get("selector")))
        except SelectorParseError:
            selectors.append(None)
    violating: list[PodInfo] = []
    non_violating: list[PodInfo] = []
    for pod in pods:
        violated = False
        if pod.labels:
            for i, pdb in enumerate(pdbs):
                if (pdb.get("metadata") or {}).get("namespace") != pod.namespace:
                    continue
                selector = selectors[i]
                if selector is None or selector.empty() or not selector.matches(pod.labels):
                    continue
                if pod.name in ((pdb.get("status") or {}).get("disruptedPods") or {}):
                    continue
                allowed[i] -= 1
                if allowed[i] < 0:
                    violated = True
        (violating if violated else non_violating).append(pod)
    return violating, non_violating


class Evaluator:
    """``preemption.Evaluator``."""

    def __init__(self, plugin_name: str, handle: Framework, policy: Any) -> None:
        self.plugin_name = plugin_name
        self.handle = handle
        self.policy = policy

    async def preempt(
        self, state: CycleState, pod: PodInfo, statuses: dict[str, Status]
    ) -> tuple[PostFilterResult | None, Status]:
        """``Preempt``."""
        handle = self.handle
        # 0) the latest version of the pod
        latest = handle.listers.get("pod", lambda _ns, _n: None)(pod.namespace, pod.name)
        if latest is not None:
            pod = PodInfo(latest)
        # 1) eligible?
        nominated = ((pod.pod.get("status") or {}).get("nominatedNodeName")) or ""
        eligible, message = self.policy.pod_eligible_to_preempt_others(
            pod, statuses.get(nominated) if nominated else None
        )
        if not eligible:
            return None, Status(Code.UNSCHEDULABLE, message)
        # 2) candidates
        all_nodes = handle.snapshot.node_info_list
        if not all_nodes:
            return None, Status(Code.ERROR, "no nodes available")
        candidates, node_statuses = self.find_candidates(state, all_nodes, pod, statuses)
        if not candidates:
            diagnosis = Diagnosis(
                node_to_status=node_statuses,
                absent_nodes_status=unresolvable("Preemption is not helpful for scheduling"),
            )
            fit_error = FitError(pod, len(all_nodes), diagnosis)
            return PostFilterResult(""), Status(Code.UNSCHEDULABLE, str(fit_error))
        # 4) the best candidate
        best = self.select_candidate(candidates)
        if best is None or not best.name:
            return None, Status(Code.UNSCHEDULABLE, "no candidate node for preemption")
        # 5) evict its victims
        status = await self.prepare_candidate(best, pod)
        if status is not None:
            return None, status
        return PostFilterResult(best.name), Status(Code.SUCCESS)

    def find_candidates(
        self,
        state: CycleState,
        all_nodes: list[NodeInfo],
        pod: PodInfo,
        statuses: dict[str, Status],
    ) -> tuple[list[Candidate], dict[str, Status]]:
        potential = [
            n
            for n in all_nodes
            if (s := statuses.get(n.name)) is not None and s.code == Code.UNSCHEDULABLE
        ]
        if not potential:
            return [], {}
        pdbs = self.handle.listers.get("pdbs", lambda: [])()
        offset, num_candidates = self.policy.get_offset_and_num_candidates(len(potential))
        return self.dry_run_preemption(state, pod, potential, pdbs, offset, num_candidates)

    def dry_run_preemption(
        self,
        state: CycleState,
        pod: PodInfo,
        potential: list[NodeInfo],
        pdbs: list[Mapping[str, Any]],
        offset: int,
        num_candidates: int,
    ) -> tuple[list[Candidate], dict[str, Status]]:
        """``DryRunPreemption``: candidates without PDB violations first."""
        non_violating: list[Candidate] = []
        violating: list[Candidate] = []
        node_statuses: dict[str, Status] = {}
        n = len(potential)
        for i in range(n):
            node = potential[(offset + i) % n]
            state_copy = state.clone()
            info_copy = node.clone()
            victims, violations, status = self.policy.select_victims_on_node(
                state_copy, pod, info_copy, pdbs
            )
            if status is None and victims:
                candidate = Candidate(node.name, victims, violations)
                (violating if violations else non_violating).append(candidate)
                if non_violating and len(non_violating) + len(violating) >= num_candidates:
                    break
                continue
            if status is None:  # no victims and no error: nothing to do here
                status = unresolvable("No preemption victims found for incoming pod")
            node_statuses[node.name] = status
        return non_violating + violating, node_statuses

    def select_candidate(self, candidates: list[Candidate]) -> Candidate | None:
        if not candidates:
            return None
        if len(candidates) == 1:
            return candidates[0]
        return pick_one_node_for_preemption(candidates)

    async def prepare_candidate(self, candidate: Candidate, pod: PodInfo) -> Status | None:
        """``prepareCandidate``: mark and delete the victims (reject those Permit holds),
        clear lower nominations."""
        handle = self.handle
        client = handle.client
        scheduler_name = pod.spec.get("schedulerName") or handle.profile_name
        for victim in candidate.victims:
            waiting = handle.get_waiting_pod(victim.uid)
            if waiting is not None:
                # held by Permit, not bound yet: rejecting it frees the room (upstream sends
                # the reject to the Permit plugins instead of deleting the pod)
                waiting.reject(self.plugin_name, "preempted")
            else:
                condition = {
                    "type": DISRUPTION_TARGET,
                    "status": "True",
                    "reason": POD_REASON_PREEMPTION_BY_SCHEDULER,
                    "message": f"{scheduler_name}: preempting to accommodate a higher priority pod",
                    "lastTransitionTime": handle.clock.timestamp(),
                }
                try:
                    await client.patch(
                        "pods",
                        victim.name,
                        {"status": {"conditions": [condition]}},
                        namespace=victim.namespace,
                        patch_type="strategic",
                        subresource="status",
                    )
                    await client.delete("pods", victim.name, namespace=victim.namespace)
                except NotFound:
                    continue
                except StatusError as error:
                    return Status(Code.ERROR, str(error))
            if handle.recorder is not None:
                await handle.recorder.event(
                    _with_kind(victim.pod),
                    "Normal",
                    "Preempted",
                    f"Preempted by pod {pod.uid} on node {candidate.name}",
                )
        # lower-priority pods nominated to this node may no longer fit there
        for other in handle.nominator.nominated_pods_for_node(candidate.name):
            if other.priority < pod.priority and other.key != pod.key:
                handle.nominator.delete_nominated_pod_if_exists(other.key)
                with contextlib.suppress(StatusError):
                    await client.patch(
                        "pods",
                        other.name,
                        {"status": {"nominatedNodeName": None}},
                        namespace=other.namespace,
                        subresource="status",
                    )
        return None


def _with_kind(pod: Mapping[str, Any]) -> dict[str, Any]:
    return {**pod, "apiVersion": "v1", "kind": "Pod"}


def pick_one_node_for_preemption(candidates: list[Candidate]) -> Candidate:
    """``pickOneNodeForPreemption``: apply the criteria in order while there is a tie."""
    remaining = list(candidates)

    def keep_min(score: Any) -> None:
        nonlocal remaining
        best = min(score(c) for c in remaining)
        remaining = [c for c in remaining if score(c) == best]

    keep_min(lambda c: c.num_pdb_violations)
    if len(remaining) > 1:
        keep_min(lambda c: max((v.priority for v in c.victims), default=-_INT32_MAX))
    if len(remaining) > 1:
        keep_min(lambda c: sum(v.priority + _INT32_MAX + 1 for v in c.victims))
    if len(remaining) > 1:
        keep_min(lambda c: len(c.victims))
    if len(remaining) > 1:
        # the latest start time among each node's highest-priority victims wins
        def earliest_start_of_highest(c: Candidate) -> str:
            top = max(v.priority for v in c.victims)
            return min((v.start_time or "") for v in c.victims if v.priority == top)

        latest = max(earliest_start_of_highest(c) for c in remaining)
        remaining = [c for c in remaining if earliest_start_of_highest(c) == latest]
    return remaining[0]


__all__ = [
    "DISRUPTION_TARGET",
    "MIN_CANDIDATE_NODES_ABSOLUTE",
    "MIN_CANDIDATE_NODES_PERCENTAGE",
    "POD_REASON_PREEMPTION_BY_SCHEDULER",
    "Candidate",
    "Evaluator",
    "filter_pods_with_pdb_violation",
    "importance_key",
    "pick_one_node_for_preemption",
]
