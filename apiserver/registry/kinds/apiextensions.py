"""Strategy of apiextensions.k8s.io/v1 CustomResourceDefinition.

Defaults follow ``apiextensions/v1/defaults.go`` (``names.singular`` from the kind,
``names.listKind`` = kind + "List", ``conversion.strategy: None``); the strategy
(``apiextensions-apiserver/pkg/registry/customresourcedefinition/strategy.go``) clears status on
create, records the storage version in ``status.storedVersions`` on create and update, and
moves ``generation`` with the spec. Validation follows the spec-level half of
``apiextensions/validation/validation.go``: the name is ``<plural>.<group>``, the group is a
dotted DNS subdomain, scope is Namespaced or Cluster, versions are DNS-1035 labels, unique,
exactly one of them the storage version, each with a schema; names are DNS-1035 labels;
protected groups (``*.k8s.io``, ``*.kubernetes.io``) carry an approval annotation; group and
plural never change, and once Established neither do scope and kind.

Not here: everything about schemas beyond their presence (structural-schema rules, defaults,
CEL rules, ``x-kubernetes-*`` extensions), conversion webhooks, subresources and printer
columns, and status conditions (no controller establishes CRDs yet).
"""

from __future__ import annotations

from typing import Any, Final

from apiserver.registry.kinds import _gofmt
from apiserver.registry.kinds._common import dig, immutable
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError, go_string_slice
from minikube_py.names import is_dns1035_label, is_dns1123_subdomain
from minikube_py.objects import Object

APPROVAL_ANNOTATION: Final = "api-approved.kubernetes.io"
_SCOPES: Final = ("Cluster", "Namespaced")
_APPROVAL_PR: Final = "https://github.com/kubernetes/enhancements/pull/1111"


def _spec(obj: Object) -> dict[str, Any]:
    spec = obj.get("spec")
    return spec if isinstance(spec, dict) else {}


def _versions(spec: dict[str, Any]) -> list[dict[str, Any]]:
    versions = spec.get("versions")
    return [v for v in versions if isinstance(v, dict)] if isinstance(versions, list) else []


def _storage_version(spec: dict[str, Any]) -> str | None:
    for version in _versions(spec):
        if version.get("storage") is True:
            return str(version.get("name") or "")
    return None


def _record_storage_version(obj: Object) -> None:
    """The first storage version joins ``status.storedVersions`` if it is not there yet."""
    storage = _storage_version(_spec(obj))
    if storage is None:
        return
    status = obj.setdefault("status", {})
    stored = status.setdefault("storedVersions", [])
    if isinstance(stored, list) and storage not in stored:
        stored.append(storage)


def _label_errors(value: str) -> str:
    return ",".join(is_dns1035_label(value))


def _validate_names(names: dict[str, Any], path: str) -> list[FieldError]:
    """``ValidateCustomResourceDefinitionNames``."""
    errors: list[FieldError] = []
    for key in ("plural", "singular"):
        value = names.get(key) or ""
        if value and _label_errors(value):
            errors.append(field.invalid(field.child(path, key), value, _label_errors(value)))
    for key in ("kind", "listKind"):
        value = names.get(key) or ""
        if value and _label_errors(value.lower()):
            errors.append(
                field.invalid(
                    field.child(path, key),
                    value,
                    "may have mixed case, but should otherwise match: "
                    + _label_errors(value.lower()),
                )
            )
    for key in ("shortNames", "categories"):
        for i, value in enumerate(names.get(key) or ()):
            if _label_errors(value):
                errors.append(
                    field.invalid(
                        field.index(field.child(path, key), i), value, _label_errors(value)
                    )
                )
    kind = names.get("kind") or ""
    if kind and kind == names.get("listKind"):
        errors.append(
            field.invalid(
                field.child(path, "listKind"), kind, "kind and listKind may not be the same"
            )
        )
    return errors


def _validate_spec(spec: dict[str, Any]) -> list[FieldError]:
    """``validateCustomResourceDefinitionSpec`` without the schema internals."""
    errors: list[FieldError] = []
    group = spec.get("group") or ""
    if not group:
        errors.append(field.required("spec.group"))
    elif is_dns1123_subdomain(group):
        errors.append(field.invalid("spec.group", group, ",".join(is_dns1123_subdomain(group))))
    elif len(group.split(".")) < 2:
        errors.append(
            field.invalid("spec.group", group, "should be a domain with at least one dot")
        )
    scope = spec.get("scope") or ""
    if not scope:
        errors.append(field.required("spec.scope"))
    elif scope not in _SCOPES:
        errors.append(field.not_supported("spec.scope", scope, _SCOPES))
    versions = _versions(spec)
    for i, version in enumerate(versions):
        schema = dig(version, "schema", "openAPIV3Schema")
        if schema is None:
            errors.append(
                field.required(f"spec.versions[{i}].schema.openAPIV3Schema", "schemas are required")
            )
    names_seen: set[str] = set()
    unique = True
    storage_count = 0
    for i, version in enumerate(versions):
        name = str(version.get("name") or "")
        if version.get("storage") is True:
            storage_count += 1
        if name in names_seen:
            unique = False
        names_seen.add(name)
        if _label_errors(name):
            errors.append(field.invalid(f"spec.versions[{i}].name", name, _label_errors(name)))
    shown = _gofmt.elided_struct(
        "[]apiextensions.CustomResourceDefinitionVersion", spec.get("versions")
    )
    if not unique:
        errors.append(
            field.invalid(
                "spec.versions", None, "must contain unique version names", rendered=shown
            )
        )
    if storage_count != 1:
        errors.append(
            field.invalid(
                "spec.versions",
                None,
                "must have exactly one version marked as storage version",
                rendered=shown,
            )
        )
    names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
    for key in ("plural", "singular", "kind", "listKind"):
        if not names.get(key):
            errors.append(field.required(f"spec.names.{key}"))
    errors += _validate_names(names, "spec.names")
    return errors


def _validate_stored_versions(obj: Object) -> list[FieldError]:
    """``ValidateCustomResourceDefinitionStoredVersions``."""
    stored = dig(obj, "status", "storedVersions")
    stored = stored if isinstance(stored, list) else []
    path = "status.storedVersions"
    if not stored:
        return [
            field.invalid(
                path, None, "must have at least one stored version", rendered=go_string_slice(None)
            )
        ]
    errors: list[FieldError] = []
    remaining = {name: i for i, name in enumerate(stored)}
    for version in _versions(_spec(obj)):
        name = version.get("name")
        if version.get("storage") is True and name not in remaining:
            errors.append(
                field.invalid(
                    path,
                    None,
                    f"must have the storage version {name}",
                    rendered=go_string_slice(stored),
                )
            )
        remaining.pop(name, None)
    for name, i in sorted(remaining.items(), key=lambda item: item[1]):
        errors.append(
            field.invalid(
                field.index(path, i),
                name,
                f"missing from spec.versions; {name} was previously a storage version, and must "
                f"remain in spec.versions until a storage migration ensures no data remains "
                f"persisted in {name} and removes {name} from status.storedVersions",
            )
        )
    return errors


def _is_protected_group(group: str) -> bool:
    return group in ("k8s.io", "kubernetes.io") or group.endswith((".k8s.io", ".kubernetes.io"))


def _validate_api_approval(obj: Object, old: Object | None) -> list[FieldError]:
    """``validateAPIApproval``: a protected group's CRD names the PR that approved it."""
    group = str(_spec(obj).get("group") or "")
    if not _is_protected_group(group):
        return []
    annotations = dig(obj, "metadata", "annotations") or {}
    value = annotations.get(APPROVAL_ANNOTATION) or ""
    if old is not None:
        old_value = (dig(old, "metadata", "annotations") or {}).get(APPROVAL_ANNOTATION) or ""
        if old_value == value and str(_spec(old).get("group") or "") == group:
            return []
    path = f"metadata.annotations[{APPROVAL_ANNOTATION}]"
    if not value:
        return [
            field.required(
                path,
                f'protected groups must have approval annotation "{APPROVAL_ANNOTATION}", see '
                + _APPROVAL_PR,
            )
        ]
    if value.startswith("unapproved") or _is_url(value):
        return []
    return [
        field.invalid(
            path,
            value,
            f'protected groups must have approval annotation "{APPROVAL_ANNOTATION}" with either '
            f'a URL or a reason starting with "unapproved", see {_APPROVAL_PR}',
        )
    ]


def _is_url(value: str) -> bool:
    """``url.ParseRequestURI`` with a scheme and a host."""
    scheme, sep, rest = value.partition("://")
    return bool(sep and scheme and rest.split("/", 1)[0]) and " " not in value


def _name_errors(obj: Object) -> list[FieldError]:
    """The name function ``ValidateCustomResourceDefinition`` gives ``ValidateObjectMeta``: the
    name (and a generateName) must be ``<plural>.<group>``."""
    spec = _spec(obj)
    names = spec.get("names") if isinstance(spec.get("names"), dict) else {}
    required_name = f"{names.get('plural') or ''}.{spec.get('group') or ''}"
    metadata = obj.get("metadata") or {}
    message = 'must be spec.names.plural+"."+spec.group'
    errors: list[FieldError] = []
    for key in ("generateName", "name"):
        value = metadata.get(key) or ""
        if value and value != required_name:
            errors.append(field.invalid(f"metadata.{key}", value, message))
    return errors


def _established(obj: Object) -> bool:
    for condition in dig(obj, "status", "conditions") or ():
        if (
            isinstance(condition, dict)
            and condition.get("type") == "Established"
            and condition.get("status") == "True"
        ):
            return True
    return False


class CustomResourceDefinitionStrategy(Strategy):
    has_status = True
    generation = "spec"

    def default(self, obj: Object) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        names = spec.get("names")
        if isinstance(names, dict):
            kind = names.get("kind") or ""
            if not names.get("singular"):
                names["singular"] = str(kind).lower()
            if not names.get("listKind") and kind:
                names["listKind"] = f"{kind}List"
        if spec.get("conversion") is None:
            spec["conversion"] = {"strategy": "None"}
        service = dig(spec, "conversion", "webhook", "clientConfig", "service")
        if isinstance(service, dict) and service.get("port") is None:
            service["port"] = 443

    def prepare_for_create(self, obj: Object) -> None:
        super().prepare_for_create(obj)
        _record_storage_version(obj)

    def prepare_for_update(self, new: Object, old: Object) -> None:
        super().prepare_for_update(new, old)
        _record_storage_version(new)

    def validate(self, obj: Object) -> list[FieldError]:
        errors = _name_errors(obj)
        errors += _validate_spec(_spec(obj))
        errors += _validate_stored_versions(obj)
        errors += _validate_api_approval(obj, None)
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        spec, old_spec = _spec(new), _spec(old)
        errors = _validate_spec(spec)
        if _established(old):
            errors += immutable("spec.scope", spec.get("scope"), old_spec.get("scope"))
            errors += immutable(
                "spec.names.kind", dig(spec, "names", "kind"), dig(old_spec, "names", "kind")
            )
        errors += immutable("spec.group", spec.get("group"), old_spec.get("group"))
        errors += immutable(
            "spec.names.plural", dig(spec, "names", "plural"), dig(old_spec, "names", "plural")
        )
        errors += _validate_stored_versions(new)
        errors += _validate_api_approval(new, old)
        return errors


__all__ = ["APPROVAL_ANNOTATION", "CustomResourceDefinitionStrategy"]
