"""Storage out of the box, as on minikube: the ``standard`` default StorageClass, the
DefaultStorageClass admission plugin, the PV controller and the hostPath provisioner."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.cluster(nodes=1)


def claim(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}},
            **spec,
        },
    }


async def test_a_claim_without_a_class_gets_standard_and_is_provisioned(cluster):
    standard = await cluster.client.get("storageclasses", "standard")
    assert standard["provisioner"] == "k8s.io/minikube-hostpath"
    created = await cluster.client.create(claim("data"))
    assert created["spec"]["storageClassName"] == "standard"
    bound = await cluster.wait_for(
        "persistentvolumeclaims",
        "data",
        lambda c: (c.get("status") or {}).get("phase") == "Bound",
    )
    volume = await cluster.client.get("persistentvolumes", bound["spec"]["volumeName"])
    assert volume["spec"]["hostPath"]["path"] == "/tmp/hostpath-provisioner/default/data"
    assert volume["spec"]["claimRef"]["uid"] == bound["metadata"]["uid"]
    # and a pod using it runs
    await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "app", "namespace": "default"},
            "spec": {
                "containers": [{"name": "c", "image": "busybox"}],
                "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}],
            },
        }
    )
    await cluster.wait_for(
        "pods", "app", lambda p: (p.get("status") or {}).get("phase") == "Running"
    )
    # deleting the claim releases the volume, which the provisioner deletes (policy Delete)
    await cluster.client.delete("persistentvolumeclaims", "data", namespace="default")
    await cluster.client.delete("pods", "app", namespace="default")
    await cluster.wait_for_deletion("persistentvolumes", volume["metadata"]["name"], namespace="")


async def test_an_empty_class_name_means_no_class(cluster):
    created = await cluster.client.create(claim("static", storageClassName=""))
    assert created["spec"]["storageClassName"] == ""
    pending = await cluster.client.get("persistentvolumeclaims", "static", namespace="default")
    assert (pending.get("status") or {}).get("phase") in (None, "Pending")


@pytest.mark.cluster(controllers=["persistentvolume-binder"], nodes=0)
async def test_without_the_provisioner_addon_there_is_no_default_class(cluster):
    listed = await cluster.client.list("storageclasses")
    assert listed["items"] == []
    created = await cluster.client.create(claim("data"))
    assert "storageClassName" not in created["spec"]
