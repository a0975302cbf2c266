"""Test helpers around a running :class:`~minikube_py.cluster.Cluster`.

:class:`ClusterHarness` is what the ``cluster`` pytest fixture gives a test: the cluster, a
client, and the things a controller author needs every day --

* ``await harness.wait_for("deployments", "web", lambda d: ...)`` -- until a predicate on an
  object holds, on virtual time; it re-checks after every write to the cluster (no polling)
  and, on timeout, fails with the object's last state;
* ``await harness.run_controller(reconcile, watches=["configmaps"])`` -- run a reconciler (or a
  ready :class:`~controllers.runtime.Controller`) inside the cluster;
* ``await harness.events(...)`` -- the Events recorded, oldest first;
* ``harness.unexpected_errors()`` -- bugs that a controller's retries would otherwise hide.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterable
from typing import Any

import trio
import trio.testing

from apiserver.client import InProcessClient
from controllers.runtime.controller import Controller, MapFunc, Reconciler, enqueue_object
from controllers.runtime.events import EventRecorder
from minikube_py.cluster import Cluster
from minikube_py.errors import NotFound
from minikube_py.informer import SharedInformer
from minikube_py.objects import Object


class WaitTimeout(AssertionError):
    """A condition did not come true in time; the message shows what was last seen."""


class ClusterHarness:
    #: seconds of cluster time between re-checks of a condition nothing else woke
    recheck = 1.0

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.client: InProcessClient = cluster.client()
        self.controllers: list[Controller] = []

    # -- waiting -------------------------------------------------------------------------------

    async def wait_until(
        self,
        check: Callable[[], Any],
        *,
        timeout: float = 60.0,
        describe: Callable[[], str] | None = None,
    ) -> Any:
        """Wait until ``await check()`` (or ``check()``) returns something truthy; return it.

        It re-checks after every write to the cluster, once everything else is idle, and at
        least every ``recheck`` seconds of cluster time (for conditions on state outside the
        cluster, such as what a test controller recorded).
        """
        kv = self.cluster.kv
        watcher = kv.watch("", prefix=True)
        try:
            with trio.move_on_after(timeout):
                while True:
                    await trio.testing.wait_all_tasks_blocked()
                    value = check()
                    if hasattr(value, "__await__"):
                        value = await value
                    if value:
                        return value
                    with trio.move_on_after(self.recheck):
                        await watcher.wait_readable()
                    with contextlib.suppress(trio.WouldBlock):
                        watcher.receive_nowait()
        finally:
            watcher.close()
        detail = describe() if describe is not None else ""
        raise WaitTimeout(f"condition not met within {timeout:g}s of cluster time{detail}")

    async def wait_for(
        self,
        resource: str,
        name: str,
        condition: Callable[[Object], bool] = lambda obj: True,
        *,
        namespace: str = "default",
        timeout: float = 60.0,
    ) -> Object:
        """Wait until the object exists and ``condition(obj)`` holds; return it."""
        last: dict[str, Object | None] = {"obj": None}

        async def check() -> Object | None:
            try:
                obj = await self.client.get(resource, name, namespace=namespace)
            except NotFound:
                last["obj"] = None
                return None
            last["obj"] = obj
            return obj if condition(obj) else None

        def describe() -> str:
            obj = last["obj"]
            where = f"{resource} {namespace}/{name}" if namespace else f"{resource} {name}"
            if obj is None:
                return f": {where} does not exist"
            return f": last state of {where}:\n{json.dumps(obj, indent=2, sort_keys=True)}"

        return await self.wait_until(check, timeout=timeout, describe=describe)

    async def wait_for_deletion(
        self, resource: str, name: str, *, namespace: str = "default", timeout: float = 60.0
    ) -> None:
        async def gone() -> bool:
            try:
                await self.client.get(resource, name, namespace=namespace)
            except NotFound:
                return True
            return False

        await self.wait_until(gone, timeout=timeout, describe=lambda: f": {name} still exists")

    # -- controllers ---------------------------------------------------------------------------

    async def run_controller(
        self,
        reconcile: Reconciler | Controller,
        *,
        watches: Iterable[str | tuple[str, MapFunc]] = (),
        name: str = "test-controller",
        workers: int = 1,
    ) -> Controller:
        """Run a reconciler inside the cluster, fed by informers on ``watches`` (resource
        names, or ``(resource, mapper)`` pairs, e.g. ``("pods", enqueue_owner("ReplicaSet"))``).
        Returns once its informers have synced and its workers run."""
        if isinstance(reconcile, Controller):
            controller = reconcile
        else:
            controller = Controller(name, reconcile, workers=workers)
        for watch in watches:
            resource, mapper = (watch, enqueue_object) if isinstance(watch, str) else watch
            informer = self.informer(resource)
            controller.watch(informer, mapper)
        for informer in controller.informers:
            if not informer.has_synced:
                await self.cluster.start(informer.run)
        await self.cluster.start(controller.run)
        self.controllers.append(controller)
        return controller

    def informer(self, resource: str, **selectors: str) -> SharedInformer:
        """A shared informer of the cluster's manager (not started until used)."""
        return self.cluster.manager.informer(resource, **selectors)

    def recorder(self, component: str) -> EventRecorder:
        return EventRecorder(self.client, self.cluster.clock, component)

    async def events(
        self, *, namespace: str = "", involved_name: str | None = None
    ) -> list[Object]:
        """Recorded core/v1 Events, oldest first."""
        selector = f"involvedObject.name={involved_name}" if involved_name is not None else ""
        listed = await self.client.list("events", namespace=namespace, field_selector=selector)
        return sorted(
            listed["items"],
            key=lambda e: (e.get("firstTimestamp") or "", int(e["metadata"]["resourceVersion"])),
        )

    def unexpected_errors(self) -> list[str]:
        errors = self.cluster.manager.unexpected_errors()
        for controller in self.controllers:
            errors.extend(controller.unexpected_errors)
        if self.cluster.scheduler is not None:
            errors.extend(self.cluster.scheduler.unexpected_errors)
        return errors
