"""VolumeRestrictions (ReadWriteOncePod), VolumeZone and NodeVolumeLimits against the cases of
upstream's ``volume_restrictions_test.go``, ``volume_zone_test.go`` and ``csi_test.go``, end
to end, with the FailedScheduling messages users see."""

from __future__ import annotations

import pytest
from scheduler_harness import (
    confirm_deletions,
    create_nodes,
    node,
    pod,
    start_scheduler,
    wait_bound,
    wait_unschedulable,
)
from test_preemption import priority_class
from volume_harness import claim_volume, csi_node, pv, pvc, storage_class

from controllers.scheduler.framework.types import NodeInfo, PodInfo
from controllers.scheduler.plugins.nodevolumelimits import csi_attach_limit_key, volume_limits
from controllers.scheduler.plugins.volumezone import pv_topologies

pytestmark = pytest.mark.cluster(controllers=[])

RWOP = ("ReadWriteOncePod",)
RWOP_CONFLICT = (
    "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
)


async def bound_claim(cluster, name: str, *, modes=("ReadWriteOnce",), **volume) -> None:
    await cluster.client.create(pv(f"pv-{name}", modes=modes, **volume))
    await cluster.client.create(pvc(name, volume_name=f"pv-{name}", modes=modes))


# -- VolumeRestrictions: ReadWriteOncePod -----------------------------------------------------


async def test_read_write_once_pod_claim_is_used_by_one_pod_only(cluster):
    await create_nodes(cluster, node("n1"), node("n2"))
    await bound_claim(cluster, "data", modes=RWOP)
    await bound_claim(cluster, "other", modes=RWOP)
    await start_scheduler(cluster)
    await cluster.client.create(pod("first", volumes=[claim_volume("data")]))
    await wait_bound(cluster, "first")
    await cluster.client.create(pod("second", volumes=[claim_volume("data")]))
    assert await wait_unschedulable(cluster, "second") == (
        f"0/2 nodes are available: 2 {RWOP_CONFLICT}. preemption: 0/2 nodes are available: "
        "2 No preemption victims found for incoming pod."
    )
    # another RWOP claim is no conflict
    await cluster.client.create(pod("third", volumes=[claim_volume("other")]))
    await wait_bound(cluster, "third")


async def test_read_write_once_pod_holder_is_preempted(cluster):
    await priority_class(cluster, "low", 10)
    await priority_class(cluster, "high", 1000)
    await create_nodes(cluster, node("n1"), node("n2"))
    await bound_claim(cluster, "data", modes=RWOP)
    await start_scheduler(cluster)
    volumes = [claim_volume("data")]
    await cluster.client.create(pod("holder", volumes=volumes, priorityClassName="low"))
    held_on = await wait_bound(cluster, "holder")
    cluster.cluster.nursery.start_soon(confirm_deletions, cluster)
    await cluster.client.create(pod("vip", volumes=volumes, priorityClassName="high"))
    # RemovePod takes the holder out of the conflict count only on the node it runs on
    vip = await cluster.wait_for(
        "pods", "vip", lambda p: bool((p.get("status") or {}).get("nominatedNodeName"))
    )
    assert vip["status"]["nominatedNodeName"] == held_on
    await cluster.wait_for_deletion("pods", "holder")
    await wait_bound(cluster, "vip")


async def test_read_write_many_claims_are_shared(cluster):
    await create_nodes(cluster, node("n1"))
    await bound_claim(cluster, "data", modes=("ReadWriteMany",))
    await start_scheduler(cluster)
    for name in ("a", "b"):
        await cluster.client.create(pod(name, volumes=[claim_volume("data")]))
        await wait_bound(cluster, name)


# -- VolumeZone -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pv_labels", "expected"),
    [
        ({"topology.kubernetes.io/zone": "b"}, "n1"),
        ({"topology.kubernetes.io/zone": "x__b"}, "n1"),  # several zones
        ({"failure-domain.beta.kubernetes.io/zone": "c"}, "n2"),  # beta PV label, GA node label
        ({"topology.kubernetes.io/region": "r1", "topology.kubernetes.io/zone": "a"}, "n0"),
    ],
)
async def test_volume_zone_sends_the_pod_to_its_volume(cluster, pv_labels, expected):
    await create_nodes(
        cluster,
        *(
            node(
                f"n{i}",
                labels={"topology.kubernetes.io/zone": z, "topology.kubernetes.io/region": "r1"},
            )
            for i, z in enumerate("abc")
        ),
    )
    await bound_claim(cluster, "data", labels=pv_labels)
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_bound(cluster, "p") == expected


async def test_volume_zone_conflict_message_and_zoneless_node(cluster):
    await create_nodes(
        cluster,
        *(node(f"n{i}", labels={"topology.kubernetes.io/zone": z}) for i, z in enumerate("ab")),
    )
    await bound_claim(cluster, "data", labels={"topology.kubernetes.io/zone": "z"})
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_unschedulable(cluster, "p") == (
        "0/2 nodes are available: 2 node(s) had no available volume zone. preemption: 0/2 nodes "
        "are available: 2 Preemption is not helpful for scheduling."
    )
    # a node without zone labels (a single-zone cluster) takes it; Node/Add re-queues
    await create_nodes(cluster, node("plain"))
    assert await wait_bound(cluster, "p") == "plain"


async def test_volume_zone_ignores_unbound_wait_for_first_consumer_claims(cluster):
    await create_nodes(cluster, node("n1", labels={"topology.kubernetes.io/zone": "a"}))
    await cluster.client.create(storage_class("local"))
    await cluster.client.create(pvc("data", storage_class="local"))
    await start_scheduler(cluster, disabled_volume_binding())
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_bound(cluster, "p") == "n1"


def disabled_volume_binding():
    from controllers.scheduler import Profile

    return Profile(disabled=["VolumeBinding"])


def test_pv_topologies_ignore_a_label_with_an_empty_zone():
    volume = pv(
        "v", labels={"topology.kubernetes.io/zone": "a__", "topology.kubernetes.io/region": "r"}
    )
    assert [(t.key, sorted(t.values)) for t in pv_topologies(volume)] == [
        ("topology.kubernetes.io/region", ["r"])
    ]


# -- NodeVolumeLimits -------------------------------------------------------------------------

DRIVER = "csi.example.com"


async def test_csi_node_limit_counts_each_volume_once(cluster):
    await create_nodes(cluster, node("n1"))
    await cluster.client.create(csi_node("n1", DRIVER, 2))
    for name in ("a", "b", "c"):
        await bound_claim(cluster, name, csi=(DRIVER, f"handle-{name}"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p1", volumes=[claim_volume("a", "x"), claim_volume("b", "y")]))
    await wait_bound(cluster, "p1")
    # the same volumes again: already attached, not counted twice
    await cluster.client.create(pod("p2", volumes=[claim_volume("a")]))
    await wait_bound(cluster, "p2")
    await cluster.client.create(pod("p3", volumes=[claim_volume("c")]))
    assert await wait_unschedulable(cluster, "p3") == (
        "0/1 nodes are available: 1 node(s) exceed max volume count. preemption: 0/1 nodes are "
        "available: 1 No preemption victims found for incoming pod."
    )


async def test_new_csi_node_raises_the_limit(cluster):
    await create_nodes(cluster, node("n1"))
    await cluster.client.create(csi_node("n1", DRIVER, 0))
    await bound_claim(cluster, "a", csi=(DRIVER, "handle-a"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("a")]))
    message = await wait_unschedulable(cluster, "p")
    assert message.startswith("0/1 nodes are available: 1 node(s) exceed max volume count.")
    # a second node whose CSINode allows volumes: CSINode/Add (and Node/Add) re-queue the pod
    await create_nodes(cluster, node("n2"))
    await cluster.client.create(csi_node("n2", DRIVER, 5))
    assert await wait_bound(cluster, "p") == "n2"


async def test_unbound_claim_counts_against_its_class_provisioner(cluster):
    await create_nodes(cluster, node("n1", extra={csi_attach_limit_key(DRIVER): "1"}))
    await cluster.client.create(storage_class("csi", DRIVER))
    await bound_claim(cluster, "a", csi=(DRIVER, "handle-a"))
    await cluster.client.create(pvc("new", storage_class="csi"))
    await start_scheduler(cluster, disabled_volume_binding())
    await cluster.client.create(pod("p1", volumes=[claim_volume("a")]))
    await wait_bound(cluster, "p1")
    await cluster.client.create(pod("p2", volumes=[claim_volume("new")]))
    message = await wait_unschedulable(cluster, "p2")
    assert message.startswith("0/1 nodes are available: 1 node(s) exceed max volume count.")


def test_attach_limit_keys_and_limits():
    assert csi_attach_limit_key("ebs.csi.aws.com") == "attachable-volumes-csi-ebs.csi.aws.com"
    long_name = "a" * 30 + ".csi.example.com"
    key = csi_attach_limit_key(long_name)
    assert key.startswith("attachable-volumes-csi-" + long_name[:23]) and len(key) == 23 + 23 + 16
    info = NodeInfo(node("n1", extra={"attachable-volumes-csi-x": "7", "example.com/gpu": "1"}))
    csi = csi_node("n1", "y", 3)
    assert volume_limits(info, csi) == {
        "attachable-volumes-csi-x": 7,
        "attachable-volumes-csi-y": 3,
    }


def test_node_info_counts_claim_references():
    info = NodeInfo(node("n1"))
    volumes = [claim_volume("data"), {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {}}}]
    first = PodInfo(pod("a", volumes=volumes))
    second = PodInfo(pod("b", volumes=[claim_volume("data")]))
    info.add_pod(first)
    info.add_pod(second)
    assert info.pvc_ref_counts == {"default/data": 2, "default/a-scratch": 1}
    clone = info.clone()
    info.remove_pod(first.key)
    assert info.pvc_ref_counts == {"default/data": 1}
    assert clone.pvc_ref_counts["default/data"] == 2
