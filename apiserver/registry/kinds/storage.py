"""Strategy of storage.k8s.io/v1 StorageClass.

Defaults follow ``pkg/apis/storage/v1/defaults.go`` (``reclaimPolicy: Delete``,
``volumeBindingMode: Immediate``); validation follows ``pkg/apis/storage/validation``: the
provisioner is a required qualified name, parameters are bounded, and provisioner, parameters,
reclaim policy and binding mode never change.

Not here: ``allowedTopologies`` term validation.
"""

from __future__ import annotations

from typing import Any, Final

from apiserver.registry.kinds._common import immutable
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_qualified_name
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


__all__ = ["StorageClassStrategy"]
