"""The manager: shared informers, then controllers, optionally behind leader election.

``run`` starts every informer and waits until each has synced its cache, then starts the
controllers -- directly, or only while this manager holds its leader Lease. Everything runs in
one nursery, so a controller that crashes takes the manager down with its error instead of
vanishing. ``started`` is reported once the caches are synced and controllers (or the
campaign) are running.
"""

from __future__ import annotations

from typing import Any

import trio

from controllers.runtime.controller import Controller
from controllers.runtime.leaderelection import LeaderElectionConfig, LeaderElector
from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.informer import SharedInformer


class Manager:
    def __init__(
        self,
        client: Client,
        clock: ClusterClock,
        *,
        leader_election: LeaderElectionConfig | None = None,
    ) -> None:
        self.client = client
        self.clock = clock
        self.controllers: list[Controller] = []
        self._informers: dict[tuple[str, str, str, str], SharedInformer] = {}
        self.elector = (
            LeaderElector(client, clock, leader_election) if leader_election is not None else None
        )

    def informer(
        self,
        resource: str,
        *,
        namespace: str = "",
        label_selector: str = "",
        field_selector: str = "",
    ) -> SharedInformer:
        """The shared informer for this resource view (made on first request)."""
        key = (resource, namespace, label_selector, field_selector)
        informer = self._informers.get(key)
        if informer is None:
            informer = self._informers[key] = SharedInformer(
                self.client,
                resource,
                namespace=namespace,
                label_selector=label_selector,
                field_selector=field_selector,
                rng=self.clock.rng,
            )
        return informer

    def add(self, controller: Controller) -> Controller:
        self.controllers.append(controller)
        return controller

    @property
    def informers(self) -> list[SharedInformer]:
        return list(self._informers.values())

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        async with trio.open_nursery() as nursery:
            for informer in self.informers:
                await nursery.start(informer.run)
            if self.elector is None:
                await self._start_controllers(nursery)
            else:
                await nursery.start(self.elector.run, self._lead)
            task_status.started(self)

    async def _start_controllers(self, nursery: trio.Nursery) -> None:
        for controller in self.controllers:
            await nursery.start(controller.run)

    async def _lead(self) -> None:
        async with trio.open_nursery() as nursery:
            await self._start_controllers(nursery)

    def unexpected_errors(self) -> list[str]:
        return [error for c in self.controllers for error in c.unexpected_errors]
