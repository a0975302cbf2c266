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

Speed -- every create, update and patch compares the whole object, so the walks are tuned, each
shortcut giving exactly what the plain walk gives (``tests/kernel/test_managedfields_fastpath``
pins them):

- the walks read the schema through :class:`_Position`, each position's answers worked out once;
- what lies below a value only one side has (a new container, or everything on a create) is
  recorded by :func:`_subtree` in one walk instead of a comparison against nothing;
- :func:`owned_fields_v1_from_empty` gives a creator's ``FieldsV1`` straight from the object,
  without building the sets first.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from minikube_py.field import go_quote
from minikube_py.managedfields.fieldpath import (
    KEY,
    VALUE,
    FieldSet,
    PathElement,
    element_key,
    freeze,
    sorted_elements,
)
from minikube_py.typeinfo import UNKNOWN, ListType, SchemaNode, Shape, TypeNode

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


# --------------------------------------------------------------------------- compiled positions


class _Position:
    """A schema position compiled for the walks below: what the TypeNode says about a dict or a
    list found there, worked out once.

    :func:`compare` and :func:`field_set` visit every field of every write; asking the TypeNode
    at each step (``child_type``, ``_granular_map``, ``list_info``) costs several calls per
    field. A position answers the same questions from slots, and keeps the positions of the
    fields and items below it, so after warm-up a step costs one dict lookup. It is derived
    from the node alone and only reads it, so walking with positions visits the same values,
    makes the same decisions and raises the same errors as walking with the node.

    The positions of a map's values are shared by all keys when the node is a
    :class:`~minikube_py.typeinfo.SchemaNode` (whose ``field`` builds the same
    ``additionalProperties`` node for any name), so label keys do not pile up here; undeclared
    struct fields map to :data:`_UNDECLARED` without being cached, for the same reason.
    """

    __slots__ = (
        "_children",
        "_items",
        "_map_child",
        "assoc",
        "granular",
        "is_struct",
        "keys",
        "node",
        "relationship",
        "shares_children",
    )

    def __init__(self, node: TypeNode) -> None:
        self.node = node
        #: a dict here is walked key by key (``_granular_map``)
        self.granular = _granular_map(node)
        #: ``list_info`` of the node, for telling list items apart (``_elements``)
        self.relationship, self.keys = list_info(node)
        #: a list here is walked item by item (``_container_kind`` == 2)
        self.assoc = node.shape is Shape.LIST and self.relationship != ATOMIC_LIST
        self.is_struct = node.shape is Shape.OBJECT
        self.shares_children = node is UNKNOWN or (
            type(node) is SchemaNode and node.shape is Shape.MAP
        )
        self._children: dict[str, _Position] = {}
        self._items: _Position | None = None
        self._map_child: _Position | None = None

    def child(self, name: str) -> _Position:
        """The position of field (or map key) ``name``: ``child_type(node, name)``."""
        try:
            return self._children[name]
        except KeyError:
            pass
        if self.shares_children:
            shared = self._map_child
            if shared is None:
                shared = self._map_child = _compiled(self.node.field(name) or UNKNOWN)
            return shared
        node = self.node.field(name)
        if node is None:
            return _UNDECLARED
        position = self._children[name] = _compiled(node)
        return position

    def items(self) -> _Position:
        """The position of a list's items (``node.items()``)."""
        items = self._items
        if items is None:
            items = self._items = _compiled(self.node.items())
        return items

    def __repr__(self) -> str:
        return f"_Position({self.node!r})"


def _compiled(node: TypeNode) -> _Position:
    """A fresh position for ``node`` (UNKNOWN always gets the shared one)."""
    return _UNKNOWN_POSITION if node is UNKNOWN else _Position(node)


@lru_cache(maxsize=256)
def _root_position(node: TypeNode) -> _Position:
    return _compiled(node)


def _position(node: TypeNode) -> _Position:
    """The compiled position of a walk's root node (cached per node)."""
    try:
        return _root_position(node)
    except TypeError:  # a TypeNode that cannot be hashed: compile it for this walk only
        return _compiled(node)


_UNKNOWN_POSITION: Final = _Position(UNKNOWN)
#: a struct field the schema does not declare: walked as UNKNOWN, told apart by identity
_UNDECLARED: Final = _Position(UNKNOWN)


def _elements_at(items: list[Any], pos: _Position) -> list[Any]:
    """``_elements(items, pos.node)[0]``, with the common single-key case inlined: an item
    whose one key field holds a string or an integer is ``(KEY, ((name, value),))`` -- what
    :func:`element_of` builds, ``freeze`` being the identity on those values."""
    relationship, keys = pos.relationship, pos.keys
    if relationship == KEYED_LIST and len(keys) == 1:
        name = keys[0]
        out = []
        for item in items:
            if type(item) is dict:
                value = item.get(name, MISSING)
                kind = type(value)
                if kind is str or kind is int:
                    out.append((KEY, ((name, value),)))
                    continue
            out.append(element_of(item, relationship, keys, pos.items().node))
        return out
    item_node = pos.items().node
    return [element_of(item, relationship, keys, item_node) for item in items]


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
    inner, _ = _walk_set(value, _position(node))
    return inner if inner is not None else FieldSet()


def _walk_set(value: Any, pos: _Position) -> tuple[FieldSet | None, bool]:
    """(the fields below ``value``, whether ``value``'s own path is a member)."""
    kind = type(value)
    if kind is dict:
        if not pos.granular:
            return None, True
        if not value:
            return None, False
        out = FieldSet()
        members, children = out.members, out.children
        is_struct = pos.is_struct
        for key, item in value.items():
            item_kind = type(item)
            if item_kind is not dict and item_kind is not list:
                members.add(key)  # a scalar (or null) is a leaf
                continue
            child = pos.child(key)
            inner, leaf = _walk_set(item, child)
            # a struct field holding other fields is not a member itself; anything else is
            declared = is_struct and child is not _UNDECLARED
            if leaf or not declared or (item_kind is dict and not item):
                members.add(key)
            if inner is not None:
                children[key] = inner
        return (out if out else None), False
    if kind is list:
        if not pos.assoc:
            return None, True
        if not value:
            return None, False
        elements = _elements_at(value, pos)
        item_pos = pos.items()
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
            inner, _ = _walk_set(item, item_pos)
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

    Whatever sits below a value present (or non-empty) on one side only is recorded by
    :func:`_subtree` in one walk; that is most of the work on a create, where ``left`` is the
    kind's empty object.
    """
    removed, modified, added = FieldSet(), FieldSet(), FieldSet()
    if left is not right and left != right:
        _compare_children(left, right, _position(node), removed, modified, added)
    return Comparison(removed, modified, added)


def _kind_at(value: Any, pos: _Position) -> int:
    """``_container_kind(value, pos.node)``: 1 granular map, 2 associative list, 0 a leaf."""
    kind = type(value)
    if kind is dict:
        return 1 if pos.granular else 0
    if kind is list and pos.assoc:
        return 2
    return 0


def _subtree(value: Any, pos: _Position) -> FieldSet:
    """Every path below the non-empty container ``value`` (a granular map or an associative
    list at ``pos``), as :func:`compare` records it when the other side has nothing there.

    This is what ``_descend(element, {}, value, ...)`` (or ``[]``) used to compute one
    element at a time, and it is the same set: with an empty side, ``_compare_children``
    calls ``_compare_into(key, MISSING, item)`` for every map key (``_compare_lists`` does it
    for every list element seen once; one seen several times is only a member), which makes
    the key a member and, for a non-empty container, puts this function's result for it
    below the key. Nothing lands in the other two sets. The lists walked, and so the
    :class:`TypedError` s raised, are the same too.
    """
    children: dict[PathElement, FieldSet] = {}
    if type(value) is dict:
        for key, item in value.items():
            kind = type(item)
            if kind is dict:
                if item:
                    child = pos.child(key)
                    if child.granular:
                        children[key] = _subtree(item, child)
            elif kind is list and item:
                child = pos.child(key)
                if child.assoc:
                    children[key] = _subtree(item, child)
        return FieldSet(set(value), children)
    elements = _elements_at(value, pos)
    item_pos = pos.items()
    members = set(elements)
    duplicates: set[PathElement] = set()
    if len(members) != len(elements):
        seen: set[PathElement] = set()
        for element in elements:
            if element in seen:
                duplicates.add(element)
            seen.add(element)
    for element, item in zip(elements, value, strict=True):
        kind = type(item)
        container = (kind is dict and item_pos.granular) or (kind is list and item_pos.assoc)
        if container and item and element not in duplicates:
            children[element] = _subtree(item, item_pos)
    return FieldSet(members, children)


def _attach(parent: FieldSet, element: PathElement, sub: FieldSet) -> None:
    previous = parent.children.get(element)
    parent.children[element] = sub if previous is None else previous.union(sub)


def _compare_into(
    element: PathElement,
    left: Any,
    right: Any,
    pos: _Position,
    removed: FieldSet,
    modified: FieldSet,
    added: FieldSet,
) -> None:
    if left is MISSING:
        if right and _kind_at(right, pos):
            _attach(added, element, _subtree(right, pos))
        added.members.add(element)
        return
    if right is MISSING:
        if left and _kind_at(left, pos):
            _attach(removed, element, _subtree(left, pos))
        removed.members.add(element)
        return
    if left is right:
        return
    kind = type(left)
    if kind is type(right) and kind is not dict and kind is not list:
        # two scalars of one type (the usual leaf): values_equal is ==
        if left != right:
            modified.members.add(element)
        return
    lkind = _kind_at(left, pos)
    rkind = _kind_at(right, pos)
    if lkind and lkind == rkind:
        # equal containers hold no change (C-speed ``==``; see the module notes on true == 1)
        if left != right:
            if not left:
                _attach(added, element, _subtree(right, pos))
            elif not right:
                _attach(removed, element, _subtree(left, pos))
            else:
                _descend(element, left, right, pos, removed, modified, added)
        return
    if left is None and rkind and right:
        _attach(added, element, _subtree(right, pos))
        return
    if right is None and lkind and left:
        _attach(removed, element, _subtree(left, pos))
        return
    if not values_equal(left, right):
        modified.members.add(element)
    if lkind and left:
        _attach(removed, element, _subtree(left, pos))
    if rkind and right:
        _attach(added, element, _subtree(right, pos))


def _descend(
    element: PathElement,
    left: Any,
    right: Any,
    pos: _Position,
    removed: FieldSet,
    modified: FieldSet,
    added: FieldSet,
) -> None:
    sub_removed, sub_modified, sub_added = FieldSet(), FieldSet(), FieldSet()
    _compare_children(left, right, pos, sub_removed, sub_modified, sub_added)
    if sub_removed.members or sub_removed.children:
        _attach(removed, element, sub_removed)
    if sub_modified.members or sub_modified.children:
        _attach(modified, element, sub_modified)
    if sub_added.members or sub_added.children:
        _attach(added, element, sub_added)


def _compare_children(
    left: Any,
    right: Any,
    pos: _Position,
    removed: FieldSet,
    modified: FieldSet,
    added: FieldSet,
) -> None:
    if type(left) is dict and type(right) is dict:
        for key, value in left.items():
            other = right.get(key, MISSING)
            if other is value:
                continue  # the same object holds no change
            kind = type(value)
            if kind is type(other) and kind is not dict and kind is not list:
                # two scalars of one type: what _compare_into does with them, inlined
                if value != other:
                    modified.members.add(key)
                continue
            _compare_into(key, value, other, pos.child(key), removed, modified, added)
        for key, value in right.items():
            if key not in left:
                kind = type(value)
                if kind is not dict and kind is not list:
                    added.members.add(key)  # _compare_into(key, MISSING, value) of a scalar
                    continue
                _compare_into(key, MISSING, value, pos.child(key), removed, modified, added)
        return
    if type(left) is list and type(right) is list:
        _compare_lists(left, right, pos, removed, modified, added)


def _compare_lists(
    left: list[Any],
    right: list[Any],
    pos: _Position,
    removed: FieldSet,
    modified: FieldSet,
    added: FieldSet,
) -> None:
    left_elements = _elements_at(left, pos)
    right_elements = _elements_at(right, pos)
    item_pos = pos.items()
    left_unique = dict(zip(left_elements, left, strict=True))
    right_unique = dict(zip(right_elements, right, strict=True))
    if len(left_unique) == len(left) and len(right_unique) == len(right):
        # no duplicates: the general loop below, one item per element
        for element, item in left_unique.items():
            other = right_unique.get(element, MISSING)
            if other is not item:
                _compare_into(element, item, other, item_pos, removed, modified, added)
        for element, item in right_unique.items():
            if element not in left_unique:
                _compare_into(element, MISSING, item, item_pos, removed, modified, added)
        return
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
                item_pos,
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
                _compare_into(element, MISSING, rights[0], item_pos, removed, modified, added)
            removed.members.add(element)
        else:
            # new duplicates: the old item goes, a duplicate marker arrives
            if lefts:
                _compare_into(element, lefts[0], MISSING, item_pos, removed, modified, added)
            added.members.add(element)


# --------------------------------------------------------------------------- the first owner


def owned_fields_v1_from_empty(
    left: Any,
    right: Any,
    node: TypeNode,
    reset: FieldSet | None,
    stripped: FieldSet,
) -> dict[str, Any] | None:
    """What a first writer owns, as ``FieldsV1``, when ``left`` is the kind's empty object.

    That is ``owned.to_fields_v1()`` for ``c = compare(left, right, node).filtered(reset)``
    and ``owned = c.modified.union(c.added).difference(stripped)``, computed in one walk of
    ``right`` that writes the ``FieldsV1`` dicts directly, without building the sets. Raises
    :class:`TypedError` when :func:`compare` would.

    Returns None, for the caller to take the general way, unless: ``left`` and ``right`` are
    dicts, every value of ``left`` is an empty dict (``{}`` or the zero object
    ``{"metadata": {}, "spec": {}, "status": {}}``), and ``reset`` and ``stripped`` name only
    top-level fields, apart from ``stripped``'s members one level down (``metadata.name``,
    ...; :data:`~minikube_py.managedfields.managers.STRIPPED_FIELDS` is like that).

    Why it is the same: with such a ``left``, :func:`compare` records for each key of
    ``right`` at most a member (modified or added) and at most a subtree below it, the one
    :func:`_subtree` makes (every map key and list item a member, down to the leaves); a key
    only ``left`` has is *removed*, which nobody owns here. Per key, against ``{}``:

    ===========================================  =========  ==============================
    ``right``'s value                             member      subtree
    ===========================================  =========  ==============================
    the key is not in ``left``                    yes         if a non-empty container
    a dict, granular here                         no          if non-empty
    a dict, atomic here                           if non-empty   no
    a list or a scalar                            yes         if a non-empty assoc. list
    ===========================================  =========  ==============================

    ``reset`` then takes whole keys out (their subtrees are still walked, as :func:`compare`
    walks them, for its errors), ``stripped`` takes members out without what is below them
    (a ``difference``, not a ``recursive_difference``), and :meth:`FieldSet.to_fields_v1` of
    a subtree lists each element in order, ``{}`` for a leaf and ``{".": {}, ...}`` for one
    with elements below it -- which :func:`_fill_fields_v1` writes as it walks.
    """
    if type(left) is not dict or type(right) is not dict:
        return None
    for value in left.values():
        if type(value) is not dict or value:
            return None
    reset_members: Collection[PathElement] = ()
    if reset is not None:
        if reset.children:
            return None
        reset_members = reset.members
    for below in stripped.children.values():
        if below.children:
            return None
    pos = _position(node)
    out: dict[str, Any] = {}
    for key in sorted(right):
        value = right[key]
        before = left.get(key, MISSING)
        if before is value:
            continue
        child = pos.child(key)
        kind = type(value)
        if before is MISSING:
            member = True
            walk = bool(value) and _kind_at(value, child) != 0
        elif kind is dict:
            member = bool(value) and not child.granular
            walk = bool(value) and child.granular
        else:
            member = True
            walk = kind is list and bool(value) and child.assoc
        if key in reset_members:
            if walk:
                _subtree(value, child)  # compare() walks it, and may fail there
            continue
        entry: dict[str, Any] = {}
        if member and key not in stripped.members:
            entry["."] = {}
        if walk:
            dropped = stripped.children.get(key)
            _fill_fields_v1(entry, value, child, dropped.members if dropped is not None else ())
        if not entry:
            continue
        if len(entry) == 1 and "." in entry:
            entry = {}  # a member without elements below it
        out["f:" + key] = entry
    return out


def _fill_fields_v1(
    out: dict[str, Any], value: Any, pos: _Position, dropped: Collection[str] = ()
) -> None:
    """Add ``(_subtree(value, pos) - dropped).to_fields_v1()`` to ``out``: ``value`` is a
    non-empty granular map or associative list at ``pos``; ``dropped`` are map keys that are
    not members (what is below them stays)."""
    if type(value) is dict:
        for key in sorted(value):
            item = value[key]
            entry: dict[str, Any] = {}
            if item:
                kind = type(item)
                if kind is dict:
                    child = pos.child(key)
                    if child.granular:
                        entry["."] = {}
                        _fill_fields_v1(entry, item, child)
                elif kind is list:
                    child = pos.child(key)
                    if child.assoc:
                        entry["."] = {}
                        _fill_fields_v1(entry, item, child)
            if key in dropped:
                entry.pop(".", None)
                if not entry:
                    continue
            out["f:" + key] = entry
        return
    elements = _elements_at(value, pos)
    item_pos = pos.items()
    items = dict(zip(elements, value, strict=True))
    duplicates: set[PathElement] = set()
    if len(items) != len(elements):
        seen: set[PathElement] = set()
        for element in elements:
            if element in seen:
                duplicates.add(element)
            seen.add(element)
    for element in sorted_elements(items.keys()):
        entry = {}
        if element not in duplicates:
            item = items[element]
            kind = type(item)
            if item and ((kind is dict and item_pos.granular) or (kind is list and item_pos.assoc)):
                entry["."] = {}
                _fill_fields_v1(entry, item, item_pos)
        out[element_key(element)] = entry


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
