"""Leader election on a Lease: one leader at a time, hand-over when a leader goes quiet."""

from __future__ import annotations

import inspect
from typing import Any

import pytest
import trio
import trio.testing

from controllers.runtime.leaderelection import LeaderElectionConfig, LeaderElector
from minikube_py.errors import ServiceUnavailable
from minikube_py.testing import ClusterHarness


class Partitionable:
    """A client that can be cut off from the API server (every call fails)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.cut = False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not inspect.iscoroutinefunction(attribute):
            return attribute  # watches already open keep flowing; new calls fail below

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.cut:
                raise ServiceUnavailable("partitioned")
            return await attribute(*args, **kwargs)

        return call


def config(identity: str) -> LeaderElectionConfig:
    return LeaderElectionConfig(name="demo", identity=identity)


async def test_a_quiet_leader_is_replaced_and_never_overlaps(cluster: ClusterHarness) -> None:
    clock = cluster.cluster.clock
    a_client = Partitionable(cluster.client)
    a = LeaderElector(a_client, clock, config("a"))
    b = LeaderElector(cluster.client, clock, config("b"))
    leading: set[str] = set()
    timeline: list[tuple[str, str, float]] = []

    def work(name: str) -> Any:
        async def lead() -> None:
            assert not leading, f"{name} leads while {leading} does"
            leading.add(name)
            timeline.append((name, "start", trio.current_time()))
            try:
                await trio.sleep_forever()
            finally:
                leading.discard(name)
                timeline.append((name, "stop", trio.current_time()))

        return lead

    async with trio.open_nursery() as nursery:
        await nursery.start(a.run, work("a"))
        await trio.testing.wait_all_tasks_blocked()
        await nursery.start(b.run, work("b"))
        await trio.sleep(30)
        assert a.is_leader and not b.is_leader
        cut_at = trio.current_time()
        a_client.cut = True  # a can no longer renew
        await trio.sleep(60)
        assert b.is_leader and not a.is_leader
        nursery.cancel_scope.cancel()

    (_, _, a_stop), (_, _, b_start) = [
        t for t in timeline if t[:2] in {("a", "stop"), ("b", "start")}
    ]
    # a gives up within its renew deadline (10 s) of the last renewal (every 2 s) ...
    assert cut_at < a_stop <= cut_at + 12
    # ... and b takes over once the lease (15 s) has run out since it last saw a renewal
    # (seen up to one 2 s poll late, acted on up to one poll late)
    assert a_stop < b_start <= cut_at + 2 + 15 + 2
    lease = await cluster.client.get("leases", "demo", namespace="kube-system")
    assert lease["spec"]["leaseTransitions"] == 1


async def test_a_clean_shutdown_releases_the_lease(cluster: ClusterHarness) -> None:
    clock = cluster.cluster.clock
    a = LeaderElector(cluster.client, clock, config("a"))
    b = LeaderElector(cluster.client, clock, config("b"))

    async def idle() -> None:
        await trio.sleep_forever()

    async with trio.open_nursery() as outer:
        async with trio.open_nursery() as nursery:
            await nursery.start(a.run, idle)
            await trio.sleep(5)
            assert a.is_leader
            nursery.cancel_scope.cancel()
        released = await cluster.client.get("leases", "demo", namespace="kube-system")
        assert released["spec"]["holderIdentity"] == ""
        start = trio.current_time()
        await outer.start(b.run, idle)
        await cluster.wait_until(lambda: b.is_leader)
        assert trio.current_time() - start < 3  # no need to wait out the 15 s lease
        outer.cancel_scope.cancel()


def test_timings_must_be_ordered() -> None:
    with pytest.raises(ValueError, match="retry_period < renew_deadline < lease_duration"):
        LeaderElectionConfig(name="x", identity="y", renew_deadline=20)


async def test_only_the_leading_manager_runs_its_controllers(cluster: ClusterHarness) -> None:
    from controllers.runtime import Controller, Manager, Request

    runs: dict[str, int] = {"a": 0, "b": 0}

    def manager(identity: str, client: Any) -> Manager:
        made = Manager(client, cluster.cluster.clock, leader_election=config(identity))

        async def reconcile(request: Request) -> None:
            runs[identity] += 1

        controller = Controller(f"ctl-{identity}", reconcile)
        controller.watch(made.informer("configmaps", namespace="default"))
        made.add(controller)
        return made

    a_client = Partitionable(cluster.client)
    a, b = manager("a", a_client), manager("b", cluster.client)
    async with trio.open_nursery() as nursery:
        await nursery.start(a.run)
        await trio.testing.wait_all_tasks_blocked()
        await nursery.start(b.run)
        await cluster.client.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "one"}}
        )
        await trio.sleep(5)
        assert runs == {"a": 1, "b": 0}
        a_client.cut = True  # a goes quiet; b takes over and its controller starts
        await trio.sleep(30)
        assert a.elector is not None and not a.elector.is_leader
        assert runs["b"] == 1  # b's informer replays the existing object to its controller
        nursery.cancel_scope.cancel()
