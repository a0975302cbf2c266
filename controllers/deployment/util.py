"""Deployment arithmetic and bookkeeping: the helpers every phase of the controller shares.

Upstream: ``pkg/controller/deployment/util/deployment_util.go`` (annotations, conditions,
``FindNewReplicaSet``/``FindOldReplicaSets``, ``NewRSNewReplicas``, ``MaxSurge``/
``MaxUnavailable``/``ResolveFenceposts``, ``GetProportion``, ``IsSaturated``,
``DeploymentComplete``/``DeploymentProgressing``/``DeploymentTimedOut``, ``EqualIgnoreHash``),
``pkg/controller/controller_utils.go`` (``ComputeHash``, the ReplicaSet orderings,
``FilterActiveReplicaSets``) and ``k8s.io/apimachinery/pkg/util/intstr``
(``GetScaledValueFromIntOrPercent``).

Objects are plain dicts as the API returns them; every function here tolerates missing or
malformed fields (the API server validates, but a controller must never crash on bad input):
an unparsable number counts as absent, an unparsable percentage as zero.

Rounding, as upstream: ``maxSurge`` percentages round **up**, ``maxUnavailable`` percentages
round **down**, and when both resolve to zero ``maxUnavailable`` becomes 1 (so a rollout can
always make progress). With 10 replicas, ``25%``/``25%`` gives surge 3, unavailable 2.

The pod-template-hash is upstream's recipe -- FNV-32a over the template, then the collision
count as 8 little-endian bytes, the decimal ``uint32`` mapped through ``SafeEncodeString``'s
alphabet -- except that the bytes hashed are the template's canonical JSON (sorted keys)
instead of Go's ``%#v`` dump of the typed struct, which cannot be reproduced from JSON. Names
therefore look like upstream's (``web-7c5ddbdf54``) without being the same strings.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import msgspec

from minikube_py.clock import parse_time
from minikube_py.objects import Object, deep_copy

# -- annotations and labels -----------------------------------------------------------------------

#: ``apps.DefaultDeploymentUniqueLabelKey``
POD_TEMPLATE_HASH_LABEL = "pod-template-hash"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
REVISION_HISTORY_ANNOTATION = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS_ANNOTATION = "deployment.kubernetes.io/max-replicas"
#: ``apps.DeprecatedRollbackTo``: how apps/v1 round-trips extensions/v1beta1 ``spec.rollbackTo``
DEPRECATED_ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED_CONFIG_ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
#: ``maxRevHistoryLengthInChars``
MAX_REV_HISTORY_LENGTH_IN_CHARS = 2000

#: annotations never copied from a Deployment to its ReplicaSets (``annotationsToSkip``)
ANNOTATIONS_TO_SKIP = frozenset(
    {
        LAST_APPLIED_CONFIG_ANNOTATION,
        REVISION_ANNOTATION,
        REVISION_HISTORY_ANNOTATION,
        DESIRED_REPLICAS_ANNOTATION,
        MAX_REPLICAS_ANNOTATION,
        DEPRECATED_ROLLBACK_TO,
    }
)

# -- condition types and reasons ------------------------------------------------------------------

AVAILABLE = "Available"
PROGRESSING = "Progressing"
REPLICA_FAILURE = "ReplicaFailure"

REPLICA_SET_UPDATED_REASON = "ReplicaSetUpdated"
FAILED_RS_CREATE_REASON = "ReplicaSetCreateError"
NEW_REPLICA_SET_REASON = "NewReplicaSetCreated"
FOUND_NEW_RS_REASON = "FoundNewReplicaSet"
NEW_RS_AVAILABLE_REASON = "NewReplicaSetAvailable"
TIMED_OUT_REASON = "ProgressDeadlineExceeded"
PAUSED_DEPLOY_REASON = "DeploymentPaused"
RESUMED_DEPLOY_REASON = "DeploymentResumed"
MINIMUM_REPLICAS_AVAILABLE = "MinimumReplicasAvailable"
MINIMUM_REPLICAS_UNAVAILABLE = "MinimumReplicasUnavailable"

ROLLBACK_REVISION_NOT_FOUND = "DeploymentRollbackRevisionNotFound"
ROLLBACK_TEMPLATE_UNCHANGED = "DeploymentRollbackTemplateUnchanged"
ROLLBACK_DONE = "DeploymentRollback"

ROLLING_UPDATE = "RollingUpdate"
RECREATE = "Recreate"

_MAX_INT32 = 2**31 - 1
_SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"

Condition = dict[str, Any]


# -- small accessors -------------------------------------------------------------------------------


def meta(obj: Object | None) -> dict[str, Any]:
    return (obj or {}).get("metadata") or {}


def spec(obj: Object | None) -> dict[str, Any]:
    value = (obj or {}).get("spec")
    return value if isinstance(value, dict) else {}


def status(obj: Object | None) -> dict[str, Any]:
    value = (obj or {}).get("status")
    return value if isinstance(value, dict) else {}


def annotations(obj: Object | None) -> dict[str, str]:
    value = meta(obj).get("annotations")
    return value if isinstance(value, dict) else {}


def _int(value: Any, default: int = 0) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    return default


def replicas(obj: Object | None) -> int:
    """``*x.Spec.Replicas`` (defaulted to 1 by the API)."""
    value = spec(obj).get("replicas")
    return 1 if value is None else max(_int(value, 1), 0)


def status_int(obj: Object | None, field: str) -> int:
    return _int(status(obj).get(field))


def uid(obj: Object | None) -> str:
    return meta(obj).get("uid") or ""


def name(obj: Object | None) -> str:
    return meta(obj).get("name") or ""


def parse_go_int(text: Any) -> int | None:
    """``strconv.ParseInt(s, 10, 64)``/``Atoi``: an integer string, or None."""
    if not isinstance(text, str) or not text:
        return None
    body = text[1:] if text[0] in "+-" else text
    if not body.isdigit() or not body.isascii():
        return None
    return int(text)


# -- strategy parameters ---------------------------------------------------------------------------


def strategy_type(d: Object) -> str:
    strategy = spec(d).get("strategy")
    kind = strategy.get("type") if isinstance(strategy, dict) else None
    return kind or ROLLING_UPDATE


def is_rolling_update(d: Object) -> bool:
    return strategy_type(d) == ROLLING_UPDATE


def get_scaled_value_from_int_or_percent(value: Any, total: int, round_up: bool) -> int | None:
    """``intstr.GetScaledValueFromIntOrPercent``; None for a value that is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.endswith("%"):
        percent = parse_go_int(value[:-1])
        if percent is None:
            return None
        scaled = percent * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    return None


def resolve_fenceposts(max_surge: Any, max_unavailable: Any, desired: int) -> tuple[int, int]:
    """``ResolveFenceposts``: (surge, unavailable) for ``desired`` replicas."""
    surge = get_scaled_value_from_int_or_percent(
        0 if max_surge is None else max_surge, desired, True
    )
    unavailable = get_scaled_value_from_int_or_percent(
        0 if max_unavailable is None else max_unavailable, desired, False
    )
    surge = max(surge or 0, 0)
    unavailable = max(unavailable or 0, 0)
    if surge == 0 and unavailable == 0:
        # validation forbids both zero, but rounding down can make maxUnavailable zero
        unavailable = 1
    return surge, unavailable


def _rolling_params(d: Object) -> tuple[Any, Any]:
    strategy = spec(d).get("strategy")
    rolling = strategy.get("rollingUpdate") if isinstance(strategy, dict) else None
    if not isinstance(rolling, dict):
        return None, None
    return rolling.get("maxSurge"), rolling.get("maxUnavailable")


def max_surge(d: Object) -> int:
    """``MaxSurge``: zero for Recreate."""
    if not is_rolling_update(d):
        return 0
    surge, _ = resolve_fenceposts(*_rolling_params(d), replicas(d))
    return surge


def max_unavailable(d: Object) -> int:
    """``MaxUnavailable``: zero for Recreate or zero replicas, at most ``spec.replicas``."""
    desired = replicas(d)
    if not is_rolling_update(d) or desired == 0:
        return 0
    _, unavailable = resolve_fenceposts(*_rolling_params(d), desired)
    return min(unavailable, desired)


def has_progress_deadline(d: Object) -> bool:
    value = spec(d).get("progressDeadlineSeconds")
    return isinstance(value, int) and not isinstance(value, bool) and value != _MAX_INT32


def progress_deadline_seconds(d: Object) -> int:
    return _int(spec(d).get("progressDeadlineSeconds"))


def has_revision_history_limit(d: Object) -> bool:
    value = spec(d).get("revisionHistoryLimit")
    return isinstance(value, int) and not isinstance(value, bool) and value != _MAX_INT32


def min_ready_seconds(obj: Object) -> int:
    return max(_int(spec(obj).get("minReadySeconds")), 0)


# -- conditions ------------------------------------------------------------------------------------


def new_deployment_condition(
    kind: str, condition_status: str, reason: str, message: str, now: str
) -> Condition:
    """``NewDeploymentCondition``: both times are now."""
    return {
        "type": kind,
        "status": condition_status,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def get_deployment_condition(deployment_status: dict[str, Any], kind: str) -> Condition | None:
    for condition in deployment_status.get("conditions") or ():
        if isinstance(condition, dict) and condition.get("type") == kind:
            return condition
    return None


def set_deployment_condition(deployment_status: dict[str, Any], condition: Condition) -> None:
    """``SetDeploymentCondition``: a condition with the same status and reason is left alone;
    one with the same status keeps its ``lastTransitionTime``; it moves to the end."""
    current = get_deployment_condition(deployment_status, condition["type"])
    if (
        current is not None
        and current.get("status") == condition["status"]
        and current.get("reason") == condition["reason"]
    ):
        return
    if current is not None and current.get("status") == condition["status"]:
        condition = {**condition, "lastTransitionTime": current.get("lastTransitionTime")}
    kept = filter_out_condition(deployment_status.get("conditions"), condition["type"])
    deployment_status["conditions"] = [*kept, condition]


def remove_deployment_condition(deployment_status: dict[str, Any], kind: str) -> None:
    kept = filter_out_condition(deployment_status.get("conditions"), kind)
    if kept:
        deployment_status["conditions"] = kept
    else:
        deployment_status.pop("conditions", None)


def filter_out_condition(conditions: Any, kind: str) -> list[Condition]:
    return [c for c in conditions or () if isinstance(c, dict) and c.get("type") != kind]


def replica_set_to_deployment_condition(condition: Condition) -> Condition:
    """``ReplicaSetToDeploymentCondition``."""
    return {
        "type": condition.get("type", ""),
        "status": condition.get("status", ""),
        "lastUpdateTime": condition.get("lastTransitionTime"),
        "lastTransitionTime": condition.get("lastTransitionTime"),
        "reason": condition.get("reason", ""),
        "message": condition.get("message", ""),
    }


# -- revisions and annotations ---------------------------------------------------------------------


def revision(obj: Object) -> int | None:
    """``Revision``: 0 without the annotation, None when it is not a number."""
    text = annotations(obj).get(REVISION_ANNOTATION)
    if text is None:
        return 0
    return parse_go_int(text)


def max_revision(rss: Iterable[Object | None]) -> int:
    """``MaxRevision``: replica sets whose revision cannot be parsed are skipped."""
    highest = 0
    for rs in rss:
        if rs is None:
            continue
        value = revision(rs)
        if value is not None and value > highest:
            highest = value
    return highest


def last_revision(rss: Iterable[Object | None]) -> int:
    """``LastRevision``: the second highest revision."""
    highest = second = 0
    for rs in rss:
        if rs is None:
            continue
        value = revision(rs)
        if value is None:
            continue
        if value >= highest:
            second, highest = highest, value
        elif value > second:
            second = value
    return second


def set_deployment_revision(d: Object, new_revision: str) -> bool:
    """``SetDeploymentRevision``."""
    metadata = d.setdefault("metadata", {})
    notes = metadata.get("annotations")
    if not isinstance(notes, dict):
        notes = metadata["annotations"] = {}
    if notes.get(REVISION_ANNOTATION) != new_revision:
        notes[REVISION_ANNOTATION] = new_revision
        return True
    return False


def _rs_annotations(rs: Object) -> dict[str, str]:
    metadata = rs.setdefault("metadata", {})
    notes = metadata.get("annotations")
    if not isinstance(notes, dict):
        notes = metadata["annotations"] = {}
    return notes


def copy_deployment_annotations_to_replica_set(d: Object, rs: Object) -> bool:
    """``copyDeploymentAnnotationsToReplicaSet``: all but :data:`ANNOTATIONS_TO_SKIP`."""
    changed = False
    target = _rs_annotations(rs)
    for key, value in annotations(d).items():
        if key in ANNOTATIONS_TO_SKIP or target.get(key) == value:
            continue
        target[key] = value
        changed = True
    return changed


def set_new_replica_set_annotations(
    d: Object, new_rs: Object, new_revision: str, exists: bool, rev_history_limit_in_chars: int
) -> bool:
    """``SetNewReplicaSetAnnotations``: copy the Deployment's annotations, raise the revision
    (recording the replaced one in ``revision-history``), and, for a replica set about to be
    created, the desired/max replicas. True when an annotation changed."""
    changed = copy_deployment_annotations_to_replica_set(d, new_rs)
    notes = _rs_annotations(new_rs)
    old_revision = notes.get(REVISION_ANNOTATION)
    had_revision = old_revision is not None
    old_value = parse_go_int(old_revision) if old_revision else 0
    if old_value is None:
        return False  # not a number: leave it (upstream logs and gives up)
    new_value = parse_go_int(new_revision)
    if new_value is None:
        return False
    if old_value < new_value:
        notes[REVISION_ANNOTATION] = new_revision
        changed = True
    # a replica set that had a revision and gets a newer one is being rolled back to: keep the
    # revisions it served before, within a length limit
    if had_revision and old_value < new_value and old_revision:
        history = notes.get(REVISION_HISTORY_ANNOTATION) or ""
        old_revisions = history.split(",")
        if not old_revisions[0]:
            notes[REVISION_HISTORY_ANNOTATION] = old_revision
        else:
            total = len(history) + len(old_revision) + 1
            start = 0
            while total > rev_history_limit_in_chars and start < len(old_revisions):
                total -= len(old_revisions[start]) + 1
                start += 1
            if total <= rev_history_limit_in_chars:
                notes[REVISION_HISTORY_ANNOTATION] = ",".join(
                    [*old_revisions[start:], old_revision]
                )
    if not exists and set_replicas_annotations(new_rs, replicas(d), replicas(d) + max_surge(d)):
        changed = True
    return changed


def set_replicas_annotations(rs: Object, desired: int, maximum: int) -> bool:
    """``SetReplicasAnnotations``."""
    notes = _rs_annotations(rs)
    changed = False
    if notes.get(DESIRED_REPLICAS_ANNOTATION) != str(desired):
        notes[DESIRED_REPLICAS_ANNOTATION] = str(desired)
        changed = True
    if notes.get(MAX_REPLICAS_ANNOTATION) != str(maximum):
        notes[MAX_REPLICAS_ANNOTATION] = str(maximum)
        changed = True
    return changed


def replicas_annotations_need_update(rs: Object, desired: int, maximum: int) -> bool:
    notes = annotations(rs)
    return notes.get(DESIRED_REPLICAS_ANNOTATION) != str(desired) or notes.get(
        MAX_REPLICAS_ANNOTATION
    ) != str(maximum)


def get_desired_replicas_annotation(rs: Object) -> int | None:
    return parse_go_int(annotations(rs).get(DESIRED_REPLICAS_ANNOTATION))


def set_deployment_annotations_to(d: Object, rollback_to_rs: Object) -> None:
    """``SetDeploymentAnnotationsTo``: the replica set's annotations, keeping the skipped."""
    kept = {k: v for k, v in annotations(d).items() if k in ANNOTATIONS_TO_SKIP}
    for key, value in annotations(rollback_to_rs).items():
        if key not in ANNOTATIONS_TO_SKIP:
            kept[key] = value
    d.setdefault("metadata", {})["annotations"] = kept


# -- templates and hashes --------------------------------------------------------------------------


def _semantic(value: Any) -> Any:
    """A value with nulls and empty maps/lists dropped from maps (Go's semantic equality does
    not tell nil from empty, nor an absent field from its zero value of those kinds)."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            item = _semantic(item)
            if item is None or item == {} or item == []:
                continue
            kept[key] = item
        return kept
    if isinstance(value, list):
        return [_semantic(item) for item in value]
    return value


def _without_hash(template: Any) -> Any:
    if not isinstance(template, dict):
        return {}
    metadata = template.get("metadata")
    if isinstance(metadata, dict) and isinstance(metadata.get("labels"), dict):
        labels = {k: v for k, v in metadata["labels"].items() if k != POD_TEMPLATE_HASH_LABEL}
        template = {**template, "metadata": {**metadata, "labels": labels}}
    return template


def equal_ignore_hash(template1: Any, template2: Any) -> bool:
    """``EqualIgnoreHash``: the templates are the same but for the pod-template-hash label."""
    return _semantic(_without_hash(template1)) == _semantic(_without_hash(template2))


def safe_encode_string(text: str) -> str:
    """``rand.SafeEncodeString``."""
    return "".join(_SAFE_ALPHANUMS[ord(c) % len(_SAFE_ALPHANUMS)] for c in text)


def _fnv32a(data: bytes, value: int = 0x811C9DC5) -> int:
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def compute_hash(template: Any, collision_count: int | None) -> str:
    """``controller.ComputeHash`` (see the module notes on what is hashed)."""
    value = _fnv32a(msgspec.json.encode(_semantic(template), order="sorted"))
    if collision_count is not None:
        value = _fnv32a(struct.pack("<I", collision_count & 0xFFFFFFFF) + b"\0\0\0\0", value)
    return safe_encode_string(str(value))


def set_from_replica_set_template(d: Object, template: Any) -> None:
    """``SetFromReplicaSetTemplate``: the Deployment's template becomes the replica set's, minus
    the pod-template-hash label."""
    new_template = deep_copy(template) if isinstance(template, dict) else {}
    metadata = new_template.setdefault("metadata", {})
    labels = metadata.get("labels")
    if isinstance(labels, dict):
        labels.pop(POD_TEMPLATE_HASH_LABEL, None)
    d.setdefault("spec", {})["template"] = new_template


# -- replica set sets ------------------------------------------------------------------------------


def _created(rs: Object) -> datetime | None:
    text = meta(rs).get("creationTimestamp")
    if not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None


def _created_key(rs: Object) -> tuple[float, str]:
    """``ReplicaSetsByCreationTimestamp``: oldest first, then by name."""
    created = _created(rs)
    return (created.timestamp() if created is not None else -math.inf, name(rs))


def sort_by_creation_timestamp(rss: list[Object], *, reverse: bool = False) -> list[Object]:
    return sorted(rss, key=_created_key, reverse=reverse)


def sort_by_size_older(rss: list[Object]) -> list[Object]:
    """``ReplicaSetsBySizeOlder``: larger first; of the same size, older first."""
    return sorted(rss, key=lambda rs: (-replicas(rs), _created_key(rs)))


def sort_by_size_newer(rss: list[Object]) -> list[Object]:
    """``ReplicaSetsBySizeNewer``: larger first; of the same size, newer first."""
    by_age = sort_by_creation_timestamp(rss, reverse=True)
    return sorted(by_age, key=lambda rs: -replicas(rs))


def sort_by_revision(rss: list[Object]) -> list[Object]:
    """``ReplicaSetsByRevision``: lower revision first, ties (and unparsable) by age."""

    def key(rs: Object) -> tuple[int, float, str]:
        value = revision(rs)
        return (value if value is not None else 0, *_created_key(rs))

    return sorted(rss, key=key)


def filter_active_replica_sets(rss: Iterable[Object | None]) -> list[Object]:
    """``FilterActiveReplicaSets``: replica sets with ``spec.replicas`` above zero."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


def get_replica_count_for_replica_sets(rss: Iterable[Object | None]) -> int:
    """Sum of ``spec.replicas``."""
    return sum(replicas(rs) for rs in rss if rs is not None)


def get_actual_replica_count_for_replica_sets(rss: Iterable[Object | None]) -> int:
    return sum(status_int(rs, "replicas") for rs in rss if rs is not None)


def get_ready_replica_count_for_replica_sets(rss: Iterable[Object | None]) -> int:
    return sum(status_int(rs, "readyReplicas") for rs in rss if rs is not None)


def get_available_replica_count_for_replica_sets(rss: Iterable[Object | None]) -> int:
    return sum(status_int(rs, "availableReplicas") for rs in rss if rs is not None)


def find_new_replica_set(d: Object, rs_list: list[Object]) -> Object | None:
    """``FindNewReplicaSet``: the oldest replica set whose template is the Deployment's."""
    template = spec(d).get("template")
    for rs in sort_by_creation_timestamp(rs_list):
        if equal_ignore_hash(spec(rs).get("template"), template):
            return rs
    return None


def find_old_replica_sets(d: Object, rs_list: list[Object]) -> tuple[list[Object], list[Object]]:
    """``FindOldReplicaSets``: (old ones with replicas, all old ones)."""
    new_rs = find_new_replica_set(d, rs_list)
    required: list[Object] = []
    everything: list[Object] = []
    for rs in rs_list:
        if new_rs is not None and uid(rs) == uid(new_rs):
            continue
        everything.append(rs)
        if replicas(rs) != 0:
            required.append(rs)
    return required, everything


def find_active_or_latest(new_rs: Object | None, old_rss: list[Object]) -> Object | None:
    """``FindActiveOrLatest``: the only active replica set, or the newest when none is
    active; None when several are (they must be scaled proportionally)."""
    if new_rs is None and not old_rss:
        return None
    newest_first = sort_by_creation_timestamp(old_rss, reverse=True)
    active = filter_active_replica_sets([*newest_first, new_rs])
    if not active:
        return new_rs if new_rs is not None else newest_first[0]
    if len(active) == 1:
        return active[0]
    return None


def new_rs_new_replicas(d: Object, all_rss: list[Object | None], new_rs: Object) -> int:
    """``NewRSNewReplicas``: how many replicas the new replica set may have now."""
    if strategy_type(d) == RECREATE:
        return replicas(d)
    desired = replicas(d)
    surge_param = _rolling_params(d)[0]
    surge = get_scaled_value_from_int_or_percent(
        0 if surge_param is None else surge_param, desired, True
    )
    current = get_replica_count_for_replica_sets(all_rss)
    max_total = desired + max(surge or 0, 0)
    if current >= max_total:
        return replicas(new_rs)  # cannot scale up
    scale_up = min(max_total - current, desired - replicas(new_rs))
    return replicas(new_rs) + scale_up


def is_saturated(d: Object, rs: Object | None) -> bool:
    """``IsSaturated``: the replica set is at the Deployment's size and fully available."""
    if rs is None:
        return False
    desired = get_desired_replicas_annotation(rs)
    if desired is None:
        return False
    want = replicas(d)
    return replicas(rs) == want and desired == want and status_int(rs, "availableReplicas") == want


def _round_half_away(value: float) -> int:
    """``integer.RoundToInt32``."""
    return int(value - 0.5) if value < 0 else int(value + 0.5)


def get_replica_set_fraction(rs: Object, d: Object) -> int:
    """``getReplicaSetFraction``: how much this replica set grows (or shrinks) when the
    Deployment scales, from its share of the size recorded in ``max-replicas``."""
    if replicas(d) == 0:
        return -replicas(rs)
    deployment_max = replicas(d) + max_surge(d)
    annotated = parse_go_int(annotations(rs).get(MAX_REPLICAS_ANNOTATION))
    if annotated is None:
        # no annotation: fall back to the current size; the min/max in get_proportion keep
        # the result within limits
        annotated = status_int(d, "replicas")
    if annotated <= 0:
        return 0  # never proportionally scale from zero (upstream would divide by zero)
    new_size = replicas(rs) * deployment_max / annotated
    return _round_half_away(new_size) - replicas(rs)


def get_proportion(rs: Object | None, d: Object, to_add: int, added: int) -> int:
    """``GetProportion``."""
    if rs is None or replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = get_replica_set_fraction(rs, d)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


# -- progress --------------------------------------------------------------------------------------


def deployment_complete(d: Object, new_status: dict[str, Any]) -> bool:
    """``DeploymentComplete``: every replica updated and available, the spec observed."""
    want = replicas(d)
    return (
        _int(new_status.get("updatedReplicas")) == want
        and _int(new_status.get("replicas")) == want
        and _int(new_status.get("availableReplicas")) == want
        and _int(new_status.get("observedGeneration")) >= _int(meta(d).get("generation"))
    )


def deployment_progressing(d: Object, new_status: dict[str, Any]) -> bool:
    """``DeploymentProgressing``: more updated, fewer old, more ready or more available."""
    old = status(d)
    old_old = _int(old.get("replicas")) - _int(old.get("updatedReplicas"))
    new_old = _int(new_status.get("replicas")) - _int(new_status.get("updatedReplicas"))
    return (
        _int(new_status.get("updatedReplicas")) > _int(old.get("updatedReplicas"))
        or new_old < old_old
        or _int(new_status.get("readyReplicas")) > _int(old.get("readyReplicas"))
        or _int(new_status.get("availableReplicas")) > _int(old.get("availableReplicas"))
    )


def condition_time(condition: Condition, field: str) -> datetime | None:
    text = condition.get(field)
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None


def deployment_timed_out(d: Object, new_status: dict[str, Any], now: datetime) -> bool:
    """``DeploymentTimedOut``: no progress for longer than ``progressDeadlineSeconds`` since
    the Progressing condition was last updated (strictly longer, as Go's ``Before``)."""
    if not has_progress_deadline(d):
        return False
    condition = get_deployment_condition(new_status, PROGRESSING)
    if condition is None:
        return False
    if condition.get("reason") == NEW_RS_AVAILABLE_REASON:
        return False
    if condition.get("reason") == TIMED_OUT_REASON:
        return True
    since = condition_time(condition, "lastUpdateTime")
    if since is None:
        return False
    return since.timestamp() + progress_deadline_seconds(d) < now.timestamp()
