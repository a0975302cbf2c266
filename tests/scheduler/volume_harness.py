"""Storage objects for the volume plugin tests, and a stand-in for the PV controller.

No PV controller runs in these tests: :func:`complete_bindings` plays its part (and the
external provisioner's) where a test needs a WaitForFirstConsumer claim to end up bound, as
``pkg/controller/volume/persistentvolume`` would: a PV whose ``claimRef`` names a claim gets
the claim bound to it; a claim annotated with a selected node gets a new PV there.
"""

from __future__ import annotations

from typing import Any

import trio

from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
LOCAL = "kubernetes.io/no-provisioner"


def storage_class(
    name: str, provisioner: str = LOCAL, *, mode: str = "WaitForFirstConsumer", **extra: Any
) -> Object:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": provisioner,
        "volumeBindingMode": mode,
        **extra,
    }


def pv(
    name: str,
    *,
    size: str = "1Gi",
    storage_class: str = "",
    labels: dict[str, str] | None = None,
    node_affinity: dict[str, list[str]] | None = None,
    csi: tuple[str, str] | None = None,
    modes: tuple[str, ...] = ("ReadWriteOnce",),
) -> Object:
    """A PV; ``node_affinity`` is ``{label: [values]}`` (one required term)."""
    spec: dict[str, Any] = {
        "capacity": {"storage": size},
        "accessModes": list(modes),
        "storageClassName": storage_class,
    }
    if csi is not None:
        spec["csi"] = {"driver": csi[0], "volumeHandle": csi[1]}
    else:
        spec["hostPath"] = {"path": f"/data/{name}"}
    if node_affinity is not None:
        expressions = [{"key": k, "operator": "In", "values": v} for k, v in node_affinity.items()]
        spec["nodeAffinity"] = {
            "required": {"nodeSelectorTerms": [{"matchExpressions": expressions}]}
        }
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": spec,
    }


def pvc(
    name: str,
    *,
    size: str = "1Gi",
    storage_class: str | None = None,
    volume_name: str = "",
    modes: tuple[str, ...] = ("ReadWriteOnce",),
) -> Object:
    """A claim; with ``volume_name`` it is created already bound (bind-completed)."""
    spec: dict[str, Any] = {
        "accessModes": list(modes),
        "resources": {"requests": {"storage": size}},
    }
    if storage_class is not None:
        spec["storageClassName"] = storage_class
    metadata: dict[str, Any] = {"name": name, "namespace": "default"}
    if volume_name:
        spec["volumeName"] = volume_name
        metadata["annotations"] = {BIND_COMPLETED: "yes"}
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": metadata, "spec": spec}


def csi_node(name: str, driver: str, count: int | None) -> Object:
    entry: dict[str, Any] = {"name": driver, "nodeID": name}
    if count is not None:
        entry["allocatable"] = {"count": count}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "CSINode",
        "metadata": {"name": name},
        "spec": {"drivers": [entry]},
    }


def claim_volume(claim: str, name: str = "data") -> dict[str, Any]:
    return {"name": name, "persistentVolumeClaim": {"claimName": claim}}


async def create_available_pv(cluster: ClusterHarness, volume: Object) -> Object:
    """Create a PV and report it Available (the PV controller's first step)."""
    created = await cluster.client.create(volume)
    created["status"] = {"phase": "Available"}
    return await cluster.client.update(created, subresource="status")


async def _bind_claim(cluster: ClusterHarness, claim: Object, volume_name: str) -> None:
    client = cluster.client
    claim.update(apiVersion="v1", kind="PersistentVolumeClaim")
    claim["spec"]["volumeName"] = volume_name
    annotations = claim["metadata"].setdefault("annotations", {})
    annotations[BIND_COMPLETED] = "yes"
    updated = await client.update(claim)
    updated["status"] = {"phase": "Bound"}
    await client.update(updated, subresource="status")


async def complete_bindings(cluster: ClusterHarness, provisioner_driver: str = "") -> None:
    """Play the PV controller (and, with ``provisioner_driver``, a CSI provisioner), forever,
    once per virtual second."""
    client = cluster.client
    while True:
        claims = {
            c["metadata"]["name"]: c
            for c in (await client.list("persistentvolumeclaims", namespace="default"))["items"]
        }
        for volume in (await client.list("persistentvolumes"))["items"]:
            ref = volume["spec"].get("claimRef")
            claim = claims.get(ref["name"]) if ref else None
            if claim is not None and not claim["spec"].get("volumeName"):
                await _bind_claim(cluster, claim, volume["metadata"]["name"])
        for claim in claims.values():
            node = (claim["metadata"].get("annotations") or {}).get(SELECTED_NODE)
            if node and provisioner_driver and not claim["spec"].get("volumeName"):
                name = f"pvc-{claim['metadata']['uid']}"
                made = pv(
                    name,
                    storage_class=claim["spec"].get("storageClassName") or "",
                    node_affinity={"kubernetes.io/hostname": [node]},
                    csi=(provisioner_driver, name),
                )
                made["spec"]["claimRef"] = {
                    "kind": "PersistentVolumeClaim",
                    "namespace": "default",
                    "name": claim["metadata"]["name"],
                    "uid": claim["metadata"]["uid"],
                }
                await client.create(made)
                await _bind_claim(cluster, claim, name)
        await trio.sleep(1)
