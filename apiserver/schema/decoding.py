"""Go's typed JSON decoding, replayed over a schema: type errors, unknown and duplicate fields,
and the object Go would hold afterwards.

kube-apiserver learns three things while it decodes a body into the kind's Go struct (with
``sigs.k8s.io/json``, a case-sensitive fork of ``encoding/json``), and :func:`check_object` learns
them from the kind's schema in one walk over the parsed JSON:

- **Type errors**, e.g. ``json: cannot unmarshal string into Go struct field
  DeploymentSpec.spec.replicas of type int32``. The *struct* is the innermost Go struct owning
  the field (the definition's last name segment), the *field* the dotted chain of struct fields
  from the root -- map keys and list indices are not in it -- and the *type* Go's
  ``reflect.Type.String()`` (``[]v1.Container``, ``map[string]string``). Go keeps the first such
  error and decodes on, but the custom ``UnmarshalJSON`` of ``IntOrString``, ``Quantity``,
  ``Time``, ``MicroTime`` and apiextensions' ``JSONSchemaPropsOr*`` abort the decode at once, so
  their error wins even over an earlier one (and gets the error context of the field it sits in).
- **Unknown fields**, dropped by typed decoding and reported by the strict decoder as
  ``unknown field "spec.template.spec.containers[0].bogus"`` -- a path that does name map keys
  and ``[i]`` indices. Values of unknown fields are skipped unread; fields of Go types that keep
  raw JSON (``RawExtension``, ``FieldsV1``, apiextensions ``JSON``) take anything.
- **Duplicate fields**, ``duplicate field "metadata.name"``, visible only in the raw bytes:
  :func:`check_object` re-reads them keeping key/value pairs when given ``raw``. Go does not just
  keep the last value: a repeated struct field is decoded *into* the earlier one (nested structs
  and maps merge, list elements merge by index), a repeated map key is replaced. A repeated
  unknown field is reported once, as unknown.

Findings are deduplicated and capped at 100, in document order, as ``kubernetes_patch.go``
collects them. A JSON ``null`` is fine anywhere: a ``null`` struct field leaves the Go field
unset, so it is dropped; a ``null`` map value or list element becomes the element's zero value
(``""``, ``0``, ``false``, ``{}``).

Speed: each schema position is compiled once into a :class:`_Type` (children on first use) that
holds what the walk needs; the walk returns the input itself when nothing changes and copies only
the containers on the way to a change. Most bodies have nothing to report and nothing to change,
and :func:`_clean` recognises those first, without the walk's path stack and bookkeeping; it says
"walk it" for anything else. A typical Pod costs a few microseconds that way.

Upstream mirrored: ``sigs.k8s.io/json`` ``internal/golang/encoding/json/{decode.go,
kubernetes_patch.go}`` at ``9aa6b5e`` (the version apimachinery v0.32 pins) and the
``UnmarshalJSON`` methods of ``intstr.IntOrString``, ``resource.Quantity``,
``metav1.Time``/``MicroTime``/``FieldsV1``, ``runtime.RawExtension`` and apiextensions v1's
``JSON``/``JSONSchemaPropsOr*`` (which decode with a second, non-strict decoder).

Divergences: Go prints *named* types by name (``v1.PullPolicy``, ``v1.ResourceList``); below the
definitions the schema has no Go type names, so such positions show their underlying type
(``string``, ``map[string]resource.Quantity``). A number that does not fit is shown from its
Python value (``1000.0`` where Go echoes the literal ``1e3``). A ``null`` repeating an earlier
field keeps the earlier value (Go keeps it for value fields and clears it for pointers).
Canonical re-encoding (``Quantity``, ``Time`` in UTC, Go's zero values) belongs to the encoder.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Final

import msgspec

from apiserver.schema import definitions as _defs
from apiserver.schema.golang import (
    QUANTITY_FORMAT_ERROR,
    base64_canonical,
    base64_error,
    quantity_parse_error,
    time_parse_error,
)
from minikube_py.field import go_quote
from minikube_py.managedfields.firstowner import MemoGate
from minikube_py.typeinfo import UNKNOWN, Shape, TypeNode

UNKNOWN_FIELD: Final = "unknown field"
DUPLICATE_FIELD: Final = "duplicate field"
_MAX_STRICT_ERRORS: Final = 100


@dataclass(frozen=True, slots=True)
class StrictError:
    """One strict-decoding finding: ``unknown field "<path>"`` or ``duplicate field "<path>"``."""

    kind: str  # UNKNOWN_FIELD or DUPLICATE_FIELD
    path: str

    def __str__(self) -> str:
        return f"{self.kind} {go_quote(self.path)}"


@dataclass(frozen=True, slots=True)
class Checked:
    """What decoding found. ``error`` is the Go error that fails the whole decode (strict
    findings are then moot and ``obj`` is the input); otherwise ``obj`` is the object as Go holds
    it and ``strict_errors`` the findings (empty unless asked for)."""

    obj: Any
    strict_errors: tuple[StrictError, ...]
    error: str | None


def check_object(
    obj: Any,
    node: TypeNode,
    *,
    strict: bool = True,
    typed: bool = True,
    raw: bytes | str | None = None,
    remember: bool = False,
) -> Checked:
    """Decode ``obj`` (parsed JSON) against ``node``'s schema.

    ``typed``: Go's type checks and null rules, for built-in kinds (Go type names come from
    nodes made by :mod:`apiserver.schema.definitions`). ``strict``: collect unknown and duplicate
    fields. ``raw``: the bytes ``obj`` came from, so repeated keys can be seen. ``remember``:
    ``obj`` is JSON as msgspec decodes it (only dicts, lists, str, int, float, bool and None),
    so clean top-level subtrees may be remembered by their encoding
    (:func:`_clean_remembering`). Never mutates ``obj``: the result is ``obj`` itself when
    nothing changes, else a copy sharing the unchanged parts.
    """
    root = obj
    pairs = False
    if raw is not None:
        try:
            decoded, pairs = _loads_pairs(raw)
        except ValueError:
            pairs = False
        if pairs:
            root = decoded
    t = _type_for(node)
    clean = _clean_remembering if remember else _clean
    if typed and not pairs and type(root) is dict and clean(root, t):
        return Checked(obj, (), None)  # what the walk below finds for a clean object
    walker = _Walker(strict=strict, typed=typed, pairs=pairs)
    try:
        out = walker.run(root, t)
    except _Fatal as fatal:
        return Checked(obj, (), fatal.message)
    if walker.saved is not None:
        return Checked(obj, (), walker.saved)
    return Checked(out, tuple(walker.errors), None)


def prune_unknown(obj: Any, node: TypeNode, *, typed: bool = False) -> Any:
    """``obj`` without the fields ``node``'s schema does not declare (kept below
    ``x-kubernetes-preserve-unknown-fields`` and in raw-JSON fields); ``typed`` also applies Go's
    null rules, as decoding a built-in kind does. No type checks. Never mutates ``obj``: returns
    ``obj`` itself when nothing is dropped, else a copy sharing the unchanged subtrees."""
    walker = _Walker(strict=False, typed=False, pairs=False, go_nulls=typed)
    return walker.run(obj, _type_for(node))


def find_duplicate_fields(raw: bytes | str, node: TypeNode | None = None) -> list[str]:
    """``duplicate field "<path>"`` for each repeated key of a JSON document, as ``UnmarshalStrict``
    reports them into ``map[string]interface{}`` (without ``node``) or into ``node``'s type
    (fields it does not know, and raw-JSON fields, are then skipped as Go skips them)."""
    try:
        value, found = _loads_pairs(raw)
    except ValueError:
        return []
    if not found:
        return []
    walker = _Walker(strict=True, typed=False, pairs=True)
    walker.run(value, _ANY if node is None else _type_for(node))
    return [str(error) for error in walker.errors if error.kind == DUPLICATE_FIELD]


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
# The Python type a value may have to pass without any further look (None: always look).
_FAST: Final = {_STRING: str, _BOOL: bool, _INT_OR_STRING: str, _FLOAT: float}
_INT32: Final = (-(2**31), 2**31 - 1)
_INT64: Final = (-(2**63), 2**63 - 1)


class _Type:
    """A schema position compiled for decoding. Children compile on first use and stay cached,
    so after warm-up a walk costs dictionary lookups only."""

    __slots__ = (
        "_go",
        "definition",
        "elem_type",
        "fast",
        "fields",
        "hi",
        "kind",
        "lo",
        "node",
        "preserve",
        "schema",
        "segment",
        "struct",
    )

    def __init__(
        self,
        kind: int,
        node: TypeNode,
        schema: Mapping[str, Any],
        definition: str | None = None,
        go: str | None = None,
    ) -> None:
        self.kind = kind
        self.node = node
        self.schema = schema
        self.definition = definition
        self.struct = definition.rsplit(".", 1)[-1] if definition else ""
        self.preserve = bool(schema.get("x-kubernetes-preserve-unknown-fields"))
        self.fast: type | None = _FAST.get(kind)
        self.fields: dict[str, _Type] | None = None
        self.elem_type: _Type | None = None
        self.segment: tuple[str, str] = ("", "")  # (field name, owning struct) when a field
        self._go = go
        self.lo, self.hi = _INT32 if schema.get("format") == "int32" else _INT64

    def struct_fields(self) -> dict[str, _Type]:
        fields = self.fields
        if fields is None:
            fields = {}
            for name, prop in self.schema.get("properties", {}).items():
                child = self.node.field(name)
                field = _compile(UNKNOWN if child is None else child, prop)
                field.segment = (name, self.struct)
                fields[name] = field
            self.fields = fields
        return fields

    def elem(self) -> _Type:
        elem = self.elem_type
        if elem is None:
            if self.kind == _LIST:
                elem = _compile(self.node.items(), self.schema.get("items"))
            else:
                raw = self.schema.get("additionalProperties")
                elem = _compile(self.node.field("") or UNKNOWN, raw)
            self.elem_type = elem
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
            elif self.kind == _STRUCT and self.definition and "." in self.definition:
                package = self.definition.rsplit(".", 2)[-2]
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
            return _Type(_BYTES if schema.get("format") == "byte" else _STRING, node, schema)
        if kind == "integer":
            return _Type(_INT, node, schema)
        if kind == "number":
            return _Type(_FLOAT, node, schema)
        return _Type(_BOOL, node, schema)
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


def _type_for(node: TypeNode) -> _Type:
    definition = _defs.definition_of(node)
    if definition is not None:
        return _definition_type(definition)
    try:
        return _node_type(node)
    except TypeError:  # a TypeNode that cannot be hashed: compile it for this walk only
        return _compile_node(node, None)


@cache
def _definition_type(definition: str) -> _Type:
    return _compile_node(_defs.definition_node(definition), definition)


@lru_cache(maxsize=256)
def _node_type(node: TypeNode) -> _Type:
    return _compile_node(node, None)


_ANY: Final = _Type(_ANY_KIND, UNKNOWN, {})
_STRING_TYPE: Final = _Type(_STRING, UNKNOWN, {})


@cache
def _list_of(elem: _Type) -> _Type:
    lst = _Type(_LIST, UNKNOWN, {})
    lst.elem_type = elem
    return lst


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
    """One decode. ``stack`` says how the walk got here, one ``(key, owner)`` per level:
    ``owner`` is the Go struct owning a struct field, None for a map key or an (int) list index.
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
        self.saved: str | None = None  # the first (non-fatal) Go decode error
        self.stack: list[tuple[str | int, str | None]] = []
        self.override: tuple[str, str] | None = None

    def run(self, root: Any, t: _Type) -> Any:
        if root is None:
            return None
        out = self._walk(root, t, None, None)
        return None if out is _DROP else out

    # -- containers (the hot path) ---------------------------------------------------------

    def _struct(self, obj: dict[str, Any], t: _Type) -> Any:
        fields = t.fields
        if fields is None:
            fields = t.struct_fields()
        stack = self.stack
        out: dict[str, Any] | None = None
        for key, value in obj.items():
            ft = fields.get(key)
            if ft is not None:
                vt = type(value)
                if vt is ft.fast:
                    new = value
                elif vt is dict and ft.kind == _STRUCT:
                    stack.append(ft.segment)
                    new = self._struct(value, ft)
                    stack.pop()
                elif vt is list and ft.kind == _LIST:
                    stack.append(ft.segment)
                    new = self._list(value, ft.elem_type or ft.elem())
                    stack.pop()
                elif vt is int and ft.kind == _INT and ft.lo <= value <= ft.hi:
                    new = value
                elif value is None:
                    new = _DROP if self.go_nulls else None
                else:
                    new = self._walk(value, ft, key, t.struct)
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

    def _list(self, items: list[Any], et: _Type) -> list[Any]:
        fast = et.fast
        is_struct = et.kind == _STRUCT
        stack = self.stack
        out: list[Any] | None = None
        for i, item in enumerate(items):
            vt = type(item)
            if vt is fast:
                new = item
            elif vt is dict and is_struct:
                stack.append((i, None))
                new = self._struct(item, et)
                stack.pop()
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
            pairs_out: dict[str, Any] = {}
            for key, value in obj.pairs:
                if key in pairs_out and self.strict:
                    self._strict_error(DUPLICATE_FIELD, key)
                pairs_out[key] = self._map_value(value, et, key)
            return pairs_out
        fast = et.fast
        out: dict[str, Any] | None = None
        for key, value in obj.items():
            new = value if type(value) is fast else self._map_value(value, et, key)
            if out is None:
                if new is value:
                    continue
                out = _before(obj, key)
            out[key] = new
        return obj if out is None else out

    def _map_value(self, value: Any, et: _Type, key: str) -> Any:
        if value is None:
            return _zero(et) if self.go_nulls else None
        new = self._walk(value, et, key, None)
        return None if new is _DROP else new

    def _struct_pairs(self, pairs: list[tuple[str, Any]], t: _Type) -> dict[str, Any]:
        """A struct whose JSON object repeats a key: Go decodes each repeat into the field."""
        fields = t.struct_fields()
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
            new = self._walk(value, ft, key, t.struct)
            if new is not _DROP:
                out[key] = _merge(out[key], new, ft) if key in out else new
        return out

    # -- everything else -------------------------------------------------------------------

    def _walk(self, v: Any, t: _Type, key: str | int | None, owner: str | None) -> Any:
        """``v`` decoded as ``t``; ``key``/``owner`` say how it was reached (None at the root)."""
        kind = t.kind
        vt = type(v)
        if kind in (_STRUCT, _MAP):
            if vt is not dict and vt is not _Dup:
                return self._mismatch(v, t, key, owner)
            if key is not None:
                self.stack.append((key, owner))
            if kind == _MAP:
                out = self._map(v, t.elem())
            elif vt is dict:
                out = self._struct(v, t)
            else:
                out = self._struct_pairs(v.pairs, t)
            if key is not None:
                self.stack.pop()
            return out
        if kind == _LIST:
            if vt is not list:
                return self._mismatch(v, t, key, owner)
            if key is not None:
                self.stack.append((key, owner))
            out = self._list(v, t.elem())
            if key is not None:
                self.stack.pop()
            return out
        if kind == _STRING:
            return v if vt is str else self._mismatch(v, t, key, owner)
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
        if not self.typed:
            return self._plain(v)
        return self._custom(v, t, key, owner)

    def _custom(self, v: Any, t: _Type, key: str | int | None, owner: str | None) -> Any:
        """Values of Go types with their own ``UnmarshalJSON``."""
        kind = t.kind
        vt = type(v)
        if kind == _INT_OR_STRING:
            if vt is str or (vt is int and _INT32[0] <= v <= _INT32[1]):
                return v
            # anything but a string goes to json.Unmarshal into the int32
            self._type_error(_json_class(v, literal=True), "int32", key, owner, fatal=True)
        if kind == _QUANTITY:
            if vt is str:
                text = v.strip()
            elif vt is int or vt is float:
                text = _number_literal(v)
            else:  # the raw JSON of a bool, object or array is never a quantity
                raise _Fatal(QUANTITY_FORMAT_ERROR)
            message = quantity_parse_error(text)
            if message is not None:
                raise _Fatal(message)
            return v
        if kind in (_TIME, _MICRO_TIME):
            if vt is not str:
                self._type_error(_json_class(v), "string", key, owner, fatal=True)
            message = time_parse_error(v, micro=kind == _MICRO_TIME)
            if message is not None:
                raise _Fatal(message)
            return v
        if kind == _BYTES:
            return self._bytes(v, t, key, owner)
        if vt is dict or vt is _Dup:  # the JSONSchemaPropsOr* family from here on
            return self._loose(v, _definition_type(_JSON_SCHEMA_PROPS), key, owner)
        if kind == _SCHEMA_OR_BOOL:
            if vt is bool:
                return v
            raise _Fatal("boolean or JSON schema expected")
        if vt is list:
            elem = _definition_type(_JSON_SCHEMA_PROPS) if kind == _SCHEMA_OR_ARRAY else None
            return self._loose(v, _list_of(elem or _STRING_TYPE), key, owner)
        return _DROP if kind == _SCHEMA_OR_ARRAY else None  # left empty: encodes as null

    def _bytes(self, v: Any, t: _Type, key: str | int | None, owner: str | None) -> Any:
        vt = type(v)
        if vt is str:
            message = base64_error(v)
            if message is not None:
                if self.saved is None:
                    self.saved = message
                return v
            canonical = base64_canonical(v)
            return v if canonical == v else canonical
        if vt is list:  # Go fills a []byte from a JSON array of small numbers too
            for item in v:
                if type(item) is not int or not 0 <= item <= 255:
                    self._type_error(_json_class(item, literal=True), "uint8", key, owner)
                    return v
            return base64.b64encode(bytes(v)).decode()
        return self._mismatch(v, t, key, owner)

    def _loose(self, v: Any, t: _Type, key: str | int | None, owner: str | None) -> Any:
        """A value decoded by a second, non-strict decoder inside a custom ``UnmarshalJSON``:
        unknown fields vanish silently and any error surfaces at the outer field."""
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
        return "".join(parts) + f".{key}" if parts else key

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


# ---------------------------------------------------------------------------------------------
# The clean check: the walk's answer for the usual body, without its bookkeeping


def _clean(v: Any, t: _Type) -> bool:
    """True when a typed walk (``typed=True``, Go's null rules, no repeated keys) of ``v`` would
    report nothing and change nothing -- return ``v`` itself with no type error, no strict
    finding, no fatal error. Most bodies are like that, and this answers for them without the
    walk's path stack and copy-on-write bookkeeping; False means "walk it" (a finding, a change,
    or a case this check does not follow, such as a ``null`` or the JSONSchemaProps family).

    Each branch accepts exactly what the corresponding branch of :class:`_Walker` passes through
    unchanged and silently; anything else returns False. ``strict`` does not matter: an unknown
    field is a finding when strict and a dropped field (a change) when not.
    """
    kind = t.kind
    if kind == _STRUCT:
        return type(v) is dict and _clean_struct(v, t)
    if kind == _MAP:
        return type(v) is dict and _clean_map(v, t.elem())
    if kind == _LIST:
        return type(v) is list and _clean_list(v, t.elem())
    return _clean_leaf(v, t)


def _clean_struct(obj: dict[str, Any], t: _Type) -> bool:
    """:meth:`_Walker._struct`."""
    fields = t.fields
    if fields is None:
        fields = t.struct_fields()
    for key, value in obj.items():
        ft = fields.get(key)
        if ft is None:
            if t.preserve:
                continue  # kept as it is (``_plain`` without repeated keys)
            return False  # unknown: a finding, or dropped
        vt = type(value)
        if vt is ft.fast:
            continue
        kind = ft.kind
        if vt is dict:
            if kind == _STRUCT:
                if not _clean_struct(value, ft):
                    return False
                continue
            if kind == _MAP:
                if not _clean_map(value, ft.elem()):
                    return False
                continue
        elif vt is list:
            if kind == _LIST:
                if not _clean_list(value, ft.elem_type or ft.elem()):
                    return False
                continue
        elif vt is int and kind == _INT and ft.lo <= value <= ft.hi:
            continue
        if not _clean_leaf(value, ft):  # a null (dropped) is not clean either
            return False
    return True


def _clean_map(obj: dict[str, Any], et: _Type) -> bool:
    """:meth:`_Walker._map` (a ``null`` value becomes the zero value: not clean)."""
    fast = et.fast
    for value in obj.values():
        if type(value) is not fast and (value is None or not _clean(value, et)):
            return False
    return True


def _clean_list(items: list[Any], et: _Type) -> bool:
    """:meth:`_Walker._list` (a ``null`` item becomes the zero value: not clean)."""
    fast = et.fast
    if et.kind == _STRUCT:
        for item in items:  # noqa: SIM110 -- a loop: no generator per list on the hot path
            if type(item) is not dict or not _clean_struct(item, et):
                return False
        return True
    for item in items:
        if type(item) is not fast and (item is None or not _clean(item, et)):
            return False
    return True


def _clean_leaf(v: Any, t: _Type) -> bool:
    """:meth:`_Walker._walk` and :meth:`_Walker._custom` below the containers."""
    kind = t.kind
    vt = type(v)
    if kind == _STRING:
        return vt is str
    if kind == _INT:
        return vt is int and t.lo <= v <= t.hi
    if kind == _BOOL:
        return vt is bool
    if kind == _FLOAT:
        return vt is int or vt is float
    if kind in (_RAW, _ANY_KIND):
        return v is not None  # passed through as it is (a null struct field is dropped)
    if kind == _INT_OR_STRING:
        return vt is str or (vt is int and _INT32[0] <= v <= _INT32[1])
    if kind == _QUANTITY:
        if vt is str:
            return _quantity_error(v.strip()) is None
        if vt is int or vt is float:
            return _quantity_error(_number_literal(v)) is None
        return False
    if kind in (_TIME, _MICRO_TIME):
        return vt is str and time_parse_error(v, micro=kind == _MICRO_TIME) is None
    if kind == _BYTES:
        return vt is str and base64_error(v) is None and base64_canonical(v) == v
    if kind == _SCHEMA_OR_BOOL:
        return vt is bool
    return False  # containers of the wrong JSON kind, the rest of the JSONSchemaProps family


# Clean subtrees by (id of their compiled type, JSON encoding) -> that type.
_CLEAN_SUBTREES: dict[tuple[int, bytes], _Type] = {}
_MAX_CLEAN_SUBTREES: Final = 1024
_CLEAN_GATE: Final = MemoGate()  # skips the memo while every body is new
_encoder = msgspec.json.Encoder()


def _clean_remembering(obj: dict[str, Any], t: _Type) -> bool:
    """:func:`_clean` of a body, remembering which top-level subtrees were clean.

    Bodies created in bulk repeat their ``spec`` (every Pod of a ReplicaSet) and differ in
    ``metadata``; encoding a subtree in C and looking it up costs a fraction of walking it in
    Python. Two subtrees with the same encoding are the same JSON value -- given values as
    msgspec decodes them (no tuples, no NaN) -- so they are equally clean. ``metadata`` is always
    walked (it names the object), and so is any subtree whose encoding holds ``null``: a NaN
    float, which a caller could pass, also encodes as ``null`` but is clean where a ``null``
    is not.
    """
    if t.kind != _STRUCT or not _CLEAN_GATE.open():
        return _clean(obj, t)
    fields = t.fields
    if fields is None:
        fields = t.struct_fields()
    rest: dict[str, Any] | None = None
    hit = missed = False
    for key, value in obj.items():
        ft = fields.get(key)
        vt = type(value)
        if ft is None or key == "metadata" or not value or (vt is not dict and vt is not list):
            if rest is None:
                rest = {}
            rest[key] = value
            continue
        try:
            encoded = _encoder.encode(value)
        except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
            encoded = b"null"
        if b"null" in encoded:
            if not _clean(value, ft):
                return False
            continue
        memo_key = (id(ft), encoded)
        if _CLEAN_SUBTREES.get(memo_key) is ft:
            hit = True
            continue
        missed = True
        if not _clean(value, ft):
            return False
        if len(_CLEAN_SUBTREES) >= _MAX_CLEAN_SUBTREES:
            _CLEAN_SUBTREES.clear()
        _CLEAN_SUBTREES[memo_key] = ft
    if hit:
        _CLEAN_GATE.hit()
    elif missed:
        _CLEAN_GATE.miss()
    # _clean_struct is a conjunction over the keys: the rest can be checked apart
    return rest is None or _clean_struct(rest, t)


@lru_cache(maxsize=4096)
def _quantity_error(text: str) -> str | None:
    """:func:`quantity_parse_error`, remembered: the same few quantities recur in every Pod."""
    return quantity_parse_error(text)


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
    is numeric, where Go quotes the literal)."""
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
