"""Strategic merge patch, applied exactly as kube-apiserver v1.32 applies it.

This module owns `application/strategic-merge-patch+json` on the server side: turning a decoded
patch and a stored built-in object into the patched object, or into the `PatchError` the
apiserver would answer with. `kubectl apply` and `kubectl patch` send one, so it is on the hot
path. (kubectl computes these patches itself; we do not offer the client-side diff.)

What upstream does
------------------
The handler (k8s.io/apiserver v0.32 `pkg/endpoints/handlers/patch.go`: `strategicPatchObject`,
`applyPatchToObject`, `interpretStrategicMergePatchError`) decodes the body into a
`map[string]interface{}`, converts the stored object to the same shape and calls
`StrategicMergeMapPatch` (k8s.io/apimachinery v0.32 `pkg/util/strategicpatch/patch.go`; errors in
`pkg/util/mergepatch/errors.go`). That is `mergeMap`, which takes each map in four steps, as we do:

1. `$patch` on the map itself: `replace` makes the patch map (minus the directive) the value,
   `delete` makes it `{}`, anything else fails -- `merge` too.
2. `$retainKeys: [k, ...]`: every non-null patch key must be listed, then stored keys not listed
   are dropped (`applyRetainKeysDirective`). It works on any map, whatever the schema says;
   `x-kubernetes-patch-strategy: retainKeys` only tells clients to send it.
3. `$setElementOrder/<list>` (`mergePatchIntoOriginal`): the named list is merged, then reordered.
4. Every other key: `null` deletes; a key the object lacks, or holds a value of another JSON type
   under, takes the patch value with nulls dropped and `$patch`-marked maps removed at any
   depth; two maps merge (unless the field's strategy is `replace`); two lists merge if the
   field's strategy is `merge` and are otherwise replaced by the patch list *as sent*; scalars
   are replaced. `$deleteFromPrimitiveList/<list>: [v, ...]` removes values from a list.

Lists (`mergeSlice`): a primitive list takes the union (duplicates collapse); a list of maps drops
every stored item matching a `$patch: delete` item's `x-kubernetes-patch-merge-key`, becomes the
patch's other items on `$patch: replace`, and otherwise merges items by key and appends new ones.
Then the order (`normalizeElementOrder`, `mergeSortedSlice`): patch items sorted by the patch (or
the `$setElementOrder` list), stored-only items by the stored list, then interleaved, a stored-only
item going first only if the stored list has both it and the next patch item, in that order::

    stored [a, b, c]   patch [{name: d}, {name: a, x: 1}]
    patch items [d, a'] (patch order)   stored-only [b, c]
    b vs d: d not stored -> d;  b vs a': a' first in stored -> a';  then b, c
    result [d, a', b, c]

Upstream's tables (`patch_test.go`) pin all this; our tests re-express them. We also compared this
module with upstream's code on some 100,000 random objects and patches (results, error messages
and panics), which found the quirks below.

Schema. Upstream looks fields up in the Go struct (`PatchMetaFromStruct`, `third_party/forked/
golang/json/fields.go`); we walk the OpenAPI schema through a `TypeNode`. The lookup only runs
where the object and the patch both hold a map, or both a list, and its failures reach clients, so
we reproduce them: a field the struct lacks (`unable to find api field in struct PodSpec for the
json field "x"`, the struct named after the `$ref` that led to it, or the kind at the root), a map
or list inside a Go map such as a CRD's `properties` (`merging an object in json but data type is
not struct, instead is: map`), a list where the struct has none. Where nothing is known (`UNKNOWN`,
or untyped fields such as `RawExtension`) maps merge key by key and lists are replaced, as in JSON
merge patch, and the directives still work.

Status codes (`interpretStrategicMergePatchError`)
--------------------------------------------------
- 400 BadRequest: a body that is not a JSON object (`json: cannot unmarshal array into Go value of
  type map[string]interface {}`, whatever the fieldValidation); malformed directives: `invalid
  patch format of primitive list` / `of retainKeys` / `of setElementOrder list`. A `null` body
  decodes to an empty patch and changes nothing.
- 422 Invalid with the generic message that hides the cause: `lists of lists are not supported`.
- 500, reason empty, the Go message shown as is: everything else -- a list item without its merge
  key, an unknown `$patch`, `$patch: merge` in a list, mixed element types, an order list that
  contradicts the patch list, a failed struct lookup.
- 500 from the panic filter (`PatchError.server_panic`) where upstream dereferences nil or hashes
  the unhashable: a merged list starting with `null`, objects or arrays as merge-key values, in
  `$retainKeys` or in primitive order lists.

Unknown fields cannot exist in a patch decoded into a map. Upstream finds them when it decodes the
*result* into the Go type (`FromUnstructuredWithValidation`) and reports them as warnings (Warn) or
as a 422 Invalid on field `patch` (Strict); that decode is the caller's, as is the 415 for custom
resources. Likewise the result is the map `StrategicMergeMapPatch` returns: where upstream copies
patch content verbatim (a replaced list, a `$patch: replace` map, a new list item, a
`patchStrategy: replace` field) nulls and directive keys inside it stay, and the typed decode reads
those nulls as absent and the keys as unknown fields. The caller's schema pass must do the same.

Go's slices show through
------------------------
Upstream edits slices in place, and its ordering then reads the stored list through the edited
backing array, so we replay the edits (`_merge_slice` returns that view). With `$setElementOrder`, a
`$patch: delete` shifts the stored items left and new items fill the freed tail: stored
`[a, b, s, c]`, deleting `b` and adding `d`, is ordered against `[a, s, c, d]`. A set-merge with
an empty patch list dedups the stored list in place. How far the edits reach depends on slice
capacity; we assume none spare, which is what the apiserver patches: a deep copy of the cached
object.

Deliberate divergences
----------------------
- Go walks a patch map in random order; we take the patch's order. It only matters for which of
  several errors is reported, and when `<list>` and `$deleteFromPrimitiveList/<list>` name the same
  value without a `$setElementOrder/<list>`.
- Lists copied from the patch have the spare capacity Go's decoder leaves them. When two patch
  items with the same merge key both set-merge one primitive list holding duplicates, that spare
  room changes the order upstream; we treat it as absent.
- Go panics on object or array merge-key values when it compares two of them, which it always ends
  up doing; we answer the same 500 as soon as one is looked up.
- OpenAPI cannot tell pointer fields from plain ones, nor untyped struct fields from free-form
  ones: a `$setElementOrder` naming a struct field always fails here (upstream, only for a
  non-pointer field), and maps inside untyped fields merge where upstream's lookup fails.

Copying: the object is cloned once (`_values.clone`, a msgspec round trip) and merged in place;
only the paths the patch names are walked, and every value taken from the patch is copied as it is
stored, so the result shares no container with the inputs and neither input is modified.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Container, Iterable, Mapping
from decimal import Decimal
from typing import Any, Final

import msgspec

from minikube_py.field import go_quote
from minikube_py.patch._values import clone, go_kind
from minikube_py.patch.errors import PatchError
from minikube_py.typeinfo import UNKNOWN, Shape, TypeNode

_DIRECTIVE: Final = "$patch"
_DELETE: Final = "delete"
_REPLACE: Final = "replace"
_MERGE: Final = "merge"
_RETAIN_KEYS_STRATEGY: Final = "retainKeys"
_RETAIN_KEYS: Final = "$retainKeys"
_DELETE_FROM_PRIMITIVE_LIST: Final = "$deleteFromPrimitiveList"
_SET_ELEMENT_ORDER: Final = "$setElementOrder"

# mergepatch's sentinel errors that patch.go answers with 400.
_BAD_JSON_DOC: Final = "invalid JSON document"
_BAD_PRIMITIVE_LIST: Final = "invalid patch format of primitive list"
_BAD_RETAIN_KEYS: Final = "invalid patch format of retainKeys"
_BAD_SET_ELEMENT_ORDER: Final = "invalid patch format of setElementOrder list"

_GO_MAP: Final = "map[string]interface {}"
_GO_SLICE: Final = "[]interface {}"
_NIL_DEREFERENCE: Final = "runtime error: invalid memory address or nil pointer dereference"

# Encoded forms whose absence proves a patch value needs no pruning (see `_fresh`).
_NULL_TOKEN: Final = b"null"
_DIRECTIVE_TOKEN: Final = b'"$patch"'
_ENCODER: Final = msgspec.json.Encoder()
_DECODER: Final = msgspec.json.Decoder()

_MISSING: Final = object()


def apply_strategic_merge_patch(
    original: dict[str, Any], patch: object, schema: TypeNode
) -> dict[str, Any]:
    """Apply strategic merge `patch` to the stored object `original` as kube-apiserver v1.32 does.

    `schema` is the object's type (`UNKNOWN` for untyped data). Neither input is modified and the
    result shares no container with them. Raises `PatchError`.
    """
    if patch is not None and type(patch) is not dict:
        raise PatchError.bad_request(
            f"json: cannot unmarshal {go_kind(patch)} into Go value of type {_GO_MAP}"
        )
    if type(original) is not dict:
        raise PatchError.bad_request(_BAD_JSON_DOC)
    result: dict[str, Any] = clone(original)
    if patch is None:
        return result
    try:
        return _merge_map(result, patch, schema)
    except _FieldNotFound as err:
        struct = err.struct if err.struct is not None else _kind_name(schema)
        raise PatchError.internal(
            f"unable to find api field in struct {struct} for the json field {go_quote(err.key)}"
        ) from None
    except _GoPanic as err:
        raise PatchError.server_panic(str(err)) from None


# --- maps ---------------------------------------------------------------------------------


def _merge_map(original: dict[str, Any], patch: Mapping[str, Any], node: TypeNode) -> Any:
    """`mergeMap`: merge `patch` into `original` (ours, edited in place) and return the result."""
    if _DIRECTIVE in patch:
        return _map_directive(patch)
    if _RETAIN_KEYS in patch:
        _apply_retain_keys(original, patch)
    handled: Container[str] = ()
    if "$" in "".join(patch):  # a cheap test that is rarely true outside kubectl apply
        orders = [key for key in patch if key.startswith(_SET_ELEMENT_ORDER)]
        if orders:
            handled = _merge_ordered_lists(original, patch, node, orders)

    for key, value in patch.items():
        delete_list = False
        if key[:1] == "$":
            if key == _RETAIN_KEYS or key.startswith(_SET_ELEMENT_ORDER):
                continue
            if key.startswith(_DELETE_FROM_PRIMITIVE_LIST):
                target = _directive_target(key, _DELETE_FROM_PRIMITIVE_LIST, _BAD_PRIMITIVE_LIST)
                delete_list = True
                if target:
                    key = target
        elif key in handled:
            continue

        if value is None:
            original.pop(key, None)
            continue
        current = original.get(key, _MISSING)
        if current is _MISSING:
            if not delete_list:
                fresh, keep = _fresh(value)
                if keep:
                    original[key] = fresh
            continue
        kind = type(value)
        if type(current) is not kind:
            if not delete_list:
                fresh, keep = _fresh(value)
                if keep:
                    original[key] = fresh
                else:
                    del original[key]
            continue
        if kind is dict:
            child = _struct_field(node, key)
            if _strategy(child) == _REPLACE:
                original[key] = clone(value)
                continue
            try:
                original[key] = _merge_map(current, value, child)
            except _FieldNotFound as err:
                err.name_from(_property_schema(node, key))
                raise
        elif kind is list:
            child = _slice_field(node, key)
            if delete_list or _strategy(child) == _MERGE:
                merged, _ = _merge_slice(current, value, child, child.patch_merge_key, delete_list)
                original[key] = merged
            else:
                original[key] = clone(value)
        else:
            original[key] = value
    return original


def _map_directive(patch: Mapping[str, Any]) -> dict[str, Any]:
    """`handleDirectiveInMergeMap`: `$patch` on a map replaces it or empties it."""
    directive = patch[_DIRECTIVE]
    if directive == _REPLACE:
        replaced = clone(patch)
        del replaced[_DIRECTIVE]
        return replaced
    if directive == _DELETE:
        return {}
    raise PatchError.internal(_bad_patch_type(directive, patch))


def _apply_retain_keys(original: dict[str, Any], patch: Mapping[str, Any]) -> None:
    """`applyRetainKeysDirective`: check the patch against the list, drop unlisted stored keys."""
    listed = patch[_RETAIN_KEYS]
    if type(listed) is not list:
        raise PatchError.bad_request(_BAD_RETAIN_KEYS)
    for item in listed:
        _hash_key(item)  # Go builds a map keyed by the items: objects and arrays panic
    retained = {item for item in listed if type(item) is str}
    for key, value in patch.items():
        if (
            key == _RETAIN_KEYS
            or value is None
            or key.startswith(_DELETE_FROM_PRIMITIVE_LIST)
            or key.startswith(_SET_ELEMENT_ORDER)
        ):
            continue
        if key not in retained:
            raise PatchError.bad_request(_BAD_RETAIN_KEYS)
    for key in [key for key in original if key not in retained]:
        del original[key]


def _directive_target(key: str, prefix: str, error: str) -> str:
    """`extractKey`: the field a `<prefix>/<field>` directive names."""
    head, slash, field = key.partition("/")
    if not slash or head != prefix:
        raise PatchError.bad_request(error)
    return field


def _fresh(value: Any) -> tuple[Any, bool]:
    """A patch value stored where the object had nothing to merge with: a copy without nulls
    and without `$patch`-marked maps (`discardNullValuesFromPatch`, then `removeDirectives`).
    The second item is false when `value` itself is such a map and must not be stored."""
    kind = type(value)
    if kind is not dict and kind is not list:
        return value, True
    try:
        encoded = _ENCODER.encode(value)
    except (TypeError, ValueError, msgspec.MsgspecError):
        return _without_directives(value, discard_nulls=True)
    if _NULL_TOKEN in encoded or _DIRECTIVE_TOKEN in encoded:
        return _without_directives(value, discard_nulls=True)
    return _DECODER.decode(encoded), True


def _without_directives(value: Any, *, discard_nulls: bool) -> tuple[Any, bool]:
    """A copy of `value` without `$patch`-marked maps (and without null members if asked)."""
    if type(value) is dict:
        if _DIRECTIVE in value and not (discard_nulls and value[_DIRECTIVE] is None):
            return None, False
        kept: dict[str, Any] = {}
        for key, item in value.items():
            if item is None:
                if not discard_nulls:
                    kept[key] = None
                continue
            copied, keep = _without_directives(item, discard_nulls=discard_nulls)
            if keep:
                kept[key] = copied
        return kept, True
    if type(value) is list:
        items: list[Any] = []
        for item in value:
            copied, keep = _without_directives(item, discard_nulls=discard_nulls)
            if keep:
                items.append(copied)
        return items, True
    return value, True


# --- schema lookups -------------------------------------------------------------------------


def _struct_field(node: TypeNode, key: str) -> TypeNode:
    """`LookupPatchMetadataForStruct` on the type at `node`."""
    shape = node.shape
    if shape is Shape.OBJECT:
        child = node.field(key)
        if child is None:
            raise _FieldNotFound(key)
        return child
    if shape is Shape.MAP:
        raise PatchError.internal(
            "merging an object in json but data type is not struct, instead is: map"
        )
    return UNKNOWN


def _slice_field(node: TypeNode, key: str) -> TypeNode:
    """`LookupPatchMetadataForSlice`: the list field `key`, whose `items()` are its elements."""
    child = _struct_field(node, key)
    if child.shape is Shape.LIST or child.shape is Shape.UNKNOWN:
        return child
    raise PatchError.internal("expected slice or array type, but got: struct")


def _strategy(node: TypeNode) -> str:
    """`extractRetainKeysPatchStrategy`: the field's strategy once `retainKeys` is set aside."""
    strategies = node.patch_strategies
    if not strategies:
        return ""
    others = strategies - {_RETAIN_KEYS_STRATEGY}
    if len(strategies) == 1:
        return next(iter(others), "")
    if len(strategies) == 2 and len(others) == 1:
        return next(iter(others))
    raise PatchError.internal(f"unexpected patch strategy: [{' '.join(sorted(strategies))}]")


class _FieldNotFound(Exception):
    """A struct lookup failed. Upstream names the Go struct; a `TypeNode` does not know its own
    name, so the frame that descended into it fills the name in on the way out."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
        self.struct: str | None = None

    def name_from(self, schema: Any) -> None:
        if self.struct is None:
            self.struct = _ref_name(schema)


class _GoPanic(Exception):
    """Upstream panics here; the apiserver's panic filter answers a plain-text 500."""


def _property_schema(node: TypeNode, key: str) -> Any:
    schema = getattr(node, "schema", None)
    if not isinstance(schema, Mapping):
        return None
    properties = schema.get("properties")
    return properties.get(key) if isinstance(properties, Mapping) else None


def _items_schema(node: TypeNode) -> Any:
    schema = getattr(node, "schema", None)
    return schema.get("items") if isinstance(schema, Mapping) else None


def _ref_name(schema: Any) -> str:
    """The Go type name behind a property's schema: `PodSpec` for `#/...core.v1.PodSpec`."""
    if not isinstance(schema, Mapping):
        return ""
    ref = schema.get("$ref")
    all_of = schema.get("allOf")
    if ref is None and isinstance(all_of, list) and all_of and isinstance(all_of[0], Mapping):
        ref = all_of[0].get("$ref")
    if not isinstance(ref, str):
        return ""
    return ref.rpartition("/")[2].rpartition(".")[2]


def _kind_name(node: TypeNode) -> str:
    schema = getattr(node, "schema", None)
    if isinstance(schema, Mapping):
        kinds = schema.get("x-kubernetes-group-version-kind")
        if isinstance(kinds, list) and kinds and isinstance(kinds[0], Mapping):
            return str(kinds[0].get("kind", ""))
    return ""


def _go_kind_name(node: TypeNode) -> str:
    """`PatchMetaFromStruct.Name()` of a list's element type: its Go kind."""
    return {Shape.OBJECT: "struct", Shape.MAP: "map", Shape.SCALAR: "string"}.get(
        node.shape, "interface"
    )


# --- $setElementOrder ---------------------------------------------------------------------


def _merge_ordered_lists(
    original: dict[str, Any], patch: Mapping[str, Any], node: TypeNode, orders: list[str]
) -> set[str]:
    """`mergePatchIntoOriginal`: merge and order each list named by a `$setElementOrder/`
    directive; return the list fields done, which the main loop then skips."""
    handled: set[str] = set()
    for directive in orders:
        order = patch[directive]
        if type(order) is not list:
            raise PatchError.internal(_bad_arg_type(_GO_SLICE, order))
        key = _directive_target(directive, _SET_ELEMENT_ORDER, _BAD_SET_ELEMENT_ORDER)
        stored = original.get(key, _MISSING)
        sent = patch.get(key, _MISSING)
        if stored is not _MISSING and type(stored) is not list:
            raise PatchError.internal(_bad_arg_type(_GO_SLICE, stored))
        if sent is not _MISSING and type(sent) is not list:
            raise PatchError.internal(_bad_arg_type(_GO_SLICE, sent))
        field = _slice_field(node, key)
        strategy = _strategy(field)
        merge_key = field.patch_merge_key or ""
        stored_list: list[Any] = [] if stored is _MISSING else stored
        sent_list: list[Any] = [] if sent is _MISSING else sent
        _check_order(sent_list, order, merge_key)

        server_view = stored_list
        if sent is _MISSING:
            if stored is _MISSING:
                continue
            merged = stored_list
        elif stored is _MISSING:
            merged = _without_directives(sent_list, discard_nulls=False)[0]
        elif strategy == _MERGE:
            merged, server_view = _merge_slice(stored_list, sent_list, field, merge_key, False)
        else:
            merged = clone(sent_list)

        if merge_key:
            in_order, server_only = _partition_maps(merged, order, merge_key)
        else:
            in_order, server_only = _partition_primitives(merged, order)
        kind = _element_kind(server_view, sent_list)
        original[key] = _normalize_order(
            in_order, server_only, order, server_view, merge_key, kind is dict
        )
        handled.add(key)
    return handled


def _check_order(sent: list[Any], order: list[Any], merge_key: str) -> None:
    """`validatePatchWithSetOrderList`: the patch list must follow the order list."""
    if not order or not sent:
        return
    if merge_key:
        items = []
        for item in sent:
            if type(item) is not dict:
                raise PatchError.internal(_bad_arg_type(_GO_MAP, item))
            if item.get(_DIRECTIVE) != _DELETE:
                items.append(item)
    else:
        items = sent
    at, ordered = 0, 0
    while at < len(items) and ordered < len(order):
        item = items[at]
        if type(item) is dict and _DIRECTIVE in item:
            at += 1
            continue
        if _merge_keys_equal(item, order[ordered], merge_key):
            at += 1
        ordered += 1
    if at < len(items) and ordered >= len(order):
        raise PatchError.internal(
            f"The order in patch list:\n{_go_v(sent)}\n doesn't match {_SET_ELEMENT_ORDER} "
            f"list:\n{_go_v(order)}\n"
        )


def _merge_keys_equal(left: Any, right: Any, merge_key: str) -> bool:
    """`mergeKeyValueEqual`."""
    if not merge_key:
        return _go_equal(left, right)
    if type(left) is not dict:
        raise PatchError.internal(_bad_arg_type(_GO_MAP, left))
    if type(right) is not dict:
        raise PatchError.internal(_bad_arg_type(_GO_MAP, right))
    if merge_key not in left:
        raise PatchError.internal(_no_merge_key(left, merge_key))
    if merge_key not in right:
        raise PatchError.internal(_no_merge_key(right, merge_key))
    return _go_equal(left[merge_key], right[merge_key])


# --- lists --------------------------------------------------------------------------------


def _merge_slice(
    original: list[Any],
    patch: list[Any],
    field: TypeNode,
    merge_key: str | None,
    delete_list: bool,
) -> tuple[list[Any], list[Any]]:
    """`mergeSlice` of the stored list `original` (ours) and the patch list `patch`.

    Returns the merged list and what Go's original slice holds afterwards (see the module
    docstring), which `$setElementOrder` ordering reads.
    """
    if not original and not patch:
        return original, original
    kind = _element_kind(original, patch)
    if kind is not dict:
        if delete_list:
            doomed = {_hash_key(item) for item in patch}
            return [item for item in original if _hash_key(item) not in doomed], original
        if merge_key:
            # Upstream orders by merge key whenever the field has one, and then finds a
            # primitive where it wants a map: the first value of the merged list.
            raise PatchError.internal(_bad_arg_type(_GO_MAP, (original or patch)[0]))
        return _union(original, patch)
    if not merge_key:
        raise PatchError.internal(
            f"cannot merge lists without merge key for {_go_kind_name(field.items())}"
        )

    # mergeSliceWithSpecialElements: `$patch` items, deleting in place as Go's append does.
    backing = original  # copied before the first deletion edits it
    length = len(backing)
    rest: list[Any] = []
    replace = False
    for item in patch:
        if _DIRECTIVE not in item:
            rest.append(item)
            continue
        directive = item[_DIRECTIVE]
        if directive == _DELETE:
            if merge_key not in item:
                raise PatchError.internal(_no_merge_key(item, merge_key))
            doomed = item[merge_key]
            if backing is original:
                backing = list(original)
            at = 0
            while at < length:
                entry = backing[at]
                if merge_key in entry and _go_equal(entry[merge_key], doomed):
                    backing[at : length - 1] = backing[at + 1 : length]
                    length -= 1
                else:
                    at += 1
        elif directive == _REPLACE:
            replace = True
        elif directive == _MERGE:
            raise PatchError.internal("merging lists cannot yet be specified in the patch")
        else:
            raise PatchError.internal(_bad_patch_type(directive, item))
    if replace:
        server = [clone(item) for item in rest]
        rest = []
    else:
        server = backing[:length]

    # mergeSliceWithoutSpecialElements: merge by key, append the rest.
    merged = list(server)
    found: dict[Any, int] = {}
    if rest:
        for at, entry in enumerate(merged):
            if merge_key in entry:
                value = entry[merge_key]
                found.setdefault(value if type(value) is str else _hash_key(value), at)
    items = field.items()
    for item in rest:
        if merge_key not in item:
            raise PatchError.internal(_no_merge_key(item, merge_key))
        value = item[merge_key]
        key = value if type(value) is str else _hash_key(value)
        at = found.get(key)
        if at is not None:
            try:
                merged[at] = _merge_map(merged[at], item, items)
            except _FieldNotFound as err:
                err.name_from(_items_schema(field))
                raise
            continue
        found[key] = len(merged)
        appended = clone(item)
        merged.append(appended)
        if not replace and length < len(backing):
            backing[length] = appended
        length += 1

    sent = set(_keys(rest, merge_key, True))
    in_patch: list[Any] = []
    server_only: list[Any] = []
    for entry in merged:
        if merge_key not in entry:
            raise PatchError.internal(_no_merge_key(entry, merge_key))
        value = entry[merge_key]
        key = value if type(value) is str else _hash_key(value)
        (in_patch if key in sent else server_only).append(entry)
    ordered = _normalize_order(in_patch, server_only, rest, server, merge_key, True, checked=True)
    return ordered, backing


def _union(original: list[Any], patch: list[Any]) -> tuple[list[Any], list[Any]]:
    """A primitive list merged with a set-merge patch list, and Go's view of the stored list.

    Upstream appends the patch to the stored slice, removes duplicates in place
    (`deduplicateScalars` moves the last value into each duplicate's slot), then orders the values
    by where they first appear in the patch and in the stored slice (`normalizeElementOrder`).
    When the append does not reallocate -- always for an empty patch list, since the apiserver
    patches a deep copy whose slices have no spare capacity -- the dedup rewrites the stored
    slice it then orders by, so we replay it exactly.
    """
    backing = original + patch
    keys = [_hash_key(item) for item in backing]
    last = len(backing) - 1
    if len(set(keys)) <= last:
        at = 0
        while at < last:
            other = at + 1
            while other <= last:
                if keys[at] == keys[other]:
                    backing[other], keys[other] = backing[last], keys[last]
                    last -= 1
                else:
                    other += 1
            at += 1
    merged = backing[: last + 1]
    server_view = backing[: len(original)] if not patch else original
    sent = {_hash_key(item) for item in patch}
    in_patch: list[Any] = []
    server_only: list[Any] = []
    for item in merged:
        (in_patch if _hash_key(item) in sent else server_only).append(item)
    ordered = _normalize_order(in_patch, server_only, patch, server_view, "", False)
    return ordered, server_view


def _element_kind(*lists: list[Any]) -> type:
    """`sliceElementType`: the one Go type every element shares."""
    first: type | None = None
    for items in lists:
        for item in items:
            kind = type(item)
            if first is None:
                if item is None:
                    raise _GoPanic(_NIL_DEREFERENCE)
                if kind is list:
                    raise PatchError.unprocessable("lists of lists are not supported")
                first = kind
            elif kind is not first:
                raise PatchError.internal(
                    f"list element types are not identical: {_go_v(list(lists))}"
                )
    if first is None:
        raise PatchError.internal("no elements in any of the given slices")
    return first


def _partition_primitives(merged: list[Any], order: list[Any]) -> tuple[list[Any], list[Any]]:
    """`partitionPrimitivesByPresentInList`."""
    present = {_hash_key(item) for item in order}
    inside: list[Any] = []
    outside: list[Any] = []
    for item in merged:
        (inside if _hash_key(item) in present else outside).append(item)
    return inside, outside


def _partition_maps(
    merged: list[Any], order: list[Any], merge_key: str
) -> tuple[list[Any], list[Any]]:
    """`partitionMapsByPresentInList`, with `findMapInSliceBasedOnKeyValue`'s complaint about
    an order entry that is not a map when the search reaches it."""
    positions: dict[Any, int] = {}
    not_a_map: int | None = None
    for at, entry in enumerate(order):
        if type(entry) is not dict:
            not_a_map = at
            break
        if merge_key in entry:
            positions.setdefault(_hash_key(entry[merge_key]), at)
    inside: list[Any] = []
    outside: list[Any] = []
    for item in merged:
        if type(item) is not dict:
            raise PatchError.internal(_bad_arg_type(_GO_MAP, item))
        if merge_key not in item:
            raise PatchError.internal(_no_merge_key(item, merge_key))
        if _hash_key(item[merge_key]) in positions:
            inside.append(item)
        elif not_a_map is not None:
            raise PatchError.internal(f"value for key {not_a_map} is not a map")
        else:
            outside.append(item)
    return inside, outside


# --- ordering -----------------------------------------------------------------------------


def _normalize_order(
    in_patch: list[Any],
    server_only: list[Any],
    patch_order: list[Any],
    server_order: list[Any],
    merge_key: str,
    of_maps: bool,
    *,
    checked: bool = False,
) -> list[Any]:
    """`normalizeElementOrder`: sort each part by its own order list, then interleave.

    `checked` says upstream's merge-key checks of the four lists already passed."""
    if of_maps and not checked:
        _check_merge_keys(in_patch, patch_order, merge_key)
        _check_merge_keys(server_only, server_order, merge_key)
    # A part of one item keeps its place whatever the order lists say.
    if len(in_patch) > 1:
        patch_positions = _first_positions(_keys(patch_order, merge_key, of_maps))
        in_patch = _sorted_by(in_patch, patch_positions, merge_key, of_maps)
    if not server_only:
        return in_patch
    positions = _first_positions(_keys(server_order, merge_key, of_maps))
    if len(server_only) > 1:
        server_only = _sorted_by(server_only, positions, merge_key, of_maps)
    return _merge_sorted(server_only, in_patch, positions, merge_key, of_maps)


def _check_merge_keys(items: list[Any], order: list[Any], merge_key: str) -> None:
    """`validateMergeKeyInLists`: every element is a map holding the merge key."""
    for entries in (items, order):
        for entry in entries:
            if type(entry) is not dict:
                raise PatchError.internal(_bad_arg_type(_GO_MAP, entry))
            if merge_key not in entry:
                raise PatchError.internal(_no_merge_key(entry, merge_key))


def _sorted_by(
    items: list[Any], positions: dict[Any, int], merge_key: str, of_maps: bool
) -> list[Any]:
    """`normalizeSliceOrder`: `items` stably sorted by where their keys first appear in the
    order list (`positions`), with `$patch: delete` items last."""
    deleted: list[Any] = []
    if of_maps:
        kept = []
        for entry in items:
            (deleted if entry.get(_DIRECTIVE) == _DELETE else kept).append(entry)
        items = kept
    keys = _keys(items, merge_key, of_maps)
    ranks = [positions.get(key) for key in keys]
    if None not in ranks:
        if len(items) > 1:
            items = [items[at] for at in sorted(range(len(items)), key=ranks.__getitem__)]
        return items + deleted if deleted else items
    # An item the order list lacks: upstream's comparator then says "less" both ways, and only
    # Go's own stable sort puts things where upstream does.
    entries = list(zip(ranks, items, strict=True))

    def less(i: int, j: int) -> bool:
        left, right = entries[i][0], entries[j][0]
        if left is not None and right is not None:
            return left < right
        return True

    _go_stable_sort(entries, less)
    return [item for _, item in entries] + deleted


def _merge_sorted(
    left: list[Any], right: list[Any], positions: dict[Any, int], merge_key: str, of_maps: bool
) -> list[Any]:
    """`mergeSortedSlice`: interleave stored-only items (`left`) with patch items (`right`),
    taking the left item only when both are in the stored list and the left one comes first."""
    if not left or not right:
        return left + right
    left_at = [positions.get(key) for key in _keys(left, merge_key, of_maps)]
    right_at = [positions.get(key) for key in _keys(right, merge_key, of_maps)]
    merged: list[Any] = []
    i = j = 0
    while i < len(left) and j < len(right):
        at_left, at_right = left_at[i], right_at[j]
        if at_left is not None and at_right is not None and at_left < at_right:
            merged.append(left[i])
            i += 1
        else:
            merged.append(right[j])
            j += 1
    merged.extend(left[i:])
    merged.extend(right[j:])
    return merged


def _keys(items: list[Any], merge_key: str, of_maps: bool) -> list[Any]:
    """What `index` compares items by: the merge-key value of a map, or a primitive itself,
    as `_hash_key` s."""
    if not of_maps:
        return [item if type(item) is str else _hash_key(item) for item in items]
    keys = []
    for item in items:
        value = item.get(merge_key) if type(item) is dict else None
        keys.append(value if type(value) is str else _hash_key(value))
    return keys


def _first_positions(keys: list[Any]) -> dict[Any, int]:
    """Where each key first appears: later duplicates are overwritten by earlier ones."""
    last = len(keys) - 1
    return dict(zip(reversed(keys), range(last, -1, -1), strict=True))


def _go_stable_sort(items: list[Any], less: Callable[[int, int], bool]) -> None:
    """Go's `sort.SliceStable` (insertion sort in blocks of 20, then SymMerge), in place."""

    def swap(i: int, j: int) -> None:
        items[i], items[j] = items[j], items[i]

    def insertion_sort(a: int, b: int) -> None:
        for i in range(a + 1, b):
            j = i
            while j > a and less(j, j - 1):
                swap(j, j - 1)
                j -= 1

    def swap_range(a: int, b: int, n: int) -> None:
        for i in range(n):
            swap(a + i, b + i)

    def rotate(a: int, m: int, b: int) -> None:
        i, j = m - a, b - m
        while i != j:
            if i > j:
                swap_range(m - i, m, j)
                i -= j
            else:
                swap_range(m - i, m + j - i, i)
                j -= i
        swap_range(m - i, m, i)

    def sym_merge(a: int, m: int, b: int) -> None:
        if m - a == 1:
            i, j = m, b
            while i < j:
                h = (i + j) >> 1
                if less(h, a):
                    i = h + 1
                else:
                    j = h
            for k in range(a, i - 1):
                swap(k, k + 1)
            return
        if b - m == 1:
            i, j = a, m
            while i < j:
                h = (i + j) >> 1
                if not less(m, h):
                    i = h + 1
                else:
                    j = h
            for k in range(m, i, -1):
                swap(k, k - 1)
            return
        mid = (a + b) >> 1
        n = mid + m
        if m > mid:
            start, r = n - b, mid
        else:
            start, r = a, m
        p = n - 1
        while start < r:
            c = (start + r) >> 1
            if not less(p - c, c):
                start = c + 1
            else:
                r = c
        end = n - start
        if start < m < end:
            rotate(start, m, end)
        if a < start < mid:
            sym_merge(a, start, mid)
        if mid < end < b:
            sym_merge(mid, end, b)

    n = len(items)
    block = 20
    a, b = 0, block
    while b <= n:
        insertion_sort(a, b)
        a, b = b, b + block
    insertion_sort(a, n)
    while block < n:
        a, b = 0, 2 * block
        while b <= n:
            sym_merge(a, a + block, b)
            a, b = b, b + 2 * block
        if a + block < n:
            sym_merge(a, a + block, n)
        block *= 2


# --- Go equality and formatting -----------------------------------------------------------


def _hash_key(value: Any) -> Any:
    """A dict key equal for two values exactly when Go's `==` on `interface{}` is true: same
    type and same value, so `1`, `1.0` and `true` stay apart. Objects and arrays cannot be
    compared or hashed in Go; using one panics there."""
    kind = type(value)
    if kind is str:
        return value
    if kind is dict or kind is list:
        raise _GoPanic(f"runtime error: hash of unhashable type {_go_type(value)}")
    return (kind, value)


def _go_equal(left: Any, right: Any) -> bool:
    kind = type(left)
    if kind is not type(right):
        return False
    if kind is dict or kind is list:
        raise _GoPanic(f"runtime error: comparing uncomparable type {_go_type(left)}")
    return bool(left == right)


def _no_merge_key(item: Mapping[str, Any], merge_key: str) -> str:
    return f"map: {_go_v(item)} does not contain declared merge key: {merge_key}"


def _bad_arg_type(expected: str, actual: Any) -> str:
    return f"expected a {expected}, but received a {_go_type(actual)}"


def _bad_patch_type(directive: Any, item: Mapping[str, Any]) -> str:
    return f"unknown patch type: {_go_s(directive)} in map: {_go_v(item)}"


def _go_type(value: Any) -> str:
    """`%s` of `reflect.TypeOf(value)` for a decoded JSON value."""
    if value is None:
        return "%!s(<nil>)"
    kind = type(value)
    if kind is dict:
        return _GO_MAP
    if kind is list:
        return _GO_SLICE
    if kind is bool:
        return "bool"
    if kind is int:
        return "int64"
    if kind is float:
        return "float64"
    if kind is str:
        return "string"
    return kind.__name__


def _go_v(value: Any) -> str:
    """Go's `%v` of a decoded JSON value (map keys sorted, as fmt prints them)."""
    if value is None:
        return "<nil>"
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return _go_float(value)
    if kind is dict:
        return "map[" + " ".join(f"{key}:{_go_v(value[key])}" for key in sorted(value)) + "]"
    if isinstance(value, Iterable):
        return "[" + " ".join(_go_v(item) for item in value) + "]"
    return str(value)


def _go_s(value: Any) -> str:
    """Go's `%s`, which flags every non-string it meets (`%!s(int64=1)`)."""
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is dict:
        return "map[" + " ".join(f"{key}:{_go_s(value[key])}" for key in sorted(value)) + "]"
    if kind is list:
        return "[" + " ".join(_go_s(item) for item in value) + "]"
    if value is None:
        return "%!s(<nil>)"
    return f"%!s({_go_type(value)}={_go_v(value)})"


def _go_float(number: float) -> str:
    """`%v` of a float64: `strconv.FormatFloat(f, 'g', -1, 64)`, shortest digits, exponent form
    below 1e-4 and from 1e6 up (`1e+06`)."""
    if math.isnan(number):
        return "NaN"
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number == 0:
        return "-0" if math.copysign(1.0, number) < 0 else "0"
    sign = "-" if number < 0 else ""
    shortest = Decimal(repr(abs(number))).normalize().as_tuple()
    digits = "".join(str(digit) for digit in shortest.digits)
    point = len(digits) + int(shortest.exponent)
    exponent = point - 1
    if exponent < -4 or exponent >= 6:
        mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
        return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{abs(exponent):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"
