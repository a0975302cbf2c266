"""Strategies of storage.k8s.io/v1 StorageClass and CSINode.

StorageClass defaults follow ``pkg/apis/storage/v1/defaults.go`` (``reclaimPolicy: Delete``,
``volumeBindingMode: Immediate``); validation follows ``pkg/apis/storage/validation``: the
provisioner is a required qualified name, parameters are bounded, and provisioner, parameters,
reclaim policy and binding mode never change.

CSINode (cluster-scoped, named after its Node, written by the kubelet's CSI plugin manager and
read by the scheduler's NodeVolumeLimits and VolumeBinding plugins) follows ``ValidateCSINode``
and ``ValidateCSINodeUpdate``: each driver has a CSI driver name (a DNS-1123 subdomain of at
most 63 characters), a node ID (at most 192 characters), unique qualified topology keys and a
non-negative ``allocatable.count``; driver names are unique; once a driver is registered its
node ID, allocatable and topology keys never change (drivers may come and go).

Not here: StorageClass ``allowedTopologies`` term validation; the longer (256) node IDs that
upstream accepts on update when the old object already had one.
"""

from __future__ import annotations

from typing import Any, Final

from apiserver.registry.kinds._common import immutable, nonnegative
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_dns1123_subdomain, is_qualified_name
from minikube_py.objects import Object

_MAX_PARAMETERS: Final = 512
_MAX_PARAMETERS_SIZE: Final = 256 * (1 << 10)
_RECLAIM_POLICIES: Final = ("Delete", "Retain")
_BINDING_MODES: Final = ("Immediate", "WaitForFirstConsumer")


def _validate_parameters(parameters: Any) -> list[FieldError]:
    """``validateParameters``: at most 512 keys and 256 KiB, no empty key."""
    if not isinstance(parameters, dict):
        return []
    if len(parameters) > _MAX_PARAMETERS:
        return [field.too_long("parameters", _MAX_PARAMETERS)]
    errors: list[FieldError] = []
    size = 0
    for key, value in parameters.items():
        if not key:
            errors.append(field.invalid("parameters", key, "field can not be empty."))
        size += len(str(key).encode()) + len(str(value).encode())
    if size > _MAX_PARAMETERS_SIZE:
        errors.append(field.too_long("parameters", _MAX_PARAMETERS_SIZE))
    return errors


class StorageClassStrategy(Strategy):
    def default(self, obj: Object) -> None:
        if obj.get("reclaimPolicy") is None:
            obj["reclaimPolicy"] = "Delete"
        if obj.get("volumeBindingMode") is None:
            obj["volumeBindingMode"] = "Immediate"

    def validate(self, obj: Object) -> list[FieldError]:
        """``ValidateStorageClass``."""
        errors: list[FieldError] = []
        provisioner = obj.get("provisioner") or ""
        if not provisioner:
            errors.append(field.required("provisioner"))
        elif isinstance(provisioner, str):
            lowered = provisioner.lower()
            errors += [
                field.invalid("provisioner", lowered, msg) for msg in is_qualified_name(lowered)
            ]
        errors += _validate_parameters(obj.get("parameters"))
        policy = obj.get("reclaimPolicy")
        if policy and policy not in _RECLAIM_POLICIES:
            errors.append(field.not_supported("reclaimPolicy", policy, _RECLAIM_POLICIES))
        mode = obj.get("volumeBindingMode")
        if mode is None:
            errors.append(field.required("volumeBindingMode"))
        elif mode not in _BINDING_MODES:
            errors.append(field.not_supported("volumeBindingMode", mode, _BINDING_MODES))
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """``ValidateStorageClass`` and ``ValidateStorageClassUpdate``."""
        errors = self.validate(new)
        if (new.get("parameters") or {}) != (old.get("parameters") or {}):
            errors.append(field.forbidden("parameters", "updates to parameters are forbidden."))
        if new.get("provisioner") != old.get("provisioner"):
            errors.append(field.forbidden("provisioner", "updates to provisioner are forbidden."))
        if new.get("reclaimPolicy") != old.get("reclaimPolicy"):
            errors.append(
                field.forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden.")
            )
        errors += immutable(
            "volumeBindingMode", new.get("volumeBindingMode"), old.get("volumeBindingMode")
        )
        return errors


#: ``csiNodeIDMaxLength`` and the CSI driver name limit
_CSI_NODE_ID_MAX_LENGTH: Final = 192
_CSI_DRIVER_NAME_MAX_LENGTH: Final = 63


def _validate_csi_driver_name(path: str, name: str) -> list[FieldError]:
    """``ValidateCSIDriverName``."""
    errors: list[FieldError] = []
    if not name:
        errors.append(field.required(path))
    if len(name) > _CSI_DRIVER_NAME_MAX_LENGTH:
        errors.append(field.too_long(path, _CSI_DRIVER_NAME_MAX_LENGTH))
    errors += [field.invalid(path, name, msg) for msg in is_dns1123_subdomain(name.lower())]
    return errors


def _validate_csi_node_driver(path: str, driver: dict[str, Any]) -> list[FieldError]:
    """``validateCSINodeDriver``: name, nodeID, allocatable, topology keys (whose errors
    upstream reports at the driver's path)."""
    errors = _validate_csi_driver_name(field.child(path, "name"), str(driver.get("name") or ""))
    node_id = str(driver.get("nodeID") or "")
    node_id_path = field.child(path, "nodeID")
    if not node_id:
        errors.append(field.required(node_id_path))
    if len(node_id) > _CSI_NODE_ID_MAX_LENGTH:
        errors.append(
            field.invalid(
                node_id_path, node_id, f"must be {_CSI_NODE_ID_MAX_LENGTH} characters or less"
            )
        )
    allocatable = driver.get("allocatable")
    if isinstance(allocatable, dict):
        count_path = field.child(field.child(path, "allocatable"), "count")
        errors += nonnegative(count_path, allocatable.get("count"))
    seen: set[str] = set()
    for key in driver.get("topologyKeys") or ():
        key = str(key)
        if not key:
            errors.append(field.required(path))
        if key in seen:
            errors.append(field.duplicate(path, key))
        seen.add(key)
        errors += [field.invalid(path, key, msg) for msg in is_qualified_name(key)]
    return errors


def _drivers(obj: Object) -> list[dict[str, Any]]:
    spec = obj.get("spec")
    drivers = spec.get("drivers") if isinstance(spec, dict) else None
    return [d for d in drivers or () if isinstance(d, dict)]


class CSINodeStrategy(Strategy):
    def validate(self, obj: Object) -> list[FieldError]:
        """``ValidateCSINode``: the drivers of ``spec``, each name once."""
        errors: list[FieldError] = []
        names: set[str] = set()
        for i, driver in enumerate(_drivers(obj)):
            path = field.index("spec.drivers", i)
            errors += _validate_csi_node_driver(path, driver)
            name = str(driver.get("name") or "")
            if name in names:
                errors.append(field.duplicate(field.child(path, "name"), name))
            names.add(name)
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """``ValidateCSINodeUpdate``: a driver that stays registered does not change.

        Divergence: upstream prints the whole Go struct as the invalid value; the driver's
        name is printed here."""
        errors = self.validate(new)
        before = {d.get("name"): d for d in _drivers(old)}
        for driver in _drivers(new):
            previous = before.get(driver.get("name"))
            if previous is not None and previous != driver:
                errors.append(
                    field.invalid("CSINodeDriver", driver.get("name"), "field is immutable")
                )
        return errors


__all__ = ["CSINodeStrategy", "StorageClassStrategy"]
