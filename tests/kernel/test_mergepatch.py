"""JSON Merge Patch as kube-apiserver v1.32 applies it (evanphx/json-patch v4.12.0 MergePatch).

RFC 7386's appendix examples run as written, except where Kubernetes answers differently, which
each row says. Then the library's pruning quirks, the handler's strict pre-decode, and properties,
including the round trip through `create_merge_patch` (kubectl's client-side diff).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikube_py.patch import PatchError, apply_merge_patch, create_merge_patch

_BAD_PATCH = ("error", 400, "Invalid JSON Patch")

# RFC 7386 Appendix A: (original, patch, RFC result, Kubernetes' outcome where it differs).
_RFC7386_EXAMPLES: list[tuple[Any, Any, Any, tuple[str, int, str] | None]] = [
    ({"a": "b"}, {"a": "c"}, {"a": "c"}, None),
    ({"a": "b"}, {"b": "c"}, {"a": "b", "b": "c"}, None),
    ({"a": "b"}, {"a": None}, {}, None),
    ({"a": "b", "b": "c"}, {"a": None}, {"b": "c"}, None),
    ({"a": ["b"]}, {"a": "c"}, {"a": "c"}, None),
    ({"a": "c"}, {"a": ["b"]}, {"a": ["b"]}, None),
    ({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}, {"a": {"b": "d"}}, None),
    ({"a": [{"b": "c"}]}, {"a": [1]}, {"a": [1]}, None),
    (["a", "b"], ["c", "d"], ["c", "d"], None),
    ({"a": "b"}, ["c"], ["c"], None),
    # json-patch v4 unmarshals the patch into a map; null decodes to a nil map, which it rejects
    # as ErrBadJSONPatch, and patch.go maps that to 400.
    ({"a": "foo"}, None, None, _BAD_PATCH),
    # A scalar patch is neither an object nor an array: ErrBadJSONPatch again.
    ({"a": "foo"}, "bar", "bar", _BAD_PATCH),
    ({"e": None}, {"a": 1}, {"e": None, "a": 1}, None),
    ([1, 2], {"a": "b", "c": None}, {"a": "b"}, None),
    ({}, {"a": {"bb": {"ccc": None}}}, {"a": {"bb": {}}}, None),
]


def _same_json(left: Any, right: Any) -> bool:
    """JSON equality that, unlike ==, keeps true apart from 1 and keeps number types."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same_json(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same_json, left, right))
    return left == right


def _containers(value: Any) -> set[int]:
    found: set[int] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.add(id(item))
            stack.extend(item.values())
        elif isinstance(item, list):
            found.add(id(item))
            stack.extend(item)
    return found


def _merge(doc: Any, patch: Any, **options: Any) -> Any:
    """Merge, checking on the way that neither input is modified or shared with the result."""
    before = copy.deepcopy((doc, patch))
    try:
        result = apply_merge_patch(doc, patch, **options)
    finally:
        assert _same_json((doc, patch), before), "apply_merge_patch modified its inputs"
    assert not _containers(result) & _containers((doc, patch))
    return result


@pytest.mark.parametrize(("original", "patch", "rfc_result", "kubernetes"), _RFC7386_EXAMPLES)
def test_rfc7386_appendix_example(
    original: Any, patch: Any, rfc_result: Any, kubernetes: tuple[str, int, str] | None
):
    # The handler's strict pre-decode (next tests) would refuse array patches before the merge
    # runs; this table exercises the merge itself, as with fieldValidation=Ignore.
    if kubernetes is None:
        assert _same_json(_merge(original, patch, strict_decoding=False), rfc_result)
        return
    _, code, message = kubernetes
    with pytest.raises(PatchError) as raised:
        _merge(original, patch, strict_decoding=False)
    assert (raised.value.code, raised.value.message) == (code, message)


@pytest.mark.parametrize(
    ("patch", "kind"), [(["c"], "array"), ("bar", "string"), (1, "number"), (True, "bool")]
)
def test_strict_decoding_refuses_patches_that_are_not_objects(patch: Any, kind: str):
    with pytest.raises(PatchError) as raised:
        _merge({"a": "b"}, patch)
    assert raised.value.code == 400
    assert raised.value.reason == "BadRequest"
    assert raised.value.message == (
        f"error decoding patch: json: cannot unmarshal {kind} into Go value of type "
        "map[string]interface {}"
    )


def test_a_null_patch_passes_strict_decoding_and_fails_in_the_merge():
    with pytest.raises(PatchError) as raised:
        _merge({"a": "b"}, None)
    assert (raised.value.code, raised.value.message) == (400, "Invalid JSON Patch")
    assert raised.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Invalid JSON Patch",
        "reason": "BadRequest",
        "code": 400,
    }


def test_a_null_document_is_an_unmapped_server_error():
    with pytest.raises(PatchError) as raised:
        _merge(None, {"a": 1})
    assert (raised.value.code, raised.value.reason) == (500, "")
    assert raised.value.message == "Invalid JSON Document"


def test_labels_are_added_changed_and_removed():
    pod = {
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front", "old": "x"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
    }
    patch = {"metadata": {"labels": {"tier": "back", "old": None, "new": "y"}}}
    assert _merge(pod, patch) == {
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "back", "new": "y"}},
        "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]},
    }


def test_lists_are_replaced_whole():
    doc = {"spec": {"containers": [{"name": "a"}, {"name": "b"}]}}
    patch = {"spec": {"containers": [{"name": "b", "image": "x"}]}}
    assert _merge(doc, patch) == {"spec": {"containers": [{"name": "b", "image": "x"}]}}


def test_nulls_are_pruned_from_values_stored_whole_even_inside_arrays():
    # RFC 7386 would keep {"b": null} inside the array; json-patch v4 prunes it. Null elements
    # themselves are kept.
    patch = {"a": [{"b": None, "c": 1}, None], "d": {"e": None, "f": {"g": None}}}
    assert _merge({}, patch) == {"a": [{"c": 1}, None], "d": {"f": {}}}
    assert _merge({"a": 1, "d": None}, patch) == {"a": [{"c": 1}, None], "d": {"f": {}}}


def test_an_object_replaced_by_a_non_object_keeps_its_nulls():
    # merge() returns the patch value untouched when only the stored side is an object, so the
    # same patch applied twice gives two different documents.
    patch = {"a": [{"b": None}]}
    once = _merge({"a": {"x": 1}}, patch)
    assert _same_json(once, {"a": [{"b": None}]})
    assert _same_json(_merge(once, patch), {"a": [{}]})


def test_a_stored_null_is_merged_over_like_a_missing_member():
    assert _merge({"a": None}, {"a": {"b": None, "c": 1}}) == {"a": {"c": 1}}


def test_deleting_a_missing_member_is_not_an_error():
    assert _merge({"a": 1}, {"b": None}) == {"a": 1}


def test_a_document_that_is_not_an_object_becomes_the_pruned_patch():
    assert _merge([1, 2], {"a": {"b": None}, "c": None}) == {"a": {}}
    assert _merge("text", [{"a": None}], strict_decoding=False) == [{}]


def test_number_types_survive_the_merge():
    result = _merge({"a": 1, "b": 1.0}, {"c": 2.0, "d": True})
    assert _same_json(result, {"a": 1, "b": 1.0, "c": 2.0, "d": True})


def test_create_merge_patch_describes_the_change():
    original = {"a": 1, "b": {"c": "x", "d": [1, 2]}, "e": None, "gone": True, "same": [{"k": 1}]}
    modified = {"a": 1.0, "b": {"c": "y", "d": [1, 2, 3]}, "e": None, "new": {}, "same": [{"k": 1}]}
    assert create_merge_patch(original, modified) == {
        "b": {"c": "y", "d": [1, 2, 3]},
        "new": {},
        "gone": None,
    }
    assert create_merge_patch({"a": 1}, {"a": "1"}) == {"a": "1"}
    assert create_merge_patch({"a": True}, {"a": 1}) == {"a": 1}
    assert create_merge_patch({"a": {"b": 1}}, {"a": {}}) == {"a": {"b": None}}
    with pytest.raises(PatchError, match="Invalid JSON Document"):
        create_merge_patch([], {})


def test_create_merge_patch_shares_nothing_with_its_inputs():
    original = {"a": {"b": 1}}
    modified = {"a": {"b": 2, "c": [{"d": 1}]}, "e": [1]}
    patch = create_merge_patch(original, modified)
    assert not _containers(patch) & _containers((original, modified))


# --- properties -----------------------------------------------------------------------------

_KEYS = st.sampled_from(["a", "b", "c", ""]) | st.text(max_size=3)
_SCALARS = st.booleans() | st.integers(-3, 3) | st.sampled_from([0.0, 2.5]) | st.text(max_size=3)
_JSON = st.recursive(
    st.none() | _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=16,
)
_OBJECTS = st.dictionaries(_KEYS, _JSON, max_size=5)
# Documents a merge patch can reach: no null object members anywhere (null means "delete").
_REACHABLE = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner | st.none(), max_size=3) | st.dictionaries(_KEYS, inner, max_size=3)
    ),
    max_leaves=16,
)
_REACHABLE_OBJECTS = st.dictionaries(_KEYS, _REACHABLE, max_size=5)


@settings(max_examples=300, deadline=None)
@given(_OBJECTS)
def test_an_empty_patch_is_the_identity(doc: dict[str, Any]):
    assert _same_json(_merge(doc, {}), doc)


@settings(max_examples=300, deadline=None)
@given(_OBJECTS | _JSON, _JSON, st.booleans())
def test_any_merge_either_applies_or_raises_patch_error_and_never_touches_inputs(
    doc: Any, patch: Any, strict: bool
):
    code = None
    try:
        _merge(doc, patch, strict_decoding=strict)
    except PatchError as err:
        code = err.code
    assert code in (None, 400, 500)


@settings(max_examples=300, deadline=None)
@given(_OBJECTS, _REACHABLE_OBJECTS)
def test_create_then_apply_reaches_the_modified_document(
    original: dict[str, Any], modified: dict[str, Any]
):
    patch = create_merge_patch(original, modified)
    assert _equal_as_go_numbers(_merge(original, patch), modified)


@settings(max_examples=300, deadline=None)
@given(_OBJECTS)
def test_a_document_diffed_with_itself_needs_no_patch(doc: dict[str, Any]):
    assert create_merge_patch(doc, copy.deepcopy(doc)) == {}


@settings(max_examples=300, deadline=None)
@given(_OBJECTS, _OBJECTS)
def test_every_patched_member_comes_from_the_document_or_the_patch(
    doc: dict[str, Any], patch: dict[str, Any]
):
    result = _merge(doc, patch)
    for key, value in result.items():
        if key in patch:
            assert patch[key] is not None
        else:
            assert _same_json(value, doc[key])
    for key in doc:
        if key not in patch:
            assert key in result


def _equal_as_go_numbers(left: Any, right: Any) -> bool:
    """Go decodes every number as float64, so getDiff sees 1 and 1.0 as the same value."""
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(
            _equal_as_go_numbers(left[k], right[k]) for k in left
        )
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_equal_as_go_numbers, left, right))
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return left == right
