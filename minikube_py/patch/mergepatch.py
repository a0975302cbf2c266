"""RFC 7386 JSON Merge Patch, applied exactly as kube-apiserver v1.32 applies it.

This module owns `application/merge-patch+json` on the server side (`apply_merge_patch`) and the
client-side diff kubectl computes for such patches (`create_merge_patch`).

What upstream does
------------------
kube-apiserver v1.32 (k8s.io/apiserver v0.32, `pkg/endpoints/handlers/patch.go`,
`jsonPatcher.applyJSPatch`) calls `jsonpatch.MergePatch` from `gopkg.in/evanphx/json-patch.v4`
v4.12.0 (`merge.go` in github.com/evanphx/json-patch at tag v4.12.0). Its algorithm is RFC 7386's,
with these differences, which we keep:

- A patch that is `null` or a scalar is rejected with `Invalid JSON Patch` (400 BadRequest);
  RFC 7386 would make it the new document. An array patch replaces the document (after the
  pruning below), but see strict decoding.
- Nulls are pruned from a patch value that is stored whole (the member was missing, null, or
  not an object), recursively through objects *and through objects inside arrays*; null array
  elements are kept. RFC 7386 would store arrays verbatim, nulls included.
- When the stored member is an object and the patch value is an array or scalar, the value
  replaces it *without* pruning. So applying the same merge patch twice is not always a no-op the
  second time: `{"a": [{"b": null}]}` over an object leaves `[{"b": null}]`, and over that
  array leaves `[{}]`.
- A document that is not an object is replaced by the pruned patch, as in the RFC. A `null`
  document fails with `Invalid JSON Document`, an unmapped Go error the apiserver answers as
  500; it cannot happen there, because the document is always an encoded object.

Strict decoding: with `fieldValidation` Strict or Warn (Warn being the default, `handlers/rest.go
fieldValidation`) the handler first decodes the body into `map[string]interface{}` with
sigs.k8s.io/json, so an array, string, number or boolean patch is a 400
`error decoding patch: json: cannot unmarshal array into Go value of type map[string]interface {}`
before the merge runs; `null` passes that step and fails in the merge. Pass
`strict_decoding=False` for fieldValidation=Ignore. Duplicate keys, the only strict *warnings* a
merge patch can produce, cannot be seen once the body is decoded into a dict.

Copying: the document is cloned once (`_values.clone`) and merged in place, and every value taken
from the patch is cloned as it is stored, so the result shares no container with either input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minikube_py.patch._values import JSONValue, clone, go_kind
from minikube_py.patch.errors import PatchError

_BAD_PATCH = "Invalid JSON Patch"
_BAD_DOCUMENT = "Invalid JSON Document"


def apply_merge_patch(
    doc: JSONValue, patch: JSONValue, *, strict_decoding: bool = True
) -> JSONValue:
    """Merge `patch` into `doc` as kube-apiserver v1.32 does; neither is modified.

    `strict_decoding` is true when the request's fieldValidation is Strict or Warn (the server
    default). Raises `PatchError`.
    """
    if strict_decoding and patch is not None and not isinstance(patch, dict):
        raise PatchError.bad_request(
            f"error decoding patch: json: cannot unmarshal {go_kind(patch)} into Go value of "
            "type map[string]interface {}"
        )
    if doc is None:
        raise PatchError.internal(_BAD_DOCUMENT)
    if patch is None:
        raise PatchError.bad_request(_BAD_PATCH)
    if isinstance(patch, dict):
        if not isinstance(doc, dict):
            return _pruned(patch)
        merged = clone(doc)
        _merge_object(merged, patch)
        return merged
    if isinstance(patch, list):
        return _pruned(patch)
    raise PatchError.bad_request(_BAD_PATCH)


def create_merge_patch(original: JSONValue, modified: JSONValue) -> dict[str, Any]:
    """The merge patch turning object `original` into object `modified` (json-patch's getDiff).

    Members set to null in `modified` cannot be expressed by a merge patch (null means delete),
    so `apply_merge_patch(original, patch) == modified` holds only when `modified` has none.
    """
    if not isinstance(original, dict) or not isinstance(modified, dict):
        raise PatchError.bad_request(_BAD_DOCUMENT)
    return _diff(original, modified)


def _merge_object(target: dict[str, Any], patch: Mapping[str, Any]) -> None:
    """json-patch's `mergeDocs` into `target`, a container we own."""
    for key, value in patch.items():
        if value is None:
            target.pop(key, None)
            continue
        current = target.get(key)
        if type(current) is dict:
            if isinstance(value, dict):
                _merge_object(current, value)
            else:
                target[key] = clone(value)
        else:
            target[key] = _pruned(value)


def _pruned(value: Any) -> Any:
    """A copy of `value` without null object members, at any depth (`pruneNulls`)."""
    if isinstance(value, dict):
        return {key: _pruned(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [_pruned(item) for item in value]
    return value


def _diff(original: Mapping[str, Any], modified: Mapping[str, Any]) -> dict[str, Any]:
    patch: dict[str, Any] = {}
    for key, new in modified.items():
        if key not in original:
            patch[key] = clone(new)
            continue
        old = original[key]
        kind = go_kind(new)
        if go_kind(old) != kind:
            patch[key] = clone(new)
        elif kind == "object":
            nested = _diff(old, new)
            if nested:
                patch[key] = nested
        elif kind != "null" and not _same(old, new):
            patch[key] = clone(new)
    for key in original:
        if key not in modified:
            patch[key] = None
    return patch


def _same(left: Any, right: Any) -> bool:
    """json-patch's `matchesValue`: equal kinds and equal values, all the way down."""
    kind = go_kind(left)
    if kind != go_kind(right):
        return False
    if kind == "object":
        return len(left) == len(right) and all(
            key in right and _same(item, right[key]) for key, item in left.items()
        )
    if kind == "array":
        return len(left) == len(right) and all(
            _same(item, other) for item, other in zip(left, right, strict=True)
        )
    return left == right
