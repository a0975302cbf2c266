"""One pod through the scheduler: the scheduling cycle, then the binding cycle.

Upstream: ``pkg/scheduler/schedule_one.go`` (``ScheduleOne``, ``schedulingCycle``,
``bindingCycle``, ``schedulePod``, ``findNodesThatFitPod``, ``findNodesThatPassFilters``,
``numFeasibleNodesToFind``, ``prioritizeNodes``, ``selectHost``, ``assume``, ``bind``,
``handleSchedulingFailure``, ``updatePod``).

*Scheduling cycle* (synchronous: it never yields, so the cache cannot change under it):
PreFilter; then Filter over the nodes starting where the last cycle stopped, until enough
feasible nodes are found (all nodes below 100; otherwise ``50 - nodes/125`` percent, at least
5% and at least 100 nodes); PreScore and Score over the feasible nodes; the highest total wins,
ties broken by reservoir sampling on the cluster's seeded generator; the pod is *assumed* on
that node, Reserve and Permit run. If no node fits, PostFilter (preemption) runs and the pod
goes back to the queue with the FitError's message.

*Binding cycle* (a background task per pod, so the next cycle starts at once): PreBind, Bind
(``pods/binding``), the ``Scheduled`` event, PostBind. A failed binding forgets the assumption,
requeues the pod with backoff and tells unschedulable pods that room was freed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import trio

from controllers.scheduler.framework.interface import (
    ActionType,
    ClusterEvent,
    Code,
    CycleState,
    Diagnosis,
    EventResource,
    FitError,
    PostFilterResult,
    Status,
)
from controllers.scheduler.framework.runtime import Framework
from controllers.scheduler.framework.types import NodeInfo, PodInfo, QueuedPodInfo
from minikube_py.errors import StatusError
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.scheduler.scheduler import Scheduler

log = logging.getLogger(__name__)

#: ``minFeasibleNodesToFind``, ``minFeasibleNodesPercentageToFind``
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5
#: ``ErrNoNodesAvailable``
ERR_NO_NODES_AVAILABLE = "no nodes available to schedule pods"
#: ``v1.PodReasonUnschedulable``, ``v1.PodReasonSchedulerError``
REASON_UNSCHEDULABLE = "Unschedulable"
REASON_SCHEDULER_ERROR = "SchedulerError"
#: events: the limit on a message (``truncateMessage``)
NOTE_LENGTH_LIMIT = 1024

_EVENT_ASSIGNED_POD_DELETE = ClusterEvent(EventResource.ASSIGNED_POD, ActionType.DELETE)


@dataclass(slots=True)
class ScheduleResult:
    suggested_host: str
    evaluated_nodes: int
    feasible_nodes: int


class _NoNodesAvailable(Exception):
    pass


class _PluginError(Exception):
    """A plugin returned Error: the cycle fails with ``SchedulerError`` and the pod backs
    off."""


def num_feasible_nodes_to_find(percentage: int, num_all_nodes: int) -> int:
    """``numFeasibleNodesToFind``."""
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all_nodes
    if percentage == 0:
        percentage = 50 - num_all_nodes // 125
        percentage = max(percentage, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    num_nodes = num_all_nodes * percentage // 100
    return max(num_nodes, MIN_FEASIBLE_NODES_TO_FIND)


def truncate_message(message: str) -> str:
    if len(message) <= NOTE_LENGTH_LIMIT:
        return message
    suffix = " ..."
    return message[: NOTE_LENGTH_LIMIT - len(suffix)] + suffix


class ScheduleOne:
    """The scheduling and binding cycles; mixed into
    :class:`~controllers.scheduler.scheduler.Scheduler`."""

    next_start_node_index: int

    async def schedule_one(self: Scheduler, qpi: QueuedPodInfo) -> None:
        """``ScheduleOne`` for a popped pod."""
        pod_info = qpi.pod_info
        fwk = self.framework_for_pod(pod_info.pod)
        if fwk is None or self.skip_pod_schedule(pod_info):
            self.queue.done(qpi.key)
            return
        state = CycleState()
        cycle = self.queue.scheduling_cycle
        result, status, nominating = await self.scheduling_cycle(fwk, state, qpi, cycle)
        if status is not None:
            await self.handle_scheduling_failure(fwk, qpi, status, nominating, cycle)
            self.queue.done(qpi.key)
            return
        assert result is not None
        self.binding_nursery.start_soon(self.binding_cycle, fwk, state, qpi, result)

    def skip_pod_schedule(self: Scheduler, pod: PodInfo) -> bool:
        """``skipPodSchedule``: being deleted, or already assumed (an update raced)."""
        return pod.deleting or self.cache.is_assumed(pod.key)

    # -- the scheduling cycle ------------------------------------------------------------------

    async def scheduling_cycle(
        self: Scheduler, fwk: Framework, state: CycleState, qpi: QueuedPodInfo, cycle: int
    ) -> tuple[ScheduleResult | None, Status | None, PostFilterResult | None]:
        pod = qpi.pod_info
        try:
            result = self.schedule_pod(fwk, state, pod)
        except _NoNodesAvailable:
            return None, Status(Code.UNSCHEDULABLE_AND_UNRESOLVABLE, ERR_NO_NODES_AVAILABLE), None
        except _PluginError as error:
            qpi.unschedulable_plugins = set()
            qpi.pending_plugins = set()
            return None, Status(Code.ERROR, str(error)), None
        except FitError as fit_error:
            qpi.unschedulable_plugins = set(fit_error.diagnosis.unschedulable_plugins)
            qpi.pending_plugins = set(fit_error.diagnosis.pending_plugins)
            nominating: PostFilterResult | None = None
            if fwk.has_post_filter_plugins():
                statuses = dict(fit_error.diagnosis.node_to_status)
                absent = fit_error.diagnosis.absent_nodes_status
                if absent is not None:
                    for n in self.cache.node_info_list:
                        statuses.setdefault(n.name, absent)
                post_result, post_status = await fwk.run_post_filter_plugins(state, pod, statuses)
                message = post_status.message()
                fit_error.diagnosis.post_filter_msg = message
                if post_status.code == Code.ERROR:
                    log.warning("%s: PostFilter failed: %s", pod.key, message)
                nominating = post_result
            return None, Status(Code.UNSCHEDULABLE, str(fit_error)), nominating
        # assume, then Reserve and Permit
        host = result.suggested_host
        assumed = pod  # the queue's parsed pod: the cache keeps it from now on
        self.cache.assume_pod(assumed, host)
        self.queue.nominator.delete_nominated_pod_if_exists(pod.key)
        status = fwk.run_reserve_plugins_reserve(state, assumed, host)
        if status is None:
            status = fwk.run_permit_plugins(state, assumed, host)
            if status is not None and status.code == Code.WAIT:
                status = None  # held by Permit: the binding cycle waits for the verdict
        if status is not None:
            fwk.run_reserve_plugins_unreserve(state, assumed, host)
            self.cache.forget_pod(pod.key)
            if status.is_rejected():
                qpi.unschedulable_plugins = {status.plugin} if status.plugin else set()
            return None, status, None
        return result, None, None

    def schedule_pod(
        self: Scheduler, fwk: Framework, state: CycleState, pod: PodInfo
    ) -> ScheduleResult:
        """``schedulePod``: raises :class:`FitError` when no node fits."""
        all_nodes = self.cache.node_info_list
        if not all_nodes:
            raise _NoNodesAvailable
        feasible, diagnosis = self.find_nodes_that_fit_pod(fwk, state, pod, all_nodes)
        if not feasible:
            raise FitError(pod, len(all_nodes), diagnosis)
        evaluated = len(feasible) + len(diagnosis.node_to_status)
        if len(feasible) == 1:
            return ScheduleResult(feasible[0].name, evaluated, 1)
        totals = self.prioritize_nodes(fwk, state, pod, feasible)
        host = self.select_host(feasible, totals)
        return ScheduleResult(host, evaluated, len(feasible))

    def find_nodes_that_fit_pod(
        self: Scheduler,
        fwk: Framework,
        state: CycleState,
        pod: PodInfo,
        all_nodes: list[NodeInfo],
    ) -> tuple[list[NodeInfo], Diagnosis]:
        diagnosis = Diagnosis()
        pre_result, status, rejectors = fwk.run_pre_filter_plugins(state, pod)
        diagnosis.unschedulable_plugins = set(rejectors)
        if status is not None:
            if not status.is_rejected():
                raise _PluginError(
                    f'running PreFilter plugin "{status.plugin}": {status.message()}'
                )
            diagnosis.absent_nodes_status = status
            diagnosis.pre_filter_msg = status.message()
            if status.plugin:
                diagnosis.unschedulable_plugins.add(status.plugin)
            return [], diagnosis
        # a pod nominated by an earlier preemption tries its node first
        nominated = (pod.pod.get("status") or {}).get("nominatedNodeName")
        if nominated:
            node = self.cache.get(nominated)
            if (
                node is not None
                and fwk.run_filter_plugins_with_nominated_pods(state, pod, node) is None
            ):
                return [node], diagnosis
        nodes = all_nodes
        if pre_result is not None and pre_result.node_names is not None:
            nodes = [n for name in sorted(pre_result.node_names) if (n := self.cache.get(name))]
            diagnosis.absent_nodes_status = Status(
                Code.UNSCHEDULABLE_AND_UNRESOLVABLE,
                f"node(s) didn't satisfy plugin(s) [{' '.join(sorted(rejectors))}]",
            )
        feasible = self.find_nodes_that_pass_filters(fwk, state, pod, diagnosis, nodes)
        processed = len(feasible) + len(diagnosis.node_to_status)
        self.next_start_node_index = (self.next_start_node_index + processed) % len(all_nodes)
        return feasible, diagnosis

    def find_nodes_that_pass_filters(
        self: Scheduler,
        fwk: Framework,
        state: CycleState,
        pod: PodInfo,
        diagnosis: Diagnosis,
        nodes: list[NodeInfo],
    ) -> list[NodeInfo]:
        num_all = len(nodes)
        if num_all == 0:
            return []
        to_find = num_feasible_nodes_to_find(fwk.profile.percentage_of_nodes_to_score, num_all)
        start = self.next_start_node_index % num_all
        if not fwk.has_filter_plugins():
            return [nodes[(start + i) % num_all] for i in range(to_find)]
        feasible: list[NodeInfo] = []
        skip = state.skip_filter_plugins
        active = [p for p in fwk.filter_plugins if p.name not in skip]
        filters = [(p.name, p.filter) for p in active]
        with_nominated = bool(self.queue.nominator)
        ordered = nodes[start:] + nodes[:start] if start else nodes
        # fast path: plugins that can vouch for many nodes at once (``filter_mask``); only the
        # nodes they do not vouch for go through the one-by-one Filter run for a status
        masks = [getattr(p, "filter_mask", None) for p in active]
        if not with_nominated and all(m is not None for m in masks):
            offset = 0
            while offset < num_all and len(feasible) < to_find:
                chunk = max(to_find - len(feasible), 32)
                window = ordered[offset : offset + chunk]
                offset += chunk
                passing = masks[0](state, pod, window)
                for mask in masks[1:]:
                    verdicts = mask(state, pod, window)
                    passing = [a and b for a, b in zip(passing, verdicts, strict=True)]
                if all(passing):  # the common case: every node of the window fits
                    feasible.extend(window[: to_find - len(feasible)])
                    continue
                for node, ok in zip(window, passing, strict=True):
                    status = None if ok else self._run_filters(filters, state, pod, node)
                    if status is None:
                        feasible.append(node)
                        if len(feasible) >= to_find:
                            break
                    else:
                        self._record_status(diagnosis, node, status)
            return feasible
        for node in ordered:
            if with_nominated:
                status = fwk.run_filter_plugins_with_nominated_pods(state, pod, node)
            else:
                status = self._run_filters(filters, state, pod, node)
            if status is None:
                feasible.append(node)
                if len(feasible) >= to_find:
                    break
            else:
                self._record_status(diagnosis, node, status)
        return feasible

    @staticmethod
    def _run_filters(
        filters: list[tuple[str, Any]], state: CycleState, pod: PodInfo, node: NodeInfo
    ) -> Status | None:
        for name, run in filters:
            status = run(state, pod, node)
            if status is not None and status.code != Code.SUCCESS:
                if not status.is_rejected():
                    status.code = Code.ERROR
                status.plugin = name
                return status
        return None

    @staticmethod
    def _record_status(diagnosis: Diagnosis, node: NodeInfo, status: Status) -> None:
        if status.code == Code.ERROR:
            raise _PluginError(f'running "{status.plugin}" filter plugin: {status.message()}')
        diagnosis.node_to_status[node.name] = status
        if status.plugin:
            if status.code == Code.PENDING:
                diagnosis.pending_plugins.add(status.plugin)
            else:
                diagnosis.unschedulable_plugins.add(status.plugin)

    def prioritize_nodes(
        self: Scheduler, fwk: Framework, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> list[int]:
        """``prioritizeNodes``: each node's total weighted score."""
        if not fwk.has_score_plugins():
            return [1] * len(nodes)
        status = fwk.run_pre_score_plugins(state, pod, nodes)
        if status is not None:
            raise _PluginError(f'running PreScore plugin "{status.plugin}": {status.message()}')
        totals, _ = fwk.run_score_plugins(state, pod, nodes)
        return totals

    def select_host(self: Scheduler, nodes: list[NodeInfo], totals: list[int]) -> str:
        """``selectHost``: the highest total; among equals, one chosen uniformly from the
        cluster's seeded generator. (Upstream samples the ties as a reservoir, one draw per
        tie; a single draw gives the same uniform choice, and the same choice for a seed.)"""
        best = max(totals)
        ties = [i for i, total in enumerate(totals) if total == best]
        if len(ties) == 1:
            return nodes[ties[0]].name
        return nodes[ties[self.clock.rng.randrange(len(ties))]].name

    # -- the binding cycle ---------------------------------------------------------------------

    async def binding_cycle(
        self: Scheduler,
        fwk: Framework,
        state: CycleState,
        qpi: QueuedPodInfo,
        result: ScheduleResult,
    ) -> None:
        host = result.suggested_host
        assumed = self.cache.pod_info(qpi.key) or qpi.pod_info
        try:
            status = await fwk.wait_on_permit(assumed)
            if status is not None:
                if status.is_rejected():
                    # reported as a FitError over the one node the pod waited on
                    plugins = {status.plugin} if status.plugin else set()
                    diagnosis = Diagnosis({host: status}, unschedulable_plugins=plugins)
                    message = str(FitError(assumed, 1, diagnosis))
                    status = Status(status.code, message, plugin=status.plugin)
                await self.handle_binding_cycle_error(fwk, state, qpi, host, status)
                return
            status = await fwk.run_pre_bind_plugins(state, assumed, host)
            if status is None:
                status = await fwk.run_bind_plugins(state, assumed, host)
                if status.code == Code.SKIP:
                    status = Status(Code.ERROR, "no bind plugin bound the pod")
                elif status.is_success():
                    status = None
            if status is not None:
                await self.handle_binding_cycle_error(fwk, state, qpi, host, status)
                return
            self.cache.finish_binding(qpi.key)
            self.scheduled += 1
            if fwk.recorder is not None:
                await fwk.recorder.event(
                    _as_pod(assumed.pod),
                    "Normal",
                    "Scheduled",
                    f"Successfully assigned {assumed.namespace}/{assumed.name} to {host}",
                )
            await fwk.run_post_bind_plugins(state, assumed, host)
        finally:
            self.queue.done(qpi.key)

    async def handle_binding_cycle_error(
        self: Scheduler,
        fwk: Framework,
        state: CycleState,
        qpi: QueuedPodInfo,
        host: str,
        status: Status,
    ) -> None:
        """``handleBindingCycleError``: undo the assumption and try again later.

        The room the assumption held is free again, so the pods waiting for it are moved; for
        a rejection (Permit, PreBind or Bind said no) that move comes after the failure
        handling and leaves the pod itself out, as upstream defers it."""
        fwk.run_reserve_plugins_unreserve(state, qpi.pod_info, host)
        self.cache.forget_pod(qpi.key)
        pod = qpi.pod_info
        # the event carries the assumed pod, on its node, as upstream's does (plugins' hints
        # ignore deletions of pods that were not assigned)
        assumed = _on_node(pod.pod, host)
        rejected = status.is_rejected()
        qpi.unschedulable_plugins = {status.plugin} if rejected and status.plugin else set()
        qpi.pending_plugins = set()
        if not rejected:
            self.queue.move_all_to_active_or_backoff_queue(
                _EVENT_ASSIGNED_POD_DELETE, assumed, None
            )
        await self.handle_scheduling_failure(fwk, qpi, status, None, self.queue.scheduling_cycle)
        if rejected:
            self.queue.move_all_to_active_or_backoff_queue(
                _EVENT_ASSIGNED_POD_DELETE,
                assumed,
                None,
                pre_check=lambda other: (other.get("metadata") or {}).get("uid") != pod.uid,
            )

    # -- failures ------------------------------------------------------------------------------

    async def handle_scheduling_failure(
        self: Scheduler,
        fwk: Framework,
        qpi: QueuedPodInfo,
        status: Status,
        nominating: PostFilterResult | None,
        cycle: int,
    ) -> None:
        """``handleSchedulingFailure``: requeue, nominate, record, and tell the user."""
        reason = REASON_UNSCHEDULABLE if status.is_rejected() else REASON_SCHEDULER_ERROR
        message = status.message()
        pod = qpi.pod_info
        cached = self.pod_lister(pod.namespace, pod.name)
        if cached is None:
            log.debug("%s: not in the informer cache any more; not requeued", pod.key)
        elif (cached.get("spec") or {}).get("nodeName"):
            log.debug("%s: already assigned; not requeued", pod.key)
        else:
            qpi.pod_info = PodInfo(cached)
            self.queue.add_unschedulable_if_not_present(qpi, cycle)
        if nominating is not None:
            if nominating.nominated_node_name:
                self.queue.nominator.add_nominated_pod(qpi.pod_info, nominating.nominated_node_name)
            else:
                self.queue.nominator.delete_nominated_pod_if_exists(pod.key)
        if cached is None:
            return
        if fwk.recorder is not None:
            await fwk.recorder.event(
                _as_pod(cached), "Warning", "FailedScheduling", truncate_message(message)
            )
        await self.update_pod(cached, reason, message, nominating)

    async def update_pod(
        self: Scheduler,
        pod: dict[str, Any],
        reason: str,
        message: str,
        nominating: PostFilterResult | None,
    ) -> None:
        """``updatePod``: the PodScheduled=False condition and the nominated node, written
        only when something changed."""
        status = pod.get("status") or {}
        current = next(
            (c for c in status.get("conditions") or () if c.get("type") == "PodScheduled"), None
        )
        nominated_changes = nominating is not None and (
            (status.get("nominatedNodeName") or "") != nominating.nominated_node_name
        )
        condition = {
            "type": "PodScheduled",
            "status": "False",
            "reason": reason,
            "message": message,
            "lastProbeTime": None,
        }
        condition_changes = current is None or any(
            (current.get(k) or None) != (condition.get(k) or None)
            for k in ("status", "reason", "message")
        )
        if not condition_changes and not nominated_changes:
            return
        if current is not None and current.get("status") == "False":
            condition["lastTransitionTime"] = current.get("lastTransitionTime")
        else:
            condition["lastTransitionTime"] = self.clock.timestamp()
        patch: dict[str, Any] = {"status": {"conditions": [condition]}}
        if nominated_changes:
            assert nominating is not None
            patch["status"]["nominatedNodeName"] = nominating.nominated_node_name or None
        metadata = pod.get("metadata") or {}
        try:
            await self.client.patch(
                "pods",
                metadata.get("name", ""),
                patch,
                namespace=metadata.get("namespace", ""),
                patch_type="strategic",
                subresource="status",
            )
        except StatusError as error:
            log.info(
                "%s/%s: could not update status: %s",
                metadata.get("namespace"),
                metadata.get("name"),
                error,
            )


def _as_pod(pod: dict[str, Any]) -> dict[str, Any]:
    if pod.get("kind") == "Pod":
        return pod
    return {**pod, "apiVersion": "v1", "kind": "Pod"}


async def checkpoint() -> None:
    await trio.lowlevel.checkpoint()


__all__ = [
    "ERR_NO_NODES_AVAILABLE",
    "ScheduleOne",
    "ScheduleResult",
    "num_feasible_nodes_to_find",
    "truncate_message",
]


def _on_node(pod: Object, host: str) -> Object:
    """The pod as the scheduler assumed it: bound to ``host``."""
    return {**pod, "spec": {**(pod.get("spec") or {}), "nodeName": host}}
