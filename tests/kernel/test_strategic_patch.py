"""Strategic merge patch as kube-apiserver v1.32 applies it (apimachinery `strategicpatch`).

First upstream's own tables (`pkg/util/strategicpatch/patch_test.go`, over its `MergeItem` test
type), re-expressed as (object, patch, result) rows: a two-way row applies the diff between the
last-applied and the wanted object to the former, a three-way row applies kubectl's patch to the
live object. Results are compared in order, as upstream's raw cases are. Then the same rules on
Kubernetes-shaped objects built from the wire spec's merge-key table, the apiserver's status codes
(every message checked against upstream's Go code), untyped data, and properties.
"""

from __future__ import annotations

import contextlib
import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikube_py.patch import PatchError, apply_merge_patch, apply_strategic_merge_patch
from minikube_py.typeinfo import UNKNOWN, SchemaNode, TypeNode


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/definitions/{name}"}


def _list(items: dict[str, Any], strategy: str = "", key: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "array", "items": items}
    if strategy:
        schema["x-kubernetes-patch-strategy"] = strategy
    if key:
        schema["x-kubernetes-patch-merge-key"] = key
    return schema


_STRING = {"type": "string"}
_INTEGER = {"type": "integer"}
_STRING_MAP = {"type": "object", "additionalProperties": _STRING}

# upstream's MergeItem and RetainKeysMergeItem (patch_test.go), as OpenAPI.
_MERGE_ITEM_DEFINITIONS: dict[str, Any] = {
    "MergeItem": {
        "type": "object",
        "x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "MergeItem"}],
        "properties": {
            "name": _STRING,
            "value": _STRING,
            "other": _STRING,
            "mergingList": _list(_ref("MergeItem"), "merge", "name"),
            "nonMergingList": _list(_ref("MergeItem")),
            "mergingIntList": _list(_INTEGER, "merge"),
            "nonMergingIntList": _list(_INTEGER),
            "mergeItemPtr": _list(_ref("MergeItem"), "merge", "name"),
            "simpleMap": _STRING_MAP,
            "replacingItem": {"type": "object", "x-kubernetes-patch-strategy": "replace"},
            "retainKeysMap": {
                **_ref("RetainKeysMergeItem"),
                "x-kubernetes-patch-strategy": "retainKeys",
            },
            "retainKeysMergingList": _list(_ref("MergeItem"), "merge,retainKeys", "name"),
        },
    },
    "RetainKeysMergeItem": {
        "type": "object",
        "properties": {
            "name": _STRING,
            "value": _STRING,
            "other": _STRING,
            "simpleMap": _STRING_MAP,
            "mergingIntList": _list(_INTEGER, "merge"),
            "mergingList": _list(_ref("MergeItem"), "merge", "name"),
            "nonMergingList": _list(_ref("MergeItem")),
        },
    },
}
MERGE_ITEM = SchemaNode(_ref("MergeItem"), _MERGE_ITEM_DEFINITIONS)


def _kind(kind: str, properties: dict[str, Any]) -> dict[str, Any]:
    gvk = [{"group": "", "version": "v1", "kind": kind}]
    return {"type": "object", "x-kubernetes-group-version-kind": gvk, "properties": properties}


def _struct(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


# The Kubernetes shapes of the wire spec's table (k8s.io/api v0.32 patch tags), trimmed to what
# the tests touch.
_KUBE_DEFINITIONS: dict[str, Any] = {
    "ObjectMeta": _struct(
        {
            "name": _STRING,
            "labels": _STRING_MAP,
            "annotations": _STRING_MAP,
            "finalizers": {**_list(_STRING, "merge"), "x-kubernetes-list-type": "set"},
            "ownerReferences": _list(_ref("OwnerReference"), "merge", "uid"),
        }
    ),
    "OwnerReference": _struct({"uid": _STRING, "kind": _STRING, "name": _STRING}),
    "Pod": _kind(
        "Pod",
        {"metadata": _ref("ObjectMeta"), "spec": _ref("PodSpec"), "status": _ref("PodStatus")},
    ),
    "PodSpec": _struct(
        {
            "containers": _list(_ref("Container"), "merge", "name"),
            "initContainers": _list(_ref("Container"), "merge", "name"),
            "volumes": _list(_ref("Volume"), "merge,retainKeys", "name"),
            "tolerations": _list(_ref("Toleration")),
            "nodeSelector": _STRING_MAP,
            "restartPolicy": _STRING,
        }
    ),
    "Container": _struct(
        {
            "name": _STRING,
            "image": _STRING,
            "args": _list(_STRING),
            "ports": _list(_ref("ContainerPort"), "merge", "containerPort"),
            "env": _list(_ref("EnvVar"), "merge", "name"),
            "resources": _ref("ResourceRequirements"),
        }
    ),
    "ContainerPort": _struct({"containerPort": _INTEGER, "protocol": _STRING, "name": _STRING}),
    "EnvVar": _struct({"name": _STRING, "value": _STRING}),
    "ResourceRequirements": _struct({"limits": _STRING_MAP, "requests": _STRING_MAP}),
    "Volume": _struct(
        {
            "name": _STRING,
            "emptyDir": _struct({"medium": _STRING}),
            "configMap": _struct({"name": _STRING}),
        }
    ),
    "Toleration": _struct({"key": _STRING, "operator": _STRING, "effect": _STRING}),
    "PodStatus": _struct({"conditions": _list(_ref("PodCondition"), "merge", "type")}),
    "PodCondition": _struct({"type": _STRING, "status": _STRING}),
    "Deployment": _kind(
        "Deployment", {"metadata": _ref("ObjectMeta"), "spec": _ref("DeploymentSpec")}
    ),
    "DeploymentSpec": _struct(
        {
            "replicas": _INTEGER,
            "strategy": {**_ref("DeploymentStrategy"), "x-kubernetes-patch-strategy": "retainKeys"},
            "template": _struct({"metadata": _ref("ObjectMeta"), "spec": _ref("PodSpec")}),
        }
    ),
    "DeploymentStrategy": _struct(
        {"type": _STRING, "rollingUpdate": _struct({"maxSurge": _STRING})}
    ),
    "Service": _kind(
        "Service", {"spec": _struct({"ports": _list(_ref("ServicePort"), "merge", "port")})}
    ),
    "ServicePort": _struct({"port": _INTEGER, "name": _STRING, "targetPort": _INTEGER}),
    "PodDisruptionBudget": _kind(
        "PodDisruptionBudget",
        {
            "spec": _struct(
                {"selector": {**_ref("LabelSelector"), "x-kubernetes-patch-strategy": "replace"}}
            )
        },
    ),
    "LabelSelector": _struct({"matchLabels": _STRING_MAP}),
    "CustomResourceDefinition": _kind(
        "CustomResourceDefinition",
        {"properties": {"type": "object", "additionalProperties": _ref("Props")}},
    ),
    "Props": _struct({"type": _STRING}),
}
POD = SchemaNode(_ref("Pod"), _KUBE_DEFINITIONS)
DEPLOYMENT = SchemaNode(_ref("Deployment"), _KUBE_DEFINITIONS)
SERVICE = SchemaNode(_ref("Service"), _KUBE_DEFINITIONS)
PDB = SchemaNode(_ref("PodDisruptionBudget"), _KUBE_DEFINITIONS)
CRD = SchemaNode(_ref("CustomResourceDefinition"), _KUBE_DEFINITIONS)


def _same_json(left: Any, right: Any) -> bool:
    """JSON equality that, unlike ==, keeps `true` apart from `1` and `1` from `1.0`."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(_same_json(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(map(_same_json, left, right))
    return bool(left == right)


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


def _apply(original: Any, patch: Any, schema: TypeNode) -> Any:
    """Patch, checking on the way that neither input is modified or shared with the result."""
    before = copy.deepcopy((original, patch))
    try:
        result = apply_strategic_merge_patch(original, patch, schema)
    finally:
        assert _same_json((original, patch), before), "the patch modified its inputs"
    assert not _containers(result) & _containers((original, patch))
    return result


def _row(description: str, original: Any, patch: Any, result: Any) -> Any:
    return pytest.param(original, patch, result, id=description)


# --- upstream's tables --------------------------------------------------------------------

_UPSTREAM_ROWS = [
    _row(
        "unique scalars when merging lists (two-way)",
        {"mergingIntList": [1, 2]},
        {"mergingIntList": [2, 3]},
        {"mergingIntList": [1, 2, 3]},
    ),
    _row(
        "delete map from nested map (two-way)",
        {"simpleMap": {"key1": 1, "key2": 1}},
        {"simpleMap": {"$patch": "delete"}},
        {"simpleMap": {}},
    ),
    _row(
        "delete all items from merging list (two-way)",
        {"mergingList": [{"name": 1}, {"name": 2}]},
        {"mergingList": [{"$patch": "replace"}]},
        {"mergingList": []},
    ),
    _row(
        "merge empty merging lists (two-way)",
        {"mergingList": []},
        {"mergingList": []},
        {"mergingList": []},
    ),
    _row("delete all keys from map (two-way)", {"name": 1, "value": 1}, {"$patch": "replace"}, {}),
    _row(
        "add key and delete all keys from map (two-way)",
        {"name": 1, "value": 1},
        {"other": "a", "$patch": "replace"},
        {"other": "a"},
    ),
    _row(
        "delete all duplicate entries in a merging list (two-way)",
        {
            "mergingList": [
                {"name": 1},
                {"name": 1},
                {"name": 2, "value": "a"},
                {"name": 3},
                {"name": 3},
            ]
        },
        {"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 3, "$patch": "delete"}]},
        {"mergingList": [{"name": 2, "value": "a"}]},
    ),
    _row(
        "retainKeys map can add a field when no retainKeys directive present (two-way)",
        {"retainKeysMap": {"name": "foo"}},
        {"retainKeysMap": {"value": "bar"}},
        {"retainKeysMap": {"name": "foo", "value": "bar"}},
    ),
    _row(
        "retainKeys map can delete a field when no retainKeys directive present (two-way)",
        {"retainKeysMap": {"name": "foo", "value": "a"}},
        {"retainKeysMap": {"value": None}},
        {"retainKeysMap": {"name": "foo"}},
    ),
    _row(
        "retainKeys map merge an empty map (two-way)",
        {"retainKeysMap": {"name": "foo", "value": "a"}},
        {"retainKeysMap": {}},
        {"retainKeysMap": {"name": "foo", "value": "a"}},
    ),
    _row(
        "retainKeys list can add a field when no retainKeys directive present (two-way)",
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
        {"retainKeysMergingList": [{"name": "foo", "value": "a"}]},
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
    ),
    _row(
        "retainKeys list can delete a field when no retainKeys directive present (two-way)",
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a"}]},
        {"retainKeysMergingList": [{"name": "foo", "value": None}]},
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
    ),
    _row(
        "preserve the order from the patch in a merging list (two-way)",
        {"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]},
        {
            "mergingList": [
                {"name": 3, "value": "c"},
                {"name": 1, "value": "a"},
                {"name": 2, "other": "x"},
            ]
        },
        {
            "mergingList": [
                {"name": 3, "value": "c"},
                {"name": 1, "value": "a"},
                {"name": 2, "value": "b", "other": "x"},
            ]
        },
    ),
    _row(
        "preserve the order from the patch in a merging list 2 (two-way)",
        {"mergingList": [{"name": 1}, {"name": 2, "value": "b"}, {"name": 3}]},
        {"mergingList": [{"name": 3, "value": "c"}, {"name": 1, "value": "a"}]},
        {
            "mergingList": [
                {"name": 2, "value": "b"},
                {"name": 3, "value": "c"},
                {"name": 1, "value": "a"},
            ]
        },
    ),
    _row(
        "preserve the order from the patch in a merging int list (two-way)",
        {"mergingIntList": [1, 2, 3]},
        {"mergingIntList": [3, 1, 2]},
        {"mergingIntList": [3, 1, 2]},
    ),
    _row(
        "preserve the order from the patch in a merging int list 2 (two-way)",
        {"mergingIntList": [1, 2, 3]},
        {"mergingIntList": [3, 1]},
        {"mergingIntList": [2, 3, 1]},
    ),
    _row(
        "$setElementOrder contains item that is not present in the list to be merged (two-way)",
        {"mergingList": [{"name": 1}, {"name": 3}]},
        {
            "$setElementOrder/mergingList": [{"name": 3}, {"name": 2}, {"name": 1}],
            "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}],
        },
        {"mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}]},
    ),
    _row(
        "$setElementOrder contains item that is not present in the int list to be merged (two-way)",
        {"mergingIntList": [1, 3]},
        {"$setElementOrder/mergingIntList": [3, 2, 1]},
        {"mergingIntList": [3, 1]},
    ),
    _row(
        "$deleteFromPrimitiveList of a missing item adds nothing (two-way)",
        {"mergingIntList": [1, 2]},
        {"$deleteFromPrimitiveList/mergingIntList": [3]},
        {"mergingIntList": [1, 2]},
    ),
    _row(
        "$deleteFromPrimitiveList on an empty primitive list adds nothing (two-way)",
        {"mergingIntList": None},
        {"$deleteFromPrimitiveList/mergingIntList": [3]},
        {"mergingIntList": None},
    ),
    _row(
        "$deleteFromPrimitiveList on a missing list adds no list (two-way)",
        {"foo": ["bar"]},
        {"$deleteFromPrimitiveList/mergingIntList": [3]},
        {"foo": ["bar"]},
    ),
    _row(
        "$deleteFromPrimitiveList deletes from a merging list (two-way)",
        {"mergingIntList": [1, 2, 3]},
        {"$deleteFromPrimitiveList/mergingIntList": [2]},
        {"mergingIntList": [1, 3]},
    ),
    _row(
        "$deleteFromPrimitiveList deletes from a non-merging list (two-way)",
        {"nonMergingIntList": [1, 2, 3]},
        {"$deleteFromPrimitiveList/nonMergingIntList": [2]},
        {"nonMergingIntList": [1, 3]},
    ),
    _row(
        "add field and delete field from map with conflict (three-way)",
        {"name": "a", "other": "a"},
        {"name": None, "value": 1},
        {"value": 1, "other": "a"},
    ),
    _row(
        "delete field from nested map (three-way)",
        {"simpleMap": {"key1": 1, "key2": 1, "other": "a"}},
        {"simpleMap": {"key2": None}},
        {"simpleMap": {"key1": 1, "other": "a"}},
    ),
    _row(
        "add field and delete all fields from map (two-way)",
        {"name": 1, "value": 1},
        {"name": None, "value": None, "other": "a"},
        {"other": "a"},
    ),
    _row(
        "replace list of scalars with conflict (three-way)",
        {"nonMergingIntList": [1, 4]},
        {"nonMergingIntList": [2, 3]},
        {"nonMergingIntList": [2, 3]},
    ),
    _row(
        "delete all maps from empty merging list (three-way)",
        {"mergingList": []},
        {"mergingList": [{"name": 1, "$patch": "delete"}, {"name": 2, "$patch": "delete"}]},
        {"mergingList": []},
    ),
    _row(
        "defined null values should propagate overwrite current fields (with conflict) (two-way)",
        {"name": 2},
        {"name": 1, "value": 1, "other": None},
        {"name": 1, "value": 1},
    ),
    _row(
        "defined null values should propagate overwrite current fields (with conflict) (three-way)",
        {"name": "a", "other": "a"},
        {"name": 1, "value": 1, "other": None},
        {"name": 1, "value": 1},
    ),
    _row(
        "nil patch with retainKeys map (three-way)",
        {"name": "a", "value": "b", "retainKeysMap": {"name": "foo"}},
        {},
        {"name": "a", "value": "b", "retainKeysMap": {"name": "foo"}},
    ),
    _row(
        "nested patch merge with empty list (two-way)",
        {"name": "hi"},
        {"mergingList": [{"name": "hello"}, {"$patch": "delete", "name": "doesntexist"}]},
        {"name": "hi", "mergingList": [{"name": "hello"}]},
    ),
    _row(
        "nested patch merge with empty list (three-way)",
        {"name": "hi", "mergingList": [{"name": "hello2"}]},
        {
            "$setElementOrder/mergingList": [{"name": "hello"}, {"name": "doesntexist"}],
            "mergingList": [{"name": "hello"}],
        },
        {"name": "hi", "mergingList": [{"name": "hello"}, {"name": "hello2"}]},
    ),
    _row(
        "delete items in lists of scalars (three-way)",
        {"mergingIntList": [1, 2, 3, 4]},
        {"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]},
        {"mergingIntList": [1, 2, 4]},
    ),
    _row(
        "delete all duplicate items in lists of scalars (three-way)",
        {"mergingIntList": [1, 2, 3, 3, 4]},
        {"$setElementOrder/mergingIntList": [1, 2], "$deleteFromPrimitiveList/mergingIntList": [3]},
        {"mergingIntList": [1, 2, 4]},
    ),
    _row(
        "add and delete items in lists of scalars (two-way)",
        {"mergingIntList": [1, 2, 3]},
        {
            "$setElementOrder/mergingIntList": [1, 2, 4],
            "$deleteFromPrimitiveList/mergingIntList": [3],
            "mergingIntList": [4],
        },
        {"mergingIntList": [1, 2, 4]},
    ),
    _row(
        "merge lists of maps (three-way)",
        {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
        {
            "$setElementOrder/mergingList": [{"name": 4}, {"name": 1}, {"name": 2}, {"name": 3}],
            "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}],
        },
        {
            "mergingList": [
                {"name": 4, "value": 4},
                {"name": 1, "other": "a"},
                {"name": 2, "value": 2, "other": "b"},
                {"name": 3, "value": 3},
            ]
        },
    ),
    _row(
        "add field to map in merging list with conflict (three-way)",
        {"mergingList": [{"name": 1, "other": "a"}, {"name": 3, "value": 2, "other": "b"}]},
        {
            "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
            "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}],
        },
        {
            "mergingList": [
                {"name": 1, "value": 1, "other": "a"},
                {"name": 2, "value": 2},
                {"name": 3, "value": 2, "other": "b"},
            ]
        },
    ),
    _row(
        "add an item that already exists in current object in merging list (two-way)",
        {"mergingList": [{"name": 1, "value": "a"}, {"name": 2}]},
        {
            "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
            "mergingList": [{"name": 3}],
        },
        {"mergingList": [{"name": 1, "value": "a"}, {"name": 2}, {"name": 3}]},
    ),
    _row(
        "delete missing map from merging list with conflict (three-way)",
        {"mergingList": [{"name": 3, "other": "a"}]},
        {
            "$setElementOrder/mergingList": [{"name": 2}],
            "mergingList": [{"name": 2}, {"name": 1, "$patch": "delete"}],
        },
        {"mergingList": [{"name": 2}, {"name": 3, "other": "a"}]},
    ),
    _row(
        "add map and delete map from merging list (three-way)",
        {"mergingList": [{"name": 1}, {"name": 2, "other": "b"}, {"name": 4, "other": "c"}]},
        {
            "$setElementOrder/mergingList": [{"name": 2}, {"name": 3}],
            "mergingList": [{"name": 3}, {"name": 1, "$patch": "delete"}],
        },
        {"mergingList": [{"name": 2, "other": "b"}, {"name": 4, "other": "c"}, {"name": 3}]},
    ),
    _row(
        "add map and delete map from merging list with conflict (three-way)",
        {"mergingList": [{"name": 1, "other": "a"}, {"name": 4, "other": "c"}]},
        {
            "$setElementOrder/mergingList": [{"name": 2}, {"name": 3}],
            "mergingList": [{"name": 2}, {"name": 3}, {"name": 1, "$patch": "delete"}],
        },
        {"mergingList": [{"name": 4, "other": "c"}, {"name": 2}, {"name": 3}]},
    ),
    _row(
        "delete field from map in merging list (three-way)",
        {
            "mergingList": [
                {"name": 1, "value": 1, "other": "a"},
                {"name": 2, "value": 2, "other": "b"},
            ]
        },
        {
            "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
            "mergingList": [{"name": 1, "value": None}],
        },
        {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
    ),
    _row(
        "replace non merging list nested in merging list with deletion conflict (three-way)",
        {
            "mergingList": [
                {"name": 1, "other": "a", "nonMergingList": [{"name": 2, "value": 2}]},
                {"name": 2, "other": "b"},
            ]
        },
        {
            "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
            "mergingList": [{"name": 1, "nonMergingList": [{"name": 1, "value": 1}]}],
        },
        {
            "mergingList": [
                {"name": 1, "other": "a", "nonMergingList": [{"name": 1, "value": 1}]},
                {"name": 2, "other": "b"},
            ]
        },
    ),
    _row(
        "add field to map in merging list nested in merging list with value conflict (three-way)",
        {
            "mergingList": [
                {
                    "name": 1,
                    "other": "a",
                    "mergingList": [
                        {"name": 1, "value": "a", "other": "c"},
                        {"name": 2, "value": "b", "other": "d"},
                    ],
                },
                {"name": 2, "other": "b"},
            ]
        },
        {
            "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
            "mergingList": [
                {
                    "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
                    "name": 1,
                    "mergingList": [{"name": 1, "value": 1}, {"name": 2, "value": 2}],
                }
            ],
        },
        {
            "mergingList": [
                {
                    "name": 1,
                    "other": "a",
                    "mergingList": [
                        {"name": 1, "value": 1, "other": "c"},
                        {"name": 2, "value": 2, "other": "d"},
                    ],
                },
                {"name": 2, "other": "b"},
            ]
        },
    ),
    _row(
        "merge lists of scalars (three-way)",
        {"mergingIntList": [1, 2, 4]},
        {"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3]},
        {"mergingIntList": [1, 2, 3, 4]},
    ),
    _row(
        "add an item in a list of primitives and preserve order (three-way)",
        {"mergingIntList": [1, 4, 2]},
        {"$setElementOrder/mergingIntList": [3, 1, 2], "mergingIntList": [3]},
        {"mergingIntList": [3, 1, 4, 2]},
    ),
    _row(
        "delete an item in a list of primitives and preserve order (two-way)",
        {"mergingIntList": [1, 2, 3]},
        {"$setElementOrder/mergingIntList": [2, 1], "$deleteFromPrimitiveList/mergingIntList": [3]},
        {"mergingIntList": [2, 1]},
    ),
    _row(
        "add an item in a list and preserve order (three-way)",
        {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
        {
            "$setElementOrder/mergingList": [{"name": 3}, {"name": 1}, {"name": 2}],
            "mergingList": [{"name": 3, "value": 3}],
        },
        {
            "mergingList": [
                {"name": 3, "value": 3},
                {"name": 1, "other": "a"},
                {"name": 2, "value": 2, "other": "b"},
            ]
        },
    ),
    _row(
        "add multiple items in a list and preserve order (three-way)",
        {"mergingList": [{"name": 1, "other": "a"}, {"name": 2, "value": 2, "other": "b"}]},
        {
            "$setElementOrder/mergingList": [{"name": 1}, {"name": 4}, {"name": 2}, {"name": 3}],
            "mergingList": [{"name": 4, "value": 4}, {"name": 3, "value": 3}],
        },
        {
            "mergingList": [
                {"name": 1, "other": "a"},
                {"name": 4, "value": 4},
                {"name": 2, "value": 2, "other": "b"},
                {"name": 3, "value": 3},
            ]
        },
    ),
    _row(
        "delete an item in a list and preserve order (three-way)",
        {
            "mergingList": [
                {"name": 1, "other": "a"},
                {"name": 2, "value": 2, "other": "b"},
                {"name": 3, "value": 3},
            ]
        },
        {
            "$setElementOrder/mergingList": [{"name": 2}, {"name": 1}],
            "mergingList": [{"name": 3, "$patch": "delete"}],
        },
        {"mergingList": [{"name": 2, "value": 2, "other": "b"}, {"name": 1, "other": "a"}]},
    ),
    _row(
        "change an item in a list and preserve order (three-way)",
        {
            "mergingList": [
                {"name": 1, "other": "a"},
                {"name": 2, "value": 2, "other": "b"},
                {"name": 3, "value": 3},
            ]
        },
        {
            "$setElementOrder/mergingList": [{"name": 2}, {"name": 3}, {"name": 1}],
            "mergingList": [{"name": 3, "value": "x"}],
        },
        {
            "mergingList": [
                {"name": 2, "value": 2, "other": "b"},
                {"name": 3, "value": "x"},
                {"name": 1, "other": "a"},
            ]
        },
    ),
    _row(
        "add and delete an item in a list and preserve order (three-way)",
        {
            "mergingList": [
                {"name": 1, "other": "a"},
                {"name": 2, "value": 2, "other": "b"},
                {"name": 3, "value": 3},
            ]
        },
        {
            "$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 1}],
            "mergingList": [{"name": 4, "value": 4}, {"name": 3, "$patch": "delete"}],
        },
        {
            "mergingList": [
                {"name": 4, "value": 4},
                {"name": 2, "value": 2, "other": "b"},
                {"name": 1, "other": "a"},
            ]
        },
    ),
    _row(
        "set elements order in a list (three-way)",
        {
            "mergingList": [
                {"name": 1, "other": "a"},
                {"name": 3, "value": 3},
                {"name": 4, "value": 4},
                {"name": 2, "value": 2},
            ]
        },
        {"$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 3}, {"name": 1}]},
        {
            "mergingList": [
                {"name": 4, "value": 4},
                {"name": 2, "value": 2},
                {"name": 3, "value": 3},
                {"name": 1, "other": "a"},
            ]
        },
    ),
    _row(
        "set elements order in a list with server-only items (three-way)",
        {
            "mergingList": [
                {"name": 1, "other": "a"},
                {"name": 3, "value": 3},
                {"name": 4, "value": 4},
                {"name": 2, "value": 2},
                {"name": 9},
            ]
        },
        {"$setElementOrder/mergingList": [{"name": 4}, {"name": 2}, {"name": 3}, {"name": 1}]},
        {
            "mergingList": [
                {"name": 4, "value": 4},
                {"name": 2, "value": 2},
                {"name": 3, "value": 3},
                {"name": 1, "other": "a"},
                {"name": 9},
            ]
        },
    ),
    _row(
        "set elements order in a list with server-only items 2 (three-way)",
        {
            "mergingList": [
                {"name": 1, "other": "a"},
                {"name": 2, "value": 2},
                {"name": 9},
                {"name": 3, "value": 3},
                {"name": 4, "value": 4},
            ]
        },
        {"$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}]},
        {
            "mergingList": [
                {"name": 2, "value": 2},
                {"name": 1, "other": "a"},
                {"name": 9},
                {"name": 4, "value": 4},
                {"name": 3, "value": 3},
            ]
        },
    ),
    _row(
        "set elements order in a list with server-only items 3 (three-way)",
        {
            "mergingList": [
                {"name": 1, "other": "a"},
                {"name": 2, "value": 2},
                {"name": 7},
                {"name": 9},
                {"name": 8},
                {"name": 3, "value": 3},
                {"name": 4, "value": 4},
            ]
        },
        {"$setElementOrder/mergingList": [{"name": 2}, {"name": 1}, {"name": 4}, {"name": 3}]},
        {
            "mergingList": [
                {"name": 2, "value": 2},
                {"name": 1, "other": "a"},
                {"name": 7},
                {"name": 9},
                {"name": 8},
                {"name": 4, "value": 4},
                {"name": 3, "value": 3},
            ]
        },
    ),
    _row(
        "add multiple items in a int list and preserve order (three-way)",
        {"mergingIntList": [1, 2]},
        {"$setElementOrder/mergingIntList": [1, 4, 2, 3], "mergingIntList": [4, 3]},
        {"mergingIntList": [1, 4, 2, 3]},
    ),
    _row(
        "add and delete an item in a int list and preserve order (three-way)",
        {"mergingIntList": [1, 2, 3]},
        {
            "$setElementOrder/mergingIntList": [4, 2, 1],
            "mergingIntList": [4],
            "$deleteFromPrimitiveList/mergingIntList": [3],
        },
        {"mergingIntList": [4, 2, 1]},
    ),
    _row(
        "set elements order in a int list with server-only items 3 (three-way)",
        {"mergingIntList": [1, 2, 7, 9, 8, 3, 4]},
        {"$setElementOrder/mergingIntList": [2, 1, 4, 3]},
        {"mergingIntList": [2, 1, 7, 9, 8, 4, 3]},
    ),
    _row(
        "behavior of set element order for a merging list with duplicate (two-way)",
        {
            "mergingList": [
                {"name": 1},
                {"name": 2, "value": "dup1"},
                {"name": 3},
                {"name": 2, "value": "dup2"},
                {"name": 4},
            ]
        },
        {
            "$setElementOrder/mergingList": [
                {"name": 2},
                {"name": 1},
                {"name": 4},
                {"name": 3},
                {"name": 2},
            ]
        },
        {
            "mergingList": [
                {"name": 2, "value": "dup1"},
                {"name": 2, "value": "dup2"},
                {"name": 1},
                {"name": 4},
                {"name": 3},
            ]
        },
    ),
    _row(
        "behavior of set element order for a merging int list with duplicate (two-way)",
        {"mergingIntList": [1, 2, 3, 2, 4]},
        {"$setElementOrder/mergingIntList": [2, 1, 4, 3, 2]},
        {"mergingIntList": [2, 2, 1, 4, 3]},
    ),
    _row(
        "retainKeys map should clear defaulted field (three-way)",
        {"retainKeysMap": {"value": "foo"}},
        {"retainKeysMap": {"$retainKeys": ["other"], "other": "bar"}},
        {"retainKeysMap": {"other": "bar"}},
    ),
    _row(
        "retainKeys map should clear defaulted field (discriminated union) (three-way)",
        {"retainKeysMap": {"name": "type1", "value": "foo"}},
        {"retainKeysMap": {"$retainKeys": ["name", "other"], "name": "type2", "other": "bar"}},
        {"retainKeysMap": {"name": "type2", "other": "bar"}},
    ),
    _row(
        "retainKeys map adds a field and clear a field (three-way)",
        {"retainKeysMap": {"name": "foo", "other": "a"}},
        {"retainKeysMap": {"$retainKeys": ["name", "value"], "value": "bar"}},
        {"retainKeysMap": {"name": "foo", "value": "bar"}},
    ),
    _row(
        "retainKeys map deletes a field and clears a field (three-way)",
        {"retainKeysMap": {"name": "foo", "value": "bar", "other": "a"}},
        {"retainKeysMap": {"$retainKeys": ["name"], "value": None}},
        {"retainKeysMap": {"name": "foo"}},
    ),
    _row(
        "retainKeys map changes a field in a nested map with conflict (three-way)",
        {
            "retainKeysMap": {
                "name": "foo",
                "value": "bar",
                "simpleMap": {"key1": "new", "key2": "b", "key3": "c"},
            }
        },
        {
            "retainKeysMap": {
                "$retainKeys": ["name", "simpleMap", "value"],
                "simpleMap": {"key1": "modified"},
            }
        },
        {
            "retainKeysMap": {
                "name": "foo",
                "value": "bar",
                "simpleMap": {"key1": "modified", "key2": "b", "key3": "c"},
            }
        },
    ),
    _row(
        "retainKeys map replaces non-merging list (three-way)",
        {
            "retainKeysMap": {
                "name": "foo",
                "value": "bar",
                "nonMergingList": [{"name": "a"}, {"name": "b"}],
            }
        },
        {
            "retainKeysMap": {
                "$retainKeys": ["name", "nonMergingList", "value"],
                "nonMergingList": [{"name": "a"}, {"name": "c"}, {"name": "b"}],
            }
        },
        {
            "retainKeysMap": {
                "name": "foo",
                "value": "bar",
                "nonMergingList": [{"name": "a"}, {"name": "c"}, {"name": "b"}],
            }
        },
    ),
    _row(
        "retainKeys map delete nested non-merging list with conflict (three-way)",
        {
            "retainKeysMap": {
                "name": "foo",
                "nonMergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}],
            }
        },
        {
            "retainKeysMap": {
                "$retainKeys": ["name", "value"],
                "value": "bar",
                "nonMergingList": None,
            }
        },
        {"retainKeysMap": {"name": "foo", "value": "bar"}},
    ),
    _row(
        "retainKeys map adds an item and deletes an item in nested merging int list (three-way)",
        {"retainKeysMap": {"name": "foo", "mergingIntList": [1, 2, 3, 4]}},
        {
            "retainKeysMap": {
                "$retainKeys": ["mergingIntList", "name"],
                "mergingIntList": [5],
                "$deleteFromPrimitiveList/mergingIntList": [2],
                "$setElementOrder/mergingIntList": [1, 3, 5],
            }
        },
        {"retainKeysMap": {"name": "foo", "mergingIntList": [1, 3, 5, 4]}},
    ),
    _row(
        "retainKeys map deletes an item in nested merging list (three-way)",
        {
            "retainKeysMap": {
                "name": "foo",
                "mergingList": [{"name": "a"}, {"name": "b"}, {"name": "x"}],
            }
        },
        {
            "retainKeysMap": {
                "$retainKeys": ["mergingList", "name"],
                "$setElementOrder/mergingList": [{"name": "a"}],
                "mergingList": [{"name": "b", "$patch": "delete"}],
            }
        },
        {"retainKeysMap": {"name": "foo", "mergingList": [{"name": "a"}, {"name": "x"}]}},
    ),
    _row(
        "retainKeys list of maps clears a field with conflict (three-way)",
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "new", "other": "x"}]},
        {
            "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
            "retainKeysMergingList": [
                {"$retainKeys": ["name", "value"], "name": "foo", "value": "modified"}
            ],
        },
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "modified"}]},
    ),
    _row(
        "retainKeys list of maps changes a field and clear a field with conflict (three-way)",
        {
            "retainKeysMergingList": [
                {"name": "bar"},
                {"name": "foo", "value": "modified", "other": "x"},
            ]
        },
        {
            "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
            "retainKeysMergingList": [
                {"$retainKeys": ["name", "value"], "name": "foo", "value": "new"}
            ],
        },
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "new"}]},
    ),
    _row(
        "retainKeys list of maps deletes a field and clear a field (three-way)",
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo", "value": "a", "other": "x"}]},
        {
            "$setElementOrder/retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}],
            "retainKeysMergingList": [{"$retainKeys": ["name"], "name": "foo", "value": None}],
        },
        {"retainKeysMergingList": [{"name": "bar"}, {"name": "foo"}]},
    ),
    _row(
        "delete and reorder in one list, reorder in another (two-way)",
        {
            "mergingList": [{"name": "a", "value": "a"}, {"name": "b", "value": "b"}],
            "mergeItemPtr": [{"name": "c", "value": "c"}, {"name": "d", "value": "d"}],
        },
        {
            "$setElementOrder/mergingList": [{"name": "b"}],
            "$setElementOrder/mergeItemPtr": [{"name": "d"}, {"name": "c"}],
            "mergingList": [{"$patch": "delete", "name": "a"}],
        },
        {
            "mergingList": [{"name": "b", "value": "b"}],
            "mergeItemPtr": [{"name": "d", "value": "d"}, {"name": "c", "value": "c"}],
        },
    ),
    _row(
        "delete and reorder in one list, reorder in another (three-way)",
        {
            "mergingList": [{"name": "a", "value": "a"}, {"name": "b", "value": "b"}],
            "mergeItemPtr": [{"name": "c", "value": "c"}, {"name": "d", "value": "d"}],
        },
        {
            "$setElementOrder/mergingList": [{"name": "b"}],
            "$setElementOrder/mergeItemPtr": [{"name": "d"}, {"name": "c"}],
            "mergingList": [{"$patch": "delete", "name": "a"}],
        },
        {
            "mergingList": [{"name": "b", "value": "b"}],
            "mergeItemPtr": [{"name": "d", "value": "d"}, {"name": "c", "value": "c"}],
        },
    ),
    _row(
        "replace RawExtension field and merge list (three-way)",
        {
            "name": "my-object",
            "value": "some-value",
            "other": "current-other",
            "mergingList": [{"name": 1}, {"name": 3}],
            "replacingItem": {
                "Some": "Generic",
                "Yaml": "Inside",
                "The": "RawExtension",
                "Field": "Period",
            },
        },
        {
            "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}],
            "mergingList": [{"name": 2}],
            "replacingItem": {"Newly": "Modified", "Yaml": "Inside", "The": "RawExtension"},
        },
        {
            "name": "my-object",
            "value": "some-value",
            "other": "current-other",
            "mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
            "replacingItem": {"Newly": "Modified", "Yaml": "Inside", "The": "RawExtension"},
        },
    ),
]

# upstream's rows that end in an error (`customStrategicMergePatchRawTestCases`): 500s all.
_UPSTREAM_ERRORS = [
    _row(
        "should check if order in $setElementOrder and patch list match",
        {"mergingList": [{"name": 1}, {"name": 3}, {"name": 2}]},
        {
            "$setElementOrder/mergingList": [{"name": 1}, {"name": 2}, {"name": 3}],
            "mergingList": [{"name": 3, "value": 3}, {"name": 1, "value": 1}],
        },
        "The order in patch list:\n[map[name:3 value:3] map[name:1 value:1]]\n doesn't match "
        "$setElementOrder list:\n[map[name:1] map[name:2] map[name:3]]\n",
    ),
    _row(
        "$setElementOrder contains item that is not present in the int list to be merged",
        {"mergingIntList": [1, 3, 2]},
        {"$setElementOrder/mergingIntList": [1, 2, 3], "mergingIntList": [3, 1]},
        "The order in patch list:\n[3 1]\n doesn't match $setElementOrder list:\n[1 2 3]\n",
    ),
    _row(
        "missing merge key should error out",
        {"mergingList": [{"name": 1, "value": "a"}]},
        {"mergingList": [{"value": "b"}]},
        "map: map[value:b] does not contain declared merge key: name",
    ),
]


@pytest.mark.parametrize(("original", "patch", "result"), _UPSTREAM_ROWS)
def test_upstream_table(original: Any, patch: Any, result: Any) -> None:
    assert _same_json(_apply(original, patch, MERGE_ITEM), result)


@pytest.mark.parametrize(("original", "patch", "message"), _UPSTREAM_ERRORS)
def test_upstream_error_table(original: Any, patch: Any, message: str) -> None:
    with pytest.raises(PatchError) as raised:
        _apply(original, patch, MERGE_ITEM)
    assert (raised.value.code, raised.value.reason, raised.value.message) == (500, "", message)


# --- Kubernetes-shaped objects ------------------------------------------------------------


def _deployment(*containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    pod_spec = {"containers": list(containers), "restartPolicy": "Always"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"replicas": 1, "template": {"spec": pod_spec}, **spec},
    }


def _pod(spec: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec, **more}


def _names(items: list[dict[str, Any]]) -> list[Any]:
    return [item["name"] for item in items]


def test_kubectl_apply_patch_changes_one_container_and_keeps_the_rest() -> None:
    live = _deployment(
        {"name": "c", "image": "nginx:1.26", "ports": [{"containerPort": 80, "protocol": "TCP"}]},
        {"name": "side", "image": "busybox"},
    )
    # the body kubectl 1.32 sends (wire spec §3, OBS)
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "c"}, {"name": "side"}],
                    "containers": [{"image": "nginx:1.27", "name": "c"}],
                }
            }
        }
    }
    result = _apply(live, patch, DEPLOYMENT)
    containers = result["spec"]["template"]["spec"]["containers"]
    assert containers == [
        {"name": "c", "image": "nginx:1.27", "ports": [{"containerPort": 80, "protocol": "TCP"}]},
        {"name": "side", "image": "busybox"},
    ]
    assert result["spec"]["template"]["spec"]["restartPolicy"] == "Always"
    assert "$setElementOrder/containers" not in result["spec"]["template"]["spec"]


def test_kubectl_apply_replacing_a_container_beside_an_injected_sidecar() -> None:
    # `old` becomes `new` in the manifest while a sidecar someone else injected sits after it.
    # Upstream deletes `old` in place, so `new` lands in the freed slot of the stored slice and
    # the sidecar, now before it there, stays before it (checked against upstream's Go code).
    live = _deployment({"name": "app"}, {"name": "old"}, {"name": "sidecar"})
    patch = {
        "spec": {
            "template": {
                "spec": {
                    "$setElementOrder/containers": [{"name": "app"}, {"name": "new"}],
                    "containers": [
                        {"name": "new", "image": "n"},
                        {"name": "old", "$patch": "delete"},
                    ],
                }
            }
        }
    }
    containers = _apply(live, patch, DEPLOYMENT)["spec"]["template"]["spec"]["containers"]
    assert _names(containers) == ["app", "sidecar", "new"]


def test_containers_merge_by_name_and_ports_by_container_port() -> None:
    live = _pod(
        {"containers": [{"name": "c", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}
    )
    patch = {
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "ports": [{"containerPort": 443}, {"containerPort": 80, "name": "http"}],
                },
                {"name": "d", "image": "x"},
            ]
        }
    }
    assert _apply(live, patch, POD)["spec"]["containers"] == [
        {
            "name": "c",
            "ports": [
                {"containerPort": 443},
                {"containerPort": 80, "protocol": "TCP", "name": "http"},
            ],
        },
        {"name": "d", "image": "x"},
    ]


def test_env_merges_by_name_and_a_new_item_goes_before_later_stored_only_items() -> None:
    env = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}, {"name": "C", "value": "3"}]
    live = _pod({"containers": [{"name": "c", "env": env}]})
    patch = {
        "spec": {
            "containers": [{"name": "c", "env": [{"name": "B", "value": None}, {"name": "D"}]}]
        }
    }
    result = _apply(live, patch, POD)["spec"]["containers"][0]["env"]
    # patch items keep patch order; stored-only C follows B in the stored list but not D, which
    # the stored list lacks, so D is placed first (mergeSortedSlice)
    assert result == [
        {"name": "A", "value": "1"},
        {"name": "B"},
        {"name": "D"},
        {"name": "C", "value": "3"},
    ]


def test_volumes_retain_keys_switches_the_volume_source() -> None:
    live = _pod({"volumes": [{"name": "data", "emptyDir": {}}, {"name": "other", "emptyDir": {}}]})
    patch = {
        "spec": {
            "volumes": [
                {"name": "data", "$retainKeys": ["configMap", "name"], "configMap": {"name": "cm"}}
            ]
        }
    }
    assert _apply(live, patch, POD)["spec"]["volumes"] == [
        {"name": "data", "configMap": {"name": "cm"}},
        {"name": "other", "emptyDir": {}},
    ]


def test_deployment_strategy_retain_keys_clears_the_other_branch() -> None:
    live = _deployment(
        strategy={"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}},
    )
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    assert _apply(live, patch, DEPLOYMENT)["spec"]["strategy"] == {"type": "Recreate"}


def test_owner_references_merge_by_uid_new_first() -> None:
    live = {"metadata": {"ownerReferences": [{"uid": "u1", "kind": "ReplicaSet", "name": "a"}]}}
    patch = {"metadata": {"ownerReferences": [{"uid": "u2", "kind": "Job", "name": "b"}]}}
    refs = _apply(live, patch, POD)["metadata"]["ownerReferences"]
    assert [ref["uid"] for ref in refs] == ["u2", "u1"]


@pytest.mark.parametrize(
    ("stored", "patch", "result"),
    [
        pytest.param(["a", "b"], {"finalizers": ["c", "a"]}, ["c", "a", "b"], id="set-merge"),
        pytest.param(["a", "a", "b"], {"finalizers": ["b"]}, ["a", "b"], id="duplicates-collapse"),
        pytest.param(["a", "b", "a"], {"finalizers": []}, ["a", "b"], id="empty-patch-list-dedups"),
        pytest.param(
            ["a", "b", "c"],
            {"$deleteFromPrimitiveList/finalizers": ["b", "x"]},
            ["a", "c"],
            id="delete",
        ),
        pytest.param(
            ["a", "b"],
            {"$setElementOrder/finalizers": ["b", "c", "a"], "finalizers": ["c"]},
            ["b", "c", "a"],
            id="set-element-order",
        ),
        pytest.param(["a"], {"finalizers": None}, None, id="null-deletes"),
    ],
)
def test_finalizers_are_a_set_merged_primitive_list(
    stored: list[str], patch: dict[str, Any], result: list[str] | None
) -> None:
    merged = _apply({"metadata": {"finalizers": stored}}, {"metadata": patch}, POD)["metadata"]
    assert merged.get("finalizers") == result


def test_conditions_merge_by_type_in_place() -> None:
    conditions = [{"type": "Ready", "status": "False"}, {"type": "Initialized", "status": "True"}]
    live = _pod({}, status={"conditions": conditions})
    patch = {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    assert _apply(live, patch, POD)["status"]["conditions"] == [
        {"type": "Ready", "status": "True"},
        {"type": "Initialized", "status": "True"},
    ]


def test_service_ports_merge_by_port() -> None:
    live = {"spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443}]}}
    patch = {"spec": {"ports": [{"port": 80, "name": "http"}]}}
    assert _apply(live, patch, SERVICE)["spec"]["ports"] == [
        {"port": 80, "targetPort": 8080, "name": "http"},
        {"port": 443},
    ]


def test_replace_strategy_field_is_replaced_as_sent() -> None:
    live = {"spec": {"selector": {"matchLabels": {"a": "1", "b": "2"}}}}
    patch = {"spec": {"selector": {"matchLabels": {"c": "3"}}}}
    assert _apply(live, patch, PDB) == {"spec": {"selector": {"matchLabels": {"c": "3"}}}}


def test_lists_without_strategy_are_replaced_wholesale_nulls_and_all() -> None:
    live = _pod({"tolerations": [{"key": "a"}], "containers": [{"name": "c", "args": ["x", "y"]}]})
    patch = {
        "spec": {
            "tolerations": [{"key": "b", "effect": None}],
            "containers": [{"name": "c", "args": ["z"]}],
        }
    }
    spec = _apply(live, patch, POD)["spec"]
    # a list replacing a list is stored as sent, nulls included, as upstream's map holds it
    assert spec["tolerations"] == [{"key": "b", "effect": None}]
    assert spec["containers"] == [{"name": "c", "args": ["z"]}]
    # where nothing was stored, nulls are dropped first
    fresh = _apply(_pod({}), {"spec": {"tolerations": [{"key": "b", "effect": None}]}}, POD)
    assert fresh["spec"]["tolerations"] == [{"key": "b"}]


def test_new_list_items_are_stored_as_sent() -> None:
    live = _pod({"containers": [{"name": "c"}]})
    patch = {
        "spec": {
            "containers": [{"name": "d", "image": None, "env": [{"name": "E", "value": None}]}]
        }
    }
    containers = _apply(live, patch, POD)["spec"]["containers"]
    assert containers == [
        {"name": "d", "image": None, "env": [{"name": "E", "value": None}]},
        {"name": "c"},
    ]


def test_nested_maps_merge_and_null_deletes() -> None:
    resources = {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "1"}}
    live = _pod(
        {"containers": [{"name": "c", "resources": resources}]},
        metadata={"labels": {"a": "1", "b": "2"}},
    )
    patch = {
        "metadata": {"labels": {"a": None, "c": "3"}, "annotations": {"k": "v"}},
        "spec": {
            "containers": [{"name": "c", "resources": {"limits": {"memory": "2Gi", "cpu": None}}}]
        },
    }
    result = _apply(live, patch, POD)
    assert result["metadata"] == {"labels": {"b": "2", "c": "3"}, "annotations": {"k": "v"}}
    assert result["spec"]["containers"][0]["resources"] == {
        "limits": {"memory": "2Gi"},
        "requests": {"cpu": "1"},
    }


def test_patch_directive_on_maps_and_lists() -> None:
    live = _pod(
        {
            "nodeSelector": {"a": "1", "b": "2"},
            "containers": [{"name": "c", "resources": {"limits": {"cpu": "1"}}}, {"name": "d"}],
            "initContainers": [{"name": "i"}, {"name": "j"}],
        }
    )
    patch = {
        "spec": {
            "nodeSelector": {"$patch": "replace", "z": "9"},
            "containers": [{"name": "c", "resources": {"$patch": "delete"}}],
            "initContainers": [{"$patch": "replace"}, {"name": "k", "image": None}],
        }
    }
    spec = _apply(live, patch, POD)["spec"]
    assert spec["nodeSelector"] == {"z": "9"}
    assert spec["containers"] == [{"name": "c", "resources": {}}, {"name": "d"}]
    assert spec["initContainers"] == [{"name": "k", "image": None}]


def test_patch_replace_at_the_root_and_on_a_missing_map() -> None:
    assert _apply(_pod({}), {"$patch": "replace", "kind": "Pod"}, POD) == {"kind": "Pod"}
    assert _apply({"kind": "Pod"}, {"$patch": "delete"}, POD) == {}
    # a map carrying `$patch` where nothing is stored is dropped whole, replace or not
    assert _apply({}, {"spec": {"$patch": "replace", "restartPolicy": "Never"}}, POD) == {}


def test_null_patch_changes_nothing() -> None:
    live = _pod({"containers": [{"name": "c"}]})
    assert _apply(live, None, POD) == live


# --- status codes -------------------------------------------------------------------------

_BAD_REQUEST = (400, "BadRequest")
_INTERNAL = (500, "")


@pytest.mark.parametrize(
    ("original", "patch", "schema", "expected", "message"),
    [
        pytest.param(
            {},
            [{"op": "add"}],
            POD,
            _BAD_REQUEST,
            "json: cannot unmarshal array into Go value of type map[string]interface {}",
            id="array-body",
        ),
        pytest.param(
            {},
            "x",
            POD,
            _BAD_REQUEST,
            "json: cannot unmarshal string into Go value of type map[string]interface {}",
            id="string-body",
        ),
        pytest.param(
            {},
            1,
            POD,
            _BAD_REQUEST,
            "json: cannot unmarshal number into Go value of type map[string]interface {}",
            id="number-body",
        ),
        pytest.param(
            {"metadata": {"finalizers": ["a"]}},
            {"metadata": {"$deleteFromPrimitiveListX/finalizers": ["a"]}},
            POD,
            _BAD_REQUEST,
            "invalid patch format of primitive list",
            id="primitive-list-prefix",
        ),
        pytest.param(
            {},
            {"$setElementOrder": []},
            POD,
            _BAD_REQUEST,
            "invalid patch format of setElementOrder list",
            id="set-element-order-without-field",
        ),
        pytest.param(
            {"spec": {}},
            {"spec": {"$retainKeys": "restartPolicy"}},
            POD,
            _BAD_REQUEST,
            "invalid patch format of retainKeys",
            id="retain-keys-not-a-list",
        ),
        pytest.param(
            {"spec": {}},
            {"spec": {"$retainKeys": ["volumes"], "restartPolicy": "Never"}},
            POD,
            _BAD_REQUEST,
            "invalid patch format of retainKeys",
            id="retain-keys-missing-a-patched-key",
        ),
        pytest.param(
            _pod({"containers": [{"name": "c"}]}),
            {"spec": {"containers": [{"image": "x"}]}},
            POD,
            _INTERNAL,
            "map: map[image:x] does not contain declared merge key: name",
            id="item-without-merge-key",
        ),
        pytest.param(
            _pod({"containers": [{"name": "c"}]}),
            {"spec": {"containers": [{"name": "c", "$patch": "merge"}]}},
            POD,
            _INTERNAL,
            "merging lists cannot yet be specified in the patch",
            id="merge-directive-in-list",
        ),
        pytest.param(
            _pod({"containers": [{"name": "c"}]}),
            {"spec": {"containers": [{"name": "c", "$patch": 5}]}},
            POD,
            _INTERNAL,
            "unknown patch type: %!s(int64=5) in map: map[$patch:5 name:c]",
            id="unknown-directive-in-list",
        ),
        pytest.param(
            _pod({"nodeSelector": {"a": "b"}}),
            {"spec": {"nodeSelector": {"$patch": "merge"}}},
            POD,
            _INTERNAL,
            "unknown patch type: merge in map: map[$patch:merge]",
            id="merge-directive-on-map",
        ),
        pytest.param(
            {"metadata": {"finalizers": ["a"]}},
            {"metadata": {"finalizers": [1]}},
            POD,
            _INTERNAL,
            "list element types are not identical: [[a] [1]]",
            id="mixed-element-types",
        ),
        pytest.param(
            {"metadata": {"finalizers": ["a"]}},
            {"metadata": {"$setElementOrder/finalizers": ["b"], "finalizers": ["a"]}},
            POD,
            _INTERNAL,
            "The order in patch list:\n[a]\n doesn't match $setElementOrder list:\n[b]\n",
            id="order-list-contradicts-patch",
        ),
        pytest.param(
            _pod({}),
            {"spec": {"$setElementOrder/containers": "c"}},
            POD,
            _INTERNAL,
            "expected a []interface {}, but received a string",
            id="order-not-a-list",
        ),
        pytest.param(
            {"metadata": {"finalizers": []}},
            {"metadata": {"$setElementOrder/finalizers": ["a"]}},
            POD,
            _INTERNAL,
            "no elements in any of the given slices",
            id="order-of-nothing",
        ),
        pytest.param(
            _pod({}),
            {"spec": {"$setElementOrder/bogus": []}},
            POD,
            _INTERNAL,
            'unable to find api field in struct PodSpec for the json field "bogus"',
            id="unknown-field-named-after-its-struct",
        ),
        pytest.param(
            {},
            {"$setElementOrder/bogus": []},
            POD,
            _INTERNAL,
            'unable to find api field in struct Pod for the json field "bogus"',
            id="unknown-field-at-the-root",
        ),
        pytest.param(
            _pod({"containers": [{"name": "c"}]}),
            {"spec": {"containers": [{"name": "c", "$setElementOrder/bogus": []}]}},
            POD,
            _INTERNAL,
            'unable to find api field in struct Container for the json field "bogus"',
            id="unknown-field-in-a-list-item",
        ),
        pytest.param(
            _pod({"restartPolicy": "Always"}),
            {"spec": {"$setElementOrder/restartPolicy": []}},
            POD,
            _INTERNAL,
            "expected a []interface {}, but received a string",
            id="order-for-a-scalar",
        ),
        pytest.param(
            {"properties": {"a": {"type": "string"}}},
            {"properties": {"a": {"type": "integer"}}},
            CRD,
            _INTERNAL,
            "merging an object in json but data type is not struct, instead is: map",
            id="map-of-structs",
        ),
        pytest.param(
            {"items": [{"a": 1}]},
            {"items": [{"a": 2}]},
            SchemaNode(
                {"type": "object", "properties": {"items": _list(_struct({}), "merge")}}, {}
            ),
            _INTERNAL,
            "cannot merge lists without merge key for struct",
            id="merge-without-key",
        ),
        pytest.param(
            _pod({"containers": [{"name": "c"}]}),
            {"spec": {"containers": [{"value": 1000000.0, "x": 0.00001, "y": True, "z": None}]}},
            POD,
            _INTERNAL,
            "map: map[value:1e+06 x:1e-05 y:true z:<nil>] does not contain declared merge key: "
            "name",
            id="go-formatting-of-values",
        ),
    ],
)
def test_errors_carry_the_apiservers_status(
    original: Any, patch: Any, schema: TypeNode, expected: tuple[int, str], message: str
) -> None:
    with pytest.raises(PatchError) as raised:
        _apply(original, patch, schema)
    error = raised.value
    assert (error.code, error.reason, error.message, error.status_message) == (
        *expected,
        message,
        message,
    )
    assert not error.panicked


def test_lists_of_lists_are_a_generic_422() -> None:
    with pytest.raises(PatchError) as raised:
        _apply({"metadata": {"finalizers": [["a"]]}}, {"metadata": {"finalizers": [["b"]]}}, POD)
    error = raised.value
    assert (error.code, error.reason, error.message) == (
        422,
        "Invalid",
        "lists of lists are not supported",
    )
    assert (
        error.status()["message"]
        == "the server rejected our request due to an error in our request"
    )


@pytest.mark.parametrize(
    ("original", "patch"),
    [
        pytest.param(
            {"metadata": {"finalizers": [None]}},
            {"metadata": {"finalizers": ["a"]}},
            id="null-first-element",
        ),
        pytest.param(
            _pod({"containers": [{"name": {"x": 1}}]}),
            {"spec": {"containers": [{"name": {"x": 1}}]}},
            id="object-merge-key",
        ),
        pytest.param(
            {"spec": {}}, {"spec": {"$retainKeys": [{"a": 1}]}}, id="object-in-retain-keys"
        ),
    ],
)
def test_upstream_panics_are_a_plain_500(original: Any, patch: Any) -> None:
    with pytest.raises(PatchError) as raised:
        _apply(original, patch, POD)
    assert raised.value.panicked
    assert raised.value.code == 500


def test_internal_errors_render_without_a_reason() -> None:
    with pytest.raises(PatchError) as raised:
        _apply({}, {"$setElementOrder/bogus": []}, POD)
    status = raised.value.status()
    assert status["code"] == 500
    assert "reason" not in status


# --- untyped data -------------------------------------------------------------------------


def test_untyped_data_merges_like_a_json_merge_patch_with_directives() -> None:
    live = {"a": {"b": 1, "c": [1, 2]}, "d": [{"name": "x"}], "e": {"f": 1, "g": 2}}
    patch = {
        "a": {"b": None, "c": [3], "h": {"i": None, "j": 1}},
        "d": [{"name": "y"}],
        "e": {"$retainKeys": ["g"]},
        "k": {"$patch": "delete"},
    }
    assert _apply(live, patch, UNKNOWN) == {
        "a": {"c": [3], "h": {"j": 1}},
        "d": [{"name": "y"}],
        "e": {"g": 2},
    }


# --- properties -----------------------------------------------------------------------------

_NAMES = st.sampled_from(["a", "b", "c", "d"])
_KEYS = st.sampled_from(
    [
        "name",
        "value",
        "mergingList",
        "mergingIntList",
        "nonMergingList",
        "simpleMap",
        "retainKeysMap",
        "spec",
        "containers",
        "$patch",
        "$retainKeys",
        "$setElementOrder/mergingList",
        "$setElementOrder/mergingIntList",
        "$deleteFromPrimitiveList/mergingIntList",
    ]
)
_SCALARS = (
    st.none() | st.booleans() | st.integers(0, 3) | _NAMES | st.sampled_from(["delete", "replace"])
)
_JSON = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)
_OBJECTS = st.dictionaries(_KEYS, _JSON, max_size=5)
_SCHEMAS = st.sampled_from([MERGE_ITEM, POD, UNKNOWN])


@settings(max_examples=400, deadline=None)
@given(_OBJECTS, _OBJECTS, _SCHEMAS)
def test_inputs_are_never_modified_nor_shared(original: Any, patch: Any, schema: TypeNode) -> None:
    with contextlib.suppress(PatchError):
        _apply(original, patch, schema)


@settings(max_examples=200, deadline=None)
@given(_OBJECTS, _SCHEMAS)
def test_empty_patch_is_identity(original: Any, schema: TypeNode) -> None:
    assert _same_json(_apply(original, {}, schema), original)
    assert _same_json(_apply(original, None, schema), original)


_PLAIN_KEYS = st.sampled_from(["a", "b", "c", ""])
_PLAIN_SCALARS = st.booleans() | st.integers(-2, 2) | st.sampled_from([0.5, "x", "y"])
_NULL_FREE = st.recursive(
    _PLAIN_SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_PLAIN_KEYS, inner, max_size=3),
    max_leaves=12,
)
_PLAIN = st.recursive(
    st.none() | _PLAIN_SCALARS,
    lambda inner: (
        st.lists(_NULL_FREE, max_size=3) | st.dictionaries(_PLAIN_KEYS, inner, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(_PLAIN_KEYS, _PLAIN, max_size=4),
    st.dictionaries(_PLAIN_KEYS, _PLAIN, max_size=4),
)
def test_untyped_data_without_directives_is_a_json_merge_patch(original: Any, patch: Any) -> None:
    # The two differ only in where they drop nulls inside lists, so the patch holds none there.
    assert _same_json(_apply(original, patch, UNKNOWN), apply_merge_patch(original, patch))


@st.composite
def _keyed_list_patches(draw: st.DrawFn) -> tuple[list[str], list[str], list[str]]:
    stored = draw(st.lists(_NAMES, unique=True))
    # at least one item: upstream cannot order a list of nothing (see the error table)
    added = draw(
        st.lists(st.sampled_from(["e", "f", "g"]), unique=True, min_size=0 if stored else 1)
    )
    order = draw(st.permutations(stored + added))
    sent = [name for name in order if name in added or draw(st.booleans())]
    return stored, sent, order


@settings(max_examples=300, deadline=None)
@given(_keyed_list_patches())
def test_keyed_lists_merge_every_item_once_in_patch_order(
    case: tuple[list[str], list[str], list[str]],
) -> None:
    stored, sent, _ = case
    live = _pod({"containers": [{"name": name, "image": "old"} for name in stored]})
    patch = {"spec": {"containers": [{"name": name, "image": "new"} for name in sent]}}
    names = _names(_apply(live, patch, POD)["spec"]["containers"])
    assert sorted(names) == sorted(set(stored) | set(sent))
    assert [name for name in names if name in sent] == sent


@settings(max_examples=300, deadline=None)
@given(_keyed_list_patches())
def test_set_element_order_decides_the_final_order(
    case: tuple[list[str], list[str], list[str]],
) -> None:
    stored, sent, order = case
    live = _pod({"containers": [{"name": name} for name in stored]})
    patch = {
        "spec": {
            "$setElementOrder/containers": [{"name": name} for name in order],
            "containers": [{"name": name, "image": "new"} for name in sent],
        }
    }
    assert _names(_apply(live, patch, POD)["spec"]["containers"]) == order
    finalizers = {"metadata": {"$setElementOrder/finalizers": order, "finalizers": sent}}
    merged = _apply({"metadata": {"finalizers": stored}}, finalizers, POD)["metadata"]
    assert merged.get("finalizers", []) == order
