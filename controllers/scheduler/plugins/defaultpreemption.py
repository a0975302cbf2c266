"""DefaultPreemption (PostFilter): preempt lower-priority pods when nothing else fits.

Upstream: ``framework/plugins/defaultpreemption/default_preemption.go``. The algorithm is
:class:`~controllers.scheduler.framework.preemption.Evaluator`; this plugin is its policy:

* ``select_victims_on_node`` -- remove every lower-priority pod from a copy of the node; if
  the pod then passes the filters, re-admit the victims from the most important down (PDB
  violators first) while it still fits; what cannot be re-admitted is evicted;
* ``pod_eligible_to_preempt_others`` -- not with ``preemptionPolicy: Never``, not while its
  nominated node still has a lower-priority pod terminating by preemption;
* ``get_offset_and_num_candidates`` -- a random start (the cluster's seeded generator) and
  ``max(10% of nodes, 100)`` candidates (``minCandidateNodesPercentage``/``Absolute``).

Messages are prefixed ``preemption: ``, as upstream's PostFilter does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from controllers.scheduler.framework.interface import (
    Code,
    CycleState,
    Plugin,
    PostFilterResult,
    Status,
    unresolvable,
)
from controllers.scheduler.framework.preemption import (
    DISRUPTION_TARGET,
    MIN_CANDIDATE_NODES_ABSOLUTE,
    MIN_CANDIDATE_NODES_PERCENTAGE,
    POD_REASON_PREEMPTION_BY_SCHEDULER,
    Evaluator,
    filter_pods_with_pdb_violation,
    importance_key,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework


def _terminating_by_preemption(pod: PodInfo) -> bool:
    if not pod.deleting:
        return False
    return any(
        c.get("type") == DISRUPTION_TARGET and c.get("reason") == POD_REASON_PREEMPTION_BY_SCHEDULER
        for c in (pod.pod.get("status") or {}).get("conditions") or ()
    )


class DefaultPreemption(Plugin):
    name = "DefaultPreemption"

    def __init__(self, args: dict[str, Any], handle: Framework) -> None:
        self.handle = handle
        self.min_candidate_nodes_percentage = int(
            args.get("minCandidateNodesPercentage", MIN_CANDIDATE_NODES_PERCENTAGE)
        )
        self.min_candidate_nodes_absolute = int(
            args.get("minCandidateNodesAbsolute", MIN_CANDIDATE_NODES_ABSOLUTE)
        )
        self.evaluator = Evaluator(self.name, handle, self)

    async def post_filter(
        self, state: CycleState, pod: PodInfo, statuses: dict[str, Status]
    ) -> tuple[PostFilterResult | None, Status]:
        result, status = await self.evaluator.preempt(state, pod, statuses)
        message = status.message()
        if message:
            return result, Status(status.code, "preemption: " + message)
        return result, status

    # -- the policy hooks ----------------------------------------------------------------------

    def get_offset_and_num_candidates(self, num_nodes: int) -> tuple[int, int]:
        n = num_nodes * self.min_candidate_nodes_percentage // 100
        n = min(max(n, self.min_candidate_nodes_absolute), num_nodes)
        return self.handle.clock.rng.randrange(num_nodes), n

    def pod_eligible_to_preempt_others(
        self, pod: PodInfo, nominated_node_status: Status | None
    ) -> tuple[bool, str]:
        if pod.spec.get("preemptionPolicy") == "Never":
            return False, "not eligible due to preemptionPolicy=Never."
        nominated = (pod.pod.get("status") or {}).get("nominatedNodeName") or ""
        if nominated:
            if (
                nominated_node_status is not None
                and nominated_node_status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE
            ):
                return True, ""
            node = self.handle.snapshot.get(nominated)
            if node is not None:
                for other in node.pods.values():
                    if other.priority < pod.priority and _terminating_by_preemption(other):
                        return False, "not eligible due to a terminating pod on the nominated node."
        return True, ""

    def select_victims_on_node(
        self,
        state: CycleState,
        pod: PodInfo,
        node_info: NodeInfo,
        pdbs: list[Mapping[str, Any]],
    ) -> tuple[list[PodInfo], int, Status | None]:
        handle = self.handle

        def remove(victim: PodInfo) -> None:
            node_info.remove_pod(victim.key)
            handle.run_pre_filter_extension_remove_pod(state, pod, victim, node_info)

        def add(victim: PodInfo) -> None:
            node_info.add_pod(victim)
            handle.run_pre_filter_extension_add_pod(state, pod, victim, node_info)

        potential = [p for p in node_info.pods.values() if p.priority < pod.priority]
        for victim in potential:
            remove(victim)
        if not potential:
            return [], 0, unresolvable("No preemption victims found for incoming pod")
        status = handle.run_filter_plugins_with_nominated_pods(state, pod, node_info)
        if status is not None:
            return [], 0, status
        potential.sort(key=importance_key)
        violating, non_violating = filter_pods_with_pdb_violation(potential, pdbs)
        victims: list[PodInfo] = []
        num_violating = 0

        def reprieve(victim: PodInfo) -> bool:
            add(victim)
            fits = handle.run_filter_plugins_with_nominated_pods(state, pod, node_info) is None
            if not fits:
                remove(victim)
                victims.append(victim)
            return fits

        for victim in violating:
            if not reprieve(victim):
                num_violating += 1
        for victim in non_violating:
            reprieve(victim)
        if violating and non_violating:
            victims.sort(key=importance_key)
        return victims, num_violating, None
