"""What kube-apiserver does with a request body for a built-in kind before anything else looks
at it: decode it, and apply the request's ``fieldValidation``.

The decode itself -- Go type errors, unknown and duplicate fields, the pruned object -- is
:mod:`apiserver.schema.decoding`. This module owns the policy and the wording around it, per
request flavour:

- **create / update** (``handlers/create.go``, ``handlers/update.go``; :func:`decode_check`):
  ``fieldValidation`` defaults to ``Warn``. A type error is a 400 ``BadRequest``
  ``Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string
  into Go struct field DeploymentSpec.spec.replicas of type int32`` (``transformDecodeError``).
  Under ``Strict`` unknown or duplicate fields are the same 400 with
  ``strict decoding error: unknown field "spec.bogus", duplicate field "metadata.name"``
  (``runtime.NewStrictDecodingError``); under ``Warn`` each is a ``Warning`` header text
  (``addStrictDecodingWarnings``); under ``Ignore`` nothing is said. The stored object is the
  pruned one in every mode.
- **patch** (``handlers/patch.go``; :func:`check_patched`): the *patched* object is decoded the
  same way, but failures are 422 ``Invalid`` with an empty kind and name on a ``patch`` field:
  `` "" is invalid: patch: Invalid value: "{...}": strict decoding error: unknown field "x"``;
  strict findings on the patch document itself (:func:`json_patch_strict_errors`,
  :func:`~apiserver.schema.decoding.find_duplicate_fields`) come first.
- Before typing the body, the JSON serializer reads ``apiVersion`` and ``kind`` alone
  (``SimpleMetaFactory.Interpret``, stdlib ``encoding/json``); its failures read
  ``the object provided is unrecognized (must be of type Deployment): couldn't get version/kind;
  json parse error: ...  ({"kind":5})`` with the body summarised (``summarizeData``).

Upstream mirrored: ``k8s.io/apiserver`` ``pkg/endpoints/handlers/{create.go,update.go,patch.go,
rest.go}``; ``k8s.io/apimachinery`` ``pkg/runtime/serializer/json/{json.go,meta.go}``,
``pkg/runtime/error.go``, ``pkg/runtime/converter.go`` (the strategic-merge-patch path reports
unknown fields sorted and unquoted), ``pkg/apis/meta/v1/validation/validation.go``
(``ValidateFieldValidation``) -- all at v0.32.0.

Divergences: a strategic-merge patch's *type* errors come from the unstructured converter
upstream (``cannot convert ...``); here they are worded as the JSON decoder words them. YAML
bodies (duplicate keys reported by the YAML parser) are not handled here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from apiserver.schema.decoding import (
    Checked,
    StrictError,
    check_object,
    find_duplicate_fields,
    prune_unknown,
)
from apiserver.schema.definitions import type_node
from minikube_py.errors import BadRequest, GroupKind, Invalid
from minikube_py.field import go_quote, invalid, not_supported
from minikube_py.typeinfo import SchemaNode, TypeNode

__all__ = [
    "Checked",
    "DecodeResult",
    "FieldValidation",
    "StrictError",
    "check_object",
    "check_patched",
    "decode_check",
    "find_duplicate_fields",
    "json_patch_strict_errors",
    "prune_unknown",
    "required_fields",
    "strict_decoding_error",
    "validate_field_validation",
]


class FieldValidation(StrEnum):
    """The ``fieldValidation`` query parameter (``metav1.FieldValidation*``)."""

    IGNORE = "Ignore"
    WARN = "Warn"
    STRICT = "Strict"


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """A body that decoded: the object to go on with and the ``Warning`` texts to send."""

    obj: dict[str, Any]
    warnings: tuple[str, ...]


_SUPPORTED: Final = ("", "Ignore", "Strict", "Warn")  # sets.NewString(...).List(): sorted


def validate_field_validation(
    value: str | None, options_kind: str = "CreateOptions"
) -> FieldValidation:
    """The directive a request asked for (absent or empty: ``Warn``). Any other value fails as
    ``ValidateFieldValidation`` makes it fail: 422 ``CreateOptions.meta.k8s.io "" is invalid:
    fieldValidation: Unsupported value: "x": supported values: "", "Ignore", "Strict", "Warn"``
    (``options_kind`` is ``UpdateOptions`` or ``PatchOptions`` for those verbs)."""
    if not value:
        return FieldValidation.WARN
    try:
        return FieldValidation(value)
    except ValueError:
        error = not_supported("fieldValidation", value, _SUPPORTED)
        raise Invalid(GroupKind("meta.k8s.io", options_kind), "", [error]) from None


def decode_check(
    obj: Any,
    group: str,
    version: str,
    kind: str,
    *,
    raw: bytes | str | None = None,
    field_validation: str | None = "",
    options_kind: str = "CreateOptions",
) -> DecodeResult:
    """Decode a create or update body for a served built-in kind.

    ``obj`` is the parsed body as msgspec decodes JSON (dicts, lists, str, int, float, bool,
    None; see ``remember`` in :func:`check_object`), ``raw`` the bytes it came from (pass them
    when there are any: only they show duplicate fields). Raises :class:`BadRequest` on a type
    error and, under ``Strict``, on unknown or duplicate fields; :class:`Invalid` on a bad
    ``fieldValidation``;
    ``KeyError`` for a kind that is not served. ``obj`` is never mutated: the result is ``obj``
    itself when nothing changes, else a copy sharing the unchanged parts.
    """
    directive = validate_field_validation(field_validation, options_kind)
    node = type_node(group, version, kind)
    if obj is None:  # a JSON null body decodes to the empty object
        obj = {}
    meta_error = _interpret_meta(obj)
    if meta_error is not None:
        body = raw if raw is not None else json.dumps(obj, separators=(",", ":"))
        raise BadRequest(
            f"the object provided is unrecognized (must be of type {kind}): {meta_error} "
            f"({_summarize(body)})"
        )
    strict = directive is not FieldValidation.IGNORE
    checked = check_object(obj, node, strict=strict, raw=raw, remember=True)
    if checked.error is None and not checked.strict_errors:
        return DecodeResult(checked.obj, ())
    body_kind, body_version = _actual_kind_version(obj, group, version, kind)
    prefix = f"{body_kind} in version {go_quote(body_version)} cannot be handled as a {kind}"
    if checked.error is not None:
        raise BadRequest(f"{prefix}: {checked.error}")
    if directive is FieldValidation.STRICT:
        raise BadRequest(f"{prefix}: {strict_decoding_error(checked.strict_errors)}")
    return DecodeResult(checked.obj, tuple(str(error) for error in checked.strict_errors))


def check_patched(
    patched: Any,
    group: str,
    version: str,
    kind: str,
    *,
    bad_value: str,
    field_validation: str | None = "",
    patch_errors: Sequence[str] = (),
    strategic: bool = False,
) -> DecodeResult:
    """Decode the object a JSON, merge or strategic-merge patch produced.

    ``bad_value`` is what a failure quotes: the patched JSON text for JSON and merge patches,
    :func:`apiserver.schema.golang.go_sprint` of the patch map for strategic-merge patches
    (``strategic=True``: unknown fields are then reported as the unstructured converter reports
    them, sorted and unquoted). ``patch_errors`` are the strict findings on the patch document,
    reported first. Raises :class:`Invalid` (422, empty kind and name, one ``patch`` cause).
    """
    directive = validate_field_validation(field_validation, "PatchOptions")
    strict = directive is not FieldValidation.IGNORE
    error = _interpret_meta(patched)
    if error is not None:
        raise _patch_invalid(bad_value, error)
    checked = check_object(patched, type_node(group, version, kind), strict=strict)
    if checked.error is not None:
        raise _patch_invalid(bad_value, checked.error)
    found = list(patch_errors) if strict else []
    if strategic:
        found.extend(sorted(f'{e.kind} "{e.path}"' for e in checked.strict_errors))
    else:
        found.extend(str(e) for e in checked.strict_errors)
    if found and directive is FieldValidation.STRICT:
        raise _patch_invalid(bad_value, strict_decoding_error(found))
    return DecodeResult(checked.obj, tuple(found))


# []jsonPatchOp of handlers/patch.go: {op, path, from string; value interface{}}
_JSON_PATCH_OPS: Final = SchemaNode(
    {"type": "array", "items": {"$ref": "#/definitions/handlers.jsonPatchOp"}},
    {
        "handlers.jsonPatchOp": {
            "type": "object",
            "properties": {
                "op": {"type": "string"},
                "path": {"type": "string"},
                "from": {"type": "string"},
                "value": {},
            },
        }
    },
)


def json_patch_strict_errors(raw: bytes | str) -> list[str]:
    """The strict findings ``handlers/patch.go`` reports on a JSON-patch document (decoded into
    ``[]jsonPatchOp``), each prefixed ``json patch``, e.g. ``json patch unknown field
    "[0].bogus"``. Raises :class:`BadRequest` ``error decoding patch: ...`` when it does not
    decode."""
    try:
        value = json.loads(raw)
    except ValueError as err:
        raise BadRequest(f"error decoding patch: {err}") from None
    checked = check_object(value, _JSON_PATCH_OPS, raw=raw)
    if checked.error is not None:
        raise BadRequest(f"error decoding patch: {checked.error}")
    return [f"json patch {error}" for error in checked.strict_errors]


def strict_decoding_error(errors: Iterable[StrictError | str]) -> str:
    """``runtime.NewStrictDecodingError(errs).Error()``."""
    return "strict decoding error: " + ", ".join(str(error) for error in errors)


def required_fields(node: TypeNode) -> tuple[str, ...]:
    """The ``required`` property names of a struct node (empty when none or not a struct)."""
    schema = getattr(node, "schema", None)
    if not isinstance(schema, Mapping):
        return ()
    return tuple(schema.get("required", ()))


# ---------------------------------------------------------------------------------------------


def _interpret_meta(obj: Any) -> str | None:
    """``SimpleMetaFactory.Interpret``: apiVersion and kind read with ``encoding/json`` (keys
    matched case-insensitively), then the group-version parsed (``schema.ParseGroupVersion``)."""
    if not isinstance(obj, dict):
        return (
            "couldn't get version/kind; json parse error: json: cannot unmarshal "
            f"{_json_class(obj)} into Go value of type struct {{ APIVersion string "
            '"json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }'
        )
    for key, value in obj.items():
        lowered = key.lower()
        if lowered in ("apiversion", "kind") and value is not None and type(value) is not str:
            name = "apiVersion" if lowered == "apiversion" else "kind"
            return (
                "couldn't get version/kind; json parse error: json: cannot unmarshal "
                f"{_json_class(value)} into Go struct field .{name} of type string"
            )
    api_version = obj.get("apiVersion")
    if isinstance(api_version, str) and api_version.count("/") > 1:
        return f"unexpected GroupVersion string: {api_version}"
    return None


def _json_class(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _actual_kind_version(obj: Any, group: str, version: str, kind: str) -> tuple[str, str]:
    """The kind and version the body claims, defaulted from the endpoint as the JSON serializer
    defaults them (``gvkWithDefaults``)."""
    body_kind = obj.get("kind")
    api_version = obj.get("apiVersion")
    body_group = body_version = ""
    if isinstance(api_version, str) and api_version not in ("", "/"):
        if "/" in api_version:
            body_group, body_version = api_version.split("/", 1)
        else:
            body_version = api_version
    if not body_version and not body_group:
        body_group, body_version = group, version
    if not body_version and body_group == group:
        body_version = version
    return (body_kind if isinstance(body_kind, str) and body_kind else kind), body_version


def _summarize(data: bytes | str) -> str:
    """``summarizeData(body, 30)``."""
    raw = data.encode() if isinstance(data, str) else data
    if not raw:
        return "<empty>"
    more = " ..." if len(raw) > 30 else ""
    if raw[:1] == b"{":
        return raw[:30].decode("utf-8", "replace") + more
    return raw[:30].hex() + more


def _patch_invalid(bad_value: str, detail: str) -> Invalid:
    error = invalid("patch", bad_value, detail, rendered=go_quote(bad_value))
    return Invalid(GroupKind("", ""), "", [error])
