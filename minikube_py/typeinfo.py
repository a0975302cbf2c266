"""Type information about object fields, as patches and field management need it.

Strategic merge patch needs to know, for every list it meets, whether to merge it and by which
key (``x-kubernetes-patch-strategy``, ``x-kubernetes-patch-merge-key``); server-side apply needs
to know whether a list is atomic, a set or a map keyed by some fields
(``x-kubernetes-list-type``, ``x-kubernetes-list-map-keys``) and whether a struct or map is atomic
(``x-kubernetes-map-type``). Both walk an object and its schema together, one field at a time.

:class:`TypeNode` is that walk: the schema at one position in an object. It is built over
OpenAPI schema dicts (the built-in kinds' definitions, or a CRD's ``openAPIV3Schema``) by
:class:`SchemaNode`, which resolves ``$ref`` s lazily and caches children, so walking the same
paths again costs a dict lookup. Where nothing is known (no schema, or a field the schema does
not list, or ``x-kubernetes-preserve-unknown-fields``) the walk continues with :data:`UNKNOWN`,
which carries no metadata: lists are then atomic and replaced, maps are merged key by key --
what upstream does for untyped data.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol


class Shape(StrEnum):
    OBJECT = "object"  # a struct: named properties
    MAP = "map"  # additionalProperties: any key, one value type
    LIST = "list"
    SCALAR = "scalar"
    UNKNOWN = "unknown"  # no schema, or preserve-unknown-fields


class ListType(StrEnum):
    ATOMIC = "atomic"
    SET = "set"
    MAP = "map"


class TypeNode(Protocol):
    """The schema at one position of an object."""

    @property
    def shape(self) -> Shape: ...

    def field(self, name: str) -> TypeNode | None:
        """A struct's property or a map's value type; None when a struct has no such field."""
        ...

    def items(self) -> TypeNode:
        """The element type of a list (UNKNOWN when not a list or not described)."""
        ...

    @property
    def patch_strategies(self) -> frozenset[str]:
        """``x-kubernetes-patch-strategy`` of this field, split on commas."""
        ...

    @property
    def patch_merge_key(self) -> str | None: ...

    @property
    def list_type(self) -> ListType | None: ...

    @property
    def list_map_keys(self) -> tuple[str, ...]: ...

    @property
    def map_type(self) -> str | None:
        """``x-kubernetes-map-type`` (``atomic`` or ``granular``) of a struct or map."""
        ...


class _Unknown:
    """The type of data nothing is known about."""

    shape = Shape.UNKNOWN
    patch_strategies: frozenset[str] = frozenset()
    patch_merge_key = None
    list_type = None
    list_map_keys: tuple[str, ...] = ()
    map_type = None

    def field(self, name: str) -> TypeNode:
        return self

    def items(self) -> TypeNode:
        return self

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: TypeNode = _Unknown()

_REF_PREFIXES = ("#/components/schemas/", "#/definitions/", "#/$defs/")


class SchemaNode:
    """A :class:`TypeNode` over an OpenAPI (v2, v3 or JSON Schema) dict with ``$ref`` s into
    ``definitions`` (keyed by definition name, e.g. ``io.k8s.api.core.v1.PodSpec``)."""

    __slots__ = (
        "_children",
        "_definitions",
        "_items",
        "_schema",
        "list_map_keys",
        "list_type",
        "map_type",
        "patch_merge_key",
        "patch_strategies",
        "shape",
    )

    def __init__(self, schema: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]]):
        # Extensions on the referring property (patch strategy, list type) sit beside the $ref
        # or its allOf wrapper; the type itself comes from the target.
        self._definitions = definitions
        own = schema
        target = _resolve(schema, definitions)
        merged = {**target, **{k: v for k, v in own.items() if k.startswith("x-kubernetes-")}}
        self._schema = merged
        self._children: dict[str, TypeNode | None] = {}
        self._items: TypeNode | None = None
        strategy = merged.get("x-kubernetes-patch-strategy")
        self.patch_strategies = frozenset(strategy.split(",")) if strategy else frozenset()
        self.patch_merge_key = merged.get("x-kubernetes-patch-merge-key")
        list_type = merged.get("x-kubernetes-list-type")
        self.list_type = ListType(list_type) if list_type else None
        self.list_map_keys = tuple(merged.get("x-kubernetes-list-map-keys", ()))
        self.map_type = merged.get("x-kubernetes-map-type")
        self.shape = _shape_of(merged)

    def field(self, name: str) -> TypeNode | None:
        try:
            return self._children[name]
        except KeyError:
            pass
        schema = self._schema
        child: TypeNode | None
        if self.shape is Shape.UNKNOWN:
            child = UNKNOWN
        elif self.shape is Shape.MAP:
            child = _node(schema["additionalProperties"], self._definitions)
        elif self.shape is Shape.OBJECT:
            prop = schema.get("properties", {}).get(name)
            child = None if prop is None else _node(prop, self._definitions)
        else:
            child = None
        self._children[name] = child
        return child

    def items(self) -> TypeNode:
        if self._items is None:
            spec = self._schema.get("items") if self.shape is Shape.LIST else None
            self._items = UNKNOWN if spec is None else _node(spec, self._definitions)
        return self._items

    @property
    def schema(self) -> Mapping[str, Any]:
        """The resolved schema dict (the target of any ``$ref``, with this field's extensions)."""
        return self._schema

    def __repr__(self) -> str:
        return f"SchemaNode({self.shape.value}, {sorted(self._schema)[:6]})"


def _node(schema: Any, definitions: Mapping[str, Mapping[str, Any]]) -> TypeNode:
    if not isinstance(schema, Mapping):
        return UNKNOWN  # e.g. additionalProperties: true
    return SchemaNode(schema, definitions)


def _resolve(
    schema: Mapping[str, Any], definitions: Mapping[str, Mapping[str, Any]]
) -> Mapping[str, Any]:
    seen = 0
    while True:
        ref = schema.get("$ref")
        if ref is None:
            all_of = schema.get("allOf")
            if all_of and len(all_of) == 1 and "$ref" in all_of[0]:
                ref = all_of[0]["$ref"]
        if ref is None:
            return schema
        for prefix in _REF_PREFIXES:
            if ref.startswith(prefix):
                name = ref[len(prefix) :]
                break
        else:
            raise ValueError(f"unsupported $ref {ref!r}")
        schema = definitions[name]
        seen += 1
        if seen > 64:
            raise ValueError(f"$ref cycle at {ref!r}")


def _shape_of(schema: Mapping[str, Any]) -> Shape:
    if schema.get("x-kubernetes-preserve-unknown-fields") and "properties" not in schema:
        return Shape.UNKNOWN
    if schema.get("x-kubernetes-int-or-string"):
        return Shape.SCALAR
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        kind = kinds[0] if len(kinds) == 1 else None
    if kind == "array":
        return Shape.LIST
    if kind == "object" or (kind is None and "properties" in schema):
        if "properties" in schema:
            return Shape.OBJECT
        if isinstance(schema.get("additionalProperties"), Mapping):
            return Shape.MAP
        return Shape.UNKNOWN
    if kind in ("string", "integer", "number", "boolean"):
        return Shape.SCALAR
    return Shape.UNKNOWN
