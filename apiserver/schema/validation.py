"""Decoding a request body into a built-in kind, as kube-apiserver does it.

kube-apiserver never validates a create or update body against OpenAPI. It *decodes* the body into
the kind's Go struct and learns three things on the way, which this module reproduces from the
kind's schema in one walk over the already-parsed JSON:

- **Type errors.** ``encoding/json`` (the ``sigs.k8s.io/json`` fork, case-sensitive) cannot put a
  string into an ``int32``: the request fails with 400 ``BadRequest``
  ``Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string
  into Go struct field DeploymentSpec.spec.replicas of type int32``. The Go *struct* is the
  innermost struct owning the field (the definition's last name segment); the *field* is the
  dotted chain of struct fields from the root -- map keys and list indices are not in it. Only the
  first such error is reported, except that the custom decoders of ``IntOrString``,
  ``Quantity``, ``Time`` and ``MicroTime`` and apiextensions' ``JSONSchemaPropsOr*`` abort the
  decode at once, so their error wins even over an earlier one.
- **Unknown fields.** Typed decoding drops them. With ``fieldValidation=Warn`` (the default) or
  ``Strict`` the strict decoder also reports them, as ``unknown field "spec.template.spec.
  containers[0].bogus"`` -- here the path does name map keys and ``[i]`` indices.
- **Duplicate fields.** ``duplicate field "metadata.name"``: only the raw bytes show them, so
  callers pass ``raw`` and the body is re-read with the pairs kept. Go does not simply keep the
  last value: a repeated struct field is decoded *into* the earlier value (nested structs and
  maps merge, list elements merge by index), a repeated map key is replaced; we do the same.

``null`` is accepted anywhere. A ``null`` struct field leaves the Go field unset, so it is dropped
here; a ``null`` map value or list element becomes the element's zero value (``""``, ``0``,
``false``, ``{}``) as Go stores it.

The policy is ``handlers/create.go``/``update.go`` (``fieldValidation``, default ``Warn``):
``Strict`` turns unknown and duplicate fields into a 400 ``BadRequest`` whose message ends in
``strict decoding error: unknown field "spec.bogus", duplicate field "metadata.name"``
(``runtime.NewStrictDecodingError``); ``Warn`` returns each as a ``Warning`` header text;
``Ignore`` says nothing. Either way the stored object is the pruned one. ``handlers/patch.go``
decodes the *patched* object the same way but wraps failures differently -- 422 ``Invalid`` on a
``patch`` field error -- which :func:`check_patched` implements.

Upstream mirrored: ``sigs.k8s.io/json`` ``internal/golang/encoding/json/{decode.go,
kubernetes_patch.go}`` (at ``9aa6b5e``, the version apimachinery v0.32 pins),
``k8s.io/apimachinery`` ``pkg/runtime/serializer/json/{json.go,meta.go}``,
``pkg/runtime/error.go`` (``strictDecodingError``), ``pkg/runtime/converter.go``
(``FromUnstructuredWithValidation``, the strategic-merge-patch path), ``k8s.io/apiserver``
``pkg/endpoints/handlers/{create.go,update.go,patch.go,rest.go}`` (``transformDecodeError``,
``summarizeData``, ``addStrictDecodingWarnings``) and the ``UnmarshalJSON`` methods of
``intstr.IntOrString``, ``resource.Quantity``, ``metav1.Time``/``MicroTime``/``FieldsV1``,
``runtime.RawExtension`` and apiextensions v1's ``JSON``/``JSONSchemaPropsOr*``.

Divergences: Go prints *named* types by their name (``v1.PullPolicy``, ``v1.ResourceList``); the
schema does not carry Go type names below the definitions, so such fields are shown by their
underlying type (``string``, ``map[string]resource.Quantity``). A number that cannot fit is shown
from its Python value (``1000.0`` where Go echoes the literal ``1e3``). A ``null`` that repeats an
earlier field keeps the earlier value (Go keeps it for value fields, clears it for pointers).
Re-encoding is not done here: ``Quantity``'s canonical form, ``Time`` normalised to UTC and Go's
non-``omitempty`` zero values belong to the encoder.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from typing import Any, Final

from apiserver.schema import definitions as _defs
from apiserver.schema.golang import (
    QUANTITY_FORMAT_ERROR,
    base64_canonical,
    base64_error,
    quantity_parse_error,
    time_parse_error,
)
from minikube_py.errors import BadRequest, GroupKind, Invalid
from minikube_py.field import go_quote, invalid, not_supported
from minikube_py.typeinfo import UNKNOWN, Shape, TypeNode

UNKNOWN_FIELD: Final = "unknown field"
DUPLICATE_FIELD: Final = "duplicate field"
_MAX_STRICT_ERRORS: Final = 100  # sigs.k8s.io/json stops collecting there


class FieldValidation(StrEnum):
    """The ``fieldValidation`` query parameter (``metav1.FieldValidation*``)."""

    IGNORE = "Ignore"
    WARN = "Warn"
    STRICT = "Strict"


@dataclass(frozen=True, slots=True)
class StrictError:
    """One strict-decoding finding: ``unknown field "<path>"`` or ``duplicate field "<path>"``."""

    kind: str  # UNKNOWN_FIELD or DUPLICATE_FIELD
    path: str

    def __str__(self) -> str:
        return f"{self.kind} {go_quote(self.path)}"


@dataclass(frozen=True, slots=True)
class Checked:
    """What decoding an object found. ``error`` is the Go decode error text that fails the whole
    decode (strict findings are then irrelevant); otherwise ``obj`` is the object as Go would hold
    it (unknown fields dropped, nulls resolved) and ``strict_errors`` lists the findings in
    document order, deduplicated, at most 100."""

    obj: Any
    strict_errors: tuple[StrictError, ...]
    error: str | None


@dataclass(frozen=True, slots=True)
class DecodeResult:
    """A body that decoded: the object to go on with and the ``Warning`` texts to send."""

    obj: dict[str, Any]
    warnings: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Public API


def validate_field_validation(
    value: str | None, options_kind: str = "CreateOptions"
) -> FieldValidation:
    """The directive a request asked for (absent or empty: ``Warn``); any other value fails as
    ``ValidateFieldValidation`` makes it fail, e.g. ``CreateOptions.meta.k8s.io "" is invalid:
    fieldValidation: Unsupported value: "x": supported values: "", "Ignore", "Strict", "Warn"``."""
    if not value:
        return FieldValidation.WARN
    try:
        return FieldValidation(value)
    except ValueError:
        error = not_supported("fieldValidation", value, ["", "Ignore", "Strict", "Warn"])
        raise Invalid(GroupKind("meta.k8s.io", options_kind), "", [error]) from None


def decode_check(
    obj: Any,
    group: str,
    version: str,
    kind: str,
    *,
    raw: bytes | None = None,
    field_validation: str | None = "",
    options_kind: str = "CreateOptions",
) -> DecodeResult:
    """Decode a create or update body for a served built-in kind, as ``handlers/create.go`` and
    ``handlers/update.go`` do.

    ``obj`` is the parsed body; ``raw`` its bytes, when there are any, for duplicate fields. Raises
    :class:`BadRequest` on a type error and, under ``Strict``, on unknown or duplicate fields.
    ``obj`` is never mutated: the result is ``obj`` itself when nothing had to change, else a copy
    that shares the unchanged parts.
    """
    directive = validate_field_validation(field_validation, options_kind)
    meta_error = _interpret_meta(obj)
    if meta_error is not None:
        body = raw if raw is not None else _encode(obj)
        raise BadRequest(
            f"the object provided is unrecognized (must be of type {kind}): {meta_error} "
            f"({_summarize(body)})"
        )
    body_kind, body_version = _actual_kind_version(obj, group, version, kind)
    checked = check_object(
        obj, _root_type(group, version, kind), strict=directive is not FieldValidation.IGNORE,
        raw=raw,
    )  # fmt: skip
    prefix = f"{body_kind} in version {go_quote(body_version)} cannot be handled as a {kind}"
    if checked.error is not None:
        raise BadRequest(f"{prefix}: {checked.error}")
    warnings: tuple[str, ...] = ()
    if checked.strict_errors:
        if directive is FieldValidation.STRICT:
            raise BadRequest(f"{prefix}: {strict_decoding_error(checked.strict_errors)}")
        warnings = tuple(str(error) for error in checked.strict_errors)
    return DecodeResult(checked.obj, warnings)


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
    """Decode the result of applying a JSON, merge or strategic-merge patch, as
    ``handlers/patch.go`` does.

    ``patch_errors`` are the strict findings on the patch document itself (duplicates, from
    :func:`find_duplicate_fields` or :func:`json_patch_strict_errors`); they come first.
    ``bad_value`` is what the error quotes: the patched JSON text for JSON and merge patches,
    :func:`apiserver.schema.golang.go_sprint` of the patch for strategic-merge patches
    (``strategic=True``, where unknown fields come from the unstructured converter: sorted, and
    rendered ``unknown field "%s"`` without Go quoting).

    Failures are 422 ``Invalid`` with an empty kind and name:
    `` "" is invalid: patch: Invalid value: "...": strict decoding error: unknown field "x"``.
    """
    directive = validate_field_validation(field_validation, "PatchOptions")
    strict = directive is not FieldValidation.IGNORE
    error = _interpret_meta(patched)
    checked = None
    if error is None:
        checked = check_object(patched, _root_type(group, version, kind), strict=strict)
        error = checked.error
    if error is not None or checked is None:
        raise _patch_invalid(bad_value, error or "")
    found: list[str] = list(patch_errors) if strict else []
    if strategic:
        found.extend(sorted(f'{e.kind} "{e.path}"' for e in checked.strict_errors))
    else:
        found.extend(str(e) for e in checked.strict_errors)
    if found and directive is FieldValidation.STRICT:
        raise _patch_invalid(bad_value, "strict decoding error: " + ", ".join(found))
    return DecodeResult(checked.obj, tuple(found))


def check_object(
    obj: Any,
    node: TypeNode | _Type,
    *,
    strict: bool = True,
    typed: bool = True,
    raw: bytes | None = None,
) -> Checked:
    """The decode walk itself, for any schema: ``typed`` applies Go's type checks and null rules
    (built-in kinds; needs a node from :mod:`apiserver.schema.definitions` to name Go types),
    ``strict`` collects unknown and duplicate fields, ``raw`` lets duplicates be seen."""
    t = node if isinstance(node, _Type) else _type_for(node)
    root = obj
    pairs = False
    if raw is not None:
        decoded, pairs = _loads_pairs(raw)
        if pairs:
            root = decoded
    walker = _Walker(strict=strict, typed=typed, pairs=pairs)
    try:
        out = walker.run(root, t)
    except _Fatal as fatal:
        return Checked(obj, (), fatal.message)
    if walker.saved is not None:
        return Checked(obj, (), walker.saved)
    return Checked(out, tuple(walker.errors), None)


def prune_unknown(obj: Any, node: TypeNode, *, typed: bool = False) -> Any:
    """``obj`` without the fields ``node``'s schema does not declare (kept under
    ``x-kubernetes-preserve-unknown-fields`` and in raw-JSON fields). ``typed`` also applies Go's
    null rules, as decoding a built-in kind does. Never mutates ``obj``: returns ``obj`` itself
    when nothing is dropped, else a copy sharing the unchanged subtrees."""
    walker = _Walker(strict=False, typed=False, pairs=False, go_nulls=typed)
    return walker.run(obj, _type_for(node))


def find_duplicate_fields(raw: bytes | str, node: TypeNode | None = None) -> list[str]:
    """``duplicate field "<path>"`` for every repeated key in a JSON document, as
    ``sigs.k8s.io/json`` ``UnmarshalStrict`` reports them (into ``map[string]interface{}``
    without ``node``; with ``node``, fields the schema does not know are skipped, as Go skips
    unknown fields and raw-JSON fields)."""
    try:
        value, found = _loads_pairs(raw)
    except ValueError:
        return []
    if not found:
        return []
    walker = _Walker(strict=True, typed=False, pairs=True)
    walker.run(value, _ANY if node is None else _type_for(node))
    return [str(error) for error in walker.errors if error.kind == DUPLICATE_FIELD]


def json_patch_strict_errors(raw: bytes | str) -> list[str]:
    """The strict findings ``handlers/patch.go`` reports for a JSON-patch document (decoded
    into ``[]jsonPatchOp{op, path, from, value}``), each prefixed ``json patch``; raises
    :class:`BadRequest` ``error decoding patch: ...`` when the document does not decode."""
    try:
        value, pairs = _loads_pairs(raw)
    except ValueError as err:
        raise BadRequest(f"error decoding patch: {err}") from None
    walker = _Walker(strict=True, typed=True, pairs=pairs)
    try:
        walker.run(value, _json_patch_type())
    except _Fatal as fatal:
        raise BadRequest(f"error decoding patch: {fatal.message}") from None
    if walker.saved is not None:
        raise BadRequest(f"error decoding patch: {walker.saved}")
    return [f"json patch {error}" for error in walker.errors]


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
# Compiled types: a TypeNode plus what Go decoding needs to know about it


_STRUCT, _MAP, _LIST, _STRING, _BYTES, _BOOL, _INT, _FLOAT = range(8)
_INT_OR_STRING, _QUANTITY, _TIME, _MICRO_TIME, _RAW, _ANY_KIND = range(8, 14)
_SCHEMA_OR_BOOL, _SCHEMA_OR_ARRAY, _SCHEMA_OR_STRINGS = range(14, 17)

_APIEXTENSIONS: Final = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1."
_JSON_SCHEMA_PROPS: Final = _APIEXTENSIONS + "JSONSchemaProps"

# Definitions whose Go type brings its own UnmarshalJSON: (kind, Go type name)
_SPECIAL: Final[dict[str, tuple[int, str]]] = {
    _defs.INT_OR_STRING: (_INT_OR_STRING, "intstr.IntOrString"),
    _defs.QUANTITY: (_QUANTITY, "resource.Quantity"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": (_TIME, "v1.Time"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": (_MICRO_TIME, "v1.MicroTime"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1": (_RAW, "v1.FieldsV1"),
    "io.k8s.apimachinery.pkg.runtime.RawExtension": (_RAW, "runtime.RawExtension"),
    _APIEXTENSIONS + "JSON": (_RAW, "v1.JSON"),
    _APIEXTENSIONS + "JSONSchemaPropsOrBool": (_SCHEMA_OR_BOOL, "v1.JSONSchemaPropsOrBool"),
    _APIEXTENSIONS + "JSONSchemaPropsOrArray": (_SCHEMA_OR_ARRAY, "v1.JSONSchemaPropsOrArray"),
    _APIEXTENSIONS + "JSONSchemaPropsOrStringArray": (
        _SCHEMA_OR_STRINGS,
        "v1.JSONSchemaPropsOrStringArray",
    ),
}
_SCALAR_GO: Final = {
    _STRING: "string",
    _BYTES: "[]uint8",
    _BOOL: "bool",
    _FLOAT: "float64",
    _ANY_KIND: "interface {}",
}
_INT32: Final = (-(2**31), 2**31 - 1)
_INT64: Final = (-(2**63), 2**63 - 1)


class _Type:
    """A schema position compiled for decoding. Children compile on first use and stay cached,
    so after warm-up a walk costs dictionary lookups only."""

    __slots__ = (
        "_elem",
        "_go",
        "definition",
        "fields",
        "hi",
        "kind",
        "lo",
        "node",
        "preserve",
        "schema",
        "struct",
    )

    def __init__(
        self,
        kind: int,
        node: TypeNode,
        schema: Mapping[str, Any],
        definition: str | None,
        go: str | None = None,
    ) -> None:
        self.kind = kind
        self.node = node
        self.schema = schema
        self.definition = definition
        self.struct = definition.rsplit(".", 1)[1] if definition else ""
        self.preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
        self.fields: dict[str, _Type] | None = None
        self._elem: _Type | None = None
        self._go = go
        self.lo, self.hi = _INT32 if schema.get("format") == "int32" else _INT64

    def struct_fields(self) -> dict[str, _Type]:
        fields = self.fields
        if fields is None:
            fields = {}
            for name, prop in self.schema.get("properties", {}).items():
                child = self.node.field(name)
                fields[name] = _compile(UNKNOWN if child is None else child, prop)
            self.fields = fields
        return fields

    def elem(self) -> _Type:
        elem = self._elem
        if elem is None:
            if self.kind == _LIST:
                elem = _compile(self.node.items(), self.schema.get("items"))
            else:
                raw = self.schema.get("additionalProperties")
                elem = _compile(self.node.field("") or UNKNOWN, raw)
            self._elem = elem
        return elem

    def go(self) -> str:
        """Go's ``reflect.Type.String()`` of this position, as type errors print it."""
        if self._go is None:
            if self.kind == _LIST:
                self._go = "[]" + self.elem().go()
            elif self.kind == _MAP:
                self._go = "map[string]" + self.elem().go()
            elif self.kind == _INT:
                self._go = "int32" if self.lo == _INT32[0] else "int64"
            elif self.kind == _STRUCT and self.definition:
                package = self.definition.rsplit(".", 2)[1]
                self._go = f"{package}.{self.struct}"
            else:
                self._go = _SCALAR_GO.get(self.kind, "interface {}")
        return self._go

    def __repr__(self) -> str:
        return f"_Type({self.kind}, {self.definition or self.go()})"


def _compile(node: TypeNode, raw: Any) -> _Type:
    definition = _ref_name(raw) if isinstance(raw, Mapping) else None
    return _compile_node(node, definition)


def _compile_node(node: TypeNode, definition: str | None) -> _Type:
    schema = getattr(node, "schema", None)
    if not isinstance(schema, Mapping):
        schema = {}
    special = _SPECIAL.get(definition) if definition else None
    if special is not None:
        return _Type(special[0], node, schema, definition, special[1])
    if schema.get("x-kubernetes-int-or-string") or schema.get("format") == "int-or-string":
        return _Type(_INT_OR_STRING, node, schema, definition, "intstr.IntOrString")
    shape = node.shape
    if shape is Shape.OBJECT:
        return _Type(_STRUCT, node, schema, definition)
    if shape is Shape.LIST:
        return _Type(_LIST, node, schema, definition)
    if shape is Shape.MAP:
        return _Type(_MAP, node, schema, definition)
    if shape is Shape.SCALAR:
        kind = schema.get("type")
        if kind == "string":
            return _Type(_BYTES if schema.get("format") == "byte" else _STRING, node, schema, None)
        if kind == "integer":
            return _Type(_INT, node, schema, None)
        if kind == "number":
            return _Type(_FLOAT, node, schema, None)
        return _Type(_BOOL, node, schema, None)
    if (
        schema.get("type") == "object"
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        empty = _Type(_STRUCT, node, schema, definition)  # a struct without fields
        empty.fields = {}
        return empty
    return _Type(_ANY_KIND, node, schema, definition)


def _ref_name(raw: Mapping[str, Any]) -> str | None:
    ref = raw.get("$ref")
    if ref is None:
        all_of = raw.get("allOf")
        if all_of and len(all_of) == 1 and isinstance(all_of[0], Mapping):
            ref = all_of[0].get("$ref")
    if not isinstance(ref, str):
        return None
    return ref.rsplit("/", 1)[-1]


@cache
def _root_type(group: str, version: str, kind: str) -> _Type:
    try:
        definition = _defs.definition_name((group, version, kind))
    except KeyError:
        raise ValueError(f"no built-in kind {group}/{version}, Kind={kind}") from None
    return _compile_node(_defs.definition_node(definition), definition)


@cache
def _schema_props_type() -> _Type:
    return _compile_node(_defs.definition_node(_JSON_SCHEMA_PROPS), _JSON_SCHEMA_PROPS)


@lru_cache(maxsize=512)
def _type_for(node: TypeNode) -> _Type:
    return _compile_node(node, _defs.definition_of(node))


_ANY: Final = _Type(_ANY_KIND, UNKNOWN, {}, None)


@cache
def _json_patch_type() -> _Type:
    """``[]handlers.jsonPatchOp``: op, path, from (strings) and value (``interface{}``)."""
    op = _Type(_STRUCT, UNKNOWN, {}, None, "handlers.jsonPatchOp")
    op.struct = "jsonPatchOp"
    string = _Type(_STRING, UNKNOWN, {}, None)
    op.fields = {"op": string, "path": string, "from": string, "value": _ANY}
    ops = _Type(_LIST, UNKNOWN, {}, None, "[]handlers.jsonPatchOp")
    ops._elem = op
    return ops


# ---------------------------------------------------------------------------------------------
# The walk


class _Dup:
    """A JSON object with a repeated key, kept as its (key, value) pairs in document order."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


class _Fatal(Exception):
    """A decode error that stops decoding at once (a custom ``UnmarshalJSON`` failed)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_DROP: Final = object()  # "leave this struct field unset"


class _Walker:
    """One decode. ``stack`` holds how the walk got here: ``(key, owner)`` per level, ``owner``
    being the Go struct name for a struct field and None for a map key or (int key) list index.
    Paths are rendered from it only when something is reported."""

    __slots__ = (
        "errors",
        "go_nulls",
        "override",
        "pairs",
        "saved",
        "seen",
        "stack",
        "strict",
        "typed",
    )

    def __init__(
        self, *, strict: bool, typed: bool, pairs: bool, go_nulls: bool | None = None
    ) -> None:
        self.strict = strict
        self.typed = typed
        self.go_nulls = typed if go_nulls is None else go_nulls
        self.pairs = pairs
        self.errors: list[StrictError] = []
        self.seen: set[tuple[str, str]] = set()
        self.saved: str | None = None
        self.stack: list[tuple[str | int, str | None]] = []
        self.override: tuple[str, str] | None = None

    def run(self, root: Any, t: _Type) -> Any:
        if root is None:
            return None
        out = self._walk(root, t, None, None)
        return None if out is _DROP else out

    # -- dispatch --------------------------------------------------------------------------

    def _walk(self, v: Any, t: _Type, key: str | int | None, owner: str | None) -> Any:
        kind = t.kind
        vt = type(v)
        if kind == _STRUCT:
            if vt is dict or vt is _Dup:
                if key is not None:
                    self.stack.append((key, owner))
                out = self._struct(v, t) if vt is dict else self._struct_pairs(v.pairs, t)
                if key is not None:
                    self.stack.pop()
                return out
            return self._mismatch(v, t, key, owner)
        if kind == _STRING:
            return v if vt is str else self._mismatch(v, t, key, owner)
        if kind == _LIST:
            if vt is list:
                if key is not None:
                    self.stack.append((key, owner))
                out = self._list(v, t.elem())
                if key is not None:
                    self.stack.pop()
                return out
            return self._mismatch(v, t, key, owner)
        if kind == _MAP:
            if vt is dict or vt is _Dup:
                if key is not None:
                    self.stack.append((key, owner))
                out = self._map(v, t.elem())
                if key is not None:
                    self.stack.pop()
                return out
            return self._mismatch(v, t, key, owner)
        if kind == _INT:
            if vt is int and t.lo <= v <= t.hi:
                return v
            return self._mismatch(v, t, key, owner)
        if kind == _BOOL:
            return v if vt is bool else self._mismatch(v, t, key, owner)
        if kind == _FLOAT:
            return v if vt is int or vt is float else self._mismatch(v, t, key, owner)
        if kind == _RAW:
            return self._plain(v)
        if kind == _ANY_KIND:
            return self._any(v, key, owner) if self.pairs else v
        return self._custom(v, t, key, owner)

    def _custom(self, v: Any, t: _Type, key: str | int | None, owner: str | None) -> Any:
        """Values of Go types with their own ``UnmarshalJSON``."""
        kind = t.kind
        vt = type(v)
        if not self.typed:
            return self._plain(v)
        if kind == _INT_OR_STRING:
            if vt is str or (vt is int and _INT32[0] <= v <= _INT32[1]):
                return v
            # IntOrString hands anything but a string to json.Unmarshal into its int32
            self._type_error(_json_class(v, literal=True), "int32", key, owner, fatal=True)
        elif kind == _QUANTITY:
            if vt is str:
                text = v.strip()
            elif vt is int or vt is float:
                text = _number_literal(v)
            else:
                raise _Fatal(QUANTITY_FORMAT_ERROR)
            message = quantity_parse_error(text)
            if message is not None:
                raise _Fatal(message)
            return v
        elif kind in (_TIME, _MICRO_TIME):
            if vt is not str:
                self._type_error(_json_class(v), "string", key, owner, fatal=True)
            message = time_parse_error(v, micro=kind == _MICRO_TIME)
            if message is not None:
                raise _Fatal(message)
            return v
        elif kind == _BYTES:
            return self._bytes(v, t, key, owner)
        elif kind == _SCHEMA_OR_BOOL:
            if vt is bool:
                return v
            if vt is dict or vt is _Dup:
                return self._loose(v, _schema_props_type(), key, owner)
            raise _Fatal("boolean or JSON schema expected")
        elif kind == _SCHEMA_OR_ARRAY:
            if vt is dict or vt is _Dup:
                return self._loose(v, _schema_props_type(), key, owner)
            if vt is list:
                return self._loose(v, _list_of(_schema_props_type()), key, owner)
            return _DROP  # anything else leaves it empty, which encodes as null
        elif kind == _SCHEMA_OR_STRINGS:
            if vt is dict or vt is _Dup:
                return self._loose(v, _schema_props_type(), key, owner)
            if vt is list:
                return self._loose(v, _list_of(_STRING_TYPE), key, owner)
            return None
        return v

    def _bytes(self, v: Any, t: _Type, key: str | int | None, owner: str | None) -> Any:
        vt = type(v)
        if vt is str:
            message = base64_error(v)
            if message is not None:
                if self.saved is None:
                    self.saved = message
                return v
            return base64_canonical(v)
        if vt is list:  # Go fills a []byte from a JSON array of numbers too
            for item in v:
                if type(item) is not int or not 0 <= item <= 255:
                    self._type_error(_json_class(item, literal=True), "uint8", key, owner)
                    return v
            return base64.b64encode(bytes(v)).decode()
        return self._mismatch(v, t, key, owner)

    def _loose(self, v: Any, t: _Type, key: str | int | None, owner: str | None) -> Any:
        """A value apiextensions decodes with a second, non-strict decoder: unknown fields are
        dropped silently and any error surfaces at the outer field."""
        if self.override is not None:
            return self._walk(v, t, key, owner)
        self.override = self._context(key, owner)
        strict = self.strict
        self.strict = False
        try:
            return self._walk(v, t, key, owner)
        finally:
            self.strict = strict
            self.override = None

    # -- containers ------------------------------------------------------------------------

    def _struct(self, obj: dict[str, Any], t: _Type) -> Any:
        fields = t.fields if t.fields is not None else t.struct_fields()
        owner = t.struct
        go_nulls = self.go_nulls
        out: dict[str, Any] | None = None
        for key, value in obj.items():
            ft = fields.get(key)
            if ft is not None:
                vt = type(value)
                kind = ft.kind
                if (
                    (vt is str and kind == _STRING)
                    or (vt is bool and kind == _BOOL)
                    or (vt is int and kind == _INT and ft.lo <= value <= ft.hi)
                ):
                    new = value
                elif value is None:
                    new = _DROP if go_nulls else None
                else:
                    new = self._walk(value, ft, key, owner)
            elif t.preserve:
                new = self._plain(value)
            else:
                if self.strict:
                    self._strict_error(UNKNOWN_FIELD, key)
                new = _DROP
            if out is None:
                if new is value:
                    continue
                out = _before(obj, key)
            if new is not _DROP:
                out[key] = new
        return obj if out is None else out

    def _struct_pairs(self, pairs: list[tuple[str, Any]], t: _Type) -> dict[str, Any]:
        fields = t.fields if t.fields is not None else t.struct_fields()
        owner = t.struct
        out: dict[str, Any] = {}
        seen: set[str] = set()
        for key, value in pairs:
            ft = fields.get(key)
            if ft is None:
                if t.preserve:
                    out[key] = self._plain(value)
                elif self.strict:
                    self._strict_error(UNKNOWN_FIELD, key)
                continue
            if key in seen:
                if self.strict:
                    self._strict_error(DUPLICATE_FIELD, key)
            else:
                seen.add(key)
            if value is None:
                if not self.go_nulls:
                    out[key] = None
                continue
            new = self._walk(value, ft, key, owner)
            if new is _DROP:
                continue
            out[key] = _merge(out[key], new, ft) if key in out else new
        return out

    def _list(self, items: list[Any], et: _Type) -> list[Any]:
        kind = et.kind
        out: list[Any] | None = None
        for i, item in enumerate(items):
            vt = type(item)
            if vt is str and kind == _STRING:
                new = item
            elif item is None:
                new = _zero(et) if self.go_nulls else None
            else:
                new = self._walk(item, et, i, None)
                if new is _DROP:
                    new = None
            if out is None:
                if new is item:
                    continue
                out = items[:i]
            out.append(new)
        return items if out is None else out

    def _map(self, obj: dict[str, Any] | _Dup, et: _Type) -> dict[str, Any]:
        if type(obj) is _Dup:
            out: dict[str, Any] = {}
            for key, value in obj.pairs:
                if key in out and self.strict:
                    self._strict_error(DUPLICATE_FIELD, key)
                out[key] = self._map_value(value, et, key)
            return out
        kind = et.kind
        changed: dict[str, Any] | None = None
        for key, value in obj.items():
            if type(value) is str and kind == _STRING:
                new = value
            else:
                new = self._map_value(value, et, key)
            if changed is None:
                if new is value:
                    continue
                changed = _before(obj, key)
            changed[key] = new
        return obj if changed is None else changed

    def _map_value(self, value: Any, et: _Type, key: str) -> Any:
        if value is None:
            return _zero(et) if self.go_nulls else None
        new = self._walk(value, et, key, None)
        return None if new is _DROP else new

    def _any(self, v: Any, key: str | int | None, owner: str | None) -> Any:
        """``interface{}``: anything goes, but repeated keys are still reported."""
        vt = type(v)
        if vt is not _Dup and vt is not dict and vt is not list:
            return v
        if key is not None:
            self.stack.append((key, owner))
        out: Any
        if vt is _Dup:
            out = {}
            for k, x in v.pairs:
                if k in out and self.strict:
                    self._strict_error(DUPLICATE_FIELD, k)
                out[k] = self._any(x, k, None)
        elif vt is dict:
            out = {k: self._any(x, k, None) for k, x in v.items()}
        else:
            out = [self._any(x, i, None) for i, x in enumerate(v)]
        if key is not None:
            self.stack.pop()
        return out

    def _plain(self, v: Any) -> Any:
        """``v`` with repeated keys resolved to their last value (raw JSON keeps no pairs)."""
        if not self.pairs:
            return v
        vt = type(v)
        if vt is _Dup:
            return {k: self._plain(x) for k, x in v.pairs}
        if vt is dict:
            return {k: self._plain(x) for k, x in v.items()}
        if vt is list:
            return [self._plain(x) for x in v]
        return v

    # -- findings --------------------------------------------------------------------------

    def _strict_error(self, kind: str, key: str) -> None:
        if len(self.errors) >= _MAX_STRICT_ERRORS:
            return
        path = self._strict_path(key)
        if (kind, path) in self.seen:
            return
        self.seen.add((kind, path))
        self.errors.append(StrictError(kind, path))

    def _strict_path(self, key: str) -> str:
        parts: list[str] = []
        for part, _ in self.stack:
            if type(part) is int:
                parts.append(f"[{part}]")
            else:
                parts.append(f".{part}" if parts else str(part))
        prefix = "".join(parts)
        return f"{prefix}.{key}" if parts else key

    def _context(self, key: str | int | None, owner: str | None) -> tuple[str, str]:
        """``(Struct, Field)`` of Go's error context: the struct owning the innermost struct
        field, and the struct fields from the root joined by dots."""
        names = [str(k) for k, o in self.stack if o is not None]
        struct = next((o for _, o in reversed(self.stack) if o is not None), "")
        if owner is not None and key is not None:
            names.append(str(key))
            struct = owner
        return struct, ".".join(names)

    def _mismatch(self, v: Any, t: _Type, key: str | int | None, owner: str | None) -> Any:
        if self.typed:
            self._type_error(_json_class(v, literal=t.kind in (_INT, _FLOAT)), t.go(), key, owner)
        return self._plain(v)

    def _type_error(
        self,
        what: str,
        go_type: str,
        key: str | int | None,
        owner: str | None,
        *,
        fatal: bool = False,
    ) -> None:
        struct, field = self.override or self._context(key, owner)
        if struct or field:
            message = (
                f"json: cannot unmarshal {what} into Go struct field {struct}.{field} "
                f"of type {go_type}"
            )
        else:
            message = f"json: cannot unmarshal {what} into Go value of type {go_type}"
        if fatal or self.override is not None:
            raise _Fatal(message)
        if self.saved is None:
            self.saved = message


_STRING_TYPE: Final = _Type(_STRING, UNKNOWN, {}, None)


@cache
def _list_of(elem: _Type) -> _Type:
    lst = _Type(_LIST, UNKNOWN, {}, None)
    lst._elem = elem
    return lst


def _before(obj: dict[str, Any], stop: str) -> dict[str, Any]:
    """The items of ``obj`` that come before key ``stop``."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key == stop:
            break
        out[key] = value
    return out


def _zero(t: _Type) -> Any:
    """What a JSON null leaves in a map value or list element of this type."""
    kind = t.kind
    if kind == _STRING:
        return ""
    if kind in (_INT, _FLOAT, _INT_OR_STRING):
        return 0
    if kind == _BOOL:
        return False
    if kind == _QUANTITY:
        return "0"
    if kind == _STRUCT:
        return {}
    return None


def _merge(old: Any, new: Any, t: _Type) -> Any:
    """Go decoding a repeated struct field into the value decoded before."""
    kind = t.kind
    if kind == _STRUCT and type(old) is dict and type(new) is dict:
        fields = t.struct_fields()
        merged = dict(old)
        for key, value in new.items():
            ft = fields.get(key)
            merged[key] = _merge(merged[key], value, ft) if ft and key in merged else value
        return merged
    if kind == _MAP and type(old) is dict and type(new) is dict:
        return {**old, **new}
    if kind == _LIST and type(old) is list and type(new) is list:
        et = t.elem()
        return [_merge(old[i], item, et) if i < len(old) else item for i, item in enumerate(new)]
    return new


def _json_class(v: Any, *, literal: bool = False) -> str:
    """How ``encoding/json`` names a JSON value in a type error (``number 1.5`` when the target
    is numeric and Go quotes the literal)."""
    vt = type(v)
    if vt is str:
        return "string"
    if vt is bool:
        return "bool"
    if vt is int or vt is float:
        return f"number {_number_literal(v)}" if literal else "number"
    if vt is list:
        return "array"
    return "object"


def _number_literal(v: int | float) -> str:
    return str(v) if type(v) is int else repr(v)


# ---------------------------------------------------------------------------------------------
# Bodies


def _loads_pairs(raw: bytes | str) -> tuple[Any, bool]:
    """Parse JSON keeping repeated keys: objects with one become :class:`_Dup`."""
    found = False

    def hook(pairs: list[tuple[str, Any]]) -> Any:
        nonlocal found
        obj = dict(pairs)
        if len(obj) != len(pairs):
            found = True
            return _Dup(pairs)
        return obj

    return json.loads(raw, object_pairs_hook=hook), found


def _interpret_meta(obj: Any) -> str | None:
    """``SimpleMetaFactory.Interpret``: apiVersion and kind read with ``encoding/json`` (which
    matches keys case-insensitively) and the group-version parsed."""
    if not isinstance(obj, dict):
        what = _json_class(obj) if obj is not None else None
        if what is None:
            return None
        return (
            "couldn't get version/kind; json parse error: json: cannot unmarshal "
            f"{what} into Go value of type struct {{ APIVersion string "
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


def _actual_kind_version(obj: Any, group: str, version: str, kind: str) -> tuple[str, str]:
    """The kind and version the body claims, defaulted as the JSON serializer defaults them."""
    body_kind = obj.get("kind") if isinstance(obj, dict) else None
    api_version = obj.get("apiVersion") if isinstance(obj, dict) else None
    body_group, body_version = "", ""
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
    if raw[:1] == b"{":
        text = raw[:30].decode("utf-8", "replace")
        return text + " ..." if len(raw) > 30 else text
    return raw[:30].hex() + (" ..." if len(raw) > 30 else "")


def _encode(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _patch_invalid(bad_value: str, detail: str) -> Invalid:
    error = invalid("patch", bad_value, detail, rendered=go_quote(bad_value))
    return Invalid(GroupKind("", ""), "", [error])
