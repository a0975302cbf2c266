"""A stand-in for kubelets in workload tests: pods become Running and Ready after a delay.

No scheduler or kubelet runs yet, so a Deployment's pods would stay Pending for ever. This
helper watches pods and, ``delay`` seconds of cluster time after a pod appears (plus a seeded
``jitter``), writes what a kubelet would through ``pods/status``: phase Running and the
PodScheduled, Initialized, ContainersReady and Ready conditions, all True, with
``lastTransitionTime`` now (which ``minReadySeconds`` is measured from). Pods that
``never_ready(pod)`` picks stay Pending -- a broken image, a failing probe. Pods are never bound
to a node, so a deleted pod disappears at once (nothing has to confirm its end).

Run it inside the cluster: ``await cluster.cluster.start(PodReadiness(client, clock).run)``
(on virtual time in fixtures, at wall rate in the e2e tests).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import trio

from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.errors import StatusError
from minikube_py.informer import FuncHandler, SharedInformer
from minikube_py.objects import Object


def never(pod: Object) -> bool:
    return False


def image_is(image: str) -> Callable[[Object], bool]:
    """``never_ready`` for pods with a container running ``image``."""

    def check(pod: Object) -> bool:
        containers = (pod.get("spec") or {}).get("containers") or ()
        return any(c.get("image") == image for c in containers)

    return check


class PodReadiness:
    def __init__(
        self,
        client: Client,
        clock: ClusterClock,
        *,
        delay: float = 1.0,
        jitter: float = 0.0,
        never_ready: Callable[[Object], bool] = never,
        seed: int = 0,
        namespace: str = "",
    ) -> None:
        self.client = client
        self.clock = clock
        self.delay = delay
        self.jitter = jitter
        self.never_ready = never_ready
        self.rng = random.Random(seed)
        self.namespace = namespace
        #: pods made ready so far, in order
        self.readied: list[str] = []
        self._seen: set[str] = set()
        self._nursery: trio.Nursery | None = None

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        informer = SharedInformer(self.client, "pods", namespace=self.namespace)
        informer.add_event_handler(FuncHandler(self._consider, lambda _old, new: None))
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            await nursery.start(informer.run)
            task_status.started(self)

    def _consider(self, pod: Object) -> None:
        metadata = pod.get("metadata") or {}
        uid = metadata.get("uid", "")
        if uid in self._seen or metadata.get("deletionTimestamp") or self._nursery is None:
            return
        self._seen.add(uid)
        if self.never_ready(pod):
            return
        delay = self.delay + (self.rng.uniform(0, self.jitter) if self.jitter else 0.0)
        self._nursery.start_soon(
            self._make_ready, metadata.get("namespace", ""), metadata["name"], uid, delay
        )

    async def _make_ready(self, namespace: str, name: str, uid: str, delay: float) -> None:
        await trio.sleep(delay)
        now = self.clock.timestamp()
        conditions = [
            {"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
            for kind in ("Initialized", "Ready", "ContainersReady", "PodScheduled")
        ]
        status = {"phase": "Running", "conditions": conditions, "startTime": now}
        try:
            pod = await self.client.get("pods", name, namespace=namespace)
            if (pod.get("metadata") or {}).get("uid") != uid or pod["metadata"].get(
                "deletionTimestamp"
            ):
                return
            pod["status"] = {**(pod.get("status") or {}), **status}
            await self.client.update(pod, subresource="status")
        except StatusError:
            return  # deleted or changed meanwhile: nothing to make ready
        self.readied.append(name)
