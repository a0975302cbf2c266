"""Each filter plugin against the cases upstream's unit tests pin, end to end: Nodes as API
objects, the scheduler running, the pod bound or refused with upstream's reason."""

from __future__ import annotations

import pytest
from scheduler_harness import (
    create_nodes,
    failed_scheduling_messages,
    node,
    pod,
    start_scheduler,
    wait_bound,
    wait_unschedulable,
)

pytestmark = pytest.mark.cluster(controllers=[])

CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


async def test_failed_scheduling_message_sorts_reasons_as_upstream(cluster):
    await create_nodes(
        cluster,
        node("worker", cpu="1"),
        node("cp-1", taints=[CONTROL_PLANE_TAINT]),
        node("cp-2", taints=[CONTROL_PLANE_TAINT]),
    )
    await start_scheduler(cluster)
    await cluster.client.create(pod("big", cpu="2"))
    message = await wait_unschedulable(cluster, "big")
    expected = (
        "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }. preemption: 0/3 nodes are available: "
        "1 No preemption victims found for incoming pod, "
        "2 Preemption is not helpful for scheduling."
    )
    assert message == expected
    assert await failed_scheduling_messages(cluster, "big") == [expected]
    events = await cluster.events(namespace="default", involved_name="big")
    assert events[0]["type"] == "Warning"
    assert events[0]["source"]["component"] == "default-scheduler"
    p = await cluster.client.get("pods", "big", namespace="default")
    condition = next(c for c in p["status"]["conditions"] if c["type"] == "PodScheduled")
    assert condition["reason"] == "Unschedulable"


async def test_scheduled_event_and_condition_on_success(cluster):
    await create_nodes(cluster, node("n1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", cpu="1"))
    assert await wait_bound(cluster, "p") == "n1"
    events = await cluster.events(namespace="default", involved_name="p")
    assert [(e["type"], e["reason"], e["message"]) for e in events] == [
        ("Normal", "Scheduled", "Successfully assigned default/p to n1")
    ]
    p = await cluster.client.get("pods", "p", namespace="default")
    condition = next(c for c in p["status"]["conditions"] if c["type"] == "PodScheduled")
    assert condition["status"] == "True"


# -- NodeResourcesFit -----------------------------------------------------------------------


async def test_fit_counts_pods_already_on_the_node(cluster):
    await create_nodes(cluster, node("n1", cpu="2", memory="2Gi"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("a", cpu="1500m", memory="1Gi"))
    await wait_bound(cluster, "a")
    await cluster.client.create(pod("b", cpu="600m", memory="1Gi"))
    assert await wait_unschedulable(cluster, "b") == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: "
        "1 No preemption victims found for incoming pod."
    )


async def test_fit_reports_every_shortfall_of_a_node(cluster):
    await create_nodes(cluster, node("n1", cpu="1", memory="1Gi", extra={"example.com/gpu": "1"}))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", cpu="2", memory="2Gi", extended={"example.com/gpu": "2"}))
    message = await wait_unschedulable(cluster, "p")
    assert message.startswith(
        "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient example.com/gpu, "
        "1 Insufficient memory."
    )


async def test_fit_too_many_pods(cluster):
    await create_nodes(cluster, node("n1", pods="1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("a"))
    await wait_bound(cluster, "a")
    await cluster.client.create(pod("b"))
    assert (await wait_unschedulable(cluster, "b")).startswith(
        "0/1 nodes are available: 1 Too many pods."
    )


async def test_fit_init_containers_take_the_max(cluster):
    """Requests are max(sum of containers, largest init container) + overhead."""
    await create_nodes(cluster, node("n1", cpu="2"))
    await start_scheduler(cluster)
    fits = pod("fits", cpu="1")
    fits["spec"]["initContainers"] = [
        {"name": "i", "image": "busybox", "resources": {"requests": {"cpu": "2"}}}
    ]
    await cluster.client.create(fits)
    await wait_bound(cluster, "fits")  # max(1, 2) = 2 fits in 2


async def test_fit_sidecars_add_to_the_containers(cluster):
    await create_nodes(cluster, node("n1", cpu="2"))
    await start_scheduler(cluster)
    p = pod("sidecar", cpu="1500m")
    p["spec"]["initContainers"] = [
        {
            "name": "proxy",
            "image": "envoy",
            "restartPolicy": "Always",
            "resources": {"requests": {"cpu": "1"}},
        }
    ]
    await cluster.client.create(p)
    assert "Insufficient cpu" in await wait_unschedulable(cluster, "sidecar")  # 2.5 > 2


# -- NodeUnschedulable ----------------------------------------------------------------------


async def test_cordoned_node_takes_no_pods_unless_tolerated(cluster):
    await create_nodes(cluster, node("n1", unschedulable=True))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p"))
    assert (await wait_unschedulable(cluster, "p")).startswith(
        "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are "
        "available: 1 Preemption is not helpful for scheduling."
    )
    tolerant = pod(
        "tolerant",
        tolerations=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}],
    )
    await cluster.client.create(tolerant)
    assert await wait_bound(cluster, "tolerant") == "n1"


async def test_uncordon_requeues_the_pod(cluster):
    await create_nodes(cluster, node("n1", unschedulable=True))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p"))
    await wait_unschedulable(cluster, "p")
    await cluster.client.patch("nodes", "n1", {"spec": {"unschedulable": False}})
    assert await wait_bound(cluster, "p") == "n1"


# -- NodeAffinity ---------------------------------------------------------------------------


async def test_node_selector_and_required_affinity(cluster):
    await create_nodes(
        cluster,
        node("a", labels={"disk": "ssd", "zone": "z1"}),
        node("b", labels={"disk": "hdd", "zone": "z2"}),
        node("c", labels={"disk": "ssd", "zone": "z3", "gen": "5"}),
    )
    await start_scheduler(cluster)
    await cluster.client.create(pod("selector", nodeSelector={"disk": "hdd"}))
    assert await wait_bound(cluster, "selector") == "b"
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {"key": "disk", "operator": "In", "values": ["ssd"]},
                            {"key": "gen", "operator": "Gt", "values": ["4"]},
                        ]
                    }
                ]
            }
        }
    }
    await cluster.client.create(pod("gt", affinity=affinity))
    assert await wait_bound(cluster, "gt") == "c"
    await cluster.client.create(pod("nowhere", nodeSelector={"disk": "nvme"}))
    assert (await wait_unschedulable(cluster, "nowhere")).startswith(
        "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
    )


async def test_match_fields_narrow_the_nodes(cluster):
    await create_nodes(cluster, node("a"), node("b"))
    await start_scheduler(cluster)
    affinity = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["b"]}]}
                ]
            }
        }
    }
    await cluster.client.create(pod("p", affinity=affinity))
    assert await wait_bound(cluster, "p") == "b"


async def test_preferred_node_affinity_wins_the_score(cluster):
    await create_nodes(
        cluster, node("a", labels={"tier": "x"}), node("b", labels={"tier": "gold"}), node("c")
    )
    await start_scheduler(cluster)
    affinity = {
        "nodeAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 50,
                    "preference": {
                        "matchExpressions": [{"key": "tier", "operator": "In", "values": ["gold"]}]
                    },
                }
            ]
        }
    }
    for i in range(3):
        await cluster.client.create(pod(f"p{i}", affinity=affinity))
        assert await wait_bound(cluster, f"p{i}") == "b"


# -- TaintToleration ------------------------------------------------------------------------


async def test_taints_and_tolerations(cluster):
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    await create_nodes(cluster, node("tainted", taints=[taint]))
    await start_scheduler(cluster)
    await cluster.client.create(pod("plain"))
    assert (await wait_unschedulable(cluster, "plain")).startswith(
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}."
    )
    equal = [{"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}]
    await cluster.client.create(pod("equal", tolerations=equal))
    assert await wait_bound(cluster, "equal") == "tainted"
    exists = [{"key": "dedicated", "operator": "Exists"}]
    await cluster.client.create(pod("exists", tolerations=exists))
    assert await wait_bound(cluster, "exists") == "tainted"
    wrong_value = [{"key": "dedicated", "operator": "Equal", "value": "cpu"}]
    await cluster.client.create(pod("wrong", tolerations=wrong_value))
    await wait_unschedulable(cluster, "wrong")


async def test_no_execute_taints_filter_too(cluster):
    await create_nodes(
        cluster, node("n1", taints=[{"key": "k", "value": "v", "effect": "NoExecute"}])
    )
    await start_scheduler(cluster)
    await cluster.client.create(pod("p"))
    assert "node(s) had untolerated taint {k: v}" in await wait_unschedulable(cluster, "p")


async def test_prefer_no_schedule_lowers_the_score(cluster):
    soft = {"key": "spot", "value": "true", "effect": "PreferNoSchedule"}
    await create_nodes(cluster, node("spot", taints=[soft]), node("regular"))
    await start_scheduler(cluster)
    for i in range(3):
        await cluster.client.create(pod(f"p{i}"))
        assert await wait_bound(cluster, f"p{i}") == "regular"


async def test_removing_the_taint_requeues(cluster):
    await create_nodes(cluster, node("n1", taints=[{"key": "k", "effect": "NoSchedule"}]))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p"))
    await wait_unschedulable(cluster, "p")
    await cluster.client.patch("nodes", "n1", {"spec": {"taints": []}})
    assert await wait_bound(cluster, "p") == "n1"


# -- NodePorts ------------------------------------------------------------------------------


async def test_host_ports(cluster):
    await create_nodes(cluster, node("n1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("a", ports=[{"containerPort": 80, "hostPort": 8080}]))
    await wait_bound(cluster, "a")
    await cluster.client.create(pod("b", ports=[{"containerPort": 80, "hostPort": 8080}]))
    assert (await wait_unschedulable(cluster, "b")).startswith(
        "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."
    )
    udp = pod("udp", ports=[{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}])
    await cluster.client.create(udp)
    await wait_bound(cluster, "udp")  # another protocol: no conflict
    # the port is freed when its pod is deleted (a bound pod needs its kubelet to go: force it)
    await cluster.client.delete("pods", "a", namespace="default", grace_period_seconds=0)
    assert await wait_bound(cluster, "b") == "n1"


# -- VolumeRestrictions ---------------------------------------------------------------------


async def test_same_gce_disk_read_write_conflicts(cluster):
    await create_nodes(cluster, node("n1"))
    await start_scheduler(cluster)
    volumes = [{"name": "d", "gcePersistentDisk": {"pdName": "disk-1"}}]
    await cluster.client.create(pod("a", volumes=volumes))
    await wait_bound(cluster, "a")
    await cluster.client.create(pod("b", volumes=volumes))
    assert (await wait_unschedulable(cluster, "b")).startswith(
        "0/1 nodes are available: 1 node(s) had no available disk."
    )
