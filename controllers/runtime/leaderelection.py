"""Leader election on a ``coordination.k8s.io/v1`` Lease, as client-go's ``leaderelection``.

A candidate becomes leader by writing its identity into the Lease's ``holderIdentity`` when the
Lease is free or its holder has not renewed within ``leaseDurationSeconds`` -- judged by when
*this* candidate last saw the record change (client-go's ``observedTime``), never by comparing
its clock with the holder's. A leader renews every ``retry_period``; if it cannot renew for
``renew_deadline`` it stops leading at once: the leading work is cancelled before anyone else
can have taken over (``renew_deadline < lease_duration``). On a clean shutdown it releases the
Lease (empty holder, 1 s duration) so the next candidate need not wait.

All writes are conditional on the Lease's resourceVersion, so two candidates can never both
believe they hold it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

import msgspec
import trio

from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.errors import AlreadyExists, Conflict, NotFound, StatusError
from minikube_py.objects import Object


class LeaderElectionConfig(msgspec.Struct, frozen=True):
    name: str
    identity: str
    namespace: str = "kube-system"
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    release_on_cancel: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.retry_period < self.renew_deadline < self.lease_duration:
            raise ValueError("need 0 < retry_period < renew_deadline < lease_duration")


class LeaderElector:
    def __init__(self, client: Client, clock: ClusterClock, config: LeaderElectionConfig) -> None:
        self.client = client
        self.clock = clock
        self.config = config
        self._observed: tuple[str, str] | None = None  # (holder, renewTime) last seen
        self._observed_at = 0.0
        self._lease: Object | None = None
        self.is_leader = False
        #: how many times this candidate became leader
        self.terms = 0

    async def run(
        self,
        leading: Callable[[], Awaitable[None]],
        *,
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Campaign forever; run ``leading`` while leader and cancel it the moment the lease
        is lost. Releases the lease when cancelled."""
        task_status.started()
        try:
            while True:
                await self._retry_until_held()
                self.is_leader = True
                self.terms += 1
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(self._keep_renewing, nursery.cancel_scope)
                    nursery.start_soon(leading)
                self.is_leader = False
        finally:
            if self.is_leader and self.config.release_on_cancel:
                with trio.CancelScope(shield=True):
                    await self._release()
            self.is_leader = False

    async def _keep_renewing(self, leadership: trio.CancelScope) -> None:
        config = self.config
        while True:
            await trio.sleep(config.retry_period)
            renewed = False
            with trio.move_on_after(config.renew_deadline):
                await self._retry_until_held()
                renewed = True
            if not renewed:
                leadership.cancel()  # lost: stop leading now
                return

    async def _retry_until_held(self) -> None:
        """Try every ``retry_period`` (client-go polls the Lease the same way)."""
        while True:
            if await self._try_acquire_or_renew():
                return
            await trio.sleep(self.config.retry_period)

    async def _try_acquire_or_renew(self) -> bool:
        config = self.config
        now = self.clock.micro_timestamp()
        try:
            lease = await self.client.get("leases", config.name, namespace=config.namespace)
        except NotFound:
            try:
                self._lease = await self.client.create(
                    {
                        "apiVersion": "coordination.k8s.io/v1",
                        "kind": "Lease",
                        "metadata": {"name": config.name, "namespace": config.namespace},
                        "spec": {
                            "holderIdentity": config.identity,
                            "leaseDurationSeconds": int(config.lease_duration),
                            "acquireTime": now,
                            "renewTime": now,
                            "leaseTransitions": 0,
                        },
                    }
                )
            except (AlreadyExists, StatusError):
                return False
            self._observe(self._lease)
            return True
        except StatusError:
            return False
        spec = lease.get("spec") or {}
        self._observe(lease)
        holder = spec.get("holderIdentity") or ""
        expired = (
            self._observed_at + (spec.get("leaseDurationSeconds") or 0) <= self.clock.monotonic()
        )
        if holder and holder != config.identity and not expired:
            return False
        new_spec = dict(spec)
        if holder != config.identity:
            new_spec["acquireTime"] = now
            new_spec["leaseTransitions"] = (spec.get("leaseTransitions") or 0) + (
                1 if holder else 0
            )
        new_spec.update(
            holderIdentity=config.identity,
            leaseDurationSeconds=int(config.lease_duration),
            renewTime=now,
        )
        updated = {**lease, "spec": new_spec}
        try:
            self._lease = await self.client.update(updated)
        except (Conflict, StatusError):
            return False
        self._observe(self._lease)
        return True

    def _observe(self, lease: Object) -> None:
        spec = lease.get("spec") or {}
        record = (spec.get("holderIdentity") or "", spec.get("renewTime") or "")
        if record != self._observed:
            self._observed = record
            self._observed_at = self.clock.monotonic()

    async def _release(self) -> None:
        if self._lease is None:
            return
        spec = dict(self._lease.get("spec") or {})
        if spec.get("holderIdentity") != self.config.identity:
            return
        now = self.clock.micro_timestamp()
        spec.update(holderIdentity="", leaseDurationSeconds=1, renewTime=now, acquireTime=now)
        with contextlib.suppress(StatusError):  # someone else moved on already
            await self.client.update({**self._lease, "spec": spec})
