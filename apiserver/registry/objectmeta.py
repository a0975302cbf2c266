"""Validation of ``metadata`` common to every kind, on create and on update.

Mirrors ``k8s.io/apimachinery/pkg/api/validation/objectmeta.go`` (``ValidateObjectMeta``,
``ValidateObjectMetaUpdate``, annotations, finalizers, owner references), with its messages, so
``kubectl`` shows the same "metadata.name: Invalid value: ..." a real cluster shows. Values that
are not even of the right JSON type are reported as invalid rather than crashing the walk: a
request body is untrusted input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import (
    is_dns1123_label,
    is_dns1123_subdomain,
    is_qualified_name,
    is_valid_label_value,
)
from minikube_py.selectors.labels import validate_labels

NameValidator = Callable[[str, bool], list[str]]

TOTAL_ANNOTATION_SIZE_LIMIT = 256 * (1 << 10)
FIELD_IMMUTABLE = "field is immutable"
FINALIZER_ORPHAN = "orphan"
FINALIZER_FOREGROUND = "foregroundDeletion"
_STANDARD_FINALIZERS = frozenset({"kubernetes", FINALIZER_ORPHAN, FINALIZER_FOREGROUND})


def _mask_trailing_dash(name: str) -> str:
    """``maskTrailingDash``: a generateName prefix may end with '-'."""
    return name[:-1] + "a" if len(name) > 1 and name.endswith("-") else name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    """``NameIsDNSSubdomain`` (most kinds)."""
    return is_dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    """``NameIsDNSLabel`` (namespaces, and kinds whose names become DNS labels)."""
    return is_dns1123_label(_mask_trailing_dash(name) if prefix else name)


def validate_object_meta(
    metadata: Any, namespaced: bool, name_fn: NameValidator, path: str = "metadata"
) -> list[FieldError]:
    """``ValidateObjectMeta``. Every create runs it and almost every one passes, so the error
    paths and messages are built only when there is something to report."""
    if not isinstance(metadata, dict):
        return [field.required(path, "")]
    errors: list[FieldError] = []
    generate_name = metadata.get("generateName") or ""
    name = metadata.get("name") or ""
    if generate_name:
        messages = name_fn(generate_name, True)
        if messages:
            at = field.child(path, "generateName")
            errors += [field.invalid(at, generate_name, msg) for msg in messages]
    if not name:
        errors.append(field.required(field.child(path, "name"), "name or generateName is required"))
    else:
        messages = name_fn(name, False)
        if messages:
            errors += [field.invalid(field.child(path, "name"), name, msg) for msg in messages]
    namespace = metadata.get("namespace") or ""
    if namespaced:
        if not namespace:
            errors.append(field.required(field.child(path, "namespace")))
        else:
            messages = is_dns1123_label(namespace)
            if messages:
                at = field.child(path, "namespace")
                errors += [field.invalid(at, namespace, msg) for msg in messages]
    elif namespace:
        errors.append(field.forbidden(field.child(path, "namespace"), "not allowed on this type"))
    generation = metadata.get("generation", 0)
    if isinstance(generation, int) and generation < 0:
        errors.append(
            field.invalid(
                field.child(path, "generation"), generation, "must be greater than or equal to 0"
            )
        )
    errors += _validate_common(metadata, path)
    finalizers = metadata.get("finalizers")
    if finalizers:
        errors += validate_finalizers(finalizers, field.child(path, "finalizers"))
    return errors


def _validate_common(metadata: dict[str, Any], path: str) -> list[FieldError]:
    labels = metadata.get("labels")
    if isinstance(labels, dict) and not _labels_valid(labels):
        errors = validate_labels(labels, field.child(path, "labels"))
    else:
        errors = []
    annotations = metadata.get("annotations")
    if annotations:
        errors += validate_annotations(annotations, field.child(path, "annotations"))
    references = metadata.get("ownerReferences")
    if references:
        errors += validate_owner_references(references, field.child(path, "ownerReferences"))
    return errors


_VALID_LABELS: set[tuple[str, str]] = set()  # (key, value) pairs known to pass
_MAX_VALID_LABELS = 16384


def _labels_valid(labels: dict[Any, Any]) -> bool:
    """True when :func:`validate_labels` finds nothing -- every label of every create is
    checked, they almost always pass, and the same pairs recur (every Pod of a ReplicaSet);
    the full check builds its messages otherwise."""
    known = _VALID_LABELS
    for item in labels.items():
        key, value = item
        if type(key) is not str or type(value) is not str:
            return False
        if item in known:
            continue
        if is_qualified_name(key) or is_valid_label_value(value):
            return False
        if len(known) >= _MAX_VALID_LABELS:
            known.clear()
        known.add(item)
    return True


def validate_annotations(annotations: Any, path: str) -> list[FieldError]:
    """``ValidateAnnotations``: qualified-name keys (checked lower-cased), 256 KiB in all."""
    if not annotations:
        return []
    errors: list[FieldError] = []
    total = 0
    for key, value in sorted(annotations.items()):
        errors += [field.invalid(path, key, msg) for msg in is_qualified_name(key.lower())]
        total += len(key.encode()) + len(str(value).encode())
    if total > TOTAL_ANNOTATION_SIZE_LIMIT:
        errors.append(field.too_long(path, TOTAL_ANNOTATION_SIZE_LIMIT))
    return errors


def validate_finalizers(finalizers: Any, path: str) -> list[FieldError]:
    """``ValidateFinalizers``."""
    if not finalizers:
        return []
    errors: list[FieldError] = []
    for i, finalizer in enumerate(finalizers):
        errors += [
            field.invalid(field.index(path, i), finalizer, msg)
            for msg in is_qualified_name(finalizer)
        ]
    if FINALIZER_ORPHAN in finalizers and FINALIZER_FOREGROUND in finalizers:
        errors.append(
            field.invalid(
                path,
                finalizers,
                f"finalizer {FINALIZER_ORPHAN} and {FINALIZER_FOREGROUND} cannot be both set",
            )
        )
    return errors


def finalizer_warnings(finalizers: Any) -> list[str]:
    """``ValidateFinalizerName``'s warning for short, non-standard finalizer names."""
    warnings = []
    for i, finalizer in enumerate(finalizers or ()):
        if "/" not in finalizer and finalizer not in _STANDARD_FINALIZERS:
            warnings.append(
                f'metadata.finalizers[{i}]: "{finalizer}": prefer a domain-qualified finalizer '
                "name including a path (/) to avoid accidental conflicts with other finalizer "
                "writers"
            )
    return warnings


def validate_owner_references(references: Any, path: str) -> list[FieldError]:
    """``ValidateOwnerReferences``."""
    if not references:
        return []
    errors: list[FieldError] = []
    controllers: list[str] = []
    for i, ref in enumerate(references):
        if not isinstance(ref, dict):
            errors.append(field.invalid(field.index(path, i), ref, "must be an object"))
            continue
        if not (ref.get("apiVersion") and ref.get("kind") and ref.get("name") and ref.get("uid")):
            at = field.index(path, i)
            for required_field in ("apiVersion", "kind", "name", "uid"):
                if not ref.get(required_field):
                    detail = (
                        "version must not be empty"
                        if required_field == "apiVersion"
                        else f"{required_field} must not be empty"
                    )
                    errors.append(field.invalid(field.child(at, required_field), "", detail))
        if ref.get("controller") is True:
            controllers.append(f"{ref.get('kind')}/{ref.get('name')}")
    if len(controllers) > 1:
        errors.append(
            field.invalid(
                path,
                references,
                'Only one reference can have Controller set to true. Found "true" in '
                f"references for {controllers[0]} and {controllers[1]}",
            )
        )
    return errors


def validate_object_meta_update(
    new: Any, old: dict[str, Any], path: str = "metadata"
) -> list[FieldError]:
    """``ValidateObjectMetaUpdate``."""
    if not isinstance(new, dict):
        return [field.required(path, "")]
    errors: list[FieldError] = []
    if old.get("deletionTimestamp"):
        added = sorted(set(new.get("finalizers") or ()) - set(old.get("finalizers") or ()))
        if added:
            listed = ", ".join(f'"{f}"' for f in added)
            errors.append(
                field.forbidden(
                    field.child(path, "finalizers"),
                    "no new finalizers can be added if the object is being deleted, found new "
                    f"finalizers []string{{{listed}}}",
                )
            )
    if not new.get("resourceVersion"):
        errors.append(
            field.invalid(
                field.child(path, "resourceVersion"),
                new.get("resourceVersion", ""),
                "must be specified for an update",
            )
        )
    if (new.get("generation") or 0) < (old.get("generation") or 0):
        errors.append(
            field.invalid(
                field.child(path, "generation"), new.get("generation", 0), "must not be decremented"
            )
        )
    for name in (
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
    ):
        if new.get(name) != old.get(name):
            errors.append(field.invalid(field.child(path, name), new.get(name), FIELD_IMMUTABLE))
    errors += _validate_common(new, path)
    errors += validate_finalizers(new.get("finalizers"), field.child(path, "finalizers"))
    return errors
