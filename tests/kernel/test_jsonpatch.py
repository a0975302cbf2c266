"""JSON Patch as kube-apiserver v1.32 applies it (evanphx/json-patch v4.12.0 behind patch.go).

The RFC 6902 conformance vectors from ../shared/testdata/json-patch run against every record;
where Kubernetes deliberately (or by its library's quirks) answers differently, the record is
listed in `_KUBERNETES_DIFFERS` with the reason. Error wording is pinned to upstream's: every
message below was checked against the Go library itself.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikube_py.patch import (
    JSONPatchLimits,
    PatchError,
    apply_json_patch,
    json_patch_strict_errors,
)

VECTORS = Path(__file__).parents[2].parent / "shared" / "testdata" / "json-patch"

_ROOT_ADD = 'add operation does not apply: doc is missing path: "": missing value'

# Records Kubernetes answers differently from the vector: (file, index) -> (what the vector's
# comment says, Kubernetes' outcome, why). An outcome is ("result", doc) or ("error", code).
_KUBERNETES_DIFFERS: dict[tuple[str, int], tuple[str, tuple[str, Any], str]] = {
    ("tests.json", 11): (
        "replace object document with array document?",
        ("error", 422),
        "json-patch v4 resolves the path '' to no container, so `add` cannot replace the root",
    ),
    ("tests.json", 12): (
        "replace array document with object document?",
        ("error", 422),
        "json-patch v4 resolves the path '' to no container, so `add` cannot replace the root",
    ),
    ("tests.json", 19): (
        "Out of bounds (lower)",
        ("result", {"bar": [1, 2, "5"]}),
        "SupportNegativeIndices is on by default: -1 counts from the end, and for add appends",
    ),
    ("tests.json", 63): (
        "replacing the root of the document is possible with add",
        ("error", 422),
        "json-patch v4 resolves the path '' to no container, so `add` cannot replace the root",
    ),
    ("tests.json", 77): (
        "missing 'value' parameter to add",
        ("result", [1, None]),
        "json-patch v4 stores the absent value as a nil node, which marshals as null",
    ),
    ("tests.json", 78): (
        "missing 'value' parameter to replace",
        ("result", [None]),
        "json-patch v4 stores the absent value as a nil node, which marshals as null",
    ),
    ("tests.json", 79): (
        "missing 'value' parameter to test",
        ("error", 500),
        "json-patch v4 dereferences the absent value when the tested element is null: the "
        "apiserver panics and answers 500 (the vector only asks for an error)",
    ),
    ("tests.json", 82): (
        "missing from location to copy",
        ("result", {"foo": None}),
        "json-patch v4 cannot tell a missing object member from null, so it copies null",
    ),
    ("tests.json", 87): (
        "test with bad array number that has leading zeros",
        ("result", ["foo", "bar"]),
        "indices are parsed with strconv.Atoi, which accepts leading zeros: /00 is element 0",
    ),
    ("tests.json", 88): (
        "test with bad array number that has leading zeros",
        ("result", ["foo", "bar"]),
        "indices are parsed with strconv.Atoi, which accepts leading zeros: /01 is element 1",
    ),
}

# The message json-patch v4.12.0 gives for each error vector (all answered 422).
_UPSTREAM_MESSAGES: dict[tuple[str, int], str] = {
    ("tests.json", 11): _ROOT_ADD,
    ("tests.json", 12): _ROOT_ADD,
    ("tests.json", 18): "error in add for path: '/bar/8': Unable to access invalid index: 8: "
    "invalid index referenced",
    ("tests.json", 28): "error in add for path: '/3': Unable to access invalid index: 3: "
    "invalid index referenced",
    ("tests.json", 30): "error in test for path: '/1e0': strconv.Atoi: parsing \"1e0\": "
    "invalid syntax",
    ("tests.json", 31): "error in add for path: '/bar': value was not a proper array index: "
    "'bar': strconv.Atoi: parsing \"bar\": invalid syntax",
    ("tests.json", 44): "replace operation does not apply: doc is missing path: /foo/bar: "
    "missing value",
    ("tests.json", 55): "testing value /foo failed: test failed",
    ("tests.json", 63): _ROOT_ADD,
    ("tests.json", 66): 'remove operation does not apply: doc is missing path: "/baz/1e0/qux": '
    "missing value",
    ("tests.json", 69): "error in remove for path: '/1e0': strconv.Atoi: parsing \"1e0\": "
    "invalid syntax",
    ("tests.json", 70): "replace operation does not apply: doc is missing key: /1e0: missing value",
    ("tests.json", 71): "error in copy for from: '/baz/1e0': strconv.Atoi: parsing \"1e0\": "
    "invalid syntax",
    ("tests.json", 72): "error in move for path: '1e0': strconv.Atoi: parsing \"1e0\": "
    "invalid syntax",
    ("tests.json", 73): "error in add for path: '/1e0': value was not a proper array index: "
    "'1e0': strconv.Atoi: parsing \"1e0\": invalid syntax",
    ("tests.json", 74): "add operation failed to decode path: missing value",
    ("tests.json", 75): "add operation failed to decode path: missing value",
    ("tests.json", 76): 'add operation does not apply: doc is missing path: "foo": missing value',
    ("tests.json", 80): "testing value /0 failed: test failed",
    ("tests.json", 81): "copy operation failed to decode from: operation, missing from field: "
    "missing value",
    ("tests.json", 83): "move operation failed to decode from: operation, missing from field: "
    "missing value",
    ("tests.json", 84): "error in move for path: 'bar': Unable to remove nonexistent key: bar: "
    "missing value",
    ("tests.json", 86): "Unexpected kind: spam",
    ("tests.json", 89): "error in remove for path: '/baz': Unable to remove nonexistent key: "
    "baz: missing value",
    ("tests.json", 90): "remove operation does not apply: doc is missing path: "
    '"/missing1/missing2": missing value',
    ("tests.json", 91): "error in remove for path: '/2': Unable to access invalid index: 2: "
    "invalid index referenced",
    ("spec_tests.json", 0): 'add operation does not apply: doc is missing path: "/a/b": '
    "missing value",
    ("spec_tests.json", 9): "testing value /baz failed: test failed",
    ("spec_tests.json", 12): 'add operation does not apply: doc is missing path: "/baz/bat": '
    "missing value",
    ("spec_tests.json", 15): "testing value /~01 failed: test failed",
}


def _vector_params() -> list[Any]:
    if not VECTORS.is_dir():
        return [pytest.param(None, marks=pytest.mark.skip(reason=f"{VECTORS} not present"))]
    params = []
    for name in ("tests.json", "spec_tests.json"):
        records = json.loads((VECTORS / name).read_text())
        for index, record in enumerate(records):
            label = record.get("comment") or record.get("error") or ""
            marks = (
                [pytest.mark.skip(reason="disabled in the suite")] if record.get("disabled") else []
            )
            params.append(
                pytest.param((name, index, record), id=f"{name}:{index}:{label}", marks=marks)
            )
    return params


def _same_json(left: Any, right: Any) -> bool:
    """JSON equality that, unlike ==, keeps true apart from 1 and keeps number types."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same_json(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same_json, left, right))
    return left == right


def _containers(value: Any) -> list[int]:
    found: list[int] = []
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(id(item))
            stack.extend(item.values())
        elif isinstance(item, list):
            found.append(id(item))
            stack.extend(item)
    return found


def _apply(doc: Any, patch: Any, **options: Any) -> Any:
    """Apply, checking on the way that neither input is modified or shared with the result."""
    before = copy.deepcopy((doc, patch))
    try:
        result = apply_json_patch(doc, patch, **options)
    finally:
        assert _same_json((doc, patch), before), "apply_json_patch modified its inputs"
    assert not set(_containers(result)) & set(_containers((doc, patch)))
    return result


@pytest.mark.parametrize("vector", _vector_params())
def test_conformance_vector(vector: tuple[str, int, dict[str, Any]]):
    name, index, record = vector
    differs = _KUBERNETES_DIFFERS.get((name, index))
    if differs is not None:
        said, (outcome, detail), _why = differs
        assert said in (record.get("comment"), record.get("error")), "vector file changed"
    elif "error" in record:
        outcome, detail = "error", 422
    else:
        outcome, detail = "result", record["expected"]

    if outcome == "result":
        assert _same_json(_apply(record["doc"], record["patch"]), detail)
        return
    with pytest.raises(PatchError) as raised:
        _apply(record["doc"], record["patch"])
    assert raised.value.code == detail
    if detail == 422:
        assert raised.value.message == _UPSTREAM_MESSAGES[(name, index)]


def test_failed_patch_is_answered_with_the_generic_invalid_status():
    with pytest.raises(PatchError) as raised:
        _apply({"a": 1}, [{"op": "remove", "path": "/b"}])
    assert raised.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "the server rejected our request due to an error in our request",
        "reason": "Invalid",
        "details": {},
        "code": 422,
    }
    assert str(raised.value) == (
        "error in remove for path: '/b': Unable to remove nonexistent key: b: missing value"
    )


def test_replace_of_a_missing_member_adds_it():
    assert _apply({"a": 1}, [{"op": "replace", "path": "/b", "value": 2}]) == {"a": 1, "b": 2}


def test_replace_of_a_missing_element_is_invalid():
    with pytest.raises(PatchError, match="replace operation does not apply: doc is missing key"):
        _apply({"a": [1]}, [{"op": "replace", "path": "/a/1", "value": 2}])
    with pytest.raises(PatchError, match="doc is missing key: /a/-"):
        _apply({"a": [1]}, [{"op": "replace", "path": "/a/-", "value": 2}])


def test_move_into_its_own_child_fails_at_the_destination():
    with pytest.raises(PatchError) as raised:
        _apply({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/b/c"}])
    assert raised.value.message == (
        "move operation does not apply: doc is missing destination path: /a/b/c: missing value"
    )
    assert raised.value.code == 422


def test_move_removes_before_inserting():
    doc = {"l": ["a", "b", "c"]}
    assert _apply(doc, [{"op": "move", "from": "/l/0", "path": "/l/2"}]) == {"l": ["b", "c", "a"]}
    assert _apply(doc, [{"op": "move", "from": "/l/0", "path": "/l/-"}]) == {"l": ["b", "c", "a"]}


def test_testing_a_missing_member_against_null_passes():
    assert _apply({"a": 1}, [{"op": "test", "path": "/b", "value": None}]) == {"a": 1}
    with pytest.raises(PatchError, match="testing value /b failed"):
        _apply({"a": 1}, [{"op": "test", "path": "/b", "value": 0}])


def test_testing_null_without_a_value_panics_the_apiserver():
    for doc in ({"a": None}, {}):
        with pytest.raises(PatchError) as raised:
            _apply(doc, [{"op": "test", "path": "/a"}])
        assert raised.value.code == 500
        assert raised.value.panicked
        assert raised.value.status_message == (
            "This request caused apiserver to panic. Look in the logs for details."
        )


def test_testing_arrays_holding_null_panics_the_apiserver():
    with pytest.raises(PatchError) as raised:
        _apply({"a": [1, None]}, [{"op": "test", "path": "/a", "value": [1, None]}])
    assert raised.value.code == 500
    # A difference found before the null settles it without a panic.
    with pytest.raises(PatchError) as raised:
        _apply({"a": [1, None]}, [{"op": "test", "path": "/a", "value": [2, None]}])
    assert raised.value.code == 422


@pytest.mark.parametrize(
    ("stored", "tested", "passes"),
    [
        (1, 1, True),
        (1.0, 1, True),  # Go writes the stored 1.0 as `1`
        (1, 1.0, False),  # the client wrote `1.0`, the apiserver `1`
        (1.0, 1.0, False),
        (2.5, 2.5, True),
        (1e21, 1e21, True),  # both `1e+21`
        (0, 0, True),
        (1, True, False),
        (True, 1, False),
        (0, False, False),
        (False, False, True),
        ("1", 1, False),
        (1, "1", False),
        ("a", "a", True),
        ({"x": [1, "y"]}, {"x": [1, "y"]}, True),
        ({"x": 1}, {"x": 1, "y": None}, False),
        ({"x": None}, {"x": None}, True),
        ([1], {"0": 1}, False),
        ({"x": 1}, None, False),
    ],
)
def test_test_compares_scalars_by_their_json_text(stored: Any, tested: Any, passes: bool):
    patch = [{"op": "test", "path": "/v", "value": tested}]
    if passes:
        assert _same_json(_apply({"v": stored}, patch), {"v": stored})
    else:
        with pytest.raises(PatchError, match="testing value /v failed: test failed"):
            _apply({"v": stored}, patch)


def test_negative_indices_count_from_the_end():
    doc = {"l": ["a", "b", "c"]}
    assert _apply(doc, [{"op": "remove", "path": "/l/-1"}]) == {"l": ["a", "b"]}
    assert _apply(doc, [{"op": "replace", "path": "/l/-3", "value": "z"}]) == {"l": ["z", "b", "c"]}
    assert _apply(doc, [{"op": "add", "path": "/l/-1", "value": "z"}]) == {
        "l": ["a", "b", "c", "z"]
    }
    assert _apply(doc, [{"op": "add", "path": "/l/-4", "value": "z"}]) == {
        "l": ["z", "a", "b", "c"]
    }
    assert _apply(doc, [{"op": "test", "path": "/l/-1", "value": "c"}]) == doc
    with pytest.raises(PatchError) as raised:
        _apply(doc, [{"op": "remove", "path": "/l/-4"}])
    assert raised.value.message == (
        "error in remove for path: '/l/-4': Unable to access invalid index: -4: "
        "invalid index referenced"
    )
    with pytest.raises(PatchError, match="invalid index: -5"):
        _apply(doc, [{"op": "add", "path": "/l/-5", "value": "z"}])


def test_indices_parse_like_strconv_atoi():
    doc = {"l": ["a", "b"]}
    assert _apply(doc, [{"op": "test", "path": "/l/+1", "value": "b"}]) == doc
    assert _apply(doc, [{"op": "test", "path": "/l/-0", "value": "a"}]) == doc
    assert _apply(doc, [{"op": "test", "path": "/l/001", "value": "b"}]) == doc
    with pytest.raises(PatchError) as raised:
        _apply(doc, [{"op": "remove", "path": "/l/99999999999999999999"}])
    assert raised.value.message == (
        "error in remove for path: '/l/99999999999999999999': "
        'strconv.Atoi: parsing "99999999999999999999": value out of range'
    )
    for bad in (" 1", "1 ", "", "+", "0x1", "1_0", "\u0661"):
        with pytest.raises(PatchError, match="invalid syntax"):
            _apply(doc, [{"op": "remove", "path": f"/l/{bad}"}])


def test_a_path_without_a_leading_slash_skips_its_first_segment():
    assert _apply({"b": 1}, [{"op": "replace", "path": "a/b", "value": 2}]) == {"b": 2}
    assert _apply({"b": 1}, [{"op": "remove", "path": "anything/b"}]) == {}


def test_pointer_escapes_are_decoded_in_one_pass():
    doc = {"~1": 1, "/0": 2, "~2": 3, "~": 4}
    assert _apply(doc, [{"op": "test", "path": "/~01", "value": 1}]) == doc
    assert _apply(doc, [{"op": "test", "path": "/~10", "value": 2}]) == doc
    assert _apply(doc, [{"op": "test", "path": "/~2", "value": 3}]) == doc
    assert _apply(doc, [{"op": "test", "path": "/~0", "value": 4}]) == doc


def test_replacing_the_root_takes_only_objects_and_arrays():
    doc = {"a": 1}
    assert _apply(doc, [{"op": "replace", "path": "", "value": {"b": 2}}]) == {"b": 2}
    assert _apply(doc, [{"op": "replace", "path": "", "value": [1]}]) == [1]
    # Upstream wraps a nil error for these, which is no error at all: the op does nothing.
    assert _apply(doc, [{"op": "replace", "path": "", "value": "x"}]) == doc
    assert _apply(doc, [{"op": "replace", "path": "", "value": None}]) == doc
    with pytest.raises(PatchError) as raised:
        _apply(doc, [{"op": "replace", "path": ""}])
    assert raised.value.code == 500


def test_testing_the_root_compares_the_whole_document():
    doc = {"a": [1, {"b": "c"}]}
    assert _apply(doc, [{"op": "test", "path": "", "value": {"a": [1, {"b": "c"}]}}]) == doc
    with pytest.raises(PatchError, match="testing value  failed"):
        _apply(doc, [{"op": "test", "path": "", "value": None}])


def test_later_operations_see_earlier_ones():
    patch = [
        {"op": "add", "path": "/spec", "value": {"replicas": 1}},
        {"op": "copy", "from": "/spec", "path": "/old"},
        {"op": "replace", "path": "/spec/replicas", "value": 3},
        {"op": "test", "path": "/old/replicas", "value": 1},
        {"op": "move", "from": "/old", "path": "/spec/previous"},
    ]
    assert _apply({}, patch) == {"spec": {"replicas": 3, "previous": {"replicas": 1}}}


def test_a_failing_operation_discards_the_earlier_ones():
    doc = {"metadata": {"labels": {"a": "1"}}}
    with pytest.raises(PatchError):
        _apply(
            doc,
            [
                {"op": "add", "path": "/metadata/labels/b", "value": "2"},
                {"op": "test", "path": "/metadata/labels/a", "value": "2"},
            ],
        )
    assert doc == {"metadata": {"labels": {"a": "1"}}}


def test_more_than_ten_thousand_operations_is_too_large():
    test_op = {"op": "test", "path": "/a", "value": 1}
    assert _apply({"a": 1}, [test_op] * 10000) == {"a": 1}
    with pytest.raises(PatchError) as raised:
        apply_json_patch({"a": 1}, [test_op] * 10001)
    error = raised.value
    assert (error.code, error.reason) == (413, "RequestEntityTooLarge")
    assert error.status_message == (
        "Request entity too large: The allowed maximum operations in a JSON patch is 10000, "
        "got 10001"
    )
    with pytest.raises(PatchError, match="is 2, got 3"):
        apply_json_patch({"a": 1}, [test_op] * 3, limits=JSONPatchLimits(max_operations=2))


def test_copies_count_against_the_accumulated_copy_limit():
    doc = {"a": "x" * 100}  # 102 bytes once encoded
    copy_a = {"op": "copy", "from": "/a", "path": "/b"}
    limits = JSONPatchLimits(max_copy_bytes=204)
    assert _apply(doc, [copy_a, copy_a], limits=limits) == {"a": "x" * 100, "b": "x" * 100}
    with pytest.raises(PatchError) as raised:
        _apply(doc, [copy_a, copy_a, copy_a], limits=limits)
    assert raised.value.code == 422
    assert raised.value.message == (
        "Unable to complete the copy, the accumulated size increase of copy is 306, "
        "exceeding the limit 204"
    )
    assert _apply(doc, [copy_a] * 3, limits=JSONPatchLimits(max_copy_bytes=0))["b"] == "x" * 100


def test_copy_size_is_measured_as_go_encodes_it():
    # Go writes `<` as \u003c and 2.0 as 2: {"s":"\u003c","n":2} is 20 bytes.
    doc = {"v": {"s": "<", "n": 2.0}}
    copy_v = [{"op": "copy", "from": "/v", "path": "/w"}]
    assert _apply(doc, copy_v, limits=JSONPatchLimits(max_copy_bytes=20))["w"] == doc["v"]
    with pytest.raises(PatchError, match="is 20, exceeding the limit 19"):
        _apply(doc, copy_v, limits=JSONPatchLimits(max_copy_bytes=19))


@pytest.mark.parametrize(
    ("patch", "strict", "code", "message"),
    [
        (
            {"op": "add"},
            True,
            400,
            "error decoding patch: json: cannot unmarshal object into Go value of type "
            "[]handlers.jsonPatchOp",
        ),
        (
            {"op": "add"},
            False,
            400,
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch",
        ),
        (
            "add",
            False,
            400,
            "json: cannot unmarshal string into Go value of type jsonpatch.Patch",
        ),
        (
            [1],
            True,
            400,
            "error decoding patch: json: cannot unmarshal number into Go value of type "
            "handlers.jsonPatchOp",
        ),
        (
            [[]],
            False,
            400,
            "json: cannot unmarshal array into Go value of type jsonpatch.Operation",
        ),
        (
            [{"op": "add", "path": 1}],
            True,
            400,
            "error decoding patch: json: cannot unmarshal number into Go struct field "
            "jsonPatchOp.path of type string",
        ),
        (
            [{"op": "add", "path": 1}],
            False,
            422,
            "add operation failed to decode path: missing value",
        ),
        (
            [{"op": 5, "path": "/a"}],
            True,
            400,
            "error decoding patch: json: cannot unmarshal number into Go struct field "
            "jsonPatchOp.op of type string",
        ),
        ([{"op": 5, "path": "/a"}], False, 422, "Unexpected kind: unknown"),
        ([{"path": "/a", "value": 1}], True, 422, "Unexpected kind: unknown"),
        ([{"op": None, "path": "/a"}], True, 422, "Unexpected kind: unknown"),
        ([None], True, 422, "Unexpected kind: unknown"),
        ([{"op": "ADD", "path": "/a"}], True, 422, "Unexpected kind: ADD"),
        (
            [{"op": "move", "from": ["/a"], "path": "/b"}],
            True,
            400,
            "error decoding patch: json: cannot unmarshal array into Go struct field "
            "jsonPatchOp.from of type string",
        ),
        (
            [{"op": "move", "from": ["/a"], "path": "/b"}],
            False,
            422,
            "move operation failed to decode from: json: cannot unmarshal array into Go value "
            "of type string",
        ),
        (
            [{"op": "replace", "path": {"p": 1}}],
            False,
            422,
            "replace operation failed to decode path: json: cannot unmarshal object into Go "
            "value of type string",
        ),
        (
            [{"op": "replace"}],
            False,
            422,
            "replace operation failed to decode path: operation missing path field: missing value",
        ),
        (
            [{"op": "move", "from": "/a"}],
            False,
            422,
            "move operation failed to decode path: operation missing path field: missing value",
        ),
        (
            [{"op": "copy", "from": "/a"}],
            False,
            422,
            "copy operation failed to decode path: missing value",
        ),
    ],
)
def test_malformed_patches_are_refused_with_upstream_codes(
    patch: Any, strict: bool, code: int, message: str
):
    with pytest.raises(PatchError) as raised:
        _apply({"a": 1}, patch, strict_decoding=strict)
    assert (raised.value.code, raised.value.message) == (code, message)
    if code == 400:
        assert raised.value.reason == "BadRequest"
        assert raised.value.status_message == message


@pytest.mark.parametrize("strict", [True, False])
def test_null_and_empty_patches_change_nothing(strict: bool):
    doc = {"a": [1, {"b": None}]}
    assert _same_json(_apply(doc, None, strict_decoding=strict), doc)
    assert _same_json(_apply(doc, [], strict_decoding=strict), doc)


def test_scalar_documents_are_refused():
    for doc in ("x", 1, None):
        with pytest.raises(PatchError) as raised:
            apply_json_patch(doc, [])
        assert raised.value.code == 422


def test_strict_errors_name_unknown_operation_members():
    patch = [
        {"op": "test", "path": "/a", "value": 1, "spurious": 1},
        {"op": "add", "path": "/b", "Value": 2, 'q"x': 3},
        "not an operation",
    ]
    assert json_patch_strict_errors(patch) == [
        'json patch unknown field "[0].spurious"',
        'json patch unknown field "[1].Value"',
        'json patch unknown field "[1].q\\"x"',
    ]
    assert json_patch_strict_errors({"op": "add"}) == []
    assert len(json_patch_strict_errors([{f"x{i}": 1 for i in range(150)}])) == 100
    # Unknown members never fail the patch itself.
    assert _apply({"a": 1}, patch[:1]) == {"a": 1}


def test_values_msgspec_cannot_encode_are_still_copied():
    doc = {"a": ["\ud800"], "b": {"c": 1}}
    result = _apply(doc, [{"op": "add", "path": "/b/d", "value": ["\udfff"]}])
    assert result == {"a": ["\ud800"], "b": {"c": 1, "d": ["\udfff"]}}


# --- properties -----------------------------------------------------------------------------

_KEYS = st.sampled_from(["a", "b", "0", "1", "", "a/b", "m~n", "-"]) | st.text(max_size=3)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from([0.0, 1.0, 2.5, -0.5, 1e21])
    | st.text(max_size=3)
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=16,
)
_DOCS = st.dictionaries(_KEYS, _JSON, max_size=5) | st.lists(_JSON, max_size=4)


def _pointers(value: Any, prefix: str = "") -> list[str]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            token = key.replace("~", "~0").replace("/", "~1")
            found.extend(_pointers(item, f"{prefix}/{token}"))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_pointers(item, f"{prefix}/{index}"))
    return found


@st.composite
def _doc_and_patch(draw: st.DrawFn) -> tuple[Any, Any]:
    doc = draw(_DOCS)
    pointers = _pointers(doc)
    paths = st.sampled_from(pointers) | st.builds(
        lambda base, tail: base + tail,
        st.sampled_from(pointers),
        st.sampled_from(["/-", "/0", "/01", "/-1", "/x", "/9", "/", "/~1"]),
    )
    operation = st.fixed_dictionaries(
        {"op": st.sampled_from(["add", "remove", "replace", "move", "copy", "test", "nope"])},
        optional={
            "path": paths | _JSON,
            "from": paths,
            "value": _JSON,
        },
    )
    patch = draw(st.lists(operation | _JSON, max_size=5) | _JSON)
    return doc, patch


@settings(max_examples=400, deadline=None)
@given(_doc_and_patch(), st.booleans())
def test_any_patch_either_applies_or_raises_patch_error_and_never_touches_inputs(
    case: tuple[Any, Any], strict: bool
):
    doc, patch = case
    code = None
    try:
        _apply(doc, patch, strict_decoding=strict)
    except PatchError as err:
        code = err.code
    assert code in (None, 400, 413, 422, 500)


@settings(max_examples=200, deadline=None)
@given(_DOCS)
def test_an_empty_patch_returns_an_equal_unshared_copy(doc: Any):
    assert _same_json(_apply(doc, []), doc)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _JSON, max_size=5), _JSON)
def test_adding_then_removing_a_new_member_restores_the_document(doc: dict[str, Any], value: Any):
    add = {"op": "add", "path": "/fresh~0~1key", "value": value}
    assert _same_json(_apply(doc, [add])["fresh~/key"], value)
    assert _same_json(_apply(doc, [add, {"op": "remove", "path": "/fresh~0~1key"}]), doc)


_INTEGRAL_JSON = st.recursive(
    st.booleans() | st.integers(-3, 3) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(_KEYS, _INTEGRAL_JSON, max_size=4))
def test_testing_every_location_against_its_own_value_passes(doc: dict[str, Any]):
    # Without fractional numbers and nulls, a value read back tests equal to where it came from.
    patch = [
        {"op": "test", "path": pointer, "value": _value_at(doc, pointer)}
        for pointer in _pointers(doc)
    ]
    assert _same_json(_apply(doc, patch), doc)


def _value_at(doc: Any, pointer: str) -> Any:
    for token in pointer.split("/")[1:]:
        key = token.replace("~1", "/").replace("~0", "~")
        doc = doc[int(key)] if isinstance(doc, list) else doc[key]
    return doc
