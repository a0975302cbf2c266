"""Strategies of storage.k8s.io/v1 StorageClass, CSINode, CSIDriver and CSIStorageCapacity.

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

CSIDriver (cluster-scoped, named after the driver) follows ``pkg/apis/storage/v1/defaults.go``
(``attachRequired: true``, ``podInfoOnMount``, ``storageCapacity``, ``requiresRepublish`` and
``seLinuxMount`` false, ``fsGroupPolicy: ReadWriteOnceWithFSType``, ``volumeLifecycleModes:
[Persistent]``) and ``ValidateCSIDriver``/``ValidateCSIDriverUpdate``: a CSI driver name, the
supported fsGroup policies and lifecycle modes, token requests with distinct audiences and
at least ten minutes of expiry; ``attachRequired``, ``fsGroupPolicy`` and
``volumeLifecycleModes`` never change. The scheduler reads ``storageCapacity`` to decide
whether a driver's CSIStorageCapacity objects limit provisioning.

CSIStorageCapacity (namespaced) follows ``ValidateCSIStorageCapacity``/``Update``: a valid
``nodeTopology`` selector, a required storage class name, non-negative ``capacity`` and
``maximumVolumeSize``; topology and class never change.

Not here: StorageClass ``allowedTopologies`` term validation; the longer (256) node IDs that
upstream accepts on update when the old object already had one.
"""

from __future__ import annotations

from typing import Any, Final

from apiserver.registry.kinds._common import IS_NEGATIVE, immutable, nonnegative
from apiserver.registry.kinds.quantity import canonical_quantity, parse_quantity
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_dns1123_subdomain, is_qualified_name
from minikube_py.objects import Object
from minikube_py.selectors import validate_label_selector

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


_FS_GROUP_POLICIES: Final = ("File", "None", "ReadWriteOnceWithFSType")
_LIFECYCLE_MODES: Final = ("Ephemeral", "Persistent")
#: ``min``/``max`` of ``TokenRequest.expirationSeconds`` (10 minutes, 2^32 seconds)
_MIN_TOKEN_AGE: Final = 10 * 60
_MAX_TOKEN_AGE: Final = 1 << 32


class CSIDriverStrategy(Strategy):
    def default(self, obj: Object) -> None:
        """``SetDefaults_CSIDriver``."""
        spec = obj.setdefault("spec", {})
        if not isinstance(spec, dict):
            return
        for key, value in (
            ("attachRequired", True),
            ("podInfoOnMount", False),
            ("storageCapacity", False),
            ("fsGroupPolicy", "ReadWriteOnceWithFSType"),
            ("requiresRepublish", False),
            ("seLinuxMount", False),
        ):
            if spec.get(key) is None:
                spec[key] = value
        if not spec.get("volumeLifecycleModes"):
            spec["volumeLifecycleModes"] = ["Persistent"]

    def validate(self, obj: Object) -> list[FieldError]:
        """``ValidateCSIDriver``."""
        errors = _validate_csi_driver_name(
            "metadata.name", str((obj.get("metadata") or {}).get("name") or "")
        )
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [*errors, field.required("spec")]
        for key in ("attachRequired", "podInfoOnMount", "storageCapacity", "fsGroupPolicy"):
            if spec.get(key) is None:
                errors.append(field.required(f"spec.{key}"))
        policy = spec.get("fsGroupPolicy")
        if policy is not None and policy not in _FS_GROUP_POLICIES:
            errors.append(field.not_supported("spec.fsGroupPolicy", policy, _FS_GROUP_POLICIES))
        for i, mode in enumerate(spec.get("volumeLifecycleModes") or ()):
            if mode not in _LIFECYCLE_MODES:
                path = field.index("spec.volumeLifecycleModes", i)
                errors.append(field.not_supported(path, mode, _LIFECYCLE_MODES))
        audiences: set[str] = set()
        for i, request in enumerate(spec.get("tokenRequests") or ()):
            path = field.index("spec.tokenRequests", i)
            audience = str(request.get("audience") or "")
            if audience in audiences:
                errors.append(field.duplicate(field.child(path, "audience"), audience))
            audiences.add(audience)
            seconds = request.get("expirationSeconds")
            if isinstance(seconds, int) and seconds < _MIN_TOKEN_AGE:
                errors.append(
                    field.invalid(
                        field.child(path, "expirationSeconds"),
                        seconds,
                        "may not specify a duration less than 10 minutes",
                    )
                )
            elif isinstance(seconds, int) and seconds > _MAX_TOKEN_AGE:
                errors.append(
                    field.invalid(
                        field.child(path, "expirationSeconds"),
                        seconds,
                        "may not specify a duration larger than 2^32 seconds",
                    )
                )
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """``ValidateCSIDriverUpdate``."""
        errors = self.validate(new)
        new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
        for key in ("attachRequired", "fsGroupPolicy", "volumeLifecycleModes"):
            errors += immutable(f"spec.{key}", new_spec.get(key), old_spec.get(key))
        return errors


def _nonnegative_quantity(path: str, value: Any) -> list[FieldError]:
    """``ValidateNonnegativeQuantity``."""
    amount = parse_quantity(value) if value is not None else None
    if amount is not None and amount < 0:
        return [field.invalid(path, canonical_quantity(value), IS_NEGATIVE)]
    return []


class CSIStorageCapacityStrategy(Strategy):
    def validate(self, obj: Object) -> list[FieldError]:
        """``ValidateCSIStorageCapacity``."""
        errors = validate_label_selector(obj.get("nodeTopology"), "nodeTopology")
        class_name = obj.get("storageClassName")
        if not class_name:
            errors.append(field.required("storageClassName"))
        else:
            errors += [
                field.invalid("storageClassName", class_name, msg)
                for msg in is_dns1123_subdomain(str(class_name))
            ]
        errors += _nonnegative_quantity("capacity", obj.get("capacity"))
        errors += _nonnegative_quantity("maximumVolumeSize", obj.get("maximumVolumeSize"))
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """``ValidateCSIStorageCapacityUpdate``: topology and class are fixed."""
        errors = self.validate(new)
        errors += immutable("nodeTopology", new.get("nodeTopology"), old.get("nodeTopology"))
        errors += immutable(
            "storageClassName", new.get("storageClassName"), old.get("storageClassName")
        )
        return errors


__all__ = [
    "CSIDriverStrategy",
    "CSINodeStrategy",
    "CSIStorageCapacityStrategy",
    "StorageClassStrategy",
]
