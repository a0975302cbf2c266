"""The shortcuts on the write path give what the long way gives.

- ``typed.owned_fields_v1_from_empty`` (what a creator owns, as ``FieldsV1``, in one walk) against
  ``compare`` / ``filtered`` / ``union`` / ``difference`` / ``to_fields_v1``, and
  ``update_managed_fields`` on create against ``_update`` plus the encoding;
- what ``compare`` records below a value only one side has, against the definition (every map
  key and list item, and everything below the ones seen once);
- encodings kept by ``FieldSet.remember_fields_v1`` against fresh ones;
- ``apiserver.schema.decoding``'s clean check against the full decoding walk (it lives here with
  the other write-path shortcuts).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apiserver.schema import check_object, decoding, type_node
from minikube_py.managedfields import FieldSet, compare, fieldset_from_dotted, key_element
from minikube_py.managedfields.fieldmanager import _update, update_managed_fields
from minikube_py.managedfields.firstowner import (
    MISSES_BEFORE_PAUSE,
    PAUSE,
    FirstOwnerMemo,
    MemoGate,
)
from minikube_py.managedfields.managers import (
    STRIPPED_FIELDS,
    cap_update_managers,
    encode_managed_fields,
)
from minikube_py.managedfields.typed import (
    TypedError,
    child_type,
    element_of,
    list_info,
    owned_fields_v1_from_empty,
)
from minikube_py.typeinfo import UNKNOWN, SchemaNode, Shape, TypeNode

_REF = "#/components/schemas/"
_DEFINITIONS: dict[str, Any] = {
    "ObjectMeta": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "uid": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "finalizers": {
                "type": "array",
                "items": {"type": "string"},
                "x-kubernetes-list-type": "set",
            },
            "ownerReferences": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"uid": {"type": "string"}, "name": {"type": "string"}},
                    "x-kubernetes-map-type": "atomic",
                },
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["uid"],
            },
            "managedFields": {
                "type": "array",
                "items": {"type": "object"},
                "x-kubernetes-list-type": "atomic",
            },
        },
    },
    "Container": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "image": {"type": "string"},
            "args": {"type": "array", "items": {"type": "string"}},
            "ports": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "containerPort": {"type": "integer"},
                        "protocol": {"type": "string", "default": "TCP"},
                        "name": {"type": "string"},
                    },
                },
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
            },
            "env": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "value": {"type": "string"}},
                },
                "x-kubernetes-patch-merge-key": "name",
                "x-kubernetes-patch-strategy": "merge",
            },
            "resources": {
                "type": "object",
                "properties": {
                    "limits": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            },
        },
    },
    "Pod": {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"allOf": [{"$ref": _REF + "ObjectMeta"}]},
            "spec": {
                "type": "object",
                "properties": {
                    "containers": {
                        "type": "array",
                        "items": {"$ref": _REF + "Container"},
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["name"],
                    },
                    "nodeSelector": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                        "x-kubernetes-map-type": "atomic",
                    },
                    "tolerations": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"key": {"type": "string"}}},
                    },
                },
            },
            "status": {
                "type": "object",
                "properties": {
                    "conditions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "type": {"type": "string"},
                                "status": {"type": "string"},
                            },
                        },
                        "x-kubernetes-list-type": "map",
                        "x-kubernetes-list-map-keys": ["type"],
                    },
                },
            },
        },
    },
}

POD = SchemaNode({"$ref": _REF + "Pod"}, _DEFINITIONS)
# the zero object's fields as an atomic map (spec) and an associative list (status)
ODD = SchemaNode(
    {
        "type": "object",
        "properties": {
            "metadata": {"allOf": [{"$ref": _REF + "ObjectMeta"}]},
            "spec": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "x-kubernetes-map-type": "atomic",
            },
            "status": {
                "type": "array",
                "items": {"type": "object", "properties": {"type": {"type": "string"}}},
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["type"],
            },
        },
    },
    _DEFINITIONS,
)
_SCHEMAS = st.sampled_from([POD, ODD, UNKNOWN])
_ZEROS = st.sampled_from([{}, {"metadata": {}}, {"metadata": {}, "spec": {}, "status": {}}])
_RESETS = st.sampled_from(
    [None, FieldSet(), fieldset_from_dotted("status"), fieldset_from_dotted("spec")]
)

# --------------------------------------------------------------------------- objects

_NAMES = st.sampled_from(
    [
        "apiVersion",
        "metadata",
        "spec",
        "status",
        "name",
        "uid",
        "labels",
        "finalizers",
        "ownerReferences",
        "containers",
        "ports",
        "containerPort",
        "protocol",
        "env",
        "value",
        "conditions",
        "type",
        "x",
    ]
)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-2, 2),
    st.sampled_from([0.5, 1.0]),
    st.sampled_from(["", "a", "b", "TCP"]),
)
_ANYTHING = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(_NAMES, inner, max_size=4)
    ),
    max_leaves=20,
)
_CONTAINERS = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b"])},
    optional={
        "image": st.sampled_from(["i", "j"]),
        "args": st.lists(st.sampled_from(["x", "y"]), max_size=2),
        "ports": st.lists(
            st.fixed_dictionaries(
                {"containerPort": st.integers(1, 3)},
                optional={"protocol": st.sampled_from(["TCP", "UDP"]), "name": st.just("p")},
            ),
            max_size=3,
        ),
        "env": st.lists(
            st.fixed_dictionaries(
                {"name": st.sampled_from(["E", "F"])},
                optional={"value": st.sampled_from(["", "v"])},
            ),
            max_size=3,
        ),
        "resources": st.fixed_dictionaries(
            {},
            optional={"limits": st.dictionaries(st.sampled_from(["cpu", "memory"]), st.just("1"))},
        ),
    },
)
_PODS = st.fixed_dictionaries(
    {"apiVersion": st.just("v1"), "kind": st.just("Pod")},
    optional={
        "metadata": st.fixed_dictionaries(
            {},
            optional={
                "name": st.just("p"),
                "uid": st.just("u"),
                "labels": st.dictionaries(st.sampled_from(["app", "tier"]), st.just("x")),
                "finalizers": st.lists(st.sampled_from(["f", "g"]), max_size=3),
                "ownerReferences": st.lists(
                    st.fixed_dictionaries(
                        {"uid": st.sampled_from(["u1", "u2"])}, optional={"name": st.just("rs")}
                    ),
                    max_size=2,
                ),
            },
        ),
        "spec": st.fixed_dictionaries(
            {},
            optional={
                "containers": st.lists(_CONTAINERS, max_size=3),
                "nodeSelector": st.dictionaries(st.sampled_from(["disk"]), st.just("ssd")),
                "tolerations": st.lists(st.fixed_dictionaries({"key": st.just("k")}), max_size=2),
            },
        ),
        "status": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "conditions": st.lists(
                        st.one_of(
                            st.fixed_dictionaries(
                                {"type": st.sampled_from(["Ready", "Scheduled"])},
                                optional={"status": st.just("True")},
                            ),
                            st.just({"status": "True"}),  # no key: the list cannot be walked
                        ),
                        max_size=2,
                    )
                },
            ),
            _ANYTHING,
        ),
    },
)
_ODDS = st.fixed_dictionaries(
    {},
    optional={
        "spec": st.one_of(st.dictionaries(st.sampled_from(["a", "b"]), st.just("x")), _ANYTHING),
        "status": st.one_of(
            st.lists(st.fixed_dictionaries({"type": st.sampled_from(["A", "B"])}), max_size=3),
            _ANYTHING,
        ),
    },
)
_OBJECTS = st.one_of(_PODS, _ODDS, st.dictionaries(_NAMES, _ANYTHING, max_size=5))


def _outcome(fn: Any, *args: Any, **kwargs: Any) -> tuple[str, str]:
    """A result as JSON text (key order included), or that it raised :class:`TypedError` --
    whose message names the first bad list met, which the order of the walk decides; nobody
    shows it (``update_managed_fields`` records nothing then)."""
    try:
        return "ok", json.dumps(fn(*args, **kwargs))
    except TypedError:
        return "TypedError", ""


# --------------------------------------------------------------------------- the first owner


def _owned_the_long_way(
    left: Any, right: Any, node: TypeNode, reset: FieldSet | None
) -> dict[str, Any]:
    comparison = compare(left, right, node).filtered(reset)
    owned = comparison.modified.union(comparison.added).difference(STRIPPED_FIELDS)
    return owned.to_fields_v1()


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ZEROS, _OBJECTS, _SCHEMAS, _RESETS)
def test_first_owner_fields_match_compare(
    zero: dict[str, Any], obj: dict[str, Any], node: TypeNode, reset: FieldSet | None
) -> None:
    fast = _outcome(owned_fields_v1_from_empty, zero, obj, node, reset, STRIPPED_FIELDS)
    assert fast == _outcome(_owned_the_long_way, zero, obj, node, reset)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ZEROS, _PODS, _SCHEMAS, _RESETS)
def test_create_records_what_the_general_update_records(
    zero: dict[str, Any], obj: dict[str, Any], node: TypeNode, reset: FieldSet | None
) -> None:
    def long_way() -> list[dict[str, Any]]:
        managers = _update(zero, obj, {}, "m", "v1", "", "2024-05-01T10:00:00Z", node, reset)
        cap_update_managers(managers)
        return encode_managed_fields(managers)

    fast = update_managed_fields(
        zero, obj, [], "m", "v1", "2024-05-01T10:00:00Z", schema=node, reset_fields=reset
    )
    expected = _outcome(long_way)
    if expected[0] == "ok":
        assert json.dumps(fast) == expected[1]
    else:
        assert fast == []  # an object the schema cannot walk is left untracked


def test_the_shortcut_declines_what_it_does_not_follow() -> None:
    obj = {"metadata": {"name": "a"}, "spec": {"x": 1}}
    deep_reset = fieldset_from_dotted("spec.x")
    assert owned_fields_v1_from_empty({"spec": {"x": 0}}, obj, POD, None, STRIPPED_FIELDS) is None
    assert owned_fields_v1_from_empty({}, obj, POD, deep_reset, STRIPPED_FIELDS) is None
    assert owned_fields_v1_from_empty({}, [obj], POD, None, STRIPPED_FIELDS) is None


# --------------------------------------------------------------------------- one-sided subtrees


def _granular(node: TypeNode) -> bool:
    return node.shape in (Shape.OBJECT, Shape.MAP, Shape.UNKNOWN) and node.map_type != "atomic"


def _associative(node: TypeNode) -> bool:
    return node.shape is Shape.LIST and list_info(node)[0] != 0


def _paths_below(value: Any, node: TypeNode, prefix: tuple[Any, ...] = ()) -> set[Any]:
    """By definition: every map key and list item below ``value``, and what is below each one
    seen once (a duplicated list item is only a member)."""
    out: set[Any] = set()
    if type(value) is dict and _granular(node):
        for key, item in value.items():
            out.add((*prefix, key))
            out |= _paths_below(item, child_type(node, key), (*prefix, key))
    elif type(value) is list and _associative(node):
        relationship, keys = list_info(node)
        elements = [element_of(item, relationship, keys, node.items()) for item in value]
        for element, item in zip(elements, value, strict=True):
            out.add((*prefix, element))
            if elements.count(element) == 1:
                out |= _paths_below(item, node.items(), (*prefix, element))
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_OBJECTS, _SCHEMAS)
def test_what_only_one_side_has_is_every_path_below_it(obj: dict[str, Any], node: TypeNode) -> None:
    try:
        expected = _paths_below(obj, node)
    except TypedError:
        with pytest.raises(TypedError):
            compare({}, obj, node)
        with pytest.raises(TypedError):
            compare(obj, {}, node)
        return
    added, removed = compare({}, obj, node), compare(obj, {}, node)
    assert set(added.added.paths()) == expected and not added.removed and not added.modified
    assert set(removed.removed.paths()) == expected and not removed.added
    assert not removed.modified


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PODS, _PODS, _SCHEMAS)
def test_compare_is_its_own_mirror(
    left: dict[str, Any], right: dict[str, Any], node: TypeNode
) -> None:
    try:
        forward = compare(left, right, node)
    except TypedError:
        return
    backward = compare(right, left, node)
    assert forward.added == backward.removed
    assert forward.removed == backward.added
    assert forward.modified == backward.modified


# --------------------------------------------------------------------------- kept encodings


_PATH_ELEMENTS = st.one_of(
    st.sampled_from(["a", "b", "c"]),
    st.sampled_from([key_element({"name": "x"}), key_element({"name": "y", "port": 1})]),
)
_PATH_SETS = st.lists(st.lists(_PATH_ELEMENTS, min_size=1, max_size=4).map(tuple), max_size=12)


@settings(max_examples=200, deadline=None)
@given(_PATH_SETS, _PATH_SETS, _PATH_SETS)
def test_kept_encodings_are_the_fresh_ones_and_never_handed_out(
    kept: list[Any], added: list[Any], removed: list[Any]
) -> None:
    remembered = FieldSet.from_paths(kept)
    remembered.remember_fields_v1()
    fresh = FieldSet.from_paths(kept)
    for make in (
        lambda s: s,
        lambda s: s.union(FieldSet.from_paths(added)),
        lambda s: s.difference(FieldSet.from_paths(removed)),
    ):
        first = make(remembered).to_fields_v1()
        assert json.dumps(first) == json.dumps(make(fresh).to_fields_v1())
        first.clear()  # a caller owns what it is given
        assert json.dumps(make(remembered).to_fields_v1()) == json.dumps(make(fresh).to_fields_v1())


# --------------------------------------------------------------------------- decoding


def _pod_body() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "labels": {"app": "a"},
            "creationTimestamp": "2024-01-01T00:00:00Z",
            "ownerReferences": [{"apiVersion": "v1", "kind": "R", "name": "r", "uid": "u"}],
            "managedFields": [
                {"manager": "m", "operation": "Update", "fieldsType": "FieldsV1", "fieldsV1": {}}
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "i",
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "env": [{"name": "A", "value": "1"}],
                    "resources": {"limits": {"cpu": "500m", "memory": "1Gi"}},
                    "readinessProbe": {"httpGet": {"path": "/", "port": 8080}},
                }
            ],
            "terminationGracePeriodSeconds": 30,
            "enableServiceLinks": True,
            "securityContext": {},
        },
        "status": {"phase": "Pending"},
    }


def _secret_body() -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"k": "YQ=="}}


def _crd_body() -> dict[str, Any]:
    schema = {
        "type": "object",
        "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
        "additionalProperties": False,
        "default": {"a": 1},
        "enum": ["a", 1],
        "maximum": 3,
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "xs.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"plural": "xs", "kind": "X"},
            "scope": "Namespaced",
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": schema},
                }
            ],
        },
    }


_BODIES = {
    ("", "v1", "Pod"): _pod_body,
    ("", "v1", "Secret"): _secret_body,
    ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"): _crd_body,
}
_LEAVES = st.sampled_from(
    [
        *(None, 0, 7, 2**31, 2**40, 1.5, True, "", "x", "1Gi", "1 Gi", "2024-01-01T00:00:00Z"),
        *("YQ", "Y Q==", [], {}, [None], {"k": None}, {"type": "string"}, ["a"]),
    ]
).map(copy.deepcopy)  # a fresh container each time: later steps may put things in it


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if type(value) is dict:
        for key, item in value.items():
            out += _paths(item, (*prefix, key))
    elif type(value) is list:
        for i, item in enumerate(value):
            out += _paths(item, (*prefix, i))
    return out


def _set(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    parent: Any = body
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return body


@st.composite
def _mutated_bodies(draw: st.DrawFn) -> tuple[tuple[str, str, str], dict[str, Any]]:
    gvk = draw(st.sampled_from(sorted(_BODIES)))
    body = _BODIES[gvk]()
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(body)[1:]))
        target: Any = body
        for step in path:
            target = target[step]
        if type(target) is dict and draw(st.booleans()):
            name = draw(st.sampled_from(["bogus", "name", "port"]))
            _set(body, (*path, name), draw(_LEAVES))
        else:
            _set(body, path, draw(_LEAVES))
    return gvk, body


def _assert_clean_check_agrees(gvk: tuple[str, str, str], body: Any, strict: bool) -> None:
    node = type_node(*gvk)
    compiled = decoding._type_for(node)
    walker = decoding._Walker(strict=strict, typed=True, pairs=False)
    try:
        walked, error = walker.run(body, compiled), walker.saved
    except decoding._Fatal as fatal:
        walked, error = body, fatal.message
    if decoding._clean(body, compiled):
        assert walked is body and error is None and not walker.errors
    checked = check_object(body, node, strict=strict)
    assert checked.error == error
    if error is None:
        assert checked.obj == walked and (checked.obj is body) == (walked is body)
        assert list(checked.strict_errors) == walker.errors


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated_bodies(), st.booleans())
def test_the_clean_check_answers_as_the_decoding_walk(
    case: tuple[tuple[str, str, str], dict[str, Any]], strict: bool
) -> None:
    _assert_clean_check_agrees(*case, strict)


_SPEC = ("spec", "versions", 0, "schema", "openAPIV3Schema")


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        ("Pod", (), None),
        ("Pod", ("spec", "containers", 0, "ports", 0, "containerPort"), 2**31),
        ("Pod", ("spec", "containers", 0, "ports", 0, "containerPort"), True),
        ("Pod", ("spec", "containers", 0, "ports", 0, "containerPort"), 1.5),
        ("Pod", ("spec", "terminationGracePeriodSeconds"), 2**40),
        ("Pod", ("spec", "containers", 0, "readinessProbe", "httpGet", "port"), 2**31),
        ("Pod", ("spec", "containers", 0, "readinessProbe", "httpGet", "port"), "http"),
        ("Pod", ("spec", "containers", 0, "resources", "limits", "cpu"), "1 Gi"),
        ("Pod", ("spec", "containers", 0, "resources", "limits", "cpu"), 2),
        ("Pod", ("spec", "containers", 0, "resources", "limits", "cpu"), None),
        ("Pod", ("metadata", "creationTimestamp"), "2024-01-01"),
        ("Pod", ("metadata", "managedFields", 0, "fieldsV1"), None),
        ("Pod", ("metadata", "managedFields", 0, "fieldsV1"), [1]),
        ("Pod", ("metadata", "labels"), {"a": None}),
        ("Pod", ("spec", "containers", 0, "env", 0), None),
        ("Pod", ("spec", "containers", 0, "bogus"), 1),
        ("Pod", ("spec", "securityContext"), None),
        ("Pod", ("status",), "Pending"),
        ("Pod", ("spec", "enableServiceLinks"), "yes"),
        ("Secret", ("data", "k"), "Y\nQ=="),
        ("Secret", ("data", "k"), "YQ"),
        ("Secret", ("data", "k"), [97]),
        ("CustomResourceDefinition", (*_SPEC, "additionalProperties"), True),
        ("CustomResourceDefinition", (*_SPEC, "additionalProperties"), {"type": "string"}),
        ("CustomResourceDefinition", (*_SPEC, "items"), [{"type": "string"}]),
        ("CustomResourceDefinition", (*_SPEC, "properties", "spec", "anything"), [None]),
        ("CustomResourceDefinition", (*_SPEC, "default"), None),
        ("CustomResourceDefinition", (*_SPEC, "maximum"), True),
        ("CustomResourceDefinition", (*_SPEC, "maximum"), 3),
        ("CustomResourceDefinition", (*_SPEC, "items"), {"type": "string"}),
    ],
)
def test_the_clean_check_answers_as_the_decoding_walk_case_by_case(
    kind: str, path: tuple[Any, ...], value: Any
) -> None:
    gvk = next(g for g in _BODIES if g[2] == kind)
    body = _BODIES[gvk]()
    if path:
        _set(body, path, value)
    for strict in (True, False):
        _assert_clean_check_agrees(gvk, body, strict)


@pytest.mark.parametrize("gvk", sorted(_BODIES))
def test_ordinary_bodies_take_the_clean_check(gvk: tuple[str, str, str]) -> None:
    body = _BODIES[gvk]()
    assert decoding._clean(body, decoding._type_for(type_node(*gvk)))
    _assert_clean_check_agrees(gvk, body, True)


# --------------------------------------------------------------------------- the memo


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_ZEROS, _OBJECTS, _SCHEMAS, _RESETS)
def test_remembered_first_owner_fields_match_the_walk(
    zero: dict[str, Any], obj: dict[str, Any], node: TypeNode, reset: FieldSet | None
) -> None:
    memo = FirstOwnerMemo(owned_fields_v1_from_empty)
    expected = _outcome(owned_fields_v1_from_empty, zero, obj, node, reset, STRIPPED_FIELDS)
    for _ in range(2):  # a miss, then a hit
        assert _outcome(memo, zero, obj, node, reset, STRIPPED_FIELDS) == expected
    renamed = copy.deepcopy(obj)
    if isinstance(renamed.get("metadata"), dict):
        renamed["metadata"]["name"] = "another-name"
        renamed["metadata"]["uid"] = "another-uid"
    assert _outcome(memo, zero, renamed, node, reset, STRIPPED_FIELDS) == _outcome(
        owned_fields_v1_from_empty, zero, renamed, node, reset, STRIPPED_FIELDS
    )


def test_remembered_fields_are_a_fresh_copy_for_each_caller() -> None:
    memo = FirstOwnerMemo(owned_fields_v1_from_empty)
    obj = {"metadata": {"name": "a", "labels": {"app": "x"}}, "spec": {"x": 1}}
    first = memo({}, obj, POD, None, STRIPPED_FIELDS)
    assert first is not None
    first["f:metadata"]["f:labels"]["f:tampered"] = {}
    second = memo(
        {}, {**obj, "metadata": {"name": "b", "labels": {"app": "x"}}}, POD, None, STRIPPED_FIELDS
    )
    assert second == owned_fields_v1_from_empty({}, obj, POD, None, STRIPPED_FIELDS)
    assert second is not first


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated_bodies())
def test_the_remembering_clean_check_answers_as_the_clean_check(
    case: tuple[tuple[str, str, str], dict[str, Any]],
) -> None:
    gvk, body = case
    compiled = decoding._type_for(type_node(*gvk))
    ordinary = _BODIES[gvk]()
    assert decoding._clean_remembering(ordinary, compiled)  # remembered: the shared subtrees
    body = json.loads(json.dumps(body))  # as msgspec decodes JSON: lists, never tuples
    for _ in range(2):  # a miss, then perhaps a hit
        assert decoding._clean_remembering(body, compiled) == decoding._clean(body, compiled)


def test_a_remembered_subtree_does_not_answer_for_its_nan_twin() -> None:
    gvk = next(g for g in _BODIES if g[2] == "Pod")
    compiled = decoding._type_for(type_node(*gvk))
    body = _BODIES[gvk]()
    body["spec"]["containers"][0]["ports"][0]["containerPort"] = None  # not clean
    assert not decoding._clean_remembering(body, compiled)
    body["spec"]["containers"][0]["ports"][0]["containerPort"] = float("nan")  # encodes as null
    assert decoding._clean_remembering(body, compiled) == decoding._clean(body, compiled)
    body["spec"]["containers"][0]["ports"][0]["containerPort"] = None
    assert not decoding._clean_remembering(body, compiled)


def test_a_memo_that_keeps_missing_is_skipped_for_a_while() -> None:
    gate = MemoGate()
    for _ in range(MISSES_BEFORE_PAUSE - 1):
        assert gate.open()
        gate.miss()
    gate.hit()  # a hit forgives the misses before it
    for _ in range(MISSES_BEFORE_PAUSE):
        assert gate.open()
        gate.miss()
    assert [gate.open() for _ in range(PAUSE)] == [False] * PAUSE
    assert gate.open()  # tried again
