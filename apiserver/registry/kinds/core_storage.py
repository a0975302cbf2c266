"""Strategies of core/v1 PersistentVolume and PersistentVolumeClaim.

Defaults follow ``pkg/apis/core/v1/defaults.go``: a PV's reclaim policy is Retain and its
volume mode Filesystem (a ``hostPath`` gets ``type: ""``), a claim's volume mode is Filesystem,
and both read back with ``status.phase: Pending`` until a controller moves them. Create and
update rules follow ``pkg/registry/core/persistentvolume{,claim}/strategy.go``: status is
server-owned; a new PV's status is Pending with ``lastPhaseTransitionTime`` (GA in v1.31) set
to the creation time; ``volumeAttributesClassName`` belongs to a gate that is off in v1.32 and
is dropped. Validation follows ``pkg/apis/core/validation`` (``ValidatePersistentVolume*``):
access modes, capacity or requested storage, exactly one volume source, and the update rules --
a PV's source never changes, and a claim's spec is frozen except that a *bound* claim may change
its storage request (not below ``status.capacity``) and an unbound one may gain a volumeName or
a storage class once.

Divergence: upstream appends a ``cmp.Diff`` of the two specs to the "is immutable" messages
(go-cmp randomises its whitespace on purpose); here a one-line-per-field diff follows instead.

Not here: the per-source validation beyond hostPath, local, nfs and csi basics, node affinity,
data sources, the beta storage-class annotation upgrade path, and ``lastPhaseTransitionTime``
updates on ``/status`` writes (strategies have no clock).
"""

from __future__ import annotations

import json
import posixpath
from typing import Any, Final

from apiserver.registry.kinds._common import dig, immutable
from apiserver.registry.kinds.quantity import canonical_quantity, parse_quantity
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_dns1123_subdomain
from minikube_py.objects import Object
from minikube_py.selectors import validate_label_selector

ACCESS_MODES: Final = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
VOLUME_MODES: Final = ("Block", "Filesystem")
RECLAIM_POLICIES: Final = ("Delete", "Recycle", "Retain")
_HOST_PATH_TYPES: Final = (
    "",
    "BlockDevice",
    "CharDevice",
    "Directory",
    "DirectoryOrCreate",
    "File",
    "FileOrCreate",
    "Socket",
)
#: (JSON key, the path upstream reports "may not specify more than 1 volume type" at)
_PV_SOURCES: Final = (
    ("hostPath", "hostPath"),
    ("gcePersistentDisk", "gcePersistentDisk"),
    ("awsElasticBlockStore", "awsElasticBlockStore"),
    ("glusterfs", "glusterfs"),
    ("flocker", "flocker"),
    ("nfs", "nfs"),
    ("rbd", "rbd"),
    ("quobyte", "quobyte"),
    ("cephfs", "cephFS"),
    ("iscsi", "iscsi"),
    ("cinder", "cinder"),
    ("fc", "fc"),
    ("flexVolume", ""),
    ("azureFile", "azureFile"),
    ("vsphereVolume", "vsphereVolume"),
    ("photonPersistentDisk", "photonPersistentDisk"),
    ("portworxVolume", "portworxVolume"),
    ("azureDisk", "azureDisk"),
    ("scaleIO", "scaleIO"),
    ("local", "local"),
    ("storageos", "storageos"),
    ("csi", "csi"),
)
_PV_SOURCE_KEYS: Final = frozenset(key for key, _ in _PV_SOURCES)
_STORAGE_CLASS_ANNOTATION: Final = "volume.beta.kubernetes.io/storage-class"
_IMMUTABLE_CLAIM: Final = (
    "spec is immutable after creation except resources.requests and volumeAttributesClassName "
    "for bound claims"
)


def _spec(obj: Object) -> dict[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def _diff(old: dict[str, Any], new: dict[str, Any]) -> str:
    """A line per changed field ("- key: old", "+ key: new") in place of go-cmp's diff."""
    lines = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            if key in old:
                lines.append(f"- {key}: {json.dumps(old[key], sort_keys=True)}")
            if key in new:
                lines.append(f"+ {key}: {json.dumps(new[key], sort_keys=True)}")
    return "\n".join(lines)


def _access_mode_errors(modes: list[Any], path: str) -> list[FieldError]:
    """Each mode supported, and ReadWriteOncePod alone."""
    errors: list[FieldError] = []
    once_pod = other = False
    for mode in modes:
        if mode not in ACCESS_MODES:
            errors.append(field.not_supported(path, mode, ACCESS_MODES))
        elif mode == "ReadWriteOncePod":
            once_pod = True
        else:
            other = True
    if once_pod and other:
        errors.append(field.forbidden(path, "may not use ReadWriteOncePod with other access modes"))
    return errors


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _positive_quantity(value: Any, path: str) -> list[FieldError]:
    """``ValidatePositiveQuantityValue``."""
    amount = parse_quantity(value)
    if amount is not None and amount <= 0:
        return [field.invalid(path, canonical_quantity(value), "must be greater than zero")]
    return []


def _no_backsteps(path_value: str, path: str) -> list[FieldError]:
    """``validatePathNoBacksteps``."""
    if ".." in path_value.replace("\\", "/").split("/"):
        return [field.invalid(path, path_value, "must not contain '..'")]
    return []


def _validate_pv_source(key: str, source: Any, path: str) -> list[FieldError]:
    """The checks of the common sources: a path, a server, a driver and a handle."""
    source = source if isinstance(source, dict) else {}
    errors: list[FieldError] = []
    if key in ("hostPath", "local"):
        value = source.get("path") or ""
        if not value:
            return [field.required(field.child(path, "path"))]
        errors += _no_backsteps(value, field.child(path, "path"))
        host_type = source.get("type")
        if key == "hostPath" and host_type is not None and host_type not in _HOST_PATH_TYPES:
            errors.append(
                field.not_supported(field.child(path, "type"), host_type, _HOST_PATH_TYPES)
            )
    elif key == "nfs":
        if not source.get("server"):
            errors.append(field.required(field.child(path, "server")))
        value = source.get("path") or ""
        if not value:
            errors.append(field.required(field.child(path, "path")))
        if not posixpath.isabs(value):
            errors.append(
                field.invalid(field.child(path, "path"), value, "must be an absolute path")
            )
    elif key == "csi":
        if not source.get("driver"):
            errors.append(field.required(field.child(path, "driver")))
        if not source.get("volumeHandle"):
            errors.append(field.required(field.child(path, "volumeHandle")))
    return errors


def validate_pv_spec(spec: dict[str, Any]) -> list[FieldError]:
    """``ValidatePersistentVolumeSpec`` for a stand-alone PV."""
    modes = _list(spec.get("accessModes"))
    errors: list[FieldError] = [] if modes else [field.required("spec.accessModes")]
    errors += _access_mode_errors(modes, "spec.accessModes")
    capacity = spec.get("capacity") if isinstance(spec.get("capacity"), dict) else {}
    if not capacity:
        errors.append(field.required("spec.capacity"))
    if "storage" not in capacity or len(capacity) > 1:
        shown = "core.ResourceList{...}" if capacity else "core.ResourceList(nil)"
        errors.append(field.not_supported("spec.capacity", None, ["storage"], rendered=shown))
    for name in sorted(capacity):
        at = field.key("spec.capacity", name)
        amount = parse_quantity(capacity[name])
        if amount is not None and amount < 0:
            errors.append(field.invalid(at, int(amount), "must be a valid resource quantity"))
        errors += _positive_quantity(capacity[name], at)
    policy = spec.get("persistentVolumeReclaimPolicy")
    if policy and policy not in RECLAIM_POLICIES:
        errors.append(
            field.not_supported("spec.persistentVolumeReclaimPolicy", policy, RECLAIM_POLICIES)
        )
    count = 0
    for key, reported in _PV_SOURCES:
        if spec.get(key) is None:
            continue
        if count > 0 and reported:
            errors.append(
                field.forbidden(
                    field.child("spec", reported), "may not specify more than 1 volume type"
                )
            )
            continue
        count += 1
        errors += _validate_pv_source(key, spec[key], field.child("spec", key))
        if key == "local" and spec.get("nodeAffinity") is None:
            errors.append(
                field.required("spec.nodeAffinity", "Local volume requires node affinity")
            )
    if count == 0:
        errors.append(field.required("spec", "must specify a volume type"))
    host_path = dig(spec, "hostPath", "path")
    if (
        isinstance(host_path, str)
        and host_path
        and posixpath.normpath(host_path) in ("/", "//")
        and policy == "Recycle"
    ):
        errors.append(
            field.forbidden(
                "spec.persistentVolumeReclaimPolicy",
                "may not be 'recycle' for a hostPath mount of '/'",
            )
        )
    class_name = spec.get("storageClassName")
    if isinstance(class_name, str) and class_name:
        errors += [
            field.invalid("spec.storageClassName", class_name, msg)
            for msg in is_dns1123_subdomain(class_name)
        ]
    mode = spec.get("volumeMode")
    if mode is not None and mode not in VOLUME_MODES:
        errors.append(field.not_supported("spec.volumeMode", mode, VOLUME_MODES))
    return errors


class PersistentVolumeStrategy(Strategy):
    has_status = True

    def default(self, obj: Object) -> None:
        spec = obj.get("spec")
        if isinstance(spec, dict):
            if not spec.get("persistentVolumeReclaimPolicy"):
                spec["persistentVolumeReclaimPolicy"] = "Retain"
            if spec.get("volumeMode") is None:
                spec["volumeMode"] = "Filesystem"
            host_path = spec.get("hostPath")
            if isinstance(host_path, dict) and host_path.get("type") is None:
                host_path["type"] = ""
        status = obj.setdefault("status", {})
        if isinstance(status, dict) and not status.get("phase"):
            status["phase"] = "Pending"

    def prepare_for_create(self, obj: Object) -> None:
        _drop_attributes_class(obj, None)
        super().prepare_for_create(obj)

    def initial_status(self, obj: Object) -> dict[str, Any]:
        """Pending since now (the store has just set ``creationTimestamp`` to now)."""
        created = dig(obj, "metadata", "creationTimestamp")
        return {"phase": "Pending", "lastPhaseTransitionTime": created}

    def prepare_for_update(self, new: Object, old: Object) -> None:
        _drop_attributes_class(new, old)
        super().prepare_for_update(new, old)

    def validate(self, obj: Object) -> list[FieldError]:
        return validate_pv_spec(_spec(obj))

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """``ValidatePersistentVolumeUpdate``."""
        spec, old_spec = _spec(new), _spec(old)
        errors = validate_pv_spec(spec)
        new_source = {k: v for k, v in spec.items() if k in _PV_SOURCE_KEYS}
        old_source = {k: v for k, v in old_spec.items() if k in _PV_SOURCE_KEYS}
        csi, old_csi = new_source.get("csi"), old_source.get("csi")
        if (
            isinstance(csi, dict)
            and isinstance(old_csi, dict)
            and "controllerExpandSecretRef" not in old_csi
        ):
            # a controller-expand secret may be added to a CSI volume that had none
            new_source["csi"] = {k: v for k, v in csi.items() if k != "controllerExpandSecretRef"}
        if new_source != old_source:
            errors.append(
                field.forbidden(
                    "spec.persistentvolumesource",
                    "spec.persistentvolumesource is immutable after creation\n"
                    + _diff(old_source, new_source),
                )
            )
        errors += immutable("volumeMode", spec.get("volumeMode"), old_spec.get("volumeMode"))
        return errors


def _drop_attributes_class(obj: Object, old: Object | None) -> None:
    """``volumeAttributesClassName`` is gated (VolumeAttributesClass, off by default in v1.32):
    dropped unless the old object already had it."""
    spec = obj.get("spec")
    if isinstance(spec, dict) and (
        old is None or _spec(old).get("volumeAttributesClassName") is None
    ):
        spec.pop("volumeAttributesClassName", None)


# -- PersistentVolumeClaim ---------------------------------------------------------------------


def validate_pvc_spec(spec: dict[str, Any]) -> list[FieldError]:
    """``ValidatePersistentVolumeClaimSpec``."""
    modes = _list(spec.get("accessModes"))
    errors: list[FieldError] = []
    if not modes:
        errors.append(field.required("spec.accessModes", "at least 1 access mode is required"))
    selector = spec.get("selector")
    if isinstance(selector, dict):
        errors += validate_label_selector(selector, "spec.selector")
    errors += _access_mode_errors(modes, "spec.accessModes")
    requests = dig(spec, "resources", "requests")
    requests = requests if isinstance(requests, dict) else {}
    storage_path = "spec.resources[storage]"
    if "storage" not in requests:
        errors.append(field.required(storage_path))
    else:
        errors += _positive_quantity(requests["storage"], storage_path)
    class_name = spec.get("storageClassName")
    if isinstance(class_name, str) and class_name:
        errors += [
            field.invalid("spec.storageClassName", class_name, msg)
            for msg in is_dns1123_subdomain(class_name)
        ]
    mode = spec.get("volumeMode")
    if mode is not None and mode not in VOLUME_MODES:
        errors.append(field.not_supported("spec.volumeMode", mode, VOLUME_MODES))
    return errors


def _storage_request(spec: dict[str, Any]) -> Any:
    return dig(spec, "resources", "requests", "storage")


class PersistentVolumeClaimStrategy(Strategy):
    has_status = True

    def default(self, obj: Object) -> None:
        spec = obj.get("spec")
        if isinstance(spec, dict) and spec.get("volumeMode") is None:
            spec["volumeMode"] = "Filesystem"
        status = obj.setdefault("status", {})
        if isinstance(status, dict) and not status.get("phase"):
            status["phase"] = "Pending"

    def prepare_for_create(self, obj: Object) -> None:
        _drop_attributes_class(obj, None)
        super().prepare_for_create(obj)

    def initial_status(self, obj: Object) -> dict[str, Any]:
        """Upstream stores an empty status; every read defaults its phase to Pending."""
        return {"phase": "Pending"}

    def prepare_for_update(self, new: Object, old: Object) -> None:
        _drop_attributes_class(new, old)
        super().prepare_for_update(new, old)

    def validate(self, obj: Object) -> list[FieldError]:
        return validate_pvc_spec(_spec(obj))

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """``ValidatePersistentVolumeClaimUpdate``."""
        spec, old_spec = _spec(new), _spec(old)
        errors = validate_pvc_spec(spec)
        new_view, old_view = json.loads(json.dumps(spec)), json.loads(json.dumps(old_spec))
        if not old_spec.get("volumeName"):
            _copy(old_view, new_view, "volumeName")  # a claim is bound once
        old_annotation = (dig(old, "metadata", "annotations") or {}).get(_STORAGE_CLASS_ANNOTATION)
        new_class = spec.get("storageClassName")
        if (
            new_class is not None
            and old_spec.get("storageClassName") is None
            and (old_annotation is None or new_class == old_annotation)
        ):
            _copy(new_view, old_view, "storageClassName")  # a default class may be set later
        bound = dig(new, "status", "phase") == "Bound"
        if bound and isinstance(dig(new_view, "resources", "requests"), dict):
            old_storage = _storage_request(old_spec)
            if old_storage is None:
                new_view["resources"]["requests"].pop("storage", None)
            else:
                new_view["resources"]["requests"]["storage"] = old_storage
        _copy(old_view, new_view, "volumeAttributesClassName")
        if new_view != old_view:
            errors.append(
                field.forbidden("spec", f"{_IMMUTABLE_CLAIM}\n{_diff(old_view, new_view)}")
            )
        new_size = parse_quantity(_storage_request(spec)) or 0
        old_size = parse_quantity(_storage_request(old_spec)) or 0
        capacity = parse_quantity(dig(old, "status", "capacity", "storage")) or 0
        if new_size < old_size and new_size <= capacity:
            # RecoverVolumeExpansionFailure (beta, on): shrinking is allowed down to, but not
            # onto or below, the capacity the volume already has
            errors.append(
                field.forbidden(
                    "spec.resources.requests.storage", "field can not be less than status.capacity"
                )
            )
        errors += immutable("volumeMode", spec.get("volumeMode"), old_spec.get("volumeMode"))
        return errors


def _copy(source: dict[str, Any], target: dict[str, Any], key: str) -> None:
    if key in source:
        target[key] = source[key]
    else:
        target.pop(key, None)


__all__ = [
    "ACCESS_MODES",
    "RECLAIM_POLICIES",
    "VOLUME_MODES",
    "PersistentVolumeClaimStrategy",
    "PersistentVolumeStrategy",
    "validate_pv_spec",
    "validate_pvc_spec",
]
