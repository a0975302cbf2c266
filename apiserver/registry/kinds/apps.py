"""Strategies of apps/v1 workloads: Deployment, ReplicaSet, StatefulSet, DaemonSet.

Defaults follow ``pkg/apis/apps/v1/defaults.go``; generation and status rules follow
``pkg/registry/apps/<kind>/strategy.go`` (a Deployment's generation moves on spec *or*
annotation changes, since annotations are copied to its ReplicaSets); validation follows the
selector and template rules of ``pkg/apis/apps/validation`` that every client meets first.
"""

from __future__ import annotations

from typing import Any

from apiserver.registry.kinds.core import default_pod_spec, validate_pod_spec
from apiserver.registry.objectmeta import FIELD_IMMUTABLE
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError, go_quote
from minikube_py.objects import Object
from minikube_py.selectors import SelectorParseError, from_label_selector, validate_label_selector


def _default_template(spec: dict[str, Any]) -> None:
    template = spec.get("template")
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        default_pod_spec(template["spec"])


def _go_label_map(labels: Any) -> str:
    """``%#v`` of a ``map[string]string`` (Go prints map keys sorted)."""
    if not isinstance(labels, dict):
        return "map[string]string(nil)"
    body = ", ".join(f"{go_quote(k)}:{go_quote(str(v))}" for k, v in sorted(labels.items()))
    return "map[string]string{" + body + "}"


def _go_selector(selector: Any) -> str:
    """The gogo-protobuf ``String()`` of a ``*LabelSelector``, as field errors print it."""
    if not isinstance(selector, dict):
        return "nil"
    labels = selector.get("matchLabels") or {}
    body = "".join(f"{k}: {v}," for k, v in sorted(labels.items()))
    expressions = "".join(
        f"LabelSelectorRequirement{{Key:{e.get('key', '')},Operator:{e.get('operator', '')},"
        f"Values:[{' '.join(e.get('values') or [])}],}},"
        for e in selector.get("matchExpressions") or ()
        if isinstance(e, dict)
    )
    return (
        f"&LabelSelector{{MatchLabels:map[string]string{{{body}}},"
        f"MatchExpressions:[]LabelSelectorRequirement{{{expressions}}},}}"
    )


def validate_selector_and_template(
    spec: Any, kind_word: str, *, require_non_empty: bool = True
) -> list[FieldError]:
    """Selector present, valid, non-empty, and matching the template's labels; template a
    valid pod template; replicas not negative."""
    if not isinstance(spec, dict):
        return [field.required("spec", "")]
    errors: list[FieldError] = []
    replicas = spec.get("replicas")
    if isinstance(replicas, int) and replicas < 0:
        errors.append(
            field.invalid("spec.replicas", replicas, "must be greater than or equal to 0")
        )
    selector = spec.get("selector")
    template = spec.get("template") if isinstance(spec.get("template"), dict) else {}
    if selector is None:
        errors.append(field.required("spec.selector", ""))
    else:
        errors += validate_label_selector(selector, "spec.selector")
        if require_non_empty and not (
            (selector.get("matchLabels") or {}) or (selector.get("matchExpressions") or [])
        ):
            errors.append(
                field.invalid(
                    "spec.selector",
                    None,
                    f"empty selector is invalid for {kind_word}",
                    rendered=_go_selector(selector),
                )
            )
        try:
            parsed = from_label_selector(selector)
        except SelectorParseError:
            errors.append(
                field.invalid(
                    "spec.selector", None, "invalid label selector", rendered=_go_selector(selector)
                )
            )
        else:
            labels = (template.get("metadata") or {}).get("labels") or {}
            if not parsed.empty() and not parsed.matches(labels):
                errors.append(
                    field.invalid(
                        "spec.template.metadata.labels",
                        None,
                        "`selector` does not match template `labels`",
                        rendered=_go_label_map(labels),
                    )
                )
    errors += validate_pod_spec(template.get("spec"), "spec.template.spec")
    return errors


class _Workload(Strategy):
    has_status = True
    generation = "spec"
    kind_word = "workload"

    def default(self, obj: Object) -> None:
        spec = obj.get("spec")
        if isinstance(spec, dict):
            spec.setdefault("replicas", 1)
            _default_template(spec)

    def initial_status(self, obj: Object) -> dict[str, Any] | None:
        return None

    def validate(self, obj: Object) -> list[FieldError]:
        return validate_selector_and_template(obj.get("spec"), self.kind_word)

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        errors = self.validate(new)
        new_selector = (new.get("spec") or {}).get("selector")
        old_selector = (old.get("spec") or {}).get("selector")
        if new_selector != old_selector:
            errors.append(
                field.invalid(
                    "spec.selector", None, FIELD_IMMUTABLE, rendered=_go_selector(new_selector)
                )
            )
        return errors


class DeploymentStrategy(_Workload):
    generation = "spec+annotations"
    kind_word = "deployment"

    def default(self, obj: Object) -> None:
        super().default(obj)
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        strategy = spec.setdefault("strategy", {})
        if isinstance(strategy, dict):
            strategy.setdefault("type", "RollingUpdate")
            if strategy["type"] == "RollingUpdate":
                rolling = strategy.setdefault("rollingUpdate", {})
                if isinstance(rolling, dict):
                    rolling.setdefault("maxUnavailable", "25%")
                    rolling.setdefault("maxSurge", "25%")
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)

    def prepare_for_status_update(self, new: Object, old: Object) -> None:
        """``deploymentStatusStrategy.PrepareForUpdate``: spec and labels come from ``old``, but
        annotations may change (no ``ResetObjectMetaForStatus`` for Deployments): the Deployment
        controller records ``deployment.kubernetes.io/revision`` with its status write."""
        metadata = new.get("metadata")
        annotations = metadata.get("annotations") if isinstance(metadata, dict) else None
        super().prepare_for_status_update(new, old)
        if annotations is not None:
            new["metadata"]["annotations"] = annotations
        else:
            new["metadata"].pop("annotations", None)


class ReplicaSetStrategy(_Workload):
    kind_word = "replicaset"


class StatefulSetStrategy(_Workload):
    kind_word = "statefulset"

    def default(self, obj: Object) -> None:
        super().default(obj)
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        spec.setdefault("podManagementPolicy", "OrderedReady")
        update = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if isinstance(update, dict) and update.get("type", "RollingUpdate") == "RollingUpdate":
            update.setdefault("type", "RollingUpdate")
            update.setdefault("rollingUpdate", {}).setdefault("partition", 0)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault(
            "persistentVolumeClaimRetentionPolicy",
            {"whenDeleted": "Retain", "whenScaled": "Retain"},
        )

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        errors = self.validate(new)
        mutable = ("replicas", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy")
        mutable += ("minReadySeconds", "ordinals", "revisionHistoryLimit")
        new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
        if {k: v for k, v in new_spec.items() if k not in mutable} != {
            k: v for k, v in old_spec.items() if k not in mutable
        }:
            errors.append(
                field.forbidden(
                    "spec",
                    "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                    "'template', 'updateStrategy', 'revisionHistoryLimit', "
                    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
                )
            )
        return errors


class DaemonSetStrategy(_Workload):
    kind_word = "daemonset"

    def default(self, obj: Object) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        _default_template(spec)
        update = spec.setdefault("updateStrategy", {"type": "RollingUpdate"})
        if (
            isinstance(update, dict)
            and update.setdefault("type", "RollingUpdate") == "RollingUpdate"
        ):
            rolling = update.setdefault("rollingUpdate", {})
            rolling.setdefault("maxUnavailable", 1)
            rolling.setdefault("maxSurge", 0)
        spec.setdefault("revisionHistoryLimit", 10)
