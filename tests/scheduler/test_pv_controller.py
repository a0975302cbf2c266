"""The PersistentVolume controller (``controllers.volume``) against the cases of upstream's
``pkg/controller/volume/persistentvolume`` tests (``binder_test.go``: ``TestSync``), and with
the scheduler: a WaitForFirstConsumer claim bound by the scheduler's choice, end to end; and
minikube's hostPath provisioner making volumes for claims (Immediate and delayed)."""

from __future__ import annotations

import pytest
import trio
from scheduler_harness import (
    create_nodes,
    node,
    pod,
    start_scheduler,
    wait_bound,
    wait_unschedulable,
)
from volume_harness import (
    BIND_COMPLETED,
    claim_volume,
    create_available_pv,
    pv,
    pvc,
    storage_class,
)

from controllers.volume import (
    COMPONENT,
    PROVISIONER_NAME,
    HostPathProvisioner,
    PersistentVolumeController,
)
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


async def start(cluster: ClusterHarness) -> None:
    controller = PersistentVolumeController(
        cluster.client, cluster.informer, cluster.recorder(COMPONENT)
    )
    for loop in controller.controllers():
        await cluster.run_controller(loop)


def phase(obj) -> str:
    return (obj.get("status") or {}).get("phase") or ""


async def claim_bound(cluster, name: str):
    return await cluster.wait_for("persistentvolumeclaims", name, lambda c: phase(c) == "Bound")


async def wait_event(cluster, name: str, wanted: tuple[str, str]) -> None:
    """Wait (virtual time) until the claim has the ``(reason, message)`` event."""
    with trio.fail_after(30):
        while True:
            events = await cluster.events(namespace="default", involved_name=name)
            if wanted in [(e["reason"], e["message"]) for e in events]:
                return
            await trio.sleep(0.5)


async def test_immediate_claim_binds_the_smallest_available_volume(cluster):
    await start(cluster)
    await cluster.client.create(pv("big", size="10Gi"))
    await cluster.client.create(pv("fits", size="2Gi"))
    await cluster.client.create(pv("small", size="1Gi"))
    await cluster.wait_for(
        "persistentvolumes", "small", lambda v: phase(v) == "Available", namespace=""
    )
    await cluster.client.create(pvc("data", size="2Gi", storage_class=""))
    claim = await claim_bound(cluster, "data")
    assert claim["spec"]["volumeName"] == "fits"
    assert claim["metadata"]["annotations"][BIND_COMPLETED] == "yes"
    assert claim["metadata"]["annotations"]["pv.kubernetes.io/bound-by-controller"] == "yes"
    assert claim["status"]["capacity"] == {"storage": "2Gi"}
    volume = await cluster.wait_for(
        "persistentvolumes", "fits", lambda v: phase(v) == "Bound", namespace=""
    )
    assert volume["spec"]["claimRef"]["uid"] == claim["metadata"]["uid"]


async def test_claim_without_volume_or_class_waits(cluster):
    await start(cluster)
    await cluster.client.create(pvc("data", storage_class=""))
    await wait_event(
        cluster,
        "data",
        (
            "FailedBinding",
            "no persistent volumes available for this claim and no storage class is set",
        ),
    )
    claim = await cluster.client.get("persistentvolumeclaims", "data", namespace="default")
    assert phase(claim) == "Pending" and "volumeName" not in claim["spec"]
    # a volume appears: the claim binds at its next sync (upstream's 15 s resync)
    await cluster.client.create(pv("late"))
    assert (await claim_bound(cluster, "data"))["spec"]["volumeName"] == "late"


async def test_wait_for_first_consumer_claim_waits_then_external_provisioning(cluster):
    await start(cluster)
    await cluster.client.create(storage_class("csi", "csi.example.com"))
    await create_available_pv(cluster, pv("idle", storage_class="csi"))
    await cluster.client.create(pvc("data", storage_class="csi"))
    await wait_event(
        cluster,
        "data",
        ("WaitForFirstConsumer", "waiting for first consumer to be created before binding"),
    )
    # the scheduler picked a node for provisioning: the claim goes to the provisioner
    await cluster.client.patch(
        "persistentvolumeclaims",
        "data",
        {"metadata": {"annotations": {"volume.kubernetes.io/selected-node": "n1"}}},
        namespace="default",
        patch_type="merge",
    )
    claim = await cluster.wait_for(
        "persistentvolumeclaims",
        "data",
        lambda c: "volume.kubernetes.io/storage-provisioner" in c["metadata"]["annotations"],
    )
    assert claim["metadata"]["annotations"]["volume.kubernetes.io/storage-provisioner"] == (
        "csi.example.com"
    )
    assert "volumeName" not in claim["spec"]  # the idle PV is the scheduler's to choose


async def test_released_when_the_claim_goes_and_misbound_claims_are_lost(cluster):
    await start(cluster)
    await cluster.client.create(pv("vol"))
    await cluster.client.create(pvc("data", storage_class=""))
    await claim_bound(cluster, "data")
    await cluster.client.delete("persistentvolumeclaims", "data", namespace="default")
    await cluster.wait_for(
        "persistentvolumes", "vol", lambda v: phase(v) == "Released", namespace=""
    )
    # a claim that says it is bound to a volume bound elsewhere is Lost
    await cluster.client.create(pvc("liar", volume_name="vol"))
    await cluster.wait_for("persistentvolumeclaims", "liar", lambda c: phase(c) == "Lost")
    await wait_event(
        cluster,
        "liar",
        ("ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly"),
    )
    await cluster.client.create(pvc("orphan", volume_name="missing"))
    await cluster.wait_for("persistentvolumeclaims", "orphan", lambda c: phase(c) == "Lost")


async def test_scheduler_and_pv_controller_bind_a_local_volume(cluster):
    await create_nodes(cluster, node("n1"), node("n2"))
    await start(cluster)
    await cluster.client.create(storage_class("local"))
    await cluster.client.create(
        pv("local-n2", storage_class="local", node_affinity={"kubernetes.io/hostname": ["n2"]})
    )
    await cluster.wait_for(
        "persistentvolumes", "local-n2", lambda v: phase(v) == "Available", namespace=""
    )
    await cluster.client.create(pvc("data", storage_class="local"))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    assert await wait_bound(cluster, "p") == "n2"
    claim = await claim_bound(cluster, "data")
    assert claim["spec"]["volumeName"] == "local-n2"


async def start_provisioner(cluster: ClusterHarness) -> None:
    provisioner = HostPathProvisioner(
        cluster.client, cluster.informer, cluster.recorder("k8s.io/minikube-hostpath")
    )
    for loop in provisioner.controllers():
        await cluster.run_controller(loop)


async def test_hostpath_provisioner_provisions_binds_and_deletes(cluster):
    await start(cluster)
    await start_provisioner(cluster)
    standard = storage_class("standard", PROVISIONER_NAME, mode="Immediate")
    await cluster.client.create(standard)
    await cluster.client.create(pvc("data", size="3Gi", storage_class="standard"))
    claim = await claim_bound(cluster, "data")
    name = f"pvc-{claim['metadata']['uid']}"
    assert claim["spec"]["volumeName"] == name
    volume = await cluster.client.get("persistentvolumes", name)
    assert volume["spec"]["hostPath"]["path"] == "/tmp/hostpath-provisioner/default/data"
    assert volume["spec"]["capacity"] == {"storage": "3Gi"}
    assert volume["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert volume["metadata"]["annotations"]["pv.kubernetes.io/provisioned-by"] == (
        PROVISIONER_NAME
    )
    succeeded = ("ProvisioningSucceeded", f"Successfully provisioned volume {name}")
    await wait_event(cluster, "data", succeeded)
    # the claim goes: the volume is Released, then deleted (reclaim policy Delete)
    await cluster.client.delete("persistentvolumeclaims", "data", namespace="default")
    await cluster.wait_for_deletion("persistentvolumes", name, namespace="")


async def test_wait_for_first_consumer_is_provisioned_on_the_scheduled_node(cluster):
    await create_nodes(cluster, node("n1"), node("n2", labels={"disk": "ssd"}))
    await start(cluster)
    await start_provisioner(cluster)
    await cluster.client.create(storage_class("standard", PROVISIONER_NAME))
    await cluster.client.create(pvc("data", storage_class="standard"))
    await start_scheduler(cluster)
    await cluster.client.create(
        pod("p", volumes=[claim_volume("data")], nodeSelector={"disk": "ssd"})
    )
    assert await wait_bound(cluster, "p") == "n2"
    claim = await claim_bound(cluster, "data")
    assert claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == "n2"


async def test_pod_waits_for_its_immediate_claim_to_be_bound(cluster):
    await create_nodes(cluster, node("n1"))
    await start(cluster)
    await cluster.client.create(pvc("data", storage_class=""))
    await start_scheduler(cluster)
    await cluster.client.create(pod("p", volumes=[claim_volume("data")]))
    message = await wait_unschedulable(cluster, "p")
    assert message.startswith(
        "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims."
    )
    # a volume appears; the PV controller binds the claim; the claim's update re-queues the pod
    await cluster.client.create(pv("late"))
    assert await wait_bound(cluster, "p") == "n1"
    assert (await claim_bound(cluster, "data"))["spec"]["volumeName"] == "late"
