"""VolumeBinding against the cases of upstream's ``volume_binding_test.go`` and
``binder_test.go``, end to end: claims, volumes and classes through the API, the scheduler
running, the pod bound (with its volumes) or refused with upstream's reasons."""

from __future__ import annotations

import pytest
import trio
from scheduler_harness import (
    create_nodes,
    failed_scheduling_messages,
    node,
    node_of,
    pod,
    start_scheduler,
    wait_bound,
    wait_unschedulable,
)
from volume_harness import (
    SELECTED_NODE,
    claim_volume,
    complete_bindings,
    create_available_pv,
    pv,
    pvc,
    storage_class,
)

from controllers.scheduler import Profile

pytestmark = pytest.mark.cluster(controllers=[])

NOT_HELPFUL_3 = "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."


async def three_zones(cluster) -> None:
    await create_nodes(
        cluster,
        *(node(f"n{i}", labels={"topology.kubernetes.io/zone": z}) for i, z in enumerate("abc")),
    )


async def test_bound_volume_node_affinity_picks_the_node(cluster):
    await three_zones(cluster)
    await cluster.client.create(pv("pv-1", node_affinity={"kubernetes.io/hostname": ["n2"]}))
    await cluster.client.create(pvc("data", volume_name="pv-1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_bound(cluster, "p") == "n2"


async def test_bound_volume_node_affinity_conflict_on_every_node(cluster):
    await three_zones(cluster)
    await cluster.client.create(pv("pv-1", node_affinity={"topology.kubernetes.io/zone": ["z"]}))
    await cluster.client.create(pvc("data", volume_name="pv-1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    expected = (
        "0/3 nodes are available: 3 node(s) had volume node affinity conflict. " + NOT_HELPFUL_3
    )
    assert await wait_unschedulable(cluster, "p") == expected
    assert await failed_scheduling_messages(cluster, "p") == [expected]


@pytest.mark.parametrize(
    ("disabled", "reason"),
    [
        # VolumeZone's PreFilter looks the PV up first, as upstream's does
        ([], 'persistentvolume "gone" not found.'),
        (
            ["VolumeZone"],
            "1 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s).",
        ),
    ],
)
async def test_claim_bound_to_a_missing_volume(cluster, disabled, reason):
    await create_nodes(cluster, node("n1"))
    await cluster.client.create(pvc("data", volume_name="gone"))
    await start_scheduler(cluster, Profile(disabled=disabled))
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_unschedulable(cluster, "p") == (
        f"0/1 nodes are available: {reason} preemption: 0/1 nodes are available: "
        "1 Preemption is not helpful for scheduling."
    )


async def test_missing_claim_waits_for_its_creation(cluster):
    await create_nodes(cluster, node("n1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    # VolumeRestrictions' PreFilter runs first and looks the claim up as upstream does
    assert await wait_unschedulable(cluster, "p") == (
        '0/1 nodes are available: persistentvolumeclaim "data" not found. '
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )
    # the PVC's creation re-queues the pod at once (no 5-minute flush)
    await cluster.client.create(pv("pv-1"))
    await cluster.client.create(pvc("data", volume_name="pv-1"))
    with trio.fail_after(5):
        assert await wait_bound(cluster, "p") == "n1"


async def test_unbound_immediate_claim_is_unresolvable(cluster):
    await create_nodes(cluster, node("n1"), node("n2"), node("n3"))
    await cluster.client.create(storage_class("fast", "csi.example.com", mode="Immediate"))
    await cluster.client.create(pvc("data", storage_class="fast"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_unschedulable(cluster, "p") == (
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. "
        + NOT_HELPFUL_3
    )


async def test_deleting_claim_is_unresolvable(cluster):
    await create_nodes(cluster, node("n1"))
    claim = pvc("data", volume_name="pv-1")
    claim["metadata"]["finalizers"] = ["kubernetes.io/pvc-protection"]
    await cluster.client.create(pv("pv-1"))
    await cluster.client.create(claim)
    await cluster.client.delete("persistentvolumeclaims", "data", namespace="default")
    await start_scheduler(cluster, Profile(disabled=["VolumeRestrictions"]))
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    message = await wait_unschedulable(cluster, "p")
    assert message.startswith(
        '0/1 nodes are available: persistentvolumeclaim "data" is being deleted.'
    )


async def test_wait_for_first_consumer_without_volumes_or_provisioner(cluster):
    await three_zones(cluster)
    await cluster.client.create(storage_class("local"))
    await cluster.client.create(pvc("data", storage_class="local"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_unschedulable(cluster, "p") == (
        "0/3 nodes are available: 3 node(s) didn't find available persistent volumes to "
        "bind. " + NOT_HELPFUL_3
    )


async def test_bound_local_volume_narrows_the_nodes_in_prefilter(cluster):
    await three_zones(cluster)
    await cluster.client.create(pv("pv-1", node_affinity={"kubernetes.io/hostname": ["n9"]}))
    await cluster.client.create(pvc("data", volume_name="pv-1"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_unschedulable(cluster, "p") == (
        "0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [VolumeBinding]. "
        + NOT_HELPFUL_3
    )


async def test_bound_and_unbound_unsatisfied_report_both_reasons(cluster):
    await create_nodes(cluster, node("n1"))
    await cluster.client.create(storage_class("local"))
    await cluster.client.create(pv("pv-1", node_affinity={"foo": ["barbar"]}))
    await cluster.client.create(pvc("bound", volume_name="pv-1"))
    await cluster.client.create(pvc("unbound", storage_class="local"))
    await start_scheduler(cluster)
    volumes = [claim_volume("bound", "a"), claim_volume("unbound", "b")]
    await cluster.client.create(pod("p", volumes=volumes))
    assert await wait_unschedulable(cluster, "p") == (
        "0/1 nodes are available: 1 node(s) didn't find available persistent volumes to bind, "
        "1 node(s) had volume node affinity conflict. preemption: 0/1 nodes are available: "
        "1 Preemption is not helpful for scheduling."
    )


async def test_wait_for_first_consumer_binds_the_smallest_fitting_local_volume(cluster):
    await three_zones(cluster)
    await cluster.client.create(storage_class("local"))
    # only n2 has volumes; the smallest that holds the claim is chosen there
    for name, size, host in (("small", "1Gi", "n2"), ("big", "5Gi", "n2"), ("mid", "2Gi", "n2")):
        volume = pv(
            name, size=size, storage_class="local", node_affinity={"kubernetes.io/hostname": [host]}
        )
        await create_available_pv(cluster, volume)
    await cluster.client.create(pvc("data", size="2Gi", storage_class="local"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    # PreBind wrote the binding and waits for the PV controller: the pod is not bound yet
    chosen = await cluster.wait_for(
        "persistentvolumes", "mid", lambda v: bool(v["spec"].get("claimRef")), namespace=""
    )
    claim = await cluster.client.get("persistentvolumeclaims", "data", namespace="default")
    assert chosen["spec"]["claimRef"]["uid"] == claim["metadata"]["uid"]
    assert chosen["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] == "yes"
    await trio.sleep(30)
    assert node_of(await cluster.client.get("pods", "p", namespace="default")) == ""
    cluster.cluster.nursery.start_soon(complete_bindings, cluster)
    assert await wait_bound(cluster, "p") == "n2"


async def test_dynamic_provisioning_selects_a_node_in_allowed_topologies(cluster):
    await three_zones(cluster)
    topology = [
        {"matchLabelExpressions": [{"key": "topology.kubernetes.io/zone", "values": ["c"]}]}
    ]
    await cluster.client.create(storage_class("csi", "csi.example.com", allowedTopologies=topology))
    await cluster.client.create(pvc("data", storage_class="csi"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    annotated = await cluster.wait_for(
        "persistentvolumeclaims",
        "data",
        lambda c: SELECTED_NODE in (c["metadata"].get("annotations") or {}),
    )
    assert annotated["metadata"]["annotations"][SELECTED_NODE] == "n2"
    cluster.cluster.nursery.start_soon(complete_bindings, cluster, "csi.example.com")
    assert await wait_bound(cluster, "p") == "n2"


async def test_prebind_gives_up_after_the_bind_timeout(cluster):
    await create_nodes(cluster, node("n1"))
    await cluster.client.create(storage_class("csi", "csi.example.com"))
    await cluster.client.create(pvc("data", storage_class="csi"))
    profile = Profile(plugin_args={"VolumeBinding": {"bindTimeoutSeconds": 30}})
    await start_scheduler(cluster, profile)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    messages: list[str] = []
    with trio.fail_after(120):
        while not messages:
            await trio.sleep(5)
            messages = await failed_scheduling_messages(cluster, "p")
    assert messages[0].endswith("binding volumes: context deadline exceeded")
    assert "VolumeBinding" in messages[0]


def capacity(name: str, zone: str, size: str, **extra: str) -> dict:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "CSIStorageCapacity",
        "metadata": {"name": name, "namespace": "kube-system"},
        "storageClassName": "csi",
        "nodeTopology": {"matchLabels": {"topology.kubernetes.io/zone": zone}},
        "capacity": size,
        **extra,
    }


async def test_storage_capacity_limits_provisioning_to_nodes_with_room(cluster):
    await three_zones(cluster)
    await cluster.client.create(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "CSIDriver",
            "metadata": {"name": "csi.example.com"},
            "spec": {"storageCapacity": True},
        }
    )
    await cluster.client.create(storage_class("csi", "csi.example.com"))
    await cluster.client.create(capacity("a", "a", "1Gi"))
    await cluster.client.create(capacity("b", "b", "100Gi", maximumVolumeSize="2Gi"))
    await cluster.client.create(pvc("data", size="5Gi", storage_class="csi"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_unschedulable(cluster, "p") == (
        "0/3 nodes are available: 3 node(s) did not have enough free storage. " + NOT_HELPFUL_3
    )
    # room appears in zone c: CSIStorageCapacity/Add re-queues the pod
    await cluster.client.create(capacity("c", "c", "10Gi"))
    annotated = await cluster.wait_for(
        "persistentvolumeclaims",
        "data",
        lambda c: SELECTED_NODE in (c["metadata"].get("annotations") or {}),
    )
    assert annotated["metadata"]["annotations"][SELECTED_NODE] == "n2"


async def test_generic_ephemeral_volume_waits_for_its_owned_claim(cluster):
    await create_nodes(cluster, node("n1"))
    await start_scheduler(cluster)
    scratch = {"name": "scratch", "ephemeral": {"volumeClaimTemplate": {"spec": {}}}}
    created = await cluster.client.create(pod("p", volumes=[scratch]))
    assert await wait_unschedulable(cluster, "p") == (
        "0/1 nodes are available: waiting for ephemeral volume controller to create the "
        'persistentvolumeclaim "p-scratch". preemption: 0/1 nodes are available: '
        "1 Preemption is not helpful for scheduling."
    )
    # a claim of that name the pod does not own is refused
    await cluster.client.create(pv("pv-1"))
    await cluster.client.create(pvc("p-scratch", volume_name="pv-1"))
    with trio.fail_after(30):
        while True:
            message = await wait_unschedulable(cluster, "p")
            if "not owner" in message:
                break
            await trio.sleep(1)
    assert message.startswith(
        "0/1 nodes are available: PVC default/p-scratch was not created for pod default/p "
        "(pod is not owner)."
    )
    # the ephemeral volume controller's claim, owned by the pod: scheduled
    await cluster.client.delete("persistentvolumeclaims", "p-scratch", namespace="default")
    owned = pvc("p-scratch", volume_name="pv-1")
    owned["metadata"]["ownerReferences"] = [
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "name": "p",
            "uid": created["metadata"]["uid"],
            "controller": True,
        }
    ]
    await cluster.client.create(owned)
    assert await wait_bound(cluster, "p") == "n1"
