"""How server-side apply by ``kubectl`` gets along with client-side apply's annotation.

Upstream (``k8s.io/apimachinery/pkg/util/managedfields/internal``):

- ``lastappliedmanager.go``: when the manager ``kubectl`` hits conflicts, the fields recorded
  in the ``kubectl.kubernetes.io/last-applied-configuration`` annotation *whose values still
  match the live object* are taken as its own -- they were applied by kubectl before, client
  side -- and if every conflict is among them the apply is retried with force; otherwise only
  the other conflicts are reported. Any trouble reading the annotation (absent, not JSON,
  another apiVersion, not walkable) means no conflict is excused.
- ``lastappliedupdater.go``: after a successful apply by ``kubectl``, an object that carries the
  annotation gets it rewritten to the applied configuration (minus the annotation itself),
  encoded as Go's ``json.Encoder`` does (sorted keys, trailing newline), and dropped again if
  that takes the annotations over the 256 KiB total (``ValidateAnnotationsSize``).

Only the manager name ``kubectl`` gets either treatment; other managers opt out by name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import msgspec

from minikube_py.managedfields.fieldpath import FieldSet, go_json
from minikube_py.managedfields.typed import TypedError, compare, field_set
from minikube_py.managedfields.validation import validate
from minikube_py.typeinfo import TypeNode

LAST_APPLIED_ANNOTATION: Final = "kubectl.kubernetes.io/last-applied-configuration"
#: the one manager whose conflicts the annotation can excuse
KUBECTL_MANAGER: Final = "kubectl"
#: ``TotalAnnotationSizeLimitB``
TOTAL_ANNOTATION_SIZE_LIMIT: Final = 256 * 1024

_DECODER: Final = msgspec.json.Decoder()


def _annotations(obj: Mapping[str, Any]) -> dict[str, str] | None:
    metadata = obj.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    if not isinstance(annotations, dict):
        return None
    if not all(isinstance(v, str) for v in annotations.values()):
        return None  # GetAnnotations gives up on a non-string value
    return annotations


def has_last_applied(obj: Mapping[str, Any]) -> bool:
    annotations = _annotations(obj)
    return bool(annotations and annotations.get(LAST_APPLIED_ANNOTATION))


def allowed_conflicts(
    live: Mapping[str, Any], api_version: str, schema: TypeNode
) -> FieldSet | None:
    """``allowedConflictsFromLastApplied``: the annotation's fields that still hold the live
    values, or None when the annotation cannot excuse anything."""
    annotations = _annotations(live)
    text = annotations.get(LAST_APPLIED_ANNOTATION) if annotations else None
    if not text:
        return None
    try:
        last_applied = _DECODER.decode(text)
    except msgspec.DecodeError:
        return None
    if not isinstance(last_applied, dict) or last_applied.get("apiVersion") != api_version:
        return None
    if validate(last_applied, schema, allow_duplicates=False, check_scalars=False):
        return None
    try:
        fields = field_set(last_applied, schema)
        comparison = compare(last_applied, live, schema)
    except TypedError:
        return None
    return (
        fields.difference(comparison.modified)
        .difference(comparison.added)
        .difference(comparison.removed)
    )


def build_last_applied(config: Mapping[str, Any]) -> str:
    """``buildLastApplied``: the applied configuration without the annotation, as JSON."""
    obj = dict(config)
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED_ANNOTATION in annotations:
            annotations = {k: v for k, v in annotations.items() if k != LAST_APPLIED_ANNOTATION}
            obj["metadata"] = {**metadata, "annotations": annotations}
    return go_json(obj) + "\n"


def set_last_applied(obj: dict[str, Any], value: str) -> None:
    """``SetLastApplied`` on an object the caller owns (mutated in place)."""
    metadata = obj.setdefault("metadata", {})
    annotations = metadata.get("annotations")
    if not isinstance(annotations, dict):
        annotations = metadata["annotations"] = {}
    annotations[LAST_APPLIED_ANNOTATION] = value
    size = sum(len(k.encode()) + len(str(v).encode()) for k, v in annotations.items())
    if size > TOTAL_ANNOTATION_SIZE_LIMIT:
        del annotations[LAST_APPLIED_ANNOTATION]
