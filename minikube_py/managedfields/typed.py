"""Walking an object and its schema together: field sets, comparison, merge, removal.

This is the ``sigs.k8s.io/structured-merge-diff/v4/typed`` package (``tofieldset.go``,
``compare.go``, ``merge.go``, ``remove.go``, ``helpers.go``; ``validate.go`` is in
``validation``) plus ``Set.EnsureNamedFieldsAreMembers`` from ``fieldpath/set.go``, over plain
JSON-shaped values and the kernel's :class:`~minikube_py.typeinfo.TypeNode` instead of SMD's
schema types.

How a position is treated comes from its TypeNode, as ``k8s.io/kube-openapi/pkg/schemaconv``
derives it from OpenAPI:

- a struct (``Shape.OBJECT``) or a map (``Shape.MAP``) is *granular* -- its entries are
  tracked one by one -- unless ``x-kubernetes-map-type: atomic``;
- a list is a *map* keyed by ``x-kubernetes-list-map-keys`` (``list-type: map``), a *set* of
  scalars (``list-type: set``) or *atomic*; without ``list-type`` a ``patch-strategy`` of
  ``merge`` makes it a map keyed by ``patch-merge-key`` (a set when there is no key),
  anything else makes it atomic;
- :data:`~minikube_py.typeinfo.UNKNOWN` data is SMD's ``__untyped_deduced_``: maps granular,
  lists atomic, scalars leaves.

Divergences, each deliberate:

- A field the schema does not declare is walked as untyped data rather than rejected with
  ``field not declared in schema``: the kernel's schemas may be partial, and unknown fields are
  ``fieldValidation``'s business (the edge).
- A value whose JSON kind contradicts its schema (a string where a struct is declared) is a
  leaf here; upstream mostly ignores it (and validation rejects it first for apply bodies).
- :func:`remove_items` drops a map entry or list item that removal left empty, where upstream
  leaves ``null`` behind; for built-in kinds the typed round trip drops those nulls anyway.
- :func:`compare` skips granular containers that are equal by Python's ``==`` (C speed, and
  most of an object is unchanged by most writes). Python holds ``true == 1``, so a container
  whose only change is a boolean turned into the number 1 (or 0) reads as unchanged; leaves
  compared directly keep the two apart as upstream does.

Every function treats its inputs as read-only and may share unchanged sub-values between input
and output; callers clone once at the end (see ``fieldmanager``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from minikube_py.field import go_quote
from minikube_py.managedfields.fieldpath import (
    KEY,
    VALUE,
    FieldSet,
    PathElement,
    freeze,
)
from minikube_py.typeinfo import UNKNOWN, ListType, Shape, TypeNode

ATOMIC_LIST: Final = 0
SET_LIST: Final = 1
KEYED_LIST: Final = 2


class _Missing:
    """A field that is absent (as opposed to present and ``null``)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


class TypedError(ValueError):
    """A value that cannot be walked with its schema (a list-map item without its key, a map
    inside a set, ...); the message is upstream's, without the path."""


@dataclass(frozen=True, slots=True)
class Comparison:
    """What changed between two values (upstream ``typed.Comparison``)."""

    removed: FieldSet
    modified: FieldSet
    added: FieldSet

    def is_same(self) -> bool:
        return not self.removed and not self.modified and not self.added

    def filtered(self, reset: FieldSet | None) -> Comparison:
        """The comparison with the reset fields (and all below them) taken out."""
        if not reset:
            return self
        return Comparison(
            self.removed.recursive_difference(reset),
            self.modified.recursive_difference(reset),
            self.added.recursive_difference(reset),
        )


# --------------------------------------------------------------------------- schema helpers


def list_info(node: TypeNode) -> tuple[int, tuple[str, ...]]:
    """(relationship, keys) of a list position (``schemaconv.getListElementRelationship``)."""
    list_type = node.list_type
    if list_type is ListType.ATOMIC:
        return ATOMIC_LIST, ()
    if list_type is ListType.SET:
        return SET_LIST, ()
    if list_type is ListType.MAP:
        keys = node.list_map_keys
        return (KEYED_LIST, keys) if keys else (SET_LIST, ())
    strategies = node.patch_strategies
    if "merge" in strategies:
        key = node.patch_merge_key
        return (KEYED_LIST, (key,)) if key else (SET_LIST, ())
    return ATOMIC_LIST, ()


def _granular_map(node: TypeNode) -> bool:
    shape = node.shape
    return (
        shape is Shape.OBJECT or shape is Shape.MAP or shape is Shape.UNKNOWN
    ) and node.map_type != "atomic"


def child_type(node: TypeNode, name: str) -> TypeNode:
    child = node.field(name)
    return UNKNOWN if child is None else child


def _container_kind(value: Any, node: TypeNode) -> int:
    """1 for a granular map, 2 for an associative list, 0 for anything handled as a leaf."""
    kind = type(value)
    if kind is dict:
        return 1 if _granular_map(node) else 0
    if kind is list and node.shape is Shape.LIST and list_info(node)[0] != ATOMIC_LIST:
        return 2
    return 0


def _key_default(item_node: TypeNode, name: str) -> Any:
    child = item_node.field(name)
    schema = getattr(child, "schema", None)
    return schema.get("default") if isinstance(schema, Mapping) else None


def element_of(item: Any, relationship: int, keys: tuple[str, ...], item_node: TypeNode) -> Any:
    """The path element of one item of an associative list (``listItemToPathElement``)."""
    if relationship == KEYED_LIST:
        if item is None:
            raise TypedError("associative list with keys may not have a null element")
        if type(item) is not dict:
            raise TypedError("associative list with keys may not have non-map elements")
        fields = []
        for name in keys:
            if name in item:
                fields.append((name, freeze(item[name])))
                continue
            default = _key_default(item_node, name)
            if default is None:
                raise TypedError(
                    "associative list with keys has an element that omits key field "
                    f"{go_quote(name)} (and doesn't have default value)"
                )
            fields.append((name, freeze(default)))
        if len(fields) > 1:
            fields.sort()
        return (KEY, tuple(fields))
    kind = type(item)
    if kind is dict:
        raise TypedError("associative list without keys has an element that's a map type")
    if kind is list:
        raise TypedError("not supported: associative list with lists as elements")
    if item is None:
        raise TypedError("associative list without keys has an element that's an explicit null")
    return (VALUE, freeze(item))


def _elements(items: list[Any], node: TypeNode) -> tuple[list[Any], TypeNode]:
    relationship, keys = list_info(node)
    item_node = node.items()
    return [element_of(item, relationship, keys, item_node) for item in items], item_node


# --------------------------------------------------------------------------- equality


def values_equal(left: Any, right: Any) -> bool:
    """Upstream ``value.Equals``: numbers compare numerically, booleans are not numbers."""
    if left is right:
        return True
    kl, kr = type(left), type(right)
    if kl is dict:
        if kr is not dict or len(left) != len(right):
            return False
        for key, value in left.items():
            other = right.get(key, MISSING)
            if other is MISSING or not values_equal(value, other):
                return False
        return True
    if kl is list:
        if kr is not list or len(left) != len(right):
            return False
        return all(values_equal(a, b) for a, b in zip(left, right, strict=True))
    if kl is bool or kr is bool:
        return kl is kr and left == right
    if kr is dict or kr is list:
        return False
    return bool(left == right)


# --------------------------------------------------------------------------- ToFieldSet


def field_set(value: Any, node: TypeNode) -> FieldSet:
    """Every leaf field and every list/map item of ``value`` (upstream ``ToFieldSet``).

    Struct fields that only hold other fields are not members themselves (only their leaves
    are); map entries and list items always are. Duplicated items of an associative list are
    members without children, as upstream (``AllowDuplicates``) has them.
    """
    inner, _ = _walk_set(value, node)
    return inner if inner is not None else FieldSet()


def _walk_set(value: Any, node: TypeNode) -> tuple[FieldSet | None, bool]:
    """(the fields below ``value``, whether ``value``'s own path is a member)."""
    kind = type(value)
    if kind is dict:
        if not _granular_map(node):
            return None, True
        if not value:
            return None, False
        out = FieldSet()
        members, children = out.members, out.children
        is_struct = node.shape is Shape.OBJECT
        for key, item in value.items():
            child = node.field(key)
            declared = is_struct and child is not None
            inner, leaf = _walk_set(item, UNKNOWN if child is None else child)
            if leaf or not declared or item is None or (type(item) is dict and not item):
                members.add(key)
            if inner is not None:
                children[key] = inner
        return (out if out else None), False
    if kind is list:
        if node.shape is not Shape.LIST or list_info(node)[0] == ATOMIC_LIST:
            return None, True
        if not value:
            return None, False
        elements, item_node = _elements(value, node)
        out = FieldSet()
        members, children = out.members, out.children
        seen: set[PathElement] = set()
        duplicates: set[PathElement] = set()
        for element in elements:
            if element in seen:
                duplicates.add(element)
            else:
                seen.add(element)
        members.update(duplicates)
        for element, item in zip(elements, value, strict=True):
            if element in duplicates:
                continue
            inner, _ = _walk_set(item, item_node)
            members.add(element)
            if inner is not None:
                children[element] = inner
        return (out if out else None), False
    return None, True


# --------------------------------------------------------------------------- Compare


def compare(left: Any, right: Any, node: TypeNode) -> Comparison:
    """What ``right`` removed, modified and added relative to ``left`` (upstream ``Compare``).

    A leaf (scalar, atomic list or map, or an empty container on both sides) is *modified* when
    its values differ; anything present on one side only is *added* or *removed*, and so is
    everything below it, including the struct fields on the way.
    """
    removed, modified, added = FieldSet(), FieldSet(), FieldSet()
    if left is not right and left != right:
        _compare_children(left, right, node, removed, modified, added)
    return Comparison(removed, modified, added)


def _compare_into(
    element: PathElement,
    left: Any,
    right: Any,
    node: TypeNode,
    removed: FieldSet,
    modified: FieldSet,
    added: FieldSet,
) -> None:
    if left is MISSING:
        if right and _container_kind(right, node):
            _descend(
                element, {} if type(right) is dict else [], right, node, removed, modified, added
            )
        added.members.add(element)
        return
    if right is MISSING:
        if left and _container_kind(left, node):
            _descend(
                element, left, {} if type(left) is dict else [], node, removed, modified, added
            )
        removed.members.add(element)
        return
    if left is right:
        return
    lkind = _container_kind(left, node)
    rkind = _container_kind(right, node)
    if lkind and lkind == rkind:
        # equal containers hold no change (C-speed ``==``; see the module notes on true == 1)
        if left != right:
            _descend(element, left, right, node, removed, modified, added)
        return
    if left is None and rkind and right:
        _descend(element, {} if rkind == 1 else [], right, node, removed, modified, added)
        return
    if right is None and lkind and left:
        _descend(element, left, {} if lkind == 1 else [], node, removed, modified, added)
        return
    if not values_equal(left, right):
        modified.members.add(element)
    if lkind and left:
        _descend(element, left, {} if lkind == 1 else [], node, removed, modified, added)
    if rkind and right:
        _descend(element, {} if rkind == 1 else [], right, node, removed, modified, added)


def _descend(
    element: PathElement,
    left: Any,
    right: Any,
    node: TypeNode,
    removed: FieldSet,
    modified: FieldSet,
    added: FieldSet,
) -> None:
    sub_removed, sub_modified, sub_added = FieldSet(), FieldSet(), FieldSet()
    _compare_children(left, right, node, sub_removed, sub_modified, sub_added)
    for parent, sub in ((removed, sub_removed), (modified, sub_modified), (added, sub_added)):
        if sub:
            previous = parent.children.get(element)
            parent.children[element] = sub if previous is None else previous.union(sub)


def _compare_children(
    left: Any,
    right: Any,
    node: TypeNode,
    removed: FieldSet,
    modified: FieldSet,
    added: FieldSet,
) -> None:
    if type(left) is dict and type(right) is dict:
        for key, value in left.items():
            _compare_into(
                key, value, right.get(key, MISSING), child_type(node, key), removed, modified, added
            )
        for key, value in right.items():
            if key not in left:
                _compare_into(key, MISSING, value, child_type(node, key), removed, modified, added)
        return
    if type(left) is list and type(right) is list:
        _compare_lists(left, right, node, removed, modified, added)


def _compare_lists(
    left: list[Any],
    right: list[Any],
    node: TypeNode,
    removed: FieldSet,
    modified: FieldSet,
    added: FieldSet,
) -> None:
    left_elements, item_node = _elements(left, node)
    right_elements, _ = _elements(right, node)
    left_items: dict[PathElement, list[Any]] = {}
    for element, item in zip(left_elements, left, strict=True):
        left_items.setdefault(element, []).append(item)
    right_items: dict[PathElement, list[Any]] = {}
    for element, item in zip(right_elements, right, strict=True):
        right_items.setdefault(element, []).append(item)
    order = list(left_items)
    order.extend(e for e in right_items if e not in left_items)
    for element in order:
        lefts = left_items.get(element, ())
        rights = right_items.get(element, ())
        if len(lefts) <= 1 and len(rights) <= 1:
            _compare_into(
                element,
                lefts[0] if lefts else MISSING,
                rights[0] if rights else MISSING,
                item_node,
                removed,
                modified,
                added,
            )
        elif len(lefts) >= 2 and len(rights) >= 2:
            # duplicates before and after: compared as if atomic
            if not values_equal(list(lefts), list(rights)):
                modified.members.add(element)
        elif len(lefts) >= 2:
            # duplicates resolved: the survivor is new, the duplicate marker goes
            if rights:
                _compare_into(element, MISSING, rights[0], item_node, removed, modified, added)
            removed.members.add(element)
        else:
            # new duplicates: the old item goes, a duplicate marker arrives
            if lefts:
                _compare_into(element, lefts[0], MISSING, item_node, removed, modified, added)
            added.members.add(element)


# --------------------------------------------------------------------------- Merge


def merge(live: Any, config: Any, node: TypeNode) -> Any:
    """``config`` merged into ``live`` (upstream ``TypedValue.Merge`` with ``ruleKeepRHS``).

    Granular maps merge key by key, associative lists item by item (by key or set value),
    everything else -- scalars, atomic lists and maps -- is replaced by the config's value.
    Nothing is ever removed here; an explicit ``null`` in the config replaces a leaf but leaves a
    non-empty granular container alone, as upstream does.

    Item order of a merged list: the config's items in the config's order, with the live-only
    items kept where they were relative to the items around them.
    """
    if config is MISSING:
        return live
    if live is MISSING:
        return config
    kind = type(config)
    if kind is dict:
        if type(live) is dict and _granular_map(node) and (live or config):
            out = {}
            for key, value in live.items():
                theirs = config.get(key, MISSING)
                if theirs is not MISSING:
                    value = merge(value, theirs, child_type(node, key))
                out[key] = value
            for key, value in config.items():
                if key not in live:
                    out[key] = value
            return out
        return config
    if kind is list:
        if (
            type(live) is list
            and (live or config)
            and node.shape is Shape.LIST
            and list_info(node)[0] != ATOMIC_LIST
        ):
            return _merge_lists(live, config, node)
        return config
    if config is None and live and _container_kind(live, node):
        return live
    return config


def _merge_lists(live: list[Any], config: list[Any], node: TypeNode) -> list[Any]:
    config_elements, item_node = _elements(config, node)
    live_elements, _ = _elements(live, node)
    config_items = dict(zip(config_elements, config, strict=True))
    live_items: dict[PathElement, Any] = {}
    for element, item in zip(live_elements, live, strict=True):
        # a duplicated live item is not merged with the config's: it is replaced by it
        live_items[element] = None if element in live_items else item
    shared = iter([e for e in config_elements if e in live_items])
    next_shared = next(shared, None)
    merged: set[PathElement] = set()
    out: list[Any] = []
    li, ri = 0, 0
    nl, nr = len(live_elements), len(config_elements)
    while li < nl or ri < nr:
        if li < nl and ri < nr:
            element = live_elements[li]
            if element == config_elements[ri]:
                merged.add(element)
                out.append(merge(live_items[element], config_items[element], item_node))
                li += 1
                ri += 1
                next_shared = next(shared, None)
                continue
            if element in config_items and next_shared is not None and next_shared != element:
                li += 1  # shared, but the config places it later
                continue
        if li < nl:
            element = live_elements[li]
            if element not in config_items:
                out.append(live[li])
                li += 1
                continue
            if element in merged:
                li += 1
        if ri < nr:
            element = config_elements[ri]
            merged.add(element)
            out.append(merge(live_items.get(element, MISSING), config_items[element], item_node))
            ri += 1
            if next_shared is not None and next_shared == element:
                next_shared = next(shared, None)
    return out


# --------------------------------------------------------------------------- RemoveItems


def remove_items(value: Any, items: FieldSet, node: TypeNode) -> Any:
    """``value`` without the members of ``items`` (and everything below them)."""
    if not items:
        return value
    kind = type(value)
    if kind is dict and _granular_map(node):
        members, children = items.members, items.children
        out = {}
        for key, item in value.items():
            if key in members:
                continue
            sub = children.get(key)
            if sub is not None:
                item = remove_items(item, sub, child_type(node, key))
                if _emptied(item):
                    continue
            out[key] = item
        return out
    if kind is list and node.shape is Shape.LIST and list_info(node)[0] != ATOMIC_LIST:
        elements, item_node = _elements(value, node)
        members, children = items.members, items.children
        kept = []
        for element, item in zip(elements, value, strict=True):
            if element in members:
                continue
            sub = children.get(element)
            if sub is not None:
                item = remove_items(item, sub, item_node)
                if _emptied(item):
                    continue
            kept.append(item)
        return kept
    return value


def _emptied(value: Any) -> bool:
    return (type(value) is dict or type(value) is list) and not value


# --------------------------------------------------------------------------- named fields


def ensure_named_fields_are_members(fields: FieldSet, node: TypeNode) -> FieldSet:
    """``fields`` plus every struct field that has members below it (upstream
    ``Set.EnsureNamedFieldsAreMembers``); map entries and list items are not added."""
    if not fields.children:
        return fields
    is_struct = node.shape is Shape.OBJECT
    members = set(fields.members)
    children = {}
    for element, child in fields.children.items():
        if type(element) is str:
            child_node = node.field(element)
            if is_struct and child_node is not None:
                members.add(element)
            if child_node is None:
                child_node = UNKNOWN
        elif element[0] is KEY and node.shape is Shape.LIST:
            child_node = node.items()
        else:
            child_node = UNKNOWN
        children[element] = ensure_named_fields_are_members(child, child_node)
    return FieldSet(members, children)
