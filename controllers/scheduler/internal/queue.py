"""The scheduling queue: activeQ, backoffQ and the unschedulable pods, as kube-scheduler's.

Upstream: ``pkg/scheduler/internal/queue/scheduling_queue.go`` (``PriorityQueue``) and
``nominator.go``. A pending pod is in exactly one of three places:

* **activeQ** -- a heap in QueueSort order (PrioritySort: higher ``spec.priority`` first, then
  the earlier queue timestamp); ``pop`` takes the head and marks the pod *in flight*;
* **backoffQ** -- pods that failed and wait out their backoff: 1 s after the first attempt,
  doubling per attempt up to 10 s (``podInitialBackoffSeconds``/``podMaxBackoffSeconds``),
  counted from when they failed. When the backoff ends the pod moves to activeQ;
* **unschedulablePods** -- pods a plugin rejected. They stay until a cluster event that one of
  their *rejector* plugins says may help (its QueueingHint returns ``QUEUE``) moves them to
  backoffQ (still backing off) or activeQ; or until they have sat there for 5 minutes
  (``podMaxInUnschedulablePodsDuration``), when they are flushed anyway.

Events that arrive while a pod is in flight are remembered; if the pod then fails, they are
replayed against its rejector plugins' hints, so an event that raced with the cycle is not
lost (``inFlightEvents`` / ``determineSchedulingHintForInFlightPod``). A pod that failed with
no rejector plugin (an error, a failed binding) goes straight to backoff.

One divergence: upstream moves completed backoffs every second and flushes unschedulable
pods every 30 s by polling; here a timer wakes exactly when the earliest backoff or the
earliest 5-minute stay ends, so retries happen at their exact times.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import trio

from controllers.scheduler.framework.interface import (
    ActionType,
    ClusterEvent,
    EventResource,
    QueueingHint,
    QueueingHintFn,
)
from controllers.scheduler.framework.types import PodInfo, QueuedPodInfo
from minikube_py.clock import ClusterClock
from minikube_py.objects import Object

#: ``DefaultPodInitialBackoffDuration`` / ``DefaultPodMaxBackoffDuration`` /
#: ``DefaultPodMaxInUnschedulablePodsDuration``
DEFAULT_POD_INITIAL_BACKOFF = 1.0
DEFAULT_POD_MAX_BACKOFF = 10.0
DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION = 300.0

#: a key that orders QueuedPodInfos in activeQ (smaller first)
SortKey = Callable[[QueuedPodInfo], object]


@dataclass(frozen=True, slots=True)
class QueueingHintFunction:
    plugin_name: str
    hint: QueueingHintFn | None


#: ``QueueingHintMapPerProfile``: scheduler name -> registered event -> hint functions
QueueingHintMap = dict[str, list[tuple[ClusterEvent, list[QueueingHintFunction]]]]

_QUEUE_SKIP, _QUEUE_AFTER_BACKOFF, _QUEUE_IMMEDIATELY = 0, 1, 2


class Nominator:
    """Pods nominated to a node by preemption, which lower-priority pods must leave room
    for."""

    def __init__(self) -> None:
        self._node_of: dict[str, str] = {}
        self._by_node: dict[str, dict[str, PodInfo]] = {}

    def add_nominated_pod(self, pod: PodInfo, node_name: str) -> None:
        self.delete_nominated_pod_if_exists(pod.key)
        if not node_name:
            return
        self._node_of[pod.key] = node_name
        self._by_node.setdefault(node_name, {})[pod.key] = pod

    def delete_nominated_pod_if_exists(self, key: str) -> None:
        node = self._node_of.pop(key, None)
        if node is not None:
            pods = self._by_node.get(node)
            if pods is not None:
                pods.pop(key, None)
                if not pods:
                    del self._by_node[node]

    def nominated_pods_for_node(self, node_name: str) -> list[PodInfo]:
        return list(self._by_node.get(node_name, {}).values())

    def nominated_node(self, key: str) -> str:
        return self._node_of.get(key, "")

    def __bool__(self) -> bool:
        return bool(self._node_of)


class SchedulingQueue:
    """``PriorityQueue``."""

    def __init__(
        self,
        clock: ClusterClock,
        sort_key: SortKey,
        *,
        hint_map: QueueingHintMap | None = None,
        pod_initial_backoff: float = DEFAULT_POD_INITIAL_BACKOFF,
        pod_max_backoff: float = DEFAULT_POD_MAX_BACKOFF,
        pod_max_in_unschedulable: float = DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION,
    ) -> None:
        self.clock = clock
        self._sort_key = sort_key
        self.hint_map: QueueingHintMap = hint_map or {}
        self.pod_initial_backoff = pod_initial_backoff
        self.pod_max_backoff = pod_max_backoff
        self.pod_max_in_unschedulable = pod_max_in_unschedulable
        self._seq = itertools.count()
        self._active: dict[str, QueuedPodInfo] = {}
        self._active_heap: list[tuple[object, int, QueuedPodInfo]] = []
        self._backoff: dict[str, QueuedPodInfo] = {}
        self._backoff_heap: list[tuple[float, int, QueuedPodInfo]] = []
        self.unschedulable_pods: dict[str, QueuedPodInfo] = {}
        #: in-flight pod key -> events seen since it was popped
        self._in_flight: dict[str, list[tuple[ClusterEvent, Object | None, Object | None]]] = {}
        self.scheduling_cycle = 0
        self.move_request_cycle = -1
        self.nominator = Nominator()
        self._wake_pop = trio.Event()
        self._wake_timer = trio.Event()
        self._closed = False

    # -- sizes, for tests and metrics ----------------------------------------------------------

    def pending_pods(self) -> dict[str, list[str]]:
        return {
            "activeQ": sorted(self._active),
            "backoffQ": sorted(self._backoff),
            "unschedulablePods": sorted(self.unschedulable_pods),
        }

    def __len__(self) -> int:
        return len(self._active) + len(self._backoff) + len(self.unschedulable_pods)

    def __contains__(self, key: str) -> bool:
        return key in self._active or key in self._backoff or key in self.unschedulable_pods

    # -- the three sub-queues ------------------------------------------------------------------

    def _push_active(self, qpi: QueuedPodInfo) -> None:
        self._active[qpi.key] = qpi
        heapq.heappush(self._active_heap, (self._sort_key(qpi), next(self._seq), qpi))
        self._wake_pop.set()

    def _push_backoff(self, qpi: QueuedPodInfo) -> None:
        self._backoff[qpi.key] = qpi
        expiry = self.backoff_time(qpi)
        heapq.heappush(self._backoff_heap, (expiry, next(self._seq), qpi))
        self._wake_timer.set()

    def _remove_everywhere(self, key: str) -> QueuedPodInfo | None:
        # heaps are cleaned lazily: an entry counts only while its dict still holds it
        return (
            self._active.pop(key, None)
            or self._backoff.pop(key, None)
            or self.unschedulable_pods.pop(key, None)
        )

    def backoff_duration(self, qpi: QueuedPodInfo) -> float:
        """``calculateBackoffDuration``: initial, doubled per attempt after the first,
        capped."""
        if qpi.attempts == 0:
            return 0.0
        duration = self.pod_initial_backoff
        for _ in range(1, qpi.attempts):
            if duration > self.pod_max_backoff - duration:
                return self.pod_max_backoff
            duration += duration
        return duration

    def backoff_time(self, qpi: QueuedPodInfo) -> float:
        return qpi.timestamp + self.backoff_duration(qpi)

    def is_pod_backing_off(self, qpi: QueuedPodInfo) -> bool:
        return self.backoff_time(qpi) > self.clock.monotonic()

    # -- informer-facing operations ------------------------------------------------------------

    def add(self, pod: Object) -> None:
        """``Add``: a new pending pod goes to activeQ."""
        pod_info = PodInfo(pod)
        existing = self._remove_everywhere(pod_info.key)
        qpi = existing or QueuedPodInfo(pod_info, self.clock.monotonic())
        qpi.pod_info = pod_info
        if existing is None:
            qpi.timestamp = self.clock.monotonic()
        nominated = (pod.get("status") or {}).get("nominatedNodeName")
        if nominated:  # e.g. after a restart: keep room for it on its node
            self.nominator.add_nominated_pod(pod_info, nominated)
        self._push_active(qpi)

    def update(self, old: Object, new: Object) -> None:
        """``Update``: refresh the pod; an unschedulable pod whose spec or labels changed gets
        another chance (to backoffQ or activeQ)."""
        key = f"{new['metadata'].get('namespace', '')}/{new['metadata']['name']}"
        if key in self._in_flight:
            self._record_in_flight(
                ClusterEvent(EventResource.UNSCHEDULED_POD, _pod_update_action(old, new)),
                old,
                new,
            )
            return
        for where in (self._active, self._backoff):
            qpi = where.get(key)
            if qpi is not None:
                qpi.pod_info = PodInfo(new)
                if where is self._active and _priority(old) != _priority(new):
                    del self._active[key]
                    self._push_active(qpi)
                return
        qpi = self.unschedulable_pods.get(key)
        if qpi is None:
            self.add(new)
            return
        qpi.pod_info = PodInfo(new)
        if _is_pod_updated(old, new):
            del self.unschedulable_pods[key]
            if self.is_pod_backing_off(qpi):
                self._push_backoff(qpi)
            else:
                self._push_active(qpi)

    def delete(self, pod: Object) -> None:
        metadata = pod.get("metadata") or {}
        key = f"{metadata.get('namespace', '')}/{metadata.get('name', '')}"
        self._remove_everywhere(key)
        self.nominator.delete_nominated_pod_if_exists(key)

    # -- the scheduler-facing operations -------------------------------------------------------

    async def pop(self) -> QueuedPodInfo:
        """The head of activeQ, waiting for one; marks it in flight."""
        while True:
            while self._active_heap:
                _, _, qpi = heapq.heappop(self._active_heap)
                if self._active.get(qpi.key) is qpi:
                    del self._active[qpi.key]
                    qpi.attempts += 1
                    if qpi.initial_attempt_timestamp is None:
                        qpi.initial_attempt_timestamp = self.clock.monotonic()
                    self.scheduling_cycle += 1
                    self._in_flight[qpi.key] = []
                    await trio.lowlevel.checkpoint()
                    return qpi
            if self._closed:
                raise trio.EndOfChannel
            self._wake_pop = trio.Event()
            await self._wake_pop.wait()

    def done(self, key: str) -> None:
        """``Done``: the pod's scheduling cycle is over (success or failure)."""
        self._in_flight.pop(key, None)

    def add_unschedulable_if_not_present(self, qpi: QueuedPodInfo, scheduling_cycle: int) -> None:
        """``AddUnschedulableIfNotPresent``: a pod that failed its cycle comes back."""
        key = qpi.key
        events = self._in_flight.pop(key, [])
        if key in self._active or key in self._backoff or key in self.unschedulable_pods:
            return
        qpi.timestamp = self.clock.monotonic()
        rejectors = qpi.unschedulable_plugins | qpi.pending_plugins
        if not rejectors:
            # an error or a failed binding: no plugin knows when it may succeed; retry later
            self._push_backoff(qpi)
            return
        strategy = _QUEUE_SKIP
        for event, old, new in events:
            strategy = max(strategy, self._is_pod_worth_requeuing(qpi, event, old, new))
        if strategy == _QUEUE_SKIP and self.move_request_cycle >= scheduling_cycle:
            strategy = _QUEUE_AFTER_BACKOFF
        if strategy == _QUEUE_SKIP:
            self.unschedulable_pods[key] = qpi
            self._wake_timer.set()
        elif strategy == _QUEUE_IMMEDIATELY or not self.is_pod_backing_off(qpi):
            self._push_active(qpi)
        else:
            self._push_backoff(qpi)

    def activate(self, keys: Iterable[str]) -> None:
        """``Activate``: move these pods (unschedulable or backing off) to activeQ now."""
        for key in keys:
            qpi = self.unschedulable_pods.pop(key, None) or self._backoff.pop(key, None)
            if qpi is not None:
                self._push_active(qpi)

    # -- cluster events ------------------------------------------------------------------------

    def _record_in_flight(
        self, event: ClusterEvent, old: Object | None, new: Object | None
    ) -> None:
        for events in self._in_flight.values():
            events.append((event, old, new))

    def move_all_to_active_or_backoff_queue(
        self,
        event: ClusterEvent,
        old: Object | None,
        new: Object | None,
        pre_check: Callable[[Object], bool] | None = None,
    ) -> None:
        """``MoveAllToActiveOrBackoffQueue``: give every unschedulable pod this event's hints."""
        self._record_in_flight(event, old, new)
        self.move_request_cycle = self.scheduling_cycle
        moved: list[QueuedPodInfo] = []
        for qpi in list(self.unschedulable_pods.values()):
            if pre_check is not None and not pre_check(qpi.pod):
                continue
            strategy = self._is_pod_worth_requeuing(qpi, event, old, new)
            if strategy == _QUEUE_SKIP:
                continue
            moved.append(qpi)
            del self.unschedulable_pods[qpi.key]
            if strategy == _QUEUE_IMMEDIATELY or not self.is_pod_backing_off(qpi):
                self._push_active(qpi)
            else:
                self._push_backoff(qpi)

    def _is_pod_worth_requeuing(
        self, qpi: QueuedPodInfo, event: ClusterEvent, old: Object | None, new: Object | None
    ) -> int:
        rejectors = qpi.unschedulable_plugins | qpi.pending_plugins
        if not rejectors or event.resource == EventResource.WILDCARD:
            return _QUEUE_AFTER_BACKOFF
        scheduler_name = (qpi.pod.get("spec") or {}).get("schedulerName") or ""
        strategy = _QUEUE_SKIP
        for registered, functions in self.hint_map.get(scheduler_name, ()):
            if not registered.match(event):
                continue
            for function in functions:
                if function.plugin_name not in rejectors:
                    continue
                hint = QueueingHint.QUEUE
                if function.hint is not None:
                    try:
                        hint = function.hint(qpi.pod, old, new)
                    except Exception:  # a broken hint must not strand the pod
                        hint = QueueingHint.QUEUE
                if hint == QueueingHint.QUEUE_SKIP:
                    continue
                if function.plugin_name in qpi.pending_plugins:
                    return _QUEUE_IMMEDIATELY
                strategy = _QUEUE_AFTER_BACKOFF
        return strategy

    # -- timers: completed backoffs and the 5-minute flush --------------------------------------

    def flush_backoff_q_completed(self) -> None:
        now = self.clock.monotonic()
        heap = self._backoff_heap
        while heap:
            expiry, _, qpi = heap[0]
            if self._backoff.get(qpi.key) is not qpi:
                heapq.heappop(heap)
                continue
            if expiry > now:
                break
            heapq.heappop(heap)
            del self._backoff[qpi.key]
            self._push_active(qpi)

    def flush_unschedulable_pods_leftover(self) -> None:
        now = self.clock.monotonic()
        for qpi in list(self.unschedulable_pods.values()):
            if now - qpi.timestamp >= self.pod_max_in_unschedulable:
                del self.unschedulable_pods[qpi.key]
                if self.is_pod_backing_off(qpi):
                    self._push_backoff(qpi)
                else:
                    self._push_active(qpi)

    def _next_deadline(self) -> float:
        deadline = float("inf")
        heap = self._backoff_heap
        while heap and self._backoff.get(heap[0][2].key) is not heap[0][2]:
            heapq.heappop(heap)
        if heap:
            deadline = heap[0][0]
        for qpi in self.unschedulable_pods.values():
            deadline = min(deadline, qpi.timestamp + self.pod_max_in_unschedulable)
        return deadline

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """``Run``: move pods whose backoff completed, and flush long-unschedulable ones."""
        task_status.started()
        try:
            while True:
                self.flush_backoff_q_completed()
                self.flush_unschedulable_pods_leftover()
                deadline = self._next_deadline()
                self._wake_timer = trio.Event()
                with trio.move_on_at(deadline):
                    await self._wake_timer.wait()
        finally:
            self._closed = True
            self._wake_pop.set()


def _priority(pod: Object) -> int:
    return int((pod.get("spec") or {}).get("priority") or 0)


def _strip(pod: Object) -> tuple[object, object, object, object]:
    metadata = pod.get("metadata") or {}
    return (
        pod.get("spec"),
        metadata.get("labels"),
        metadata.get("annotations"),
        metadata.get("finalizers"),
    )


def _is_pod_updated(old: Object, new: Object) -> bool:
    """``isPodUpdated``: a change beyond status, resourceVersion, generation and
    managedFields."""
    return _strip(old) != _strip(new)


def _pod_update_action(old: Object, new: Object) -> ActionType:
    action = ActionType(0)
    if (old.get("metadata") or {}).get("labels") != (new.get("metadata") or {}).get("labels"):
        action |= ActionType.UPDATE_POD_LABEL
    if (old.get("spec") or {}).get("tolerations") != (new.get("spec") or {}).get("tolerations"):
        action |= ActionType.UPDATE_POD_TOLERATIONS
    return action or ActionType.UPDATE


__all__ = [
    "DEFAULT_POD_INITIAL_BACKOFF",
    "DEFAULT_POD_MAX_BACKOFF",
    "DEFAULT_POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION",
    "Nominator",
    "QueueingHintFunction",
    "QueueingHintMap",
    "SchedulingQueue",
]
