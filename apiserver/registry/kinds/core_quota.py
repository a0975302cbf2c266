"""Strategies of core/v1 ResourceQuota and LimitRange.

A ResourceQuota's status belongs to the quota controller: cleared on create, kept on update
(``pkg/registry/core/resourcequota/strategy.go``). LimitRange defaults follow
``SetDefaults_LimitRangeItem``: for a Container item the default limit falls back to the max,
and the default request to the default limit, then to the min. Validation follows
``pkg/apis/core/validation`` (``ValidateResourceQuota``, ``ValidateLimitRange``): resource names
are standard or fully qualified, amounts are non-negative (and whole for countable resources),
scopes are known and do not contradict each other, and a LimitRange's min <= default request <=
default <= max.

Not here: ``scopeSelector`` validation, status validation, the
hugepages and overcommit rules of LimitRange, and the ``maxLimitRequestRatio`` range check.
"""

from __future__ import annotations

from typing import Any, Final

from apiserver.registry.kinds._common import IS_NEGATIVE, dig
from apiserver.registry.kinds.quantity import canonical_quantity, parse_quantity
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_qualified_name
from minikube_py.objects import Object

_STANDARD_RESOURCES: Final = frozenset(
    {
        "cpu",
        "memory",
        "ephemeral-storage",
        "requests.cpu",
        "requests.memory",
        "requests.ephemeral-storage",
        "limits.cpu",
        "limits.memory",
        "limits.ephemeral-storage",
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "storage",
        "requests.storage",
        "services.nodeports",
        "services.loadbalancers",
    }
)
_STANDARD_QUOTA_RESOURCES: Final = _STANDARD_RESOURCES - {"storage"}
_STANDARD_CONTAINER_RESOURCES: Final = frozenset({"cpu", "memory", "ephemeral-storage"})
_INTEGER_RESOURCES: Final = frozenset(
    {
        "pods",
        "resourcequotas",
        "services",
        "replicationcontrollers",
        "secrets",
        "configmaps",
        "persistentvolumeclaims",
        "services.nodeports",
        "services.loadbalancers",
    }
)
_POD_COMPUTE_RESOURCES: Final = frozenset(
    {"cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"}
)
_SCOPES: Final = frozenset(
    {
        "Terminating",
        "NotTerminating",
        "BestEffort",
        "NotBestEffort",
        "PriorityClass",
        "CrossNamespacePodAffinity",
    }
)
_CONFLICTING_SCOPES: Final = (("BestEffort", "NotBestEffort"), ("Terminating", "NotTerminating"))
_LIMIT_TYPES: Final = frozenset({"Pod", "Container", "PersistentVolumeClaim"})


def _is_hugepages_quota(name: str) -> bool:
    return name.startswith(("hugepages-", "requests.hugepages-"))


def _is_extended(name: str) -> bool:
    """``IsExtendedResourceName``: domain-prefixed, not kubernetes.io, quota-nameable."""
    if "/" not in name or "kubernetes.io/" in name or name.startswith("requests."):
        return False
    return not is_qualified_name(f"requests.{name}")


def _resource_name_errors(name: str, path: str) -> list[FieldError]:
    """``validateResourceName``."""
    errors = [field.invalid(path, name, msg) for msg in is_qualified_name(name)]
    if errors:
        return errors
    if "/" not in name and not (name in _STANDARD_RESOURCES or _is_hugepages_quota(name)):
        errors.append(
            field.invalid(path, name, "must be a standard resource type or fully qualified")
        )
    return errors


def _quota_resource_name_errors(name: str, path: str) -> list[FieldError]:
    """``ValidateResourceQuotaResourceName``."""
    errors = _resource_name_errors(name, path)
    if "/" not in name and not (name in _STANDARD_QUOTA_RESOURCES or _is_hugepages_quota(name)):
        errors.append(field.invalid(path, name, "must be a standard resource for quota"))
    return errors


def _quantity_errors(name: str, value: Any, path: str) -> list[FieldError]:
    """``ValidateResourceQuantityValue``: non-negative, and whole for countable resources."""
    amount = parse_quantity(value)
    if amount is None:
        return []
    errors: list[FieldError] = []
    if amount < 0:
        errors.append(field.invalid(path, canonical_quantity(value), IS_NEGATIVE))
    if (name in _INTEGER_RESOURCES or _is_extended(name)) and amount.denominator != 1:
        shown = canonical_quantity(value)
        errors.append(field.invalid(path, None, "must be an integer", rendered=shown))
    return errors


def _scope_errors(spec: dict[str, Any]) -> list[FieldError]:
    """``validateResourceQuotaScopes``."""
    scopes = spec.get("scopes") if isinstance(spec.get("scopes"), list) else []
    if not scopes:
        return []
    shown = "[]core.ResourceQuotaScope{" + ", ".join(f'"{s}"' for s in scopes) + "}"
    hard = sorted(spec.get("hard") or {}) if isinstance(spec.get("hard"), dict) else []
    errors: list[FieldError] = []
    for scope in scopes:
        if scope not in _SCOPES:
            errors.append(field.invalid("spec.scopes", None, "unsupported scope", rendered=shown))
        for name in hard:
            if name in _STANDARD_QUOTA_RESOURCES and not _scope_fits(scope, name):
                errors.append(
                    field.invalid(
                        "spec.scopes", None, "unsupported scope applied to resource", rendered=shown
                    )
                )
    for pair in _CONFLICTING_SCOPES:
        if all(scope in scopes for scope in pair):
            errors.append(field.invalid("spec.scopes", None, "conflicting scopes", rendered=shown))
    return errors


def _scope_fits(scope: str, resource: str) -> bool:
    """``IsResourceQuotaScopeValidForResource``: pod scopes only count pods and compute."""
    if scope == "BestEffort":
        return resource == "pods"
    if scope in _SCOPES:
        return resource == "pods" or resource in _POD_COMPUTE_RESOURCES
    return True


class ResourceQuotaStrategy(Strategy):
    has_status = True

    def validate(self, obj: Object) -> list[FieldError]:
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        hard = spec.get("hard") if isinstance(spec.get("hard"), dict) else {}
        errors: list[FieldError] = []
        for name in sorted(hard):
            at = field.key("spec.hard", name)
            errors += _quota_resource_name_errors(name, at)
            errors += _quantity_errors(name, hard[name], at)
        errors += _scope_errors(spec)
        return errors


# -- LimitRange --------------------------------------------------------------------------------


def _limit_resource_errors(limit_type: str, name: str, path: str) -> list[FieldError]:
    """``validateLimitRangeResourceName``: Pod and Container items name container resources."""
    errors = _resource_name_errors(name, path)
    if limit_type not in ("Pod", "Container"):
        return errors
    if "/" not in name:
        if not (name in _STANDARD_CONTAINER_RESOURCES or name.startswith("hugepages-")):
            errors.append(field.invalid(path, name, "must be a standard resource for containers"))
    elif "kubernetes.io/" not in name and not _is_extended(name):
        errors.append(field.invalid(path, name, "doesn't follow extended resource name standard"))
    return errors


def _limit_type_errors(limit_type: str, path: str) -> list[FieldError]:
    """``validateLimitRangeTypeName``."""
    errors = [field.invalid(path, limit_type, msg) for msg in is_qualified_name(limit_type)]
    if not errors and "/" not in limit_type and limit_type not in _LIMIT_TYPES:
        errors.append(
            field.invalid(path, limit_type, "must be a standard limit type or fully qualified")
        )
    return errors


def _resource_map(item: dict[str, Any], key: str) -> dict[str, Any]:
    value = item.get(key)
    return value if isinstance(value, dict) else {}


def _validate_limit_item(item: dict[str, Any], path: str, seen: set[str]) -> list[FieldError]:
    limit_type = str(item.get("type") or "")
    errors = _limit_type_errors(limit_type, field.child(path, "type"))
    if limit_type in seen:
        errors.append(field.duplicate(field.child(path, "type"), limit_type))
    seen.add(limit_type)
    maps = {key: _resource_map(item, key) for key in ("max", "min", "default", "defaultRequest")}
    for key in ("max", "min"):
        for name in sorted(maps[key]):
            errors += _limit_resource_errors(
                limit_type, name, field.key(field.child(path, key), name)
            )
    if limit_type == "Pod":
        for key in ("default", "defaultRequest"):
            if maps[key]:
                errors.append(
                    field.forbidden(
                        field.child(path, key), "may not be specified when `type` is 'Pod'"
                    )
                )
    else:
        for key in ("default", "defaultRequest"):
            for name in sorted(maps[key]):
                errors += _limit_resource_errors(
                    limit_type, name, field.key(field.child(path, key), name)
                )
    if limit_type == "PersistentVolumeClaim" and not (
        "storage" in maps["min"] or "storage" in maps["max"]
    ):
        errors.append(
            field.required(
                field.child(path, "limits"),
                "either minimum or maximum storage value is required, but neither was provided",
            )
        )
    ratios = _resource_map(item, "maxLimitRequestRatio")
    for name in sorted(ratios):
        errors += _limit_resource_errors(
            limit_type, name, field.key(field.child(path, "maxLimitRequestRatio"), name)
        )
    if limit_type == "Pod":
        maps["default"], maps["defaultRequest"] = {}, {}
    keys = set().union(*maps.values(), ratios)
    for name in sorted(keys):
        errors += _compare_limits(maps, ratios, name, path)
    return errors


def _compare_limits(
    maps: dict[str, dict[str, Any]], ratios: dict[str, Any], name: str, path: str
) -> list[FieldError]:
    """min <= defaultRequest <= default <= max, and a ratio of at least 1."""
    raw = {key: canonical_quantity(maps[key].get(name)) for key in maps}
    value = {key: parse_quantity(maps[key].get(name)) for key in maps}
    low, high = value["min"], value["max"]
    default, request = value["default"], value["defaultRequest"]
    errors: list[FieldError] = []

    def at(key: str) -> str:
        return field.key(field.child(path, key), name)

    def bad(key: str, shown: Any, detail: str) -> None:
        errors.append(field.invalid(at(key), None, detail, rendered=str(shown)))

    if low is not None and high is not None and low > high:
        bad("min", raw["min"], f"min value {raw['min']} is greater than max value {raw['max']}")
    if request is not None and low is not None and low > request:
        bad(
            "defaultRequest",
            raw["defaultRequest"],
            f"min value {raw['min']} is greater than default request value {raw['defaultRequest']}",
        )
    if request is not None and high is not None and request > high:
        bad(
            "defaultRequest",
            raw["defaultRequest"],
            f"default request value {raw['defaultRequest']} is greater than max value {raw['max']}",
        )
    if request is not None and default is not None and request > default:
        bad(
            "defaultRequest",
            raw["defaultRequest"],
            f"default request value {raw['defaultRequest']} is greater than default limit value "
            f"{raw['default']}",
        )
    if default is not None and low is not None and low > default:
        bad(
            "default",
            raw["min"],
            f"min value {raw['min']} is greater than default value {raw['default']}",
        )
    if default is not None and high is not None and default > high:
        bad(
            "default",
            raw["max"],
            f"default value {raw['default']} is greater than max value {raw['max']}",
        )
    ratio = parse_quantity(ratios.get(name)) if name in ratios else None
    if ratio is not None and ratio < 1:
        shown = canonical_quantity(ratios[name])
        bad("maxLimitRequestRatio", shown, f"ratio {shown} is less than 1")
    return errors


class LimitRangeStrategy(Strategy):
    def default(self, obj: Object) -> None:
        """``SetDefaults_LimitRangeItem``: a Container item's defaults from its max and min."""
        for item in dig(obj, "spec", "limits") or ():
            if not isinstance(item, dict) or item.get("type") != "Container":
                continue
            default = dict(_resource_map(item, "default"))
            request = dict(_resource_map(item, "defaultRequest"))
            for name, value in _resource_map(item, "max").items():
                default.setdefault(name, value)
            for name, value in default.items():
                request.setdefault(name, value)
            for name, value in _resource_map(item, "min").items():
                request.setdefault(name, value)
            if default:
                item["default"] = default
            if request:
                item["defaultRequest"] = request

    def validate(self, obj: Object) -> list[FieldError]:
        errors: list[FieldError] = []
        seen: set[str] = set()
        for i, item in enumerate(dig(obj, "spec", "limits") or ()):
            if isinstance(item, dict):
                errors += _validate_limit_item(item, field.index("spec.limits", i), seen)
        return errors


__all__ = ["LimitRangeStrategy", "ResourceQuotaStrategy"]
