"""Permit plugins that make pods wait: a gang (coscheduling-style) plugin built on the
framework's waiting pods, timeouts, rejection through the handle, and preemption of a
waiting pod."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from scheduler_harness import (
    create_nodes,
    failed_scheduling_messages,
    node,
    pod,
    start_scheduler,
    wait_bound,
    wait_unschedulable,
)
from test_preemption import priority_class

from controllers.scheduler import PluginEntry, Profile
from controllers.scheduler.framework.interface import Code, CycleState, Plugin, Status
from controllers.scheduler.framework.runtime import Framework
from controllers.scheduler.framework.types import PodInfo
from controllers.scheduler.framework.waiting_pods import WaitingPod

pytestmark = pytest.mark.cluster(controllers=[])

GROUP = "gang"


class Gang(Plugin):
    """Holds the pods of a group (label ``gang``, size from ``gang-size``) until all of them
    wait, then lets them all go."""

    def __init__(self, handle: Framework, timeout: float) -> None:
        self.handle = handle
        self.timeout = timeout

    def permit(
        self, state: CycleState, pod: PodInfo, node_name: str
    ) -> tuple[Status | None, float]:
        group = pod.labels.get(GROUP)
        if group is None:
            return None, 0.0
        size = int(pod.labels.get("gang-size", "1"))
        members: list[WaitingPod] = []

        def collect(waiting: WaitingPod) -> None:
            if waiting.pod.labels.get(GROUP) == group:
                members.append(waiting)

        self.handle.iterate_over_waiting_pods(collect)
        if len(members) + 1 >= size:
            for waiting in members:
                waiting.allow(self.name)
            return None, 0.0
        return Status(Code.WAIT, "waiting for the gang"), self.timeout


def gang_profile(timeout: float = 60.0) -> Profile:
    return Profile(
        enabled=[PluginEntry("Gang")],
        registry={"Gang": lambda args, handle: Gang(handle, timeout)},
    )


def member(name: str, size: int, **kw: Any) -> dict[str, Any]:
    return pod(name, labels={GROUP: "g1", "gang-size": str(size)}, **kw)


async def is_bound(cluster, name: str) -> bool:
    got = await cluster.client.get("pods", name, namespace="default")
    return bool(got["spec"].get("nodeName"))


async def test_a_gang_is_held_until_all_its_members_wait(cluster):
    await create_nodes(cluster, node("n1"), node("n2"))
    scheduler = await start_scheduler(cluster, gang_profile())
    await cluster.client.create(member("a", 3))
    await cluster.client.create(member("b", 3))
    await trio.sleep(30)
    # both hold a node (assumed) but neither is bound
    assert not await is_bound(cluster, "a") and not await is_bound(cluster, "b")
    assert sorted(w.pod.name for w in scheduler.waiting_pods) == ["a", "b"]
    assert [w.get_pending_plugins() for w in scheduler.waiting_pods] == [["Gang"], ["Gang"]]
    await cluster.client.create(member("c", 3))
    for name in ("a", "b", "c"):
        await wait_bound(cluster, name, within=1)
    assert list(scheduler.waiting_pods) == []


async def test_a_wait_times_out_as_upstream_says_it(cluster):
    await create_nodes(cluster, node("n1"))
    scheduler = await start_scheduler(cluster, gang_profile(timeout=10))
    start = trio.current_time()
    await cluster.client.create(member("a", 2))
    message = await wait_unschedulable(cluster, "a")
    assert 10 <= trio.current_time() - start < 11
    assert message == (
        "0/1 nodes are available: 1 rejected due to timeout after waiting 10s at plugin Gang."
    )
    assert (await failed_scheduling_messages(cluster, "a"))[0] == message
    # the room it held is free again: the cache no longer has it on the node
    assert not scheduler.cache.is_assumed("default/a")
    assert list(scheduler.waiting_pods) == []


async def test_the_handle_rejects_a_waiting_pod(cluster):
    await create_nodes(cluster, node("n1"))
    scheduler = await start_scheduler(cluster, gang_profile())
    created = await cluster.client.create(member("a", 2))
    await cluster.wait_until(lambda: list(scheduler.waiting_pods))
    framework = scheduler.profiles["default-scheduler"]
    assert framework.reject_waiting_pod(created["metadata"]["uid"])
    assert not framework.reject_waiting_pod("no-such-uid")
    message = await wait_unschedulable(cluster, "a")
    assert message == "0/1 nodes are available: 1 removed."


async def test_a_waiting_pod_is_preempted_by_rejection_not_deletion(cluster):
    await priority_class(cluster, "low", 10)
    await priority_class(cluster, "high", 1000)
    await create_nodes(cluster, node("n1", cpu="2"))
    scheduler = await start_scheduler(cluster, gang_profile())
    await cluster.client.create(member("held", 2, cpu="1500m", priorityClassName="low"))
    await cluster.wait_until(lambda: list(scheduler.waiting_pods))
    # the held pod keeps its room: a high-priority pod must preempt it
    await cluster.client.create(pod("vip", cpu="1500m", priorityClassName="high"))
    assert await wait_bound(cluster, "vip") == "n1"
    held = await cluster.client.get("pods", "held", namespace="default")
    assert "deletionTimestamp" not in held["metadata"]  # rejected, not deleted
    assert not held["spec"].get("nodeName")
    messages = await failed_scheduling_messages(cluster, "held")
    assert "0/1 nodes are available: 1 preempted." in messages
    events = await cluster.events(namespace="default", involved_name="held")
    assert [e["reason"] for e in events if e["reason"] == "Preempted"] == ["Preempted"]
