"""Strategy of coordination.k8s.io/v1 Lease.

``pkg/registry/coordination/lease/strategy.go``: a Lease may be created by PUT
(``AllowCreateOnUpdate``) but an update must carry the resourceVersion it read, which is what
makes leader election safe. ``spec.strategy`` and ``spec.preferredHolder`` belong to the alpha
``CoordinatedLeaderElection`` gate, off in v1.32: they are dropped on create, and on update
unless already set. Validation follows ``pkg/apis/coordination/validation/validation.go``.
"""

from __future__ import annotations

from apiserver.registry.kinds._common import is_int
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.objects import Object

_GATED_FIELDS = ("strategy", "preferredHolder")


class LeaseStrategy(Strategy):
    allow_create_on_update = True
    allow_unconditional_update = False

    def prepare_for_create(self, obj: Object) -> None:
        spec = obj.get("spec")
        if isinstance(spec, dict):
            for name in _GATED_FIELDS:
                spec.pop(name, None)

    def prepare_for_update(self, new: Object, old: Object) -> None:
        spec, old_spec = new.get("spec"), old.get("spec") or {}
        if isinstance(spec, dict):
            for name in _GATED_FIELDS:
                if old_spec.get(name) is None:
                    spec.pop(name, None)

    def validate(self, obj: Object) -> list[FieldError]:
        """``ValidateLeaseSpec``."""
        spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
        errors: list[FieldError] = []
        duration = spec.get("leaseDurationSeconds")
        if is_int(duration) and duration <= 0:
            errors.append(
                field.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0")
            )
        transitions = spec.get("leaseTransitions")
        if is_int(transitions) and transitions < 0:
            errors.append(
                field.invalid(
                    "spec.leaseTransitions", transitions, "must be greater than or equal to 0"
                )
            )
        if spec.get("preferredHolder") and not spec.get("strategy"):
            errors.append(
                field.forbidden(
                    "spec.preferredHolder", "may only be specified if `strategy` is defined"
                )
            )
        return errors


__all__ = ["LeaseStrategy"]
