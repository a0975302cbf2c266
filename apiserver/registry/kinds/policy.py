"""Strategy of policy/v1 PodDisruptionBudget.

``pkg/registry/policy/poddisruptionbudget/strategy.go``: status is cleared on create and kept on
update, the generation moves with the spec, and -- unlike most kinds -- an update must name the
resourceVersion it read (``AllowUnconditionalUpdate`` is false). Validation follows
``pkg/apis/policy/validation/validation.go``; policy/v1 has no defaults.

Not here: ``status.conditions`` validation on ``/status`` writes (the counters are checked).
"""

from __future__ import annotations

from typing import Any, Final

from apiserver.registry.kinds import _gofmt
from apiserver.registry.kinds._common import nonnegative, positive_int_or_percent
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.objects import Object
from minikube_py.selectors import validate_label_selector

_EVICTION_POLICIES: Final = ("AlwaysAllow", "IfHealthyBudget")


def validate_pdb_spec(spec: Any, *, allow_invalid_label_value: bool = False) -> list[FieldError]:
    """``ValidatePodDisruptionBudgetSpec``."""
    spec = spec if isinstance(spec, dict) else {}
    errors: list[FieldError] = []
    min_available, max_unavailable = spec.get("minAvailable"), spec.get("maxUnavailable")
    if min_available is not None and max_unavailable is not None:
        errors.append(
            field.invalid(
                "spec",
                None,
                "minAvailable and maxUnavailable cannot be both set",
                rendered=_gofmt.elided_struct("policy.PodDisruptionBudgetSpec", spec),
            )
        )
    if min_available is not None:
        errors += positive_int_or_percent("spec.minAvailable", min_available)
    if max_unavailable is not None:
        errors += positive_int_or_percent("spec.maxUnavailable", max_unavailable)
    selector = spec.get("selector")
    if isinstance(selector, dict):
        errors += validate_label_selector(
            selector, "spec.selector", allow_invalid_label_value=allow_invalid_label_value
        )
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in _EVICTION_POLICIES:
        errors.append(
            field.not_supported("spec.unhealthyPodEvictionPolicy", policy, _EVICTION_POLICIES)
        )
    return errors


class PodDisruptionBudgetStrategy(Strategy):
    has_status = True
    generation = "spec"
    allow_unconditional_update = False

    def validate(self, obj: Object) -> list[FieldError]:
        return validate_pdb_spec(obj.get("spec"))

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """An old selector with invalid label values may keep them."""
        old_selector = (old.get("spec") or {}).get("selector")
        lenient = isinstance(old_selector, dict) and bool(
            validate_label_selector(old_selector, "spec.selector")
        )
        return validate_pdb_spec(new.get("spec"), allow_invalid_label_value=lenient)

    def validate_status_update(self, new: Object, old: Object) -> list[FieldError]:
        status = new.get("status") if isinstance(new.get("status"), dict) else {}
        errors: list[FieldError] = []
        for name in ("disruptionsAllowed", "currentHealthy", "desiredHealthy", "expectedPods"):
            errors += nonnegative(f"status.{name}", status.get(name))
        return errors


__all__ = ["PodDisruptionBudgetStrategy", "validate_pdb_spec"]
