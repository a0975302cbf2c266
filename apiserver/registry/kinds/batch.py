"""Strategies of batch/v1: Job and CronJob.

Defaults follow ``pkg/apis/batch/v1/defaults.go`` with the v1.32 feature gates
(``JobPodReplacementPolicy``, ``JobBackoffLimitPerIndex``, ``JobSuccessPolicy`` and
``JobManagedBy`` are on, so nothing is dropped on create); create and update rules follow
``pkg/registry/batch/{job,cronjob}/strategy.go``; validation follows
``pkg/apis/batch/validation/validation.go``.

A Job without ``manualSelector: true`` gets a selector generated on create: its pod template is
labelled with the Job's name and uid under both the legacy keys (``job-name``,
``controller-uid``) and the ``batch.kubernetes.io/`` ones, and the selector matches the
prefixed uid label. The uid is the object's own, which is why the registry store assigns system
metadata before ``prepare_for_create`` (as upstream's ``Store.Create`` does).

Not here: the strengthened status-transition checks ``JobManagedBy`` enables for ``/status``
writes (only the non-negative counters are checked), the per-index success-policy index
parsing, and warnings.
"""

from __future__ import annotations

from typing import Any, Final

from apiserver.registry.kinds import _gofmt
from apiserver.registry.kinds._common import (
    dig,
    domain_prefixed_path,
    immutable,
    invalid_omitted,
    is_int,
    nonnegative,
)
from apiserver.registry.kinds.core import default_pod_spec, validate_pod_spec
from apiserver.registry.kinds.cron import location_error, schedule_error
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_dns1123_label
from minikube_py.objects import Object
from minikube_py.selectors import (
    SelectorParseError,
    from_label_selector,
    validate_label_selector,
    validate_labels,
)

LEGACY_JOB_NAME_LABEL: Final = "job-name"
JOB_NAME_LABEL: Final = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID_LABEL: Final = "controller-uid"
CONTROLLER_UID_LABEL: Final = "batch.kubernetes.io/controller-uid"

_MAX_PARALLELISM_FOR_INDEXED_JOB: Final = 100_000
_MAX_FAILED_INDEXES_FOR_INDEXED_JOB: Final = 100_000
_COMPLETIONS_SOFT_LIMIT: Final = 100_000
_PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS: Final = 10_000
_MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS: Final = 10_000
_MAX_POD_FAILURE_POLICY_RULES: Final = 20
_MAX_SUCCESS_POLICY_RULES: Final = 20
_MAX_MANAGED_BY_LENGTH: Final = 63
_POD_FAILURE_ACTIONS: Final = ("Count", "FailIndex", "FailJob", "Ignore")
_EXIT_CODE_OPERATORS: Final = ("In", "NotIn")
_CONDITION_STATUSES: Final = ("False", "True", "Unknown")
_POD_REPLACEMENT_POLICIES: Final = ("Failed", "TerminatingOrFailed")
_CONCURRENCY_POLICIES: Final = ("Allow", "Forbid", "Replace")
_MAX_CRONJOB_NAME: Final = 63 - 11  # the controller appends "-<11-digit timestamp>"
_TIME_ZONE_PART_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_0123456789+"
)


# -- defaults ----------------------------------------------------------------------------------


def _default_pod_failure_policy(spec: dict[str, Any]) -> None:
    """``SetDefaults_PodFailurePolicyOnPodConditionsPattern``: status "True"."""
    for rule in dig(spec, "podFailurePolicy", "rules") or ():
        for pattern in dig(rule, "onPodConditions") or ():
            if isinstance(pattern, dict) and not pattern.get("status"):
                pattern["status"] = "True"


def _default_template_spec(spec: dict[str, Any]) -> None:
    """Pod defaults of ``spec.template.spec``; Go defaults the (struct) template even when the
    request has none, so validation then reports its missing containers."""
    template = spec.setdefault("template", {})
    if isinstance(template, dict):
        pod_spec = template.setdefault("spec", {})
        if isinstance(pod_spec, dict):
            default_pod_spec(pod_spec)


def default_job(obj: Object) -> None:
    """``SetDefaults_Job``."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6
    template_labels = dig(spec, "template", "metadata", "labels")
    metadata = obj.setdefault("metadata", {})
    if isinstance(template_labels, dict) and template_labels and not metadata.get("labels"):
        # The same dict, as Go's assignment shares the map: the selector labels generated on
        # create then land in both (which is why a Job shows its controller-uid label).
        metadata["labels"] = template_labels
    if spec.get("completionMode") is None:
        spec["completionMode"] = "NonIndexed"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    _default_pod_failure_policy(spec)
    if spec.get("podReplacementPolicy") is None:
        spec["podReplacementPolicy"] = (
            "Failed" if spec.get("podFailurePolicy") is not None else "TerminatingOrFailed"
        )
    if spec.get("manualSelector") is None:
        spec["manualSelector"] = False
    _default_template_spec(spec)


# -- Job validation ----------------------------------------------------------------------------


def _has_label(labels: Any, path: str, key: str, expected: str) -> list[FieldError]:
    """``ValidateHasLabel``."""
    at = field.key(field.child(path, "labels"), key)
    labels = labels if isinstance(labels, dict) else {}
    if key not in labels:
        return [field.required(at, f"must be '{expected}'")]
    if labels[key] != expected:
        return [
            field.invalid(at, None, f"must be '{expected}'", rendered=_gofmt.string_map(labels))
        ]
    return []


def _validate_generated_selector(obj: Object, require_prefixed: bool) -> list[FieldError]:
    """``validateGeneratedSelector``: the labels and selector generation would have made."""
    spec = obj.get("spec") or {}
    if spec.get("manualSelector") is True or spec.get("selector") is None:
        return []
    metadata = obj.get("metadata") or {}
    uid, name = str(metadata.get("uid") or ""), str(metadata.get("name") or "")
    errors: list[FieldError] = []
    if not uid:
        errors.append(field.required("metadata.uid"))
    labels = dig(spec, "template", "metadata", "labels")
    path = "spec.template.metadata"
    errors += _has_label(labels, path, LEGACY_CONTROLLER_UID_LABEL, uid)
    errors += _has_label(labels, path, LEGACY_JOB_NAME_LABEL, name)
    expected: dict[str, str] = {}
    if require_prefixed:
        errors += _has_label(labels, path, CONTROLLER_UID_LABEL, uid)
        errors += _has_label(labels, path, JOB_NAME_LABEL, name)
        expected[CONTROLLER_UID_LABEL] = uid
        expected[JOB_NAME_LABEL] = name
    expected[LEGACY_CONTROLLER_UID_LABEL] = uid
    expected[LEGACY_JOB_NAME_LABEL] = name
    try:
        selector = from_label_selector(spec["selector"])
    except SelectorParseError:
        return errors
    if not selector.matches(expected):
        errors.append(
            field.invalid(
                "spec.selector",
                None,
                "`selector` not auto-generated",
                rendered=_gofmt.label_selector(spec["selector"]),
            )
        )
    return errors


def _validate_pod_failure_policy(spec: dict[str, Any], path: str) -> list[FieldError]:
    """``validatePodFailurePolicy`` (rules, actions, exit codes, condition patterns)."""
    rules = dig(spec, "podFailurePolicy", "rules") or []
    rules_path = field.child(path, "rules")
    errors: list[FieldError] = []
    if len(rules) > _MAX_POD_FAILURE_POLICY_RULES:
        errors.append(field.too_many(rules_path, len(rules), _MAX_POD_FAILURE_POLICY_RULES))
    containers = {
        c.get("name")
        for key in ("containers", "initContainers")
        for c in dig(spec, "template", "spec", key) or ()
        if isinstance(c, dict)
    }
    for i, rule in enumerate(rules):
        if isinstance(rule, dict):
            errors += _validate_pod_failure_rule(spec, rule, field.index(rules_path, i), containers)
    return errors


def _validate_pod_failure_rule(
    spec: dict[str, Any], rule: dict[str, Any], path: str, containers: set[Any]
) -> list[FieldError]:
    errors: list[FieldError] = []
    action, action_path = rule.get("action") or "", field.child(path, "action")
    if not action:
        errors.append(
            field.required(action_path, f"valid values: {_go_list(_POD_FAILURE_ACTIONS)}")
        )
    elif action == "FailIndex":
        if spec.get("backoffLimitPerIndex") is None:
            errors.append(
                field.invalid(action_path, action, "requires the backoffLimitPerIndex to be set")
            )
    elif action not in _POD_FAILURE_ACTIONS:
        errors.append(field.not_supported(action_path, action, _POD_FAILURE_ACTIONS))
    exit_codes = rule.get("onExitCodes")
    conditions = (
        rule.get("onPodConditions") if isinstance(rule.get("onPodConditions"), list) else []
    )
    if isinstance(exit_codes, dict):
        errors += _validate_on_exit_codes(exit_codes, field.child(path, "onExitCodes"), containers)
    for j, pattern in enumerate(conditions):
        pattern_path = field.index(field.child(path, "onPodConditions"), j)
        status = dig(pattern, "status")
        status_path = field.child(pattern_path, "status")
        if not status:
            errors.append(
                field.required(status_path, f"valid values: {_go_list(_CONDITION_STATUSES)}")
            )
        elif status not in _CONDITION_STATUSES:
            errors.append(field.not_supported(status_path, status, _CONDITION_STATUSES))
    if exit_codes is not None and conditions:
        errors.append(
            invalid_omitted(
                path, "specifying both OnExitCodes and OnPodConditions is not supported"
            )
        )
    if exit_codes is None and not conditions:
        errors.append(
            invalid_omitted(path, "specifying one of OnExitCodes and OnPodConditions is required")
        )
    return errors


def _validate_on_exit_codes(
    requirement: dict[str, Any], path: str, containers: set[Any]
) -> list[FieldError]:
    errors: list[FieldError] = []
    operator, operator_path = requirement.get("operator") or "", field.child(path, "operator")
    if not operator:
        errors.append(
            field.required(operator_path, f"valid values: {_go_list(_EXIT_CODE_OPERATORS)}")
        )
    elif operator not in _EXIT_CODE_OPERATORS:
        errors.append(field.not_supported(operator_path, operator, _EXIT_CODE_OPERATORS))
    container = requirement.get("containerName")
    if container is not None and container not in containers:
        errors.append(
            field.invalid(
                field.child(path, "containerName"),
                container,
                "must be one of the container or initContainer names in the pod template",
            )
        )
    values, values_path = requirement.get("values") or [], field.child(path, "values")
    if not values:
        errors.append(
            field.invalid(
                values_path,
                None,
                "at least one value is required",
                rendered="[]int32(nil)" if requirement.get("values") is None else "[]int32{}",
            )
        )
    elif len(values) > 255:
        errors.append(field.too_many(values_path, len(values), 255))
    seen: set[Any] = set()
    ordered = True
    for j, value in enumerate(values):
        at = field.index(values_path, j)
        if operator == "In" and value == 0:
            errors.append(field.invalid(at, value, "must not be 0 for the In operator"))
        if value in seen:
            errors.append(field.duplicate(at, value))
        seen.add(value)
        if j > 0 and is_int(value) and is_int(values[j - 1]) and values[j - 1] > value:
            ordered = False
    if not ordered:
        shown = "[]int32{" + ", ".join(str(v) for v in values) + "}"
        errors.append(field.invalid(values_path, None, "must be ordered", rendered=shown))
    return errors


def _go_list(values: tuple[str, ...]) -> str:
    """``%q`` of a sorted ``[]string``."""
    return "[" + " ".join(f'"{v}"' for v in values) + "]"


def _validate_job_spec_fields(spec: Any, path: str) -> list[FieldError]:
    """``validateJobSpec``: everything but the selector (also used for CronJob templates)."""
    if not isinstance(spec, dict):
        spec = {}
    errors: list[FieldError] = []
    for name in (
        "parallelism",
        "completions",
        "activeDeadlineSeconds",
        "backoffLimit",
        "ttlSecondsAfterFinished",
        "backoffLimitPerIndex",
    ):
        errors += nonnegative(field.child(path, name), spec.get(name))
    max_failed = spec.get("maxFailedIndexes")
    if max_failed is not None:
        errors += nonnegative(field.child(path, "maxFailedIndexes"), max_failed)
        if spec.get("backoffLimitPerIndex") is None:
            errors.append(
                field.required(
                    field.child(path, "backoffLimitPerIndex"), "when maxFailedIndexes is specified"
                )
            )
    managed_by = spec.get("managedBy")
    if isinstance(managed_by, str):
        errors += domain_prefixed_path(field.child(path, "managedBy"), managed_by)
        if len(managed_by) > _MAX_MANAGED_BY_LENGTH:
            errors.append(field.too_long(field.child(path, "managedBy"), _MAX_MANAGED_BY_LENGTH))
    errors += _validate_completion_mode(spec, path)
    if spec.get("podFailurePolicy") is not None:
        errors += _validate_pod_failure_policy(spec, field.child(path, "podFailurePolicy"))
    if spec.get("successPolicy") is not None:
        errors += _validate_success_policy(spec, field.child(path, "successPolicy"))
    errors += _validate_pod_replacement_policy(spec, field.child(path, "podReplacementPolicy"))
    template = spec.get("template") if isinstance(spec.get("template"), dict) else {}
    template_path = field.child(path, "template")
    labels = dig(template, "metadata", "labels")
    errors += validate_labels(
        labels if isinstance(labels, dict) else None, field.child(template_path, "labels")
    )
    pod_spec = template.get("spec")
    errors += validate_pod_spec(pod_spec if pod_spec is not None else {}, f"{template_path}.spec")
    errors += _validate_restart_policy(spec, template_path)
    return errors


def _validate_completion_mode(spec: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    mode = spec.get("completionMode")
    completions, parallelism = spec.get("completions"), spec.get("parallelism")
    max_failed = spec.get("maxFailedIndexes")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        errors.append(
            field.not_supported(
                field.child(path, "completionMode"), mode, ["NonIndexed", "Indexed"]
            )
        )
    if mode == "Indexed":
        if completions is None:
            errors.append(
                field.required(field.child(path, "completions"), "when completion mode is Indexed")
            )
        if is_int(parallelism) and parallelism > _MAX_PARALLELISM_FOR_INDEXED_JOB:
            errors.append(
                field.invalid(
                    field.child(path, "parallelism"),
                    parallelism,
                    f"must be less than or equal to {_MAX_PARALLELISM_FOR_INDEXED_JOB} when "
                    "completion mode is Indexed",
                )
            )
        if is_int(completions) and is_int(max_failed) and max_failed > completions:
            errors.append(
                field.invalid(
                    field.child(path, "maxFailedIndexes"),
                    max_failed,
                    "must be less than or equal to completions",
                )
            )
        if is_int(max_failed) and max_failed > _MAX_FAILED_INDEXES_FOR_INDEXED_JOB:
            errors.append(
                field.invalid(
                    field.child(path, "maxFailedIndexes"),
                    max_failed,
                    f"must be less than or equal to {_MAX_FAILED_INDEXES_FOR_INDEXED_JOB}",
                )
            )
        if (
            is_int(completions)
            and completions > _COMPLETIONS_SOFT_LIMIT
            and spec.get("backoffLimitPerIndex") is not None
        ):
            errors += _validate_high_completions(spec, path)
    if mode in (None, "NonIndexed"):
        for name in ("backoffLimitPerIndex", "maxFailedIndexes"):
            if spec.get(name) is not None:
                errors.append(
                    field.invalid(
                        field.child(path, name), spec[name], "requires indexed completion mode"
                    )
                )
    return errors


def _validate_high_completions(spec: dict[str, Any], path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    max_failed, parallelism = spec.get("maxFailedIndexes"), spec.get("parallelism")
    suffix = f"when completions are above {_COMPLETIONS_SOFT_LIMIT} and used with backoff limit "
    suffix += "per index"
    if max_failed is None:
        errors.append(
            field.required(
                field.child(path, "maxFailedIndexes"),
                f"must be specified when completions is above {_COMPLETIONS_SOFT_LIMIT}",
            )
        )
    if is_int(parallelism) and parallelism > _PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS:
        errors.append(
            field.invalid(
                field.child(path, "parallelism"),
                parallelism,
                f"must be less than or equal to {_PARALLELISM_LIMIT_FOR_HIGH_COMPLETIONS} {suffix}",
            )
        )
    if is_int(max_failed) and max_failed > _MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS:
        errors.append(
            field.invalid(
                field.child(path, "maxFailedIndexes"),
                max_failed,
                f"must be less than or equal to {_MAX_FAILED_INDEXES_LIMIT_FOR_HIGH_COMPLETIONS} "
                + suffix,
            )
        )
    return errors


def _validate_success_policy(spec: dict[str, Any], path: str) -> list[FieldError]:
    """``successPolicy`` needs Indexed completion and at least one rule (the index-list syntax
    of ``succeededIndexes`` is not parsed)."""
    policy = spec.get("successPolicy")
    if spec.get("completionMode", "NonIndexed") != "Indexed":
        return [
            field.invalid(
                path,
                None,
                "requires indexed completion mode",
                rendered=_gofmt.elided_struct("batch.SuccessPolicy", policy),
            )
        ]
    rules = dig(policy, "rules") or []
    rules_path = field.child(path, "rules")
    errors: list[FieldError] = []
    if not rules:
        errors.append(
            field.required(
                rules_path,
                "at least one rules must be specified when the successPolicy is specified",
            )
        )
    if len(rules) > _MAX_SUCCESS_POLICY_RULES:
        errors.append(field.too_many(rules_path, len(rules), _MAX_SUCCESS_POLICY_RULES))
    completions = spec.get("completions")
    for i, rule in enumerate(rules):
        rule_path = field.index(rules_path, i)
        rule = rule if isinstance(rule, dict) else {}
        count = rule.get("succeededCount")
        if count is None and rule.get("succeededIndexes") is None:
            errors.append(
                field.required(
                    rule_path,
                    "at least one of succeededCount or succeededIndexes must be specified",
                )
            )
        if is_int(count):
            count_path = field.child(rule_path, "succeededCount")
            errors += nonnegative(count_path, count)
            if is_int(completions) and count > completions:
                errors.append(
                    field.invalid(
                        count_path,
                        count,
                        f"must be less than or equal to {completions} (the number of specified "
                        "completions)",
                    )
                )
    return errors


def _validate_pod_replacement_policy(spec: dict[str, Any], path: str) -> list[FieldError]:
    policy = spec.get("podReplacementPolicy")
    if policy is None:
        return []
    if spec.get("podFailurePolicy") is not None:
        if policy != "Failed":
            return [field.not_supported(path, policy, ["Failed"])]
    elif policy not in _POD_REPLACEMENT_POLICIES:
        return [field.not_supported(path, policy, _POD_REPLACEMENT_POLICIES)]
    return []


def _validate_restart_policy(spec: dict[str, Any], template_path: str) -> list[FieldError]:
    """A Job's pods must not restart in place forever: OnFailure or Never."""
    policy = dig(spec, "template", "spec", "restartPolicy") or ""
    path = f"{template_path}.spec.restartPolicy"
    if policy in ("Always", ""):
        return [field.required(path, 'valid values: "OnFailure", "Never"')]
    if policy not in ("OnFailure", "Never"):
        return [field.not_supported(path, policy, ["OnFailure", "Never"])]
    if spec.get("podFailurePolicy") is not None and policy != "Never":
        return [
            field.invalid(
                path, policy, 'only "Never" is supported when podFailurePolicy is specified'
            )
        ]
    return []


def _validate_job_spec(spec: Any, path: str) -> list[FieldError]:
    """``ValidateJobSpec``: the fields, a valid selector, and a template it selects."""
    errors = _validate_job_spec_fields(spec, path)
    spec = spec if isinstance(spec, dict) else {}
    selector = spec.get("selector")
    selector_path = field.child(path, "selector")
    if selector is None:
        errors.append(field.required(selector_path))
    elif isinstance(selector, dict):
        errors += validate_label_selector(selector, selector_path)
    labels = dig(spec, "template", "metadata", "labels")
    try:
        parsed = from_label_selector(selector if isinstance(selector, dict) else None)
    except SelectorParseError:
        return errors
    if not parsed.matches(labels if isinstance(labels, dict) else {}):
        errors.append(
            field.invalid(
                f"{path}.template.metadata.labels",
                None,
                "`selector` does not match template `labels`",
                rendered=_gofmt.string_map(labels),
            )
        )
    return errors


def validate_job(obj: Object, *, require_prefixed_labels: bool = True) -> list[FieldError]:
    """``ValidateJob`` (object metadata is validated by the store)."""
    errors = _validate_generated_selector(obj, require_prefixed_labels)
    spec = obj.get("spec")
    errors += _validate_job_spec(spec, "spec")
    spec = spec if isinstance(spec, dict) else {}
    completions = spec.get("completions")
    if spec.get("completionMode") == "Indexed" and is_int(completions) and completions > 0:
        name = str((obj.get("metadata") or {}).get("name") or "")
        hostname = f"{name}-{completions - 1}"
        if is_dns1123_label(hostname):
            errors.append(
                field.invalid(
                    "metadata.name",
                    name,
                    f"will not able to create pod with invalid DNS label: {hostname}",
                )
            )
    return errors


def generate_selector(obj: Object) -> None:
    """``generateSelector``: label the template with the Job's name and uid, select the uid."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return
    metadata = obj.get("metadata") or {}
    name, uid = str(metadata.get("name") or ""), str(metadata.get("uid") or "")
    template = spec.setdefault("template", {})
    if not isinstance(template, dict):
        return
    template_meta = template.setdefault("metadata", {})
    if not isinstance(template_meta, dict):
        return
    labels = template_meta.get("labels")
    if not isinstance(labels, dict):
        labels = template_meta["labels"] = {}
    for key in (LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL):
        labels.setdefault(key, name)
    for key in (LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL):
        labels.setdefault(key, uid)
    selector = spec.get("selector")
    if not isinstance(selector, dict):
        selector = spec["selector"] = {}
    match_labels = selector.get("matchLabels")
    if not isinstance(match_labels, dict):
        match_labels = selector["matchLabels"] = {}
    match_labels.setdefault(CONTROLLER_UID_LABEL, uid)


def _validate_template_update(
    new_spec: dict[str, Any], old_spec: dict[str, Any], old: Object
) -> list[FieldError]:
    """``validatePodTemplateUpdate``: immutable, except the scheduling directives of a Job that
    is suspended and never started."""
    template, old_template = new_spec.get("template"), old_spec.get("template")
    suspended = old_spec.get("suspend") is True
    never_started = not dig(old, "status", "startTime")
    if suspended and never_started and isinstance(old_template, dict):
        old_template = _with_scheduling_directives_of(old_template, template)
    return immutable(
        "spec.template",
        template,
        old_template,
        rendered=_gofmt.elided_struct("core.PodTemplateSpec", template),
    )


def _with_scheduling_directives_of(old: dict[str, Any], new: Any) -> dict[str, Any]:
    """``old`` with ``new``'s node selector, node affinity, tolerations, scheduling gates and
    template labels and annotations, so only other changes count."""
    new = new if isinstance(new, dict) else {}
    result = {
        **old,
        "metadata": {**(old.get("metadata") or {})},
        "spec": {**(old.get("spec") or {})},
    }
    new_meta, new_pod = new.get("metadata") or {}, new.get("spec") or {}
    for key in ("labels", "annotations"):
        _copy_key(result["metadata"], new_meta, key)
    for key in ("nodeSelector", "tolerations", "schedulingGates"):
        _copy_key(result["spec"], new_pod, key)
    old_affinity, new_affinity = result["spec"].get("affinity"), new_pod.get("affinity")
    if isinstance(old_affinity, dict) or isinstance(new_affinity, dict):
        merged = {**(old_affinity or {})} if isinstance(old_affinity, dict) else {}
        _copy_key(merged, new_affinity if isinstance(new_affinity, dict) else {}, "nodeAffinity")
        if merged or new_affinity is not None:
            result["spec"]["affinity"] = merged
        else:
            result["spec"].pop("affinity", None)
    if not result["metadata"]:
        del result["metadata"]
    return result


def _copy_key(target: dict[str, Any], source: dict[str, Any], key: str) -> None:
    if key in source:
        target[key] = source[key]
    else:
        target.pop(key, None)


class JobStrategy(Strategy):
    has_status = True
    generation = "spec"
    selectable = ("status.successful",)

    def default(self, obj: Object) -> None:
        default_job(obj)

    def prepare_for_create(self, obj: Object) -> None:
        spec = obj.get("spec")
        if isinstance(spec, dict) and spec.get("manualSelector") is not True:
            generate_selector(obj)
        metadata = obj.setdefault("metadata", {})
        template_labels = dig(spec, "template", "metadata", "labels")
        if (
            isinstance(template_labels, dict)
            and template_labels
            and (metadata.get("labels") is template_labels or not metadata.get("labels"))
        ):
            # what every read shows: upstream re-runs SetDefaults_Job when decoding from etcd
            metadata["labels"] = dict(template_labels)
        super().prepare_for_create(obj)

    def prepare_for_update(self, new: Object, old: Object) -> None:
        metadata = new.get("metadata") or {}
        labels = metadata.get("labels")
        if labels is not None and labels is dig(new, "spec", "template", "metadata", "labels"):
            metadata["labels"] = dict(labels)  # shared by default_job; stored apart
        super().prepare_for_update(new, old)

    def validate(self, obj: Object) -> list[FieldError]:
        return validate_job(obj)

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        old_labels = dig(old, "spec", "template", "metadata", "labels") or {}
        prefixed = JOB_NAME_LABEL in old_labels and CONTROLLER_UID_LABEL in old_labels
        errors = validate_job(new, require_prefixed_labels=prefixed)
        new_spec = new.get("spec") if isinstance(new.get("spec"), dict) else {}
        old_spec = old.get("spec") if isinstance(old.get("spec"), dict) else {}
        errors += _validate_completions_update(new_spec, old_spec)
        errors += immutable(
            "spec.selector",
            new_spec.get("selector"),
            old_spec.get("selector"),
            rendered=_gofmt.label_selector(new_spec.get("selector")),
        )
        errors += _validate_template_update(new_spec, old_spec, old)
        errors += immutable(
            "spec.completionMode", new_spec.get("completionMode"), old_spec.get("completionMode")
        )
        errors += immutable(
            "spec.podFailurePolicy",
            new_spec.get("podFailurePolicy"),
            old_spec.get("podFailurePolicy"),
            rendered=_gofmt.elided_struct(
                "batch.PodFailurePolicy", new_spec.get("podFailurePolicy")
            ),
        )
        for name in ("backoffLimitPerIndex", "managedBy"):
            errors += immutable(f"spec.{name}", new_spec.get(name), old_spec.get(name))
        errors += immutable(
            "spec.successPolicy",
            new_spec.get("successPolicy"),
            old_spec.get("successPolicy"),
            rendered=_gofmt.elided_struct("batch.SuccessPolicy", new_spec.get("successPolicy")),
        )
        return errors

    def validate_status_update(self, new: Object, old: Object) -> list[FieldError]:
        status = new.get("status") if isinstance(new.get("status"), dict) else {}
        errors: list[FieldError] = []
        for name in ("active", "succeeded", "failed", "ready", "terminating"):
            errors += nonnegative(f"status.{name}", status.get(name))
        return errors

    def fields(self, obj: Object) -> dict[str, str]:
        fields = super().fields(obj)
        succeeded = dig(obj, "status", "succeeded")
        fields["status.successful"] = str(succeeded if is_int(succeeded) else 0)
        return fields


def _validate_completions_update(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """``validateCompletions``: immutable, except that an Indexed Job may scale completions
    together with parallelism (elastic Indexed Jobs)."""
    completions = new.get("completions")
    if new.get("completionMode") != "Indexed":
        return immutable("spec.completions", completions, old.get("completions"))
    if completions == old.get("completions") or completions is None:
        return []
    if completions != new.get("parallelism"):
        return [
            field.invalid(
                "spec.completions",
                completions,
                "can only be modified in tandem with spec.parallelism",
            )
        ]
    return []


# -- CronJob -----------------------------------------------------------------------------------


def _validate_schedule(
    schedule: str, allow_tz: bool, time_zone: Any, path: str
) -> list[FieldError]:
    """``validateScheduleFormat``: parses, and names no time zone unless it already did."""
    errors: list[FieldError] = []
    problem = schedule_error(schedule)
    if problem is not None:
        errors.append(field.invalid(path, schedule, problem))
    if allow_tz and "TZ" in schedule and time_zone is not None:
        errors.append(
            field.invalid(
                path, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule"
            )
        )
    elif not allow_tz and "TZ" in schedule:
        errors.append(
            field.invalid(
                path, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"
            )
        )
    return errors


def _validate_time_zone(time_zone: Any, path: str) -> list[FieldError]:
    """``validateTimeZone``: an IANA name the system tz database knows, never "Local"."""
    if time_zone is None or not isinstance(time_zone, str):
        return []
    if not time_zone:
        return [field.invalid(path, time_zone, "timeZone must be nil or non-empty string")]
    for part in time_zone.split("/"):
        if (
            part in (".", "..")
            or part.startswith("-")
            or not 1 <= len(part) <= 14
            or not set(part) <= _TIME_ZONE_PART_CHARS
        ):
            return [field.invalid(path, time_zone, f"unknown time zone {time_zone}")]
    errors: list[FieldError] = []
    if time_zone.lower() == "local":
        errors.append(
            field.invalid(
                path,
                time_zone,
                "timeZone must be an explicit time zone as defined in "
                "https://www.iana.org/time-zones",
            )
        )
    problem = location_error(time_zone) if time_zone != "Local" else None
    if problem is not None:
        errors.append(field.invalid(path, time_zone, problem))
    return errors


def _validate_job_template_spec(template: Any, path: str) -> list[FieldError]:
    """``ValidateJobTemplateSpec``: a Job spec whose selector will be generated."""
    spec = dig(template, "spec")
    spec_path = field.child(path, "spec")
    errors = _validate_job_spec_fields(spec, spec_path)
    spec = spec if isinstance(spec, dict) else {}
    if spec.get("selector") is not None:
        errors.append(
            field.invalid(
                field.child(spec_path, "selector"),
                None,
                "`selector` will be auto-generated",
                rendered=_gofmt.label_selector(spec["selector"]),
            )
        )
    if spec.get("manualSelector") is True:
        errors.append(
            field.not_supported(field.child(spec_path, "manualSelector"), True, ["nil", "false"])
        )
    return errors


def _validate_cronjob_spec(spec: Any, old_spec: dict[str, Any] | None) -> list[FieldError]:
    """``validateCronJobSpec``."""
    spec = spec if isinstance(spec, dict) else {}
    errors: list[FieldError] = []
    schedule = spec.get("schedule")
    if not schedule:
        errors.append(field.required("spec.schedule"))
    elif isinstance(schedule, str):
        allow_tz = old_spec is not None and "TZ" in str(old_spec.get("schedule") or "")
        errors += _validate_schedule(schedule, allow_tz, spec.get("timeZone"), "spec.schedule")
    errors += nonnegative("spec.startingDeadlineSeconds", spec.get("startingDeadlineSeconds"))
    if old_spec is None or old_spec.get("timeZone") != spec.get("timeZone"):
        errors += _validate_time_zone(spec.get("timeZone"), "spec.timeZone")
    policy = spec.get("concurrencyPolicy") or ""
    if not policy:
        errors.append(field.required("spec.concurrencyPolicy"))
    elif policy not in _CONCURRENCY_POLICIES:
        errors.append(field.not_supported("spec.concurrencyPolicy", policy, _CONCURRENCY_POLICIES))
    errors += _validate_job_template_spec(spec.get("jobTemplate"), "spec.jobTemplate")
    for name in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        errors += nonnegative(f"spec.{name}", spec.get(name))
    return errors


class CronJobStrategy(Strategy):
    has_status = True
    generation = "spec"

    def default(self, obj: Object) -> None:
        """``SetDefaults_CronJob`` and the pod defaults of the job template (a CronJob's job
        template gets no Job defaults: those apply when the controller creates the Job)."""
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        if not spec.get("concurrencyPolicy"):
            spec["concurrencyPolicy"] = "Allow"
        if spec.get("suspend") is None:
            spec["suspend"] = False
        if spec.get("successfulJobsHistoryLimit") is None:
            spec["successfulJobsHistoryLimit"] = 3
        if spec.get("failedJobsHistoryLimit") is None:
            spec["failedJobsHistoryLimit"] = 1
        job_template = spec.setdefault("jobTemplate", {})
        if isinstance(job_template, dict):
            job_spec = job_template.setdefault("spec", {})
            if isinstance(job_spec, dict):
                _default_pod_failure_policy(job_spec)
                _default_template_spec(job_spec)

    def validate(self, obj: Object) -> list[FieldError]:
        errors = _validate_cronjob_spec(obj.get("spec"), None)
        name = str((obj.get("metadata") or {}).get("name") or "")
        if len(name) > _MAX_CRONJOB_NAME:
            errors.append(
                field.invalid(
                    "metadata.name", name, f"must be no more than {_MAX_CRONJOB_NAME} characters"
                )
            )
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """Names longer than 52 characters stay updatable (and deletable)."""
        old_spec = old.get("spec") if isinstance(old.get("spec"), dict) else {}
        return _validate_cronjob_spec(new.get("spec"), old_spec)


__all__ = [
    "CONTROLLER_UID_LABEL",
    "JOB_NAME_LABEL",
    "LEGACY_CONTROLLER_UID_LABEL",
    "LEGACY_JOB_NAME_LABEL",
    "CronJobStrategy",
    "JobStrategy",
    "default_job",
    "generate_selector",
    "validate_job",
]
