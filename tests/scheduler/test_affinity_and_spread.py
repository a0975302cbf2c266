"""InterPodAffinity and PodTopologySpread, against upstream's documented cases."""

from __future__ import annotations

import pytest
from scheduler_harness import (
    create_nodes,
    node,
    pod,
    start_scheduler,
    wait_bound,
    wait_unschedulable,
)

pytestmark = pytest.mark.cluster(controllers=[])

ZONE = "topology.kubernetes.io/zone"
HOST = "kubernetes.io/hostname"


def zoned(name: str, zone: str, **kw) -> dict:
    return node(name, labels={ZONE: zone}, **kw)


def term(labels: dict[str, str], key: str = ZONE) -> dict:
    return {"labelSelector": {"matchLabels": labels}, "topologyKey": key}


# -- InterPodAffinity -----------------------------------------------------------------------


async def test_required_affinity_follows_the_matching_pod(cluster):
    await create_nodes(cluster, zoned("a", "z1"), zoned("b", "z2"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("db", labels={"app": "db"}, nodeSelector={ZONE: "z2"}))
    assert await wait_bound(cluster, "db") == "b"
    affinity = {
        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term({"app": "db"})]}
    }
    for i in range(3):
        await cluster.client.create(pod(f"web{i}", affinity=affinity))
        assert await wait_bound(cluster, f"web{i}") == "b"


async def test_required_affinity_without_a_match_is_unresolvable(cluster):
    await create_nodes(cluster, zoned("a", "z1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("other", labels={"app": "other"}))
    await wait_bound(cluster, "other")
    affinity = {
        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term({"app": "db"})]}
    }
    await cluster.client.create(pod("web", affinity=affinity))
    assert await wait_unschedulable(cluster, "web") == (
        "0/1 nodes are available: 1 node(s) didn't match pod affinity rules. preemption: "
        "0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )


async def test_first_pod_of_a_self_affine_group_may_go_anywhere(cluster):
    await create_nodes(cluster, zoned("a", "z1"))
    await start_scheduler(cluster)
    affinity = {
        "podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term({"app": "web"})]}
    }
    await cluster.client.create(pod("web", labels={"app": "web"}, affinity=affinity))
    assert await wait_bound(cluster, "web") == "a"


async def test_required_anti_affinity_spreads_replicas_by_host(cluster):
    await create_nodes(cluster, node("a"), node("b"))
    await start_scheduler(cluster)
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [term({"app": "web"}, HOST)]
        }
    }
    hosts = set()
    for i in range(2):
        await cluster.client.create(pod(f"web{i}", labels={"app": "web"}, affinity=anti))
        hosts.add(await wait_bound(cluster, f"web{i}"))
    assert hosts == {"a", "b"}
    await cluster.client.create(pod("web2", labels={"app": "web"}, affinity=anti))
    message = await wait_unschedulable(cluster, "web2")
    assert message.startswith(
        "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules."
    )


async def test_existing_pods_anti_affinity_keeps_others_away(cluster):
    await create_nodes(cluster, node("a"))
    await start_scheduler(cluster)
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [term({"team": "noisy"}, HOST)]
        }
    }
    await cluster.client.create(pod("loner", affinity=anti))
    await wait_bound(cluster, "loner")
    await cluster.client.create(pod("noisy", labels={"team": "noisy"}))
    assert (await wait_unschedulable(cluster, "noisy")).startswith(
        "0/1 nodes are available: 1 node(s) didn't satisfy existing pods anti-affinity rules."
    )
    # the anti-affine pod goes away: the waiting pod is requeued and fits
    await cluster.client.delete("pods", "loner", namespace="default", grace_period_seconds=0)
    assert await wait_bound(cluster, "noisy") == "a"


async def test_preferred_affinity_scores_the_zone(cluster):
    await create_nodes(cluster, zoned("a", "z1"), zoned("b", "z2"), zoned("c", "z2"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("cache", labels={"app": "cache"}, nodeSelector={HOST: "a"}))
    await wait_bound(cluster, "cache")
    preferred = {
        "podAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": term({"app": "cache"})}
            ]
        }
    }
    for i in range(3):
        await cluster.client.create(pod(f"p{i}", affinity=preferred))
        assert await wait_bound(cluster, f"p{i}") == "a"


async def test_preferred_anti_affinity_avoids_the_zone(cluster):
    await create_nodes(cluster, zoned("a", "z1"), zoned("b", "z2"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("batch", labels={"app": "batch"}, nodeSelector={HOST: "a"}))
    await wait_bound(cluster, "batch")
    preferred = {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": term({"app": "batch"})}
            ]
        }
    }
    for i in range(3):
        await cluster.client.create(pod(f"p{i}", affinity=preferred))
        assert await wait_bound(cluster, f"p{i}") == "b"


# -- PodTopologySpread ----------------------------------------------------------------------


def spread(max_skew: int, key: str, when: str = "DoNotSchedule", **extra) -> list[dict]:
    return [
        {
            "maxSkew": max_skew,
            "topologyKey": key,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": {"app": "s"}},
            **extra,
        }
    ]


async def test_do_not_schedule_keeps_the_skew(cluster):
    await create_nodes(cluster, zoned("a", "z1"), zoned("b", "z2"))
    await start_scheduler(cluster)
    zones: dict[str, int] = {"a": 0, "b": 0}
    for i in range(6):
        await cluster.client.create(
            pod(f"s{i}", labels={"app": "s"}, topologySpreadConstraints=spread(1, ZONE))
        )
        zones[await wait_bound(cluster, f"s{i}")] += 1
        assert abs(zones["a"] - zones["b"]) <= 1


async def test_skew_violation_message(cluster):
    await create_nodes(cluster, zoned("a", "z1"), zoned("b", "z2", cpu="100m"))
    await start_scheduler(cluster)
    for i in range(2):
        await cluster.client.create(
            pod(f"s{i}", cpu="500m", labels={"app": "s"}, topologySpreadConstraints=spread(1, ZONE))
        )
    assert await wait_bound(cluster, "s0") == "a"
    message = await wait_unschedulable(cluster, "s1")
    assert message.startswith(
        "0/2 nodes are available: 1 Insufficient cpu, "
        "1 node(s) didn't match pod topology spread constraints."
    )


async def test_nodes_without_the_key_are_unresolvable(cluster):
    await create_nodes(cluster, node("nolabel"))
    await start_scheduler(cluster)
    await cluster.client.create(
        pod("s", labels={"app": "s"}, topologySpreadConstraints=spread(1, ZONE))
    )
    assert (await wait_unschedulable(cluster, "s")).startswith(
        "0/1 nodes are available: 1 node(s) didn't match pod topology spread constraints "
        "(missing required label)."
    )


async def test_min_domains_holds_pods_until_enough_domains(cluster):
    await create_nodes(cluster, zoned("a", "z1"))
    await start_scheduler(cluster)
    constraint = spread(1, ZONE, minDomains=2)
    await cluster.client.create(
        pod("s0", labels={"app": "s"}, topologySpreadConstraints=constraint)
    )
    await wait_bound(cluster, "s0")
    # one domain < minDomains 2: the global minimum counts as 0, so a second pod would skew 2
    await cluster.client.create(
        pod("s1", labels={"app": "s"}, topologySpreadConstraints=constraint)
    )
    await wait_unschedulable(cluster, "s1")
    await create_nodes(cluster, zoned("b", "z2"))
    assert await wait_bound(cluster, "s1") == "b"


async def test_node_affinity_policy_honor_ignores_excluded_domains(cluster):
    await create_nodes(cluster, zoned("a", "z1"), zoned("b", "z2"))
    await start_scheduler(cluster)
    # pods that may only go to z1: with Honor, z2 is not a domain, so the skew stays 0
    constraint = spread(1, ZONE)
    for i in range(3):
        await cluster.client.create(
            pod(
                f"s{i}",
                labels={"app": "s"},
                nodeSelector={ZONE: "z1"},
                topologySpreadConstraints=constraint,
            )
        )
        assert await wait_bound(cluster, f"s{i}") == "a"


async def test_schedule_anyway_prefers_the_emptier_zone(cluster):
    await create_nodes(cluster, zoned("a", "z1"), zoned("b", "z2"))
    await start_scheduler(cluster)
    for i in range(2):
        await cluster.client.create(pod(f"x{i}", labels={"app": "s"}, nodeSelector={HOST: "a"}))
        await wait_bound(cluster, f"x{i}")
    await cluster.client.create(
        pod("s", labels={"app": "s"}, topologySpreadConstraints=spread(1, ZONE, "ScheduleAnyway"))
    )
    assert await wait_bound(cluster, "s") == "b"


async def test_system_default_spreading_applies_to_replicaset_pods(cluster):
    await create_nodes(cluster, zoned("a", "z1"), zoned("b", "z2"))
    scheduler = await start_scheduler(cluster)
    await cluster.client.create(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        }
    )
    await cluster.wait_until(lambda: scheduler._informers["replicasets"].list("default"))
    spread_plugin = scheduler.profiles["default-scheduler"].plugins["PodTopologySpread"]
    from controllers.scheduler.framework.types import PodInfo

    owned = PodInfo(pod("w", labels={"app": "web"}))
    constraints = spread_plugin._constraints(owned, "ScheduleAnyway")
    assert [(c.topology_key, c.max_skew) for c in constraints] == [
        (HOST, 3),
        (ZONE, 5),
    ]
    assert str(constraints[0].selector) == "app=web"
    assert (
        spread_plugin._constraints(PodInfo(pod("x", labels={"app": "x"})), "ScheduleAnyway") == []
    )
    # and the replicas spread over the hosts
    hosts = []
    for i in range(4):
        await cluster.client.create(pod(f"w{i}", labels={"app": "web"}))
        hosts.append(await wait_bound(cluster, f"w{i}"))
    assert sorted(hosts) == ["a", "a", "b", "b"]


async def test_anti_affinity_match_label_keys(cluster):
    """``matchLabelKeys: [version]``: replicas avoid only pods of their own version."""
    await create_nodes(cluster, node("a"))
    await start_scheduler(cluster)
    anti = {
        "podAntiAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": [
                {**term({"app": "web"}, HOST), "matchLabelKeys": ["version"]}
            ]
        }
    }
    await cluster.client.create(pod("v1", labels={"app": "web", "version": "1"}, affinity=anti))
    await cluster.client.create(pod("v2", labels={"app": "web", "version": "2"}, affinity=anti))
    assert await wait_bound(cluster, "v1") == "a"
    assert await wait_bound(cluster, "v2") == "a"
    await cluster.client.create(pod("v1b", labels={"app": "web", "version": "1"}, affinity=anti))
    assert "didn't match pod anti-affinity rules" in await wait_unschedulable(cluster, "v1b")


async def test_default_spreading_selector_follows_selector_changes(cluster):
    """The default selector is remembered per label set; a Service that starts selecting the
    pods, a selector change and a deletion each show in the next cycle's constraints."""
    from controllers.scheduler.framework.types import PodInfo

    await create_nodes(cluster, zoned("a", "z1"))
    scheduler = await start_scheduler(cluster)
    spread_plugin = scheduler.profiles["default-scheduler"].plugins["PodTopologySpread"]
    web = PodInfo(pod("w", labels={"app": "web", "tier": "front"}))

    def selector() -> str:
        constraints = spread_plugin._constraints(web, "ScheduleAnyway")
        return str(constraints[0].selector) if constraints else ""

    assert selector() == ""
    service = await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]},
        }
    )
    await cluster.wait_until(lambda: selector() == "app in (web)")
    service["spec"]["selector"] = {"tier": "front"}
    service = await cluster.client.update(service)
    await cluster.wait_until(lambda: selector() == "tier in (front)")
    # a change that leaves the selector alone keeps the remembered answer (still right)
    await cluster.client.patch(
        "services", "web", {"metadata": {"labels": {"x": "y"}}}, namespace="default"
    )
    assert selector() == "tier in (front)"
    await cluster.client.delete("services", "web", namespace="default")
    await cluster.wait_until(lambda: selector() == "")
