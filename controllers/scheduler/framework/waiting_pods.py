"""Waiting pods: a pod whose Permit plugins said *Wait* holds its node until they all allow it.

Upstream: ``framework/runtime/waiting_pods_map.go`` and ``framework.go`` (``RunPermitPlugins``,
``WaitOnPermit``). A Permit plugin answers Allow (None or Success), Reject (Unschedulable) or
Wait with a timeout (at most 15 minutes). When any plugin waits and none rejects, the pod stays
assumed on its node and joins the scheduler's map of waiting pods (one map, shared by every
profile); its binding cycle starts at once but first blocks in :meth:`WaitingPod.wait` until

* every waiting plugin has called :meth:`WaitingPod.allow` -- binding goes on;
* someone calls :meth:`WaitingPod.reject` (a plugin, or preemption taking the pod as a victim)
  -- the pod goes back to the queue as unschedulable by that plugin;
* a plugin's timeout passes first -- rejected with upstream's "rejected due to timeout after
  waiting 10s at plugin Coscheduling".

Plugins reach the map through their handle (``iterate_over_waiting_pods``,
``get_waiting_pod``, ``reject_waiting_pod``), as coscheduling-style plugins do upstream. Time
is the cluster clock's (trio time), so waits and timeouts run on virtual time in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import trio

from controllers.scheduler.framework.interface import Code, Status
from controllers.scheduler.framework.types import PodInfo
from minikube_py.gotime import go_duration

#: ``maxTimeout``: the longest a Permit plugin may make a pod wait
MAX_PERMIT_TIMEOUT = 15 * 60.0


class WaitingPod:
    """``framework.WaitingPod``: a pod held on its node by Permit plugins."""

    def __init__(self, pod: PodInfo, timeouts: dict[str, float]) -> None:
        self.pod = pod
        now = trio.current_time()
        #: waiting plugin -> (its deadline, the timeout it asked for)
        self._pending: dict[str, tuple[float, float]] = {
            name: (now + timeout, timeout) for name, timeout in timeouts.items()
        }
        self._result: Status | None = None
        self._decided = trio.Event()

    def get_pending_plugins(self) -> list[str]:
        return list(self._pending)

    def allow(self, plugin: str) -> None:
        """One plugin lets the pod go; the pod is allowed once none is left waiting."""
        if self._decided.is_set():
            return
        self._pending.pop(plugin, None)
        if not self._pending:
            self._decide(Status(Code.SUCCESS))

    def reject(self, plugin: str, message: str) -> None:
        """Refuse the pod: it leaves its node and goes back to the queue."""
        if not self._decided.is_set():
            self._decide(Status(Code.UNSCHEDULABLE, message, plugin=plugin))

    def _decide(self, status: Status) -> None:
        self._result = status
        self._decided.set()

    async def wait(self) -> Status:
        """Until allowed, rejected, or the nearest plugin timeout (which rejects)."""
        while not self._decided.is_set():
            plugin, (deadline, timeout) = min(self._pending.items(), key=lambda kv: kv[1][0])
            with trio.move_on_at(deadline):
                await self._decided.wait()
            if not self._decided.is_set():
                self.reject(
                    plugin,
                    f"rejected due to timeout after waiting {go_duration(timeout)} at plugin "
                    f"{plugin}",
                )
        assert self._result is not None
        return self._result


class WaitingPods:
    """``waitingPodsMap``: the waiting pods by uid."""

    def __init__(self) -> None:
        self._pods: dict[str, WaitingPod] = {}

    def add(self, waiting: WaitingPod) -> None:
        self._pods[waiting.pod.uid] = waiting

    def remove(self, uid: str) -> None:
        self._pods.pop(uid, None)

    def get(self, uid: str) -> WaitingPod | None:
        return self._pods.get(uid)

    def __iter__(self) -> Iterator[WaitingPod]:
        return iter(list(self._pods.values()))

    def iterate(self, callback: Callable[[WaitingPod], None]) -> None:
        for waiting in self:
            callback(waiting)


__all__ = ["MAX_PERMIT_TIMEOUT", "WaitingPod", "WaitingPods"]
