"""Strategy of scheduling.k8s.io/v1 PriorityClass.

Defaults follow ``pkg/apis/scheduling/v1/defaults.go`` (``preemptionPolicy``); the strategy
(``pkg/registry/scheduling/priorityclass/strategy.go``) sets ``generation`` to 1 on create and
never moves it; validation follows ``pkg/apis/scheduling/validation/validation.go``: the
``system-`` prefix is reserved for the built-in classes, user values stop at one billion, and
``value`` and ``preemptionPolicy`` never change.

Not here: "only one globalDefault" -- upstream checks it in the Priority admission plugin with a
lookup of every PriorityClass, not in the strategy.
"""

from __future__ import annotations

from typing import Final

from apiserver.registry.kinds._common import immutable
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.objects import Object

SYSTEM_PRIORITY_CLASS_PREFIX: Final = "system-"
HIGHEST_USER_DEFINABLE_PRIORITY: Final = 1_000_000_000
#: ``SystemPriorityClasses()``: name -> value (neither is a global default)
SYSTEM_PRIORITY_CLASSES: Final = {
    "system-node-critical": 2 * HIGHEST_USER_DEFINABLE_PRIORITY + 1000,
    "system-cluster-critical": 2 * HIGHEST_USER_DEFINABLE_PRIORITY,
}
_PREEMPTION_POLICIES: Final = ("PreemptLowerPriority", "Never")


def _known_system_class_error(name: str, value: object, global_default: bool) -> str | None:
    """``IsKnownSystemPriorityClass``'s error, or None for a known system class."""
    if name not in SYSTEM_PRIORITY_CLASSES:
        return f"{name} is not a known system priority class"
    if value != SYSTEM_PRIORITY_CLASSES[name]:
        return f"value of {name} PriorityClass must be {SYSTEM_PRIORITY_CLASSES[name]}"
    if global_default:
        return f"globalDefault of {name} PriorityClass must be false"
    return None


class PriorityClassStrategy(Strategy):
    def default(self, obj: Object) -> None:
        if obj.get("preemptionPolicy") is None:
            obj["preemptionPolicy"] = "PreemptLowerPriority"

    def prepare_for_create(self, obj: Object) -> None:
        obj.setdefault("metadata", {})["generation"] = 1

    def validate(self, obj: Object) -> list[FieldError]:
        """``ValidatePriorityClass``."""
        errors: list[FieldError] = []
        name = str((obj.get("metadata") or {}).get("name") or "")
        value = obj.get("value", 0)
        if name.startswith(SYSTEM_PRIORITY_CLASS_PREFIX):
            problem = _known_system_class_error(name, value, obj.get("globalDefault") is True)
            if problem is not None:
                errors.append(
                    field.forbidden(
                        "metadata.name",
                        f"priority class names with '{SYSTEM_PRIORITY_CLASS_PREFIX}' prefix are "
                        f"reserved for system use only. error: {problem}",
                    )
                )
        elif isinstance(value, int) and value > HIGHEST_USER_DEFINABLE_PRIORITY:
            errors.append(
                field.forbidden(
                    "value",
                    "maximum allowed value of a user defined priority is "
                    f"{HIGHEST_USER_DEFINABLE_PRIORITY}",
                )
            )
        policy = obj.get("preemptionPolicy")
        if policy is not None:
            if policy == "":
                errors.append(field.required("preemptionPolicy"))
            elif policy not in _PREEMPTION_POLICIES:
                errors.append(field.not_supported("preemptionPolicy", policy, _PREEMPTION_POLICIES))
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """``ValidatePriorityClassUpdate`` (which does not re-run the create checks)."""
        errors: list[FieldError] = []
        if new.get("value", 0) != old.get("value", 0):
            errors.append(field.forbidden("value", "may not be changed in an update."))
        errors += immutable(
            "preemptionPolicy", new.get("preemptionPolicy"), old.get("preemptionPolicy")
        )
        return errors


__all__ = [
    "HIGHEST_USER_DEFINABLE_PRIORITY",
    "SYSTEM_PRIORITY_CLASSES",
    "SYSTEM_PRIORITY_CLASS_PREFIX",
    "PriorityClassStrategy",
]
