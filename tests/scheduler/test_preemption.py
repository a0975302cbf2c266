"""DefaultPreemption: victims, nomination, the DisruptionTarget condition, PDB-aware choice."""

from __future__ import annotations

import pytest
import trio
from scheduler_harness import (
    confirm_deletions,
    create_nodes,
    node,
    pod,
    start_scheduler,
    wait_bound,
    wait_unschedulable,
)

pytestmark = pytest.mark.cluster(controllers=[])


async def priority_class(cluster, name: str, value: int) -> None:
    await cluster.client.create(
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": name},
            "value": value,
        }
    )


async def test_high_priority_pod_preempts_a_low_one(cluster):
    await priority_class(cluster, "low", 10)
    await priority_class(cluster, "high", 1000)
    await create_nodes(cluster, node("n1", cpu="2"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("victim", cpu="1500m", priorityClassName="low"))
    await wait_bound(cluster, "victim")
    cluster.cluster.nursery.start_soon(confirm_deletions, cluster)
    await cluster.client.create(pod("vip", cpu="1500m", priorityClassName="high"))
    # nominated first, while the victim terminates with the DisruptionTarget condition
    vip = await cluster.wait_for(
        "pods", "vip", lambda p: (p.get("status") or {}).get("nominatedNodeName") == "n1"
    )
    assert "nodeName" not in vip["spec"]
    assert await wait_bound(cluster, "vip") == "n1"
    await cluster.wait_for_deletion("pods", "victim")
    events = await cluster.events(namespace="default", involved_name="victim")
    preempted = [e for e in events if e["reason"] == "Preempted"]
    assert preempted and preempted[0]["message"] == (
        f"Preempted by pod {vip['metadata']['uid']} on node n1"
    )


async def test_victim_gets_the_disruption_target_condition(cluster):
    await priority_class(cluster, "low", 10)
    await priority_class(cluster, "high", 1000)
    await create_nodes(cluster, node("n1", cpu="1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("victim", cpu="1", priorityClassName="low"))
    await wait_bound(cluster, "victim")
    await cluster.client.create(pod("vip", cpu="1", priorityClassName="high"))
    victim = await cluster.wait_for(
        "pods", "victim", lambda p: bool(p["metadata"].get("deletionTimestamp"))
    )
    condition = next(c for c in victim["status"]["conditions"] if c["type"] == "DisruptionTarget")
    assert condition["status"] == "True"
    assert condition["reason"] == "PreemptionByScheduler"
    assert condition["message"] == (
        "default-scheduler: preempting to accommodate a higher priority pod"
    )
    # while its victim terminates the preemptor waits, nominated, and does not preempt again
    message = await wait_unschedulable(cluster, "vip")
    assert message.startswith("0/1 nodes are available: 1 Insufficient cpu.")


async def test_minimal_victims_and_the_lowest_priority_node(cluster):
    await priority_class(cluster, "p1", 1)
    await priority_class(cluster, "p5", 5)
    await priority_class(cluster, "high", 1000)
    await create_nodes(cluster, node("a", cpu="2"), node("b", cpu="2"))
    await start_scheduler(cluster)
    # node a holds two priority-5 pods, node b one priority-1 and one priority-5 pod
    for name, host, klass in (
        ("a1", "a", "p5"),
        ("a2", "a", "p5"),
        ("b1", "b", "p1"),
        ("b2", "b", "p5"),
    ):
        await cluster.client.create(
            pod(
                name,
                cpu="1",
                priorityClassName=klass,
                nodeSelector={"kubernetes.io/hostname": host},
            )
        )
        await wait_bound(cluster, name)
    cluster.cluster.nursery.start_soon(confirm_deletions, cluster)
    await cluster.client.create(pod("vip", cpu="1", priorityClassName="high"))
    assert await wait_bound(cluster, "vip") == "b"
    await cluster.wait_for_deletion("pods", "b1")
    # only one victim was needed, and the others stay
    for name in ("a1", "a2", "b2"):
        p = await cluster.client.get("pods", name, namespace="default")
        assert not p["metadata"].get("deletionTimestamp")


async def test_preemption_policy_never(cluster):
    await priority_class(cluster, "low", 10)
    await cluster.client.create(
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": "polite"},
            "value": 1000,
            "preemptionPolicy": "Never",
        }
    )
    await create_nodes(cluster, node("n1", cpu="1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("victim", cpu="1", priorityClassName="low"))
    await wait_bound(cluster, "victim")
    await cluster.client.create(pod("polite", cpu="1", priorityClassName="polite"))
    assert await wait_unschedulable(cluster, "polite") == (
        "0/1 nodes are available: 1 Insufficient cpu. "
        "preemption: not eligible due to preemptionPolicy=Never."
    )


async def test_pdb_protected_pods_are_spared_when_possible(cluster):
    await priority_class(cluster, "low", 10)
    await priority_class(cluster, "high", 1000)
    await create_nodes(cluster, node("a", cpu="1"), node("b", cpu="1"))
    await start_scheduler(cluster)
    await cluster.client.create(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": "guard", "namespace": "default"},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app": "guarded"}}},
        }
    )
    await cluster.client.create(
        pod(
            "guarded",
            cpu="1",
            labels={"app": "guarded"},
            priorityClassName="low",
            nodeSelector={"kubernetes.io/hostname": "a"},
        )
    )
    await cluster.client.create(
        pod("free", cpu="1", priorityClassName="low", nodeSelector={"kubernetes.io/hostname": "b"})
    )
    await wait_bound(cluster, "guarded")
    await wait_bound(cluster, "free")
    await trio.sleep(1)
    cluster.cluster.nursery.start_soon(confirm_deletions, cluster)
    await cluster.client.create(pod("vip", cpu="1", priorityClassName="high"))
    assert await wait_bound(cluster, "vip") == "b"
    guarded = await cluster.client.get("pods", "guarded", namespace="default")
    assert not guarded["metadata"].get("deletionTimestamp")
