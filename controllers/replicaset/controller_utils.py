"""Pod helpers every workload controller shares: readiness, ranking for deletion, slow start.

Upstream: ``pkg/controller/controller_utils.go`` (``IsPodActive``, ``FilterActivePods``,
``ActivePodsWithRanks``, ``afterOrZero``, ``logarithmicRankDiff``, ``podReadyTime``,
``compareMaxContainerRestarts``, ``SlowStartInitialBatchSize``) and
``pkg/api/v1/pod/util.go`` (``IsPodReady``, ``IsPodAvailable``).

The ranking orders pods from the one to delete first to the one to keep longest; the feature
gates of v1.32 are taken as on by default (``PodDeletionCost``, ``LogarithmicScaleDown``):

1. unassigned before assigned (no ``spec.nodeName``);
2. ``Pending`` < ``Unknown`` < ``Running`` (any other phase ranks with Pending);
3. not ready before ready;
4. lower ``controller.kubernetes.io/pod-deletion-cost`` before higher;
5. more related pods on the same node (doubled up) before fewer;
6. both ready: ready for less time before more, compared on a log2 scale of nanoseconds ago
   (ties broken by uid);
7. more container restarts before fewer (regular containers, then restartable init
   containers);
8. created later before earlier, on the same log2 scale (ties broken by uid).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import trio

from minikube_py.clock import parse_time
from minikube_py.errors import StatusError
from minikube_py.objects import Object

#: ``SlowStartInitialBatchSize``
SLOW_START_INITIAL_BATCH_SIZE = 1
#: ``v1.PodDeletionCost``
POD_DELETION_COST_ANNOTATION = "controller.kubernetes.io/pod-deletion-cost"

_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def _status(pod: Object) -> dict:
    return pod.get("status") or {}


def _spec(pod: Object) -> dict:
    return pod.get("spec") or {}


def pod_key(pod: Object) -> str:
    """``PodKey``: ``namespace/name``."""
    metadata = pod.get("metadata") or {}
    return f"{metadata.get('namespace', '')}/{metadata.get('name', '')}"


def is_pod_active(pod: Object) -> bool:
    """``IsPodActive``: not Succeeded, not Failed, not being deleted."""
    phase = _status(pod).get("phase")
    return phase not in ("Succeeded", "Failed") and not (pod.get("metadata") or {}).get(
        "deletionTimestamp"
    )


def filter_active_pods(pods: Sequence[Object]) -> list[Object]:
    return [pod for pod in pods if is_pod_active(pod)]


def pod_ready_condition(pod: Object) -> dict | None:
    for condition in _status(pod).get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition
    return None


def is_pod_ready(pod: Object) -> bool:
    condition = pod_ready_condition(pod)
    return condition is not None and condition.get("status") == "True"


def _time(text: str | None) -> datetime | None:
    """A ``metav1.Time``; None stands for Go's zero time (absent or unparsable)."""
    if not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None


def is_pod_available(pod: Object, min_ready_seconds: int, now: datetime) -> bool:
    """``IsPodAvailable``: ready, and (with ``minReadySeconds``) ready for longer than that."""
    if not is_pod_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    condition = pod_ready_condition(pod) or {}
    since = _time(condition.get("lastTransitionTime"))
    return since is not None and since.timestamp() + min_ready_seconds < now.timestamp()


def pod_ready_time(pod: Object) -> datetime | None:
    """``podReadyTime``: when a ready pod became ready (None: not ready, or unknown)."""
    if not is_pod_ready(pod):
        return None
    return _time((pod_ready_condition(pod) or {}).get("lastTransitionTime"))


def _max_container_restarts(pod: Object) -> tuple[int, int]:
    """(regular, sidecar): the highest restart count of each kind of container."""
    sidecars = {
        c.get("name")
        for c in _spec(pod).get("initContainers") or ()
        if c.get("restartPolicy") == "Always"
    }
    regular = max(
        (c.get("restartCount") or 0 for c in _status(pod).get("containerStatuses") or ()),
        default=0,
    )
    sidecar = max(
        (
            c.get("restartCount") or 0
            for c in _status(pod).get("initContainerStatuses") or ()
            if c.get("name") in sidecars
        ),
        default=0,
    )
    return regular, sidecar


def _deletion_cost(pod: Object) -> int:
    """``GetDeletionCostFromPodAnnotations``; 0 when absent or not an int32."""
    value = ((pod.get("metadata") or {}).get("annotations") or {}).get(POD_DELETION_COST_ANNOTATION)
    if value is None:
        return 0
    try:
        cost = int(value, 10)
    except ValueError:
        return 0
    return cost if -(2**31) <= cost < 2**31 else 0


def _after_or_zero(t1: datetime | None, t2: datetime | None) -> bool:
    """``afterOrZero``: t1 is after t2; a zero time counts as after any other."""
    if t1 is None or t2 is None:
        return t1 is None
    return t1 > t2


def _logarithmic_rank_diff(t1: datetime, t2: datetime, now: datetime) -> int:
    """``logarithmicRankDiff``: base-2 ranks of how long ago each was, in nanoseconds."""
    d1 = round((now - t1).total_seconds() * 1e9)
    d2 = round((now - t2).total_seconds() * 1e9)
    r1 = int(math.log2(d1)) if d1 > 0 else -1
    r2 = int(math.log2(d2)) if d2 > 0 else -1
    return r1 - r2


def _uid(pod: Object) -> str:
    return (pod.get("metadata") or {}).get("uid", "")


def _compare_times(
    pi: Object, pj: Object, ti: datetime | None, tj: datetime | None, now: datetime | None
) -> bool:
    if now is None or ti is None or tj is None:
        return _after_or_zero(ti, tj)
    diff = _logarithmic_rank_diff(ti, tj, now)
    if diff == 0:
        return _uid(pi) < _uid(pj)
    return diff < 0


@dataclass(slots=True)
class ActivePodsWithRanks:
    """``ActivePodsWithRanks``: pods, each with the number of related pods on its node."""

    pods: list[Object]
    rank: list[int]
    now: datetime | None

    def less(self, i: int, j: int) -> bool:
        pi, pj = self.pods[i], self.pods[j]
        node_i, node_j = _spec(pi).get("nodeName") or "", _spec(pj).get("nodeName") or ""
        # 1. unassigned < assigned
        if node_i != node_j and (not node_i or not node_j):
            return not node_i
        # 2. Pending < Unknown < Running
        phase_i = _PHASE_ORDINAL.get(_status(pi).get("phase") or "", 0)
        phase_j = _PHASE_ORDINAL.get(_status(pj).get("phase") or "", 0)
        if phase_i != phase_j:
            return phase_i < phase_j
        # 3. not ready < ready
        ready_i, ready_j = is_pod_ready(pi), is_pod_ready(pj)
        if ready_i != ready_j:
            return not ready_i
        # 4. lower pod-deletion-cost < higher
        cost_i, cost_j = _deletion_cost(pi), _deletion_cost(pj)
        if cost_i != cost_j:
            return cost_i < cost_j
        # 5. doubled up < not doubled up
        if self.rank[i] != self.rank[j]:
            return self.rank[i] > self.rank[j]
        # 6. ready for less time < more time
        if ready_i and ready_j:
            time_i, time_j = pod_ready_time(pi), pod_ready_time(pj)
            if time_i != time_j:
                return _compare_times(pi, pj, time_i, time_j, self.now)
        # 7. more restarts < fewer
        restarts_i, restarts_j = _max_container_restarts(pi), _max_container_restarts(pj)
        if restarts_i != restarts_j:
            return restarts_i > restarts_j
        # 8. newer < older (a missing creation time counts as newest)
        created_i = _time((pi.get("metadata") or {}).get("creationTimestamp"))
        created_j = _time((pj.get("metadata") or {}).get("creationTimestamp"))
        if created_i != created_j:
            return _compare_times(pi, pj, created_i, created_j, self.now)
        return False

    def sort(self) -> None:
        """``sort.Sort``: reorder :attr:`pods` (and :attr:`rank`) in place, first to delete
        first."""

        def compare(i: int, j: int) -> int:
            if self.less(i, j):
                return -1
            return 1 if self.less(j, i) else 0

        order = sorted(range(len(self.pods)), key=functools.cmp_to_key(compare))
        self.pods[:] = [self.pods[i] for i in order]
        self.rank[:] = [self.rank[i] for i in order]


async def slow_start_batch(
    count: int, initial_batch_size: int, fn: Callable[[], Awaitable[None]]
) -> tuple[int, StatusError | None]:
    """``slowStartBatch``: call ``fn`` ``count`` times in batches of 1, 2, 4, ... run
    concurrently; stop after the first batch with a failure. Returns (successes, an error).

    Only API errors count as failures; anything else is a bug and propagates.
    """
    remaining = count
    successes = 0
    batch_size = min(remaining, initial_batch_size)
    while batch_size > 0:
        errors: list[StatusError] = []

        async def call(errors: list[StatusError] = errors) -> None:
            try:
                await fn()
            except StatusError as error:
                errors.append(error)

        async with trio.open_nursery() as nursery:
            for _ in range(batch_size):
                nursery.start_soon(call)
        successes += batch_size - len(errors)
        if errors:
            return successes, errors[0]
        remaining -= batch_size
        batch_size = min(2 * batch_size, remaining)
    return successes, None
