"""Tables of storage.k8s.io: StorageClasses, CSI objects, VolumeAttachments.

Mirrors ``printStorageClass``, ``printVolumeAttributesClass``, ``printVolumeAttachment``,
``printCSINode``, ``printCSIDriver`` and ``printCSIStorageCapacity`` of
``pkg/printers/internalversion/printers.go`` (Kubernetes v1.32). Unset optional fields print
their API defaults where upstream does so (a StorageClass reclaims with Delete and binds
Immediate; a CSIDriver requires attach).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from apiserver.printers._format import NONE, UNSET, items, sub, text
from apiserver.printers._swagger import DOCS
from apiserver.printers.columns import (
    AGE,
    NAME,
    Column,
    Obj,
    TablePrinter,
    boolean,
    integer,
    string,
)
from apiserver.printers.duration import Since

#: ``storageutil.IsDefaultStorageClassAnnotation`` and its beta predecessor.
_DEFAULT_CLASS_ANNOTATIONS: Final = (
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
)


def _name(obj: Obj) -> str:
    return text(sub(obj, "metadata"), "name")


def _age(obj: Obj, since: Since) -> str:
    return since.age(sub(obj, "metadata").get("creationTimestamp"))


def _flag(obj: Mapping[str, Any], key: str, default: bool) -> bool:
    value = obj.get(key)
    return default if value is None else value is True


_STORAGE_CLASS_COLUMNS: Final = (
    NAME,
    string("Provisioner", DOCS["storagev1.StorageClass.provisioner"]),
    string("ReclaimPolicy", DOCS["storagev1.StorageClass.reclaimPolicy"]),
    string("VolumeBindingMode", DOCS["storagev1.StorageClass.volumeBindingMode"]),
    string("AllowVolumeExpansion", DOCS["storagev1.StorageClass.allowVolumeExpansion"]),
    AGE,
)


def _storage_class_cells(obj: Obj, since: Since) -> list[Any]:
    name = _name(obj)
    annotations = sub(obj, "metadata").get("annotations")
    if isinstance(annotations, Mapping) and any(
        annotations.get(key) == "true" for key in _DEFAULT_CLASS_ANNOTATIONS
    ):
        name += " (default)"
    return [
        name,
        text(obj, "provisioner"),
        text(obj, "reclaimPolicy") or "Delete",
        text(obj, "volumeBindingMode") or "Immediate",
        _flag(obj, "allowVolumeExpansion", False),
        _age(obj, since),
    ]


_VOLUME_ATTRIBUTES_CLASS_COLUMNS: Final = (
    NAME,
    string("DriverName", DOCS["storagev1beta1.VolumeAttributesClass.driverName"]),
    AGE,
)


def _volume_attributes_class_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), text(obj, "driverName"), _age(obj, since)]


_VOLUME_ATTACHMENT_COLUMNS: Final = (
    NAME,
    Column("Attacher", "string", DOCS["storagev1.VolumeAttachmentSpec.attacher"], 0, "name"),
    string("PV", DOCS["storagev1.VolumeAttachmentSource.persistentVolumeName"]),
    string("Node", DOCS["storagev1.VolumeAttachmentSpec.nodeName"]),
    boolean("Attached", DOCS["storagev1.VolumeAttachmentStatus.attached"]),
    AGE,
)


def _volume_attachment_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    return [
        _name(obj),
        text(spec, "attacher"),
        text(sub(spec, "source"), "persistentVolumeName"),
        text(spec, "nodeName"),
        sub(obj, "status").get("attached") is True,
        _age(obj, since),
    ]


_CSI_NODE_COLUMNS: Final = (
    NAME,
    integer("Drivers", "Drivers indicates the number of CSI drivers registered on the node"),
    AGE,
)


def _csi_node_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), len(items(sub(obj, "spec"), "drivers")), _age(obj, since)]


_CSI_DRIVER_COLUMNS: Final = (
    NAME,
    boolean("AttachRequired", DOCS["storagev1.CSIDriverSpec.attachRequired"]),
    boolean("PodInfoOnMount", DOCS["storagev1.CSIDriverSpec.podInfoOnMount"]),
    boolean("StorageCapacity", DOCS["storagev1.CSIDriverSpec.storageCapacity"]),
    string("TokenRequests", DOCS["storagev1.CSIDriverSpec.tokenRequests"]),
    boolean("RequiresRepublish", DOCS["storagev1.CSIDriverSpec.requiresRepublish"]),
    string("Modes", DOCS["storagev1.CSIDriverSpec.volumeLifecycleModes"]),
    AGE,
)


def _csi_driver_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    token_requests = UNSET
    if spec.get("tokenRequests") is not None:
        token_requests = ",".join(text(t, "audience") for t in items(spec, "tokenRequests"))
    modes = ",".join(str(m) for m in items(spec, "volumeLifecycleModes"))
    return [
        _name(obj),
        _flag(spec, "attachRequired", True),
        _flag(spec, "podInfoOnMount", False),
        _flag(spec, "storageCapacity", False),
        token_requests,
        _flag(spec, "requiresRepublish", False),
        modes or NONE,
        _age(obj, since),
    ]


_CSI_STORAGE_CAPACITY_COLUMNS: Final = (
    NAME,
    string("StorageClassName", DOCS["storagev1.CSIStorageCapacity.storageClassName"]),
    string("Capacity", DOCS["storagev1.CSIStorageCapacity.capacity"]),
)


def _csi_storage_capacity_cells(obj: Obj, since: Since) -> list[Any]:
    capacity = obj.get("capacity")
    return [
        _name(obj),
        text(obj, "storageClassName"),
        UNSET if capacity is None else str(capacity),
    ]


PRINTERS: Final = {
    ("storage.k8s.io", "StorageClass"): TablePrinter(_STORAGE_CLASS_COLUMNS, _storage_class_cells),
    ("storage.k8s.io", "VolumeAttributesClass"): TablePrinter(
        _VOLUME_ATTRIBUTES_CLASS_COLUMNS, _volume_attributes_class_cells
    ),
    ("storage.k8s.io", "VolumeAttachment"): TablePrinter(
        _VOLUME_ATTACHMENT_COLUMNS, _volume_attachment_cells
    ),
    ("storage.k8s.io", "CSINode"): TablePrinter(_CSI_NODE_COLUMNS, _csi_node_cells),
    ("storage.k8s.io", "CSIDriver"): TablePrinter(_CSI_DRIVER_COLUMNS, _csi_driver_cells),
    ("storage.k8s.io", "CSIStorageCapacity"): TablePrinter(
        _CSI_STORAGE_CAPACITY_COLUMNS, _csi_storage_capacity_cells
    ),
}
