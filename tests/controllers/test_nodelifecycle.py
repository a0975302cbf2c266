"""The node lifecycle controller on virtual time: grace periods, taints, zone states, pods.

Kubelets are :class:`node_heartbeats.FakeKubelet` tasks: they register a
Node, post Ready and renew the node's Lease every 10 s until killed.
"""

from __future__ import annotations

from typing import Any

import pytest
import trio
from node_heartbeats import FakeKubelet, place_pod

from controllers.nodelifecycle import (
    COMPONENT,
    NodeLifecycleConfig,
    NodeLifecycleController,
    ZoneState,
)
from controllers.nodelifecycle.rate_limited_queue import RateLimitedTimedQueue
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


async def start(
    cluster: ClusterHarness, config: NodeLifecycleConfig | None = None
) -> NodeLifecycleController:
    nlc = NodeLifecycleController(
        cluster.client, cluster.informer, cluster.recorder(COMPONENT), cluster.cluster.clock, config
    )
    for controller in nlc.controllers():
        await cluster.run_controller(controller)
    return nlc


async def start_kubelet(cluster: ClusterHarness, name: str, zone: str = "") -> FakeKubelet:
    kubelet = FakeKubelet(cluster.client, cluster.cluster.clock, name, zone=zone)
    await cluster.cluster.start(kubelet.run)
    return kubelet


def condition(node: Object, kind: str) -> dict[str, Any]:
    return next(c for c in node["status"]["conditions"] if c["type"] == kind)


def taints(node: Object) -> dict[tuple[str, str], dict[str, Any]]:
    return {(t["key"], t["effect"]): t for t in node.get("spec", {}).get("taints") or ()}


UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"


async def test_node_goes_unknown_within_the_grace_period_after_its_last_heartbeat(
    cluster: ClusterHarness,
) -> None:
    clock = cluster.cluster.clock
    kubelet = await start_kubelet(cluster, "n1")
    await start_kubelet(cluster, "healthy")  # a lone dead node would be a full disruption
    await start(cluster)
    await trio.sleep(35)
    kubelet.kill()
    last = kubelet.last_renewal

    node = await cluster.wait_for(
        "nodes",
        "n1",
        lambda n: condition(n, "Ready")["status"] == "Unknown",
        namespace="",
        timeout=120,
    )
    silence = clock.monotonic() - last
    # monitored every 5 s: Unknown once the grace period (50 s) has passed, within one period
    assert 50 < silence <= 60, silence
    for kind in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
        cond = condition(node, kind)
        assert cond["status"] == "Unknown"
        assert cond["reason"] == "NodeStatusUnknown"
        assert cond["message"] == "Kubelet stopped posting node status."
    node = await cluster.wait_for(
        "nodes",
        "n1",
        lambda n: {(UNREACHABLE, "NoExecute"), (UNREACHABLE, "NoSchedule")} <= set(taints(n)),
        namespace="",
    )
    assert taints(node)[(UNREACHABLE, "NoExecute")]["timeAdded"]
    events = await cluster.events(namespace="default", involved_name="n1")
    reasons = [e["reason"] for e in events]
    assert "RegisteredNode" in reasons and "NodeNotReady" in reasons
    message = next(e["message"] for e in events if e["reason"] == "NodeNotReady")
    assert message == "Node n1 status is now: NodeNotReady"


async def test_status_heartbeats_alone_keep_a_node_alive(cluster: ClusterHarness) -> None:
    """Without a Lease, new ``lastHeartbeatTime``s on the Ready condition are what counts."""
    clock = cluster.cluster.clock
    await start_kubelet(cluster, "healthy")
    kubelet = FakeKubelet(cluster.client, clock, "old")
    await cluster.client.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "old"}})
    await kubelet.post_status("True")
    await start(cluster)
    for _ in range(12):  # two minutes of status posts every 10 s
        await trio.sleep(10)
        await kubelet.post_status("True")
    node = await cluster.client.get("nodes", "old")
    assert condition(node, "Ready")["status"] == "True"
    last = clock.monotonic()
    await cluster.wait_for(
        "nodes",
        "old",
        lambda n: condition(n, "Ready")["status"] == "Unknown",
        namespace="",
        timeout=120,
    )
    assert 50 < clock.monotonic() - last <= 60


async def test_taints_removed_when_the_node_recovers(cluster: ClusterHarness) -> None:
    kubelet = await start_kubelet(cluster, "n1")
    await start_kubelet(cluster, "healthy")  # a lone dead node would be a full disruption
    await start(cluster)
    kubelet.kill()
    await cluster.wait_for(
        "nodes", "n1", lambda n: (UNREACHABLE, "NoExecute") in taints(n), namespace="", timeout=120
    )
    await kubelet.revive()
    node = await cluster.wait_for("nodes", "n1", lambda n: not taints(n), namespace="", timeout=30)
    assert condition(node, "Ready")["status"] == "True"


async def test_not_ready_node_gets_not_ready_taints(cluster: ClusterHarness) -> None:
    kubelet = await start_kubelet(cluster, "n1")
    await start_kubelet(cluster, "healthy")  # a lone dead node would be a full disruption
    await start(cluster)
    await kubelet.post_status("False", reason="KubeletNotReady")
    node = await cluster.wait_for(
        "nodes",
        "n1",
        lambda n: {(NOT_READY, "NoExecute"), (NOT_READY, "NoSchedule")} <= set(taints(n)),
        namespace="",
        timeout=30,
    )
    assert (UNREACHABLE, "NoExecute") not in taints(node)
    await kubelet.post_status("True")
    await cluster.wait_for("nodes", "n1", lambda n: not taints(n), namespace="", timeout=30)


async def test_pods_on_an_unreachable_node_are_marked_not_ready(cluster: ClusterHarness) -> None:
    kubelet = await start_kubelet(cluster, "n1")
    await start_kubelet(cluster, "n2")
    await place_pod(cluster.client, "a", "n1")
    await place_pod(cluster.client, "b", "n2")
    await start(cluster)
    kubelet.kill()
    pod = await cluster.wait_for(
        "pods", "a", lambda p: condition(p, "Ready")["status"] == "False", timeout=120
    )
    assert condition(pod, "ContainersReady")["status"] == "True"  # only Ready is touched
    events = await cluster.events(namespace="default", involved_name="a")
    assert [(e["reason"], e["message"], e["type"]) for e in events] == [
        ("NodeNotReady", "Node is not ready", "Warning")
    ]
    other = await cluster.client.get("pods", "b", namespace="default")
    assert condition(other, "Ready")["status"] == "True"
    # a pod bound later to the dead node is marked NotReady too
    await place_pod(cluster.client, "c", "n1")
    await cluster.wait_for("pods", "c", lambda p: condition(p, "Ready")["status"] == "False")


async def test_node_that_never_posts_status_goes_unknown_after_the_startup_grace_period(
    cluster: ClusterHarness,
) -> None:
    clock = cluster.cluster.clock
    await start_kubelet(cluster, "healthy")
    await start(cluster)
    created = clock.monotonic()
    await cluster.client.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "mute"}})
    node = await cluster.wait_for(
        "nodes",
        "mute",
        lambda n: any(
            c["type"] == "Ready" for c in (n.get("status") or {}).get("conditions") or ()
        ),
        namespace="",
        timeout=120,
    )
    assert 60 < clock.monotonic() - created <= 66
    ready = condition(node, "Ready")
    assert (ready["status"], ready["reason"]) == ("Unknown", "NodeStatusNeverUpdated")
    assert ready["message"] == "Kubelet never posted node status."
    await cluster.wait_for(
        "nodes", "mute", lambda n: (UNREACHABLE, "NoExecute") in taints(n), namespace=""
    )


async def test_deleted_node_is_reported(cluster: ClusterHarness) -> None:
    await start_kubelet(cluster, "n1")
    await start(cluster)
    await trio.sleep(6)
    await cluster.client.delete("nodes", "n1")

    async def removed() -> bool:
        events = await cluster.events(namespace="default", involved_name="n1")
        return any(e["reason"] == "RemovingNode" for e in events)

    await cluster.wait_until(removed, timeout=30)


async def test_tainting_is_rate_limited_per_zone(cluster: ClusterHarness) -> None:
    """Ten nodes, two die at once: the second is tainted ten seconds after the first (0.1 qps,
    burst 1) -- 2 of 10 is a Normal zone."""
    kubelets = [await start_kubelet(cluster, f"n{i}", zone="z1") for i in range(10)]
    nlc = await start(cluster)
    kubelets[0].kill()
    kubelets[1].kill()
    times: dict[str, float] = {}

    async def both_tainted() -> bool:
        for name in ("n0", "n1"):
            node = await cluster.client.get("nodes", name)
            if (UNREACHABLE, "NoExecute") in taints(node) and name not in times:
                times[name] = cluster.cluster.clock.monotonic()
        return len(times) == 2

    await cluster.wait_until(both_tainted, timeout=200)
    first, second = sorted(times.values())
    assert 9.5 <= second - first <= 10.5, times
    assert nlc.zone_states[next(iter(nlc.zone_states))] == ZoneState.NORMAL


async def test_partial_disruption_stops_tainting_in_a_small_zone(cluster: ClusterHarness) -> None:
    """Four of five nodes in zone z1 die: PartialDisruption (more than 2 and at least 55 % not
    Ready) in a zone of at most 50 nodes means no tainting at all; z2 stays Normal."""
    z1 = [await start_kubelet(cluster, f"a{i}", zone="z1") for i in range(5)]
    await start_kubelet(cluster, "b0", zone="z2")
    nlc = await start(cluster)
    for kubelet in z1[:4]:
        kubelet.kill()
    zone = ":\x00:z1"
    await cluster.wait_until(
        lambda: nlc.zone_states.get(zone) == ZoneState.PARTIAL_DISRUPTION, timeout=120
    )
    await trio.sleep(60)
    for kubelet in z1[:4]:
        node = await cluster.client.get("nodes", kubelet.name)
        assert condition(node, "Ready")["status"] == "Unknown"
        assert (UNREACHABLE, "NoExecute") not in taints(node)
    assert nlc.zone_states[":\x00:z2"] == ZoneState.NORMAL
    assert nlc.zone_no_execute_tainter[zone].limiter.qps == 0
    # nodes come back: Normal again, at the normal rate
    for kubelet in z1[:4]:
        await kubelet.revive()
    await cluster.wait_until(lambda: nlc.zone_states.get(zone) == ZoneState.NORMAL, timeout=30)
    assert nlc.zone_no_execute_tainter[zone].limiter.qps == pytest.approx(0.1)


async def test_full_disruption_of_one_zone_taints_at_the_normal_rate(
    cluster: ClusterHarness,
) -> None:
    z1 = [await start_kubelet(cluster, f"a{i}", zone="z1") for i in range(3)]
    await start_kubelet(cluster, "b0", zone="z2")
    nlc = await start(cluster)
    for kubelet in z1:
        kubelet.kill()
    zone = ":\x00:z1"
    await cluster.wait_until(
        lambda: nlc.zone_states.get(zone) == ZoneState.FULL_DISRUPTION, timeout=120
    )
    for kubelet in z1:
        await cluster.wait_for(
            "nodes",
            kubelet.name,
            lambda n: (UNREACHABLE, "NoExecute") in taints(n),
            namespace="",
            timeout=60,
        )


async def test_all_zones_fully_disrupted_stops_tainting_and_untaints(
    cluster: ClusterHarness,
) -> None:
    """Every node of every zone down looks like the control plane's own network failing: the
    controller stops tainting and takes its NoExecute taints off."""
    kubelets = [await start_kubelet(cluster, f"n{i}", zone=f"z{i % 2}") for i in range(4)]
    nlc = await start(cluster)
    kubelets[0].kill()
    await cluster.wait_for(
        "nodes", "n0", lambda n: (UNREACHABLE, "NoExecute") in taints(n), namespace="", timeout=120
    )
    for kubelet in kubelets[1:]:
        kubelet.kill()
    await cluster.wait_until(
        lambda: set(nlc.zone_states.values()) == {ZoneState.FULL_DISRUPTION}, timeout=120
    )
    await trio.sleep(30)
    for kubelet in kubelets:
        node = await cluster.client.get("nodes", kubelet.name)
        assert (UNREACHABLE, "NoExecute") not in taints(node)
        assert condition(node, "Ready")["status"] == "Unknown"
    # the control plane hears from the nodes again: out of master disruption mode
    for kubelet in kubelets:
        await kubelet.revive()
    await cluster.wait_until(
        lambda: set(nlc.zone_states.values()) == {ZoneState.NORMAL}, timeout=30
    )
    assert all(t.limiter.qps == pytest.approx(0.1) for t in nlc.zone_no_execute_tainter.values())


async def test_large_zone_partial_disruption_taints_at_the_secondary_rate(
    cluster: ClusterHarness,
) -> None:
    """A zone of more than ``large_cluster_size_threshold`` nodes in PartialDisruption taints at
    the secondary rate (a smaller threshold keeps the test small)."""
    config = NodeLifecycleConfig(large_cluster_size_threshold=4)
    kubelets = [await start_kubelet(cluster, f"n{i}", zone="z1") for i in range(5)]
    await start_kubelet(cluster, "other", zone="z2")
    nlc = await start(cluster, config)
    for kubelet in kubelets[:4]:
        kubelet.kill()
    zone = ":\x00:z1"
    await cluster.wait_until(
        lambda: nlc.zone_states.get(zone) == ZoneState.PARTIAL_DISRUPTION, timeout=120
    )
    assert nlc.zone_no_execute_tainter[zone].limiter.qps == pytest.approx(0.01)
    times: dict[str, float] = {}

    async def two_tainted() -> bool:
        for kubelet in kubelets[:4]:
            node = await cluster.client.get("nodes", kubelet.name)
            if (UNREACHABLE, "NoExecute") in taints(node) and kubelet.name not in times:
                times[kubelet.name] = cluster.cluster.clock.monotonic()
        return len(times) >= 2

    await cluster.wait_until(two_tainted, timeout=300)
    first, second = sorted(times.values())[:2]
    assert 99 <= second - first <= 101, times  # one node per 100 s


async def test_rate_limited_timed_queue_keeps_processed_values_until_removed() -> None:
    now = [0.0]
    queue = RateLimitedTimedQueue(1.0, lambda: now[0])
    assert queue.add("a", "uid-a") and queue.add("b", "uid-b")
    assert not queue.add("a", "uid-a")
    seen: list[str] = []

    async def process(value: Any) -> tuple[bool, float]:
        seen.append(value.value)
        return True, 0.0

    await queue.try_(process)
    assert seen == ["a"]  # one token
    now[0] = 1.0
    await queue.try_(process)
    assert seen == ["a", "b"]
    assert not queue.add("a", "uid-a")  # processed but still in the set
    assert queue.remove("a")
    assert queue.add("a", "uid-a")


@pytest.mark.cluster(
    controllers=["nodelifecycle", "taint-eviction-controller", "endpoint", "endpointslice"]
)
async def test_a_dead_nodes_pods_leave_service_endpoints_and_are_evicted(
    cluster: ClusterHarness,
) -> None:
    """The built-in controllers together: a node stops heartbeating, its pod turns NotReady and
    moves to notReadyAddresses, and 300 s after the taint it is evicted (terminating)."""
    clock = cluster.cluster.clock
    kubelet = await start_kubelet(cluster, "n1")
    await start_kubelet(cluster, "n2")
    await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        }
    )
    await place_pod(cluster.client, "a", "n1", ip="10.0.0.1")
    await place_pod(cluster.client, "b", "n2", ip="10.0.0.2")

    def ready_ips(ep: Object) -> list[str]:
        return [a["ip"] for s in ep.get("subsets") or () for a in s.get("addresses") or ()]

    await cluster.wait_for("endpoints", "web", lambda e: len(ready_ips(e)) == 2)
    kubelet.kill()
    await cluster.wait_for("endpoints", "web", lambda e: ready_ips(e) == ["10.0.0.2"], timeout=120)
    unready_at = clock.monotonic()
    pod = await cluster.wait_for(
        "pods", "a", lambda p: bool(p["metadata"].get("deletionTimestamp")), timeout=400
    )
    assert 295 <= clock.monotonic() - unready_at <= 311
    assert any(c["type"] == "DisruptionTarget" for c in pod["status"]["conditions"])
    slices = await cluster.client.list(
        "endpointslices", namespace="default", label_selector="kubernetes.io/service-name=web"
    )
    endpoints = {e["targetRef"]["name"]: e for s in slices["items"] for e in s["endpoints"]}
    assert endpoints["a"]["conditions"]["terminating"] is True
    assert endpoints["b"]["conditions"]["ready"] is True


async def test_cordon_taints_no_schedule_and_beta_labels_follow(cluster: ClusterHarness) -> None:
    await start_kubelet(cluster, "n1")
    await start(cluster)
    node = await cluster.client.get("nodes", "n1")
    node.setdefault("spec", {})["unschedulable"] = True
    node["metadata"]["labels"]["kubernetes.io/os"] = "linux"
    await cluster.client.update(node)
    node = await cluster.wait_for(
        "nodes",
        "n1",
        lambda n: (
            ("node.kubernetes.io/unschedulable", "NoSchedule") in taints(n)
            and n["metadata"]["labels"].get("beta.kubernetes.io/os") == "linux"
        ),
        namespace="",
    )
    node["spec"]["unschedulable"] = False
    await cluster.client.update(node)
    await cluster.wait_for("nodes", "n1", lambda n: not taints(n), namespace="")
