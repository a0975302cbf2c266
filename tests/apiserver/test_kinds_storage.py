"""storage.k8s.io/v1 StorageClass, core/v1 PersistentVolume and PersistentVolumeClaim."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import Invalid


def storage_class(name: str = "fast", **extra: Any) -> dict[str, Any]:
    body = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": "csi.example.com",
    }
    body.update(extra)
    return body


def pv(name: str = "pv1", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "capacity": {"storage": "1Gi"},
        "accessModes": ["ReadWriteOnce"],
        "hostPath": {"path": "/data"},
    }
    body.update(spec)
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": name},
        "spec": body,
    }


def pvc(name: str = "data", storage: str = "1Gi", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": storage}},
    }
    body.update(spec)
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name},
        "spec": body,
    }


async def invalid(api: InProcessClient, obj: dict[str, Any]) -> str:
    with pytest.raises(Invalid) as info:
        await api.create(obj)
    return info.value.message


# -- StorageClass ------------------------------------------------------------------------------


async def test_storage_class_defaults(api: InProcessClient) -> None:
    created = await api.create(storage_class())
    assert created["reclaimPolicy"] == "Delete"
    assert created["volumeBindingMode"] == "Immediate"
    assert "generation" not in created["metadata"]


async def test_provisioner_is_required_and_qualified(api: InProcessClient) -> None:
    body = storage_class()
    del body["provisioner"]
    assert await invalid(api, body) == (
        'StorageClass.storage.k8s.io "fast" is invalid: provisioner: Required value'
    )
    assert await invalid(api, storage_class(provisioner="Bad Provisioner")) == (
        'StorageClass.storage.k8s.io "fast" is invalid: provisioner: Invalid value: '
        "\"bad provisioner\": name part must consist of alphanumeric characters, '-', '_' or "
        "'.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
        "'my.name',  or '123-abc', regex used for validation is "
        "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    )


async def test_unsupported_policies(api: InProcessClient) -> None:
    body = storage_class(reclaimPolicy="Recycle", volumeBindingMode="Later")
    assert await invalid(api, body) == (
        'StorageClass.storage.k8s.io "fast" is invalid: [reclaimPolicy: Unsupported value: '
        '"Recycle": supported values: "Delete", "Retain", volumeBindingMode: Unsupported value: '
        '"Later": supported values: "Immediate", "WaitForFirstConsumer"]'
    )


async def test_storage_class_fields_never_change(api: InProcessClient) -> None:
    await api.create(storage_class(parameters={"type": "ssd"}))
    patch = {
        "provisioner": "other.example.com",
        "parameters": {"type": "hdd"},
        "reclaimPolicy": "Retain",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    with pytest.raises(Invalid) as info:
        await api.patch("sc", "fast", patch)
    assert info.value.message == (
        'StorageClass.storage.k8s.io "fast" is invalid: [parameters: Forbidden: updates to '
        "parameters are forbidden., provisioner: Forbidden: updates to provisioner are "
        "forbidden., reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden., "
        'volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable]'
    )
    labelled = await api.patch("sc", "fast", {"allowVolumeExpansion": True})
    assert labelled["allowVolumeExpansion"] is True


# -- PersistentVolume --------------------------------------------------------------------------


async def test_pv_defaults_and_initial_status(api: InProcessClient) -> None:
    created = await api.create(pv())
    spec = created["spec"]
    assert spec["persistentVolumeReclaimPolicy"] == "Retain"
    assert spec["volumeMode"] == "Filesystem"
    assert spec["hostPath"] == {"path": "/data", "type": ""}
    assert created["status"] == {
        "phase": "Pending",
        "lastPhaseTransitionTime": created["metadata"]["creationTimestamp"],
    }


async def test_pv_needs_a_source_modes_and_capacity(api: InProcessClient) -> None:
    body = pv()
    body["spec"] = {}
    assert await invalid(api, body) == (
        'PersistentVolume "pv1" is invalid: [spec.accessModes: Required value, spec.capacity: '
        "Required value, spec.capacity: Unsupported value: core.ResourceList(nil): supported "
        'values: "storage", spec: Required value: must specify a volume type]'
    )


async def test_pv_takes_one_source(api: InProcessClient) -> None:
    body = pv(nfs={"server": "nfs.local", "path": "/export"})
    assert await invalid(api, body) == (
        'PersistentVolume "pv1" is invalid: spec.nfs: Forbidden: may not specify more than 1 '
        "volume type"
    )


async def test_pv_capacity_must_be_positive(api: InProcessClient) -> None:
    assert await invalid(api, pv(capacity={"storage": "0"})) == (
        'PersistentVolume "pv1" is invalid: spec.capacity[storage]: Invalid value: "0": must be '
        "greater than zero"
    )


async def test_pv_source_is_immutable(api: InProcessClient) -> None:
    await api.create(pv())
    with pytest.raises(Invalid) as info:
        await api.patch("pv", "pv1", {"spec": {"hostPath": {"path": "/other"}}})
    assert info.value.message.startswith(
        'PersistentVolume "pv1" is invalid: spec.persistentvolumesource: Forbidden: '
        "spec.persistentvolumesource is immutable after creation\n"
    )
    resized = await api.patch("pv", "pv1", {"spec": {"capacity": {"storage": "2Gi"}}})
    assert resized["spec"]["capacity"] == {"storage": "2Gi"}


# -- PersistentVolumeClaim ---------------------------------------------------------------------


async def test_pvc_defaults_and_status(api: InProcessClient) -> None:
    body = pvc(volumeAttributesClassName="gold")
    body["status"] = {"phase": "Bound"}
    created = await api.create(body)
    assert created["spec"]["volumeMode"] == "Filesystem"
    assert "volumeAttributesClassName" not in created["spec"]  # gate off in v1.32
    assert created["status"] == {"phase": "Pending"}


async def test_pvc_needs_modes_and_storage(api: InProcessClient) -> None:
    body = pvc()
    body["spec"] = {"accessModes": ["ReadWriteSometimes"]}
    assert await invalid(api, body) == (
        'PersistentVolumeClaim "data" is invalid: [spec.accessModes: Unsupported value: '
        '"ReadWriteSometimes": supported values: "ReadOnlyMany", "ReadWriteMany", '
        '"ReadWriteOnce", "ReadWriteOncePod", spec.resources[storage]: Required value]'
    )
    assert await invalid(api, pvc(accessModes=[])) == (
        'PersistentVolumeClaim "data" is invalid: spec.accessModes: Required value: at least 1 '
        "access mode is required"
    )


async def test_pvc_spec_is_immutable_while_unbound(api: InProcessClient) -> None:
    await api.create(pvc())
    with pytest.raises(Invalid) as info:
        await api.patch("pvc", "data", {"spec": {"resources": {"requests": {"storage": "2Gi"}}}})
    assert info.value.message.startswith(
        'PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after '
        "creation except resources.requests and volumeAttributesClassName for bound claims\n"
    )
    bound = await api.patch("pvc", "data", {"spec": {"volumeName": "pv1"}})
    assert bound["spec"]["volumeName"] == "pv1"
    with pytest.raises(Invalid, match="spec is immutable"):
        await api.patch("pvc", "data", {"spec": {"volumeName": "pv2"}})


async def test_a_bound_claim_may_grow(api: InProcessClient) -> None:
    await api.create(pvc())
    status = {"phase": "Bound", "capacity": {"storage": "1Gi"}}
    await api.patch("pvc", "data", {"status": status}, subresource="status")
    grown = await api.patch(
        "pvc", "data", {"spec": {"resources": {"requests": {"storage": "2Gi"}}}}
    )
    assert grown["spec"]["resources"]["requests"]["storage"] == "2Gi"
    with pytest.raises(Invalid) as info:
        await api.patch("pvc", "data", {"spec": {"resources": {"requests": {"storage": "1Gi"}}}})
    assert info.value.message == (
        'PersistentVolumeClaim "data" is invalid: spec.resources.requests.storage: Forbidden: '
        "field can not be less than status.capacity"
    )


async def test_pvc_volume_mode_is_immutable(api: InProcessClient) -> None:
    await api.create(pvc())
    with pytest.raises(Invalid) as info:
        await api.patch("pvc", "data", {"spec": {"volumeMode": "Block"}})
    assert info.value.message.endswith('volumeMode: Invalid value: "Block": field is immutable]')


async def test_a_storage_class_may_be_set_once(api: InProcessClient) -> None:
    await api.create(pvc())
    classed = await api.patch("pvc", "data", {"spec": {"storageClassName": "fast"}})
    assert classed["spec"]["storageClassName"] == "fast"
    with pytest.raises(Invalid, match="spec is immutable"):
        await api.patch("pvc", "data", {"spec": {"storageClassName": "slow"}})


# -- CSINode -----------------------------------------------------------------------------------


def csi_node(name: str = "node-1", *drivers: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "CSINode",
        "metadata": {"name": name},
        "spec": {"drivers": list(drivers)},
    }


def csi_driver(name: str = "csi.example.com", **extra: Any) -> dict[str, Any]:
    return {"name": name, "nodeID": "node-1", **extra}


async def test_csi_node_is_cluster_scoped_and_keeps_its_drivers(api: InProcessClient) -> None:
    driver = csi_driver(topologyKeys=["topology.example.com/zone"], allocatable={"count": 3})
    created = await api.create(csi_node("node-1", driver))
    assert "namespace" not in created["metadata"]
    assert created["spec"]["drivers"] == [driver]
    listed = await api.list("csinodes")
    assert [n["metadata"]["name"] for n in listed["items"]] == ["node-1"]


async def test_csi_node_driver_validation(api: InProcessClient) -> None:
    body = csi_node(
        "node-1",
        csi_driver("Bad_Driver", nodeID="", allocatable={"count": -1}),
        csi_driver("ok.example.com", topologyKeys=["zone", "zone"]),
        csi_driver("ok.example.com"),
    )
    assert await invalid(api, body) == (
        'CSINode.storage.k8s.io "node-1" is invalid: ['
        'spec.drivers[0].name: Invalid value: "Bad_Driver": a lowercase RFC 1123 subdomain '
        "must consist of lower case alphanumeric characters, '-' or '.', and must start and "
        "end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), "
        "spec.drivers[0].nodeID: Required value, "
        "spec.drivers[0].allocatable.count: Invalid value: -1: must be greater than or equal "
        "to 0, "
        'spec.drivers[1]: Duplicate value: "zone", '
        'spec.drivers[2].name: Duplicate value: "ok.example.com"]'
    )


async def test_csi_node_drivers_are_immutable_once_registered(api: InProcessClient) -> None:
    await api.create(csi_node("node-1", csi_driver(allocatable={"count": 3})))
    with pytest.raises(Invalid) as info:
        await api.patch(
            "csinodes",
            "node-1",
            {"spec": {"drivers": [csi_driver(allocatable={"count": 5})]}},
            patch_type="merge",
        )
    assert info.value.message == (
        'CSINode.storage.k8s.io "node-1" is invalid: CSINodeDriver: Invalid value: '
        '"csi.example.com": field is immutable'
    )
    added = csi_driver("other.example.com")
    updated = await api.patch(
        "csinodes",
        "node-1",
        {"spec": {"drivers": [csi_driver(allocatable={"count": 3}), added]}},
        patch_type="merge",
    )
    assert [d["name"] for d in updated["spec"]["drivers"]] == ["csi.example.com", added["name"]]


# -- CSIDriver and CSIStorageCapacity ----------------------------------------------------------


def csi_driver_object(name: str = "csi.example.com", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "CSIDriver",
        "metadata": {"name": name},
        "spec": spec,
    }


async def test_csi_driver_defaults(api: InProcessClient) -> None:
    created = await api.create(csi_driver_object())
    assert created["spec"] == {
        "attachRequired": True,
        "podInfoOnMount": False,
        "storageCapacity": False,
        "fsGroupPolicy": "ReadWriteOnceWithFSType",
        "requiresRepublish": False,
        "seLinuxMount": False,
        "volumeLifecycleModes": ["Persistent"],
    }


async def test_csi_driver_validation_and_immutable_fields(api: InProcessClient) -> None:
    body = csi_driver_object(
        fsGroupPolicy="Sometimes",
        volumeLifecycleModes=["Persistent", "Forever"],
        tokenRequests=[{"audience": "a", "expirationSeconds": 60}, {"audience": "a"}],
    )
    assert await invalid(api, body) == (
        'CSIDriver.storage.k8s.io "csi.example.com" is invalid: ['
        'spec.fsGroupPolicy: Unsupported value: "Sometimes": supported values: "File", '
        '"None", "ReadWriteOnceWithFSType", spec.volumeLifecycleModes[1]: Unsupported value: '
        '"Forever": supported values: "Ephemeral", "Persistent", '
        "spec.tokenRequests[0].expirationSeconds: Invalid value: 60: may not specify a "
        'duration less than 10 minutes, spec.tokenRequests[1].audience: Duplicate value: "a"]'
    )
    await api.create(csi_driver_object())
    with pytest.raises(Invalid) as info:
        await api.patch("csidrivers", "csi.example.com", {"spec": {"attachRequired": False}})
    assert info.value.message == (
        'CSIDriver.storage.k8s.io "csi.example.com" is invalid: spec.attachRequired: '
        "Invalid value: false: field is immutable"
    )
    updated = await api.patch("csidrivers", "csi.example.com", {"spec": {"storageCapacity": True}})
    assert updated["spec"]["storageCapacity"] is True


def capacity(name: str = "cap", **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "CSIStorageCapacity",
        "metadata": {"name": name, "namespace": "default"},
        "storageClassName": "fast",
        "nodeTopology": {"matchLabels": {"topology.kubernetes.io/zone": "a"}},
        **extra,
    }


async def test_csi_storage_capacity_validation(api: InProcessClient) -> None:
    created = await api.create(capacity(capacity="10Gi", maximumVolumeSize="5Gi"))
    assert created["metadata"]["namespace"] == "default"
    body = capacity("bad", capacity="-1Gi")
    del body["storageClassName"]
    assert await invalid(api, body) == (
        'CSIStorageCapacity.storage.k8s.io "bad" is invalid: [storageClassName: Required '
        'value, capacity: Invalid value: "-1Gi": must be greater than or equal to 0]'
    )
    with pytest.raises(Invalid) as info:
        await api.patch(
            "csistoragecapacities", "cap", {"storageClassName": "slow"}, namespace="default"
        )
    assert info.value.message == (
        'CSIStorageCapacity.storage.k8s.io "cap" is invalid: storageClassName: Invalid '
        'value: "slow": field is immutable'
    )
