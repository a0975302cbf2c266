"""Field management and server-side apply (structured-merge-diff v4.4.2, apimachinery v0.32.4).

Schemas are small inline OpenAPI dicts mirroring the real built-ins' extensions: containers a
list-map keyed by ``name``, ports keyed by ``containerPort`` + ``protocol`` (``TCP`` by
default), ``metadata.finalizers`` a set, ``ownerReferences`` keyed by ``uid``, the label
selector an atomic map. Scenarios marked "SMD" replay cases from structured-merge-diff's own
``merge/*_test.go`` and ``typed/merge_test.go`` through the kube-apiserver layers.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minikube_py.errors import BadRequest, Conflict, GroupKind, Invalid, StatusError
from minikube_py.managedfields import (
    ANCIENT_CHANGES,
    BEFORE_FIRST_APPLY,
    LAST_APPLIED_ANNOTATION,
    ApplyConflict,
    FieldPathError,
    FieldSet,
    apply,
    field_set,
    fieldset_from_dotted,
    key_element,
    manager_or_user_agent,
    merge,
    patch_options_errors,
    path_string,
    update_managed_fields,
    value_element,
)
from minikube_py.managedfields.fieldpath import index_element
from minikube_py.typeinfo import UNKNOWN, SchemaNode

_REF = "#/components/schemas/"
DEFINITIONS: dict[str, Any] = {
    "ObjectMeta": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "namespace": {"type": "string"},
            "uid": {"type": "string"},
            "resourceVersion": {"type": "string"},
            "generation": {"type": "integer"},
            "creationTimestamp": {"type": "string"},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
            "finalizers": {
                "type": "array",
                "items": {"type": "string"},
                "x-kubernetes-list-type": "set",
                "x-kubernetes-patch-strategy": "merge",
            },
            "ownerReferences": {
                "type": "array",
                "items": {"$ref": _REF + "OwnerReference"},
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["uid"],
                "x-kubernetes-patch-merge-key": "uid",
                "x-kubernetes-patch-strategy": "merge",
            },
            "managedFields": {
                "type": "array",
                "items": {"type": "object"},
                "x-kubernetes-list-type": "atomic",
            },
        },
    },
    "OwnerReference": {
        "type": "object",
        "properties": {
            "uid": {"type": "string"},
            "name": {"type": "string"},
            "kind": {"type": "string"},
            "controller": {"type": "boolean"},
        },
    },
    "ConfigMap": {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"allOf": [{"$ref": _REF + "ObjectMeta"}]},
            "data": {"type": "object", "additionalProperties": {"type": "string"}},
            "immutable": {"type": "boolean"},
        },
    },
    "Deployment": {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"allOf": [{"$ref": _REF + "ObjectMeta"}]},
            "spec": {"$ref": _REF + "DeploymentSpec"},
            "status": {
                "type": "object",
                "properties": {
                    "replicas": {"type": "integer"},
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
    "DeploymentSpec": {
        "type": "object",
        "properties": {
            "replicas": {"type": "integer"},
            "selector": {"allOf": [{"$ref": _REF + "LabelSelector"}]},
            "template": {
                "type": "object",
                "properties": {
                    "metadata": {"allOf": [{"$ref": _REF + "ObjectMeta"}]},
                    "spec": {"allOf": [{"$ref": _REF + "PodSpec"}]},
                },
            },
            "strategy": {
                "type": "object",
                "properties": {
                    "type": {"type": "string"},
                    "rollingUpdate": {
                        "type": "object",
                        "properties": {
                            "maxSurge": {"x-kubernetes-int-or-string": True},
                            "maxUnavailable": {"x-kubernetes-int-or-string": True},
                        },
                    },
                },
            },
        },
    },
    "LabelSelector": {
        "type": "object",
        "properties": {
            "matchLabels": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "x-kubernetes-map-type": "atomic",
    },
    "PodSpec": {
        "type": "object",
        "properties": {
            "containers": {
                "type": "array",
                "items": {"allOf": [{"$ref": _REF + "Container"}]},
                "x-kubernetes-list-map-keys": ["name"],
                "x-kubernetes-list-type": "map",
                "x-kubernetes-patch-merge-key": "name",
                "x-kubernetes-patch-strategy": "merge",
            },
            "tolerations": {
                "type": "array",
                "items": {"type": "object", "properties": {"key": {"type": "string"}}},
                "x-kubernetes-list-type": "atomic",
            },
            "nodeSelector": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "x-kubernetes-map-type": "atomic",
            },
        },
    },
    "Container": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "image": {"type": "string"},
            "args": {
                "type": "array",
                "items": {"type": "string"},
                "x-kubernetes-list-type": "atomic",
            },
            "ports": {
                "type": "array",
                "items": {"allOf": [{"$ref": _REF + "ContainerPort"}]},
                "x-kubernetes-list-map-keys": ["containerPort", "protocol"],
                "x-kubernetes-list-type": "map",
                "x-kubernetes-patch-merge-key": "containerPort",
                "x-kubernetes-patch-strategy": "merge",
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
    "ContainerPort": {
        "type": "object",
        "properties": {
            "containerPort": {"type": "integer"},
            "name": {"type": "string"},
            "protocol": {"type": "string", "default": "TCP"},
        },
    },
}

CONFIGMAP = SchemaNode({"$ref": _REF + "ConfigMap"}, DEFINITIONS)
DEPLOYMENT = SchemaNode({"$ref": _REF + "Deployment"}, DEFINITIONS)
SETS = SchemaNode(
    {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"allOf": [{"$ref": _REF + "ObjectMeta"}]},
            "list": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
        },
    },
    DEFINITIONS,
)
NAMED = SchemaNode(
    {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "metadata": {"allOf": [{"$ref": _REF + "ObjectMeta"}]},
            "list": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string"}, "value": {"type": "integer"}},
                },
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
            },
        },
    },
    DEFINITIONS,
)

T0 = "2024-05-01T10:00:00Z"
T1 = "2024-05-01T10:00:01Z"
T2 = "2024-05-01T10:00:02Z"
T3 = "2024-05-01T10:00:03Z"


def _cm(data: dict[str, str], **metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "cm", "namespace": "default", **metadata},
        "data": data,
    }


def _stored(obj: dict[str, Any], managed: list[dict[str, Any]]) -> dict[str, Any]:
    """The object as the registry would store it: with a uid and its managedFields."""
    metadata = {**obj.get("metadata", {}), "uid": "uid-1"}
    if managed:
        metadata["managedFields"] = managed
    else:
        metadata.pop("managedFields", None)
    return {**obj, "metadata": metadata}


def _owners(managed: list[dict[str, Any]]) -> dict[tuple[str, str], Any]:
    return {(e["manager"], e["operation"]): e["fieldsV1"] for e in managed}


def _entry(managed: list[dict[str, Any]], manager: str) -> dict[str, Any]:
    (entry,) = [e for e in managed if e["manager"] == manager]
    return entry


class _Server:
    """A one-object apiserver: the managedFields bookkeeping of create/update/apply."""

    def __init__(self, schema: Any, api_version: str = "v1", kind: str = "X") -> None:
        self.schema = schema
        self.api_version = api_version
        self.kind = kind
        self.obj: dict[str, Any] | None = None
        self.clock = 0

    def _now(self) -> str:
        self.clock += 1
        return f"2024-05-01T10:00:{self.clock:02d}Z"

    def update(self, manager: str, new: dict[str, Any], subresource: str = "") -> None:
        body = {"apiVersion": self.api_version, "kind": self.kind, **new}
        stored = None if self.obj is None else self.obj["metadata"].get("managedFields", [])
        managed = update_managed_fields(
            self.obj,
            body,
            stored,
            manager,
            self.api_version,
            self._now(),
            schema=self.schema,
            subresource=subresource,
        )
        self.obj = _stored(body, managed)

    def apply(self, manager: str, config: dict[str, Any], force: bool = False) -> None:
        body = {"apiVersion": self.api_version, "kind": self.kind, **config}
        obj, managed = apply(
            self.obj,
            body,
            manager,
            self.api_version,
            force,
            None,
            self.schema,
            self._now(),
            kind=self.kind,
        )
        self.obj = _stored(obj, managed)

    @property
    def managed(self) -> list[dict[str, Any]]:
        assert self.obj is not None
        return self.obj["metadata"].get("managedFields", [])

    def owned(self, manager: str) -> set[str]:
        entries = [e for e in self.managed if e["manager"] == manager]
        if not entries:
            return set()
        (entry,) = entries
        return {path_string(p) for p in FieldSet.from_fields_v1(entry["fieldsV1"])}


# --------------------------------------------------------------------------- FieldsV1


def test_fieldsv1_wire_example_decodes_to_its_paths() -> None:
    fields = {
        "f:metadata": {"f:labels": {"f:app": {}}},
        "f:spec": {"f:containers": {'k:{"name":"c"}': {".": {}, "f:image": {}}}},
    }
    decoded = FieldSet.from_fields_v1(fields)
    assert [path_string(p) for p in decoded] == [
        ".metadata.labels.app",
        '.spec.containers[name="c"]',
        '.spec.containers[name="c"].image',
    ]
    assert decoded.to_fields_v1() == fields
    assert json.dumps(decoded.to_fields_v1(), separators=(",", ":")) == json.dumps(
        fields, separators=(",", ":")
    )


def test_fieldsv1_orders_keys_as_upstream_and_marks_members_with_children() -> None:
    containers = ("spec", "containers")
    fields = FieldSet.from_paths(
        [
            (*containers, key_element({"name": "b"})),
            (*containers, key_element({"name": "a"}), "image"),
            (*containers, key_element({"name": "a"})),
            ("metadata", "finalizers", value_element("x")),
            ("metadata", "finalizers", value_element(True)),
            ("metadata", "finalizers", value_element(2)),
            ("spec", "args", index_element(0)),
            ("spec", "replicas"),
            ("apiVersion",),
        ]
    )
    encoded = fields.to_fields_v1()
    assert list(encoded) == ["f:apiVersion", "f:metadata", "f:spec"]
    # numbers < strings < booleans among values
    assert list(encoded["f:metadata"]["f:finalizers"]) == ["v:2", 'v:"x"', "v:true"]
    # fields < keys < values < indexes, and "." first
    assert list(encoded["f:spec"]) == ["f:args", "f:containers", "f:replicas"]
    assert encoded["f:spec"]["f:args"] == {"i:0": {}}
    assert encoded["f:spec"]["f:containers"] == {
        'k:{"name":"a"}': {".": {}, "f:image": {}},
        'k:{"name":"b"}': {},
    }


def test_fieldsv1_keys_are_json_with_sorted_fields_and_go_escaping() -> None:
    element = key_element({"protocol": "TCP", "containerPort": 80})
    fields = FieldSet.from_paths([("ports", element), ("env", value_element("a<b&c"))])
    encoded = fields.to_fields_v1()
    assert list(encoded["f:ports"]) == ['k:{"containerPort":80,"protocol":"TCP"}']
    assert list(encoded["f:env"]) == ['v:"a\\u003cb\\u0026c"']
    assert FieldSet.from_fields_v1(encoded) == fields


def test_fieldsv1_reading_drops_unknown_element_types_and_rejects_garbage() -> None:
    assert FieldSet.from_fields_v1({"x:whatever": {}, "f:a": {}}) == fieldset_from_dotted("a")
    assert FieldSet.from_fields_v1('{"f:a":{"f:b":{}}}') == fieldset_from_dotted("a.b")
    assert not FieldSet.from_fields_v1({})
    for bad in ({"f": {}}, {"fa": {}}, {"k:{nope": {}}, {"i:x": {}}, {"f:a": 1}, [1]):
        with pytest.raises(FieldPathError):
            FieldSet.from_fields_v1(bad)


_names = st.text(alphabet="abcxyz.:<&\"'é", min_size=0, max_size=6)
_scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**40), 2**40),
    st.text(max_size=5),
    st.none(),
)
_elements = st.one_of(
    _names,
    st.dictionaries(_names, _scalars, min_size=1, max_size=3).map(key_element),
    _scalars.map(value_element),
    st.integers(0, 50).map(index_element),
)
_paths = st.lists(st.lists(_elements, min_size=1, max_size=5).map(tuple), max_size=25)


@settings(max_examples=300, deadline=None)
@given(_paths)
def test_fieldsv1_round_trips(paths: list[tuple[Any, ...]]) -> None:
    fields = FieldSet.from_paths(paths)
    assert set(fields.paths()) == set(paths)
    encoded = fields.to_fields_v1()
    text = json.dumps(encoded)
    again = FieldSet.from_fields_v1(text)
    assert again == fields
    assert json.dumps(again.to_fields_v1()) == text  # the encoding is canonical
    assert fields.union(again) == fields
    assert not fields.difference(again)


@settings(max_examples=200, deadline=None)
@given(_paths, _paths)
def test_set_algebra_agrees_with_sets_of_paths(left: list[Any], right: list[Any]) -> None:
    a, b = FieldSet.from_paths(left), FieldSet.from_paths(right)
    assert set(a.union(b).paths()) == set(left) | set(right)
    assert set(a.intersection(b).paths()) == set(left) & set(right)
    assert set(a.difference(b).paths()) == set(left) - set(right)


def test_difference_is_not_recursive_but_recursive_difference_is() -> None:
    parent, child = fieldset_from_dotted("a"), fieldset_from_dotted("a.b")
    assert child.difference(parent) == child  # a member does not remove what is below it
    assert parent.difference(child) == parent
    assert not child.recursive_difference(parent)
    both = fieldset_from_dotted("a", "a.b", "c")
    assert both.recursive_difference(parent) == fieldset_from_dotted("c")


def test_path_strings_match_upstream() -> None:
    path = (
        "spec",
        "containers",
        key_element({"name": "c"}),
        "ports",
        key_element({"protocol": "TCP", "containerPort": 80}),
    )
    assert path_string(path) == '.spec.containers[name="c"].ports[containerPort=80,protocol="TCP"]'
    assert path_string(("finalizers", value_element("a"))) == '.finalizers[="a"]'
    assert path_string(("args", index_element(3))) == ".args[3]"
    assert path_string(("x", value_element(1.5), value_element(True))) == ".x[=1.5][=true]"


# --------------------------------------------------------------------------- field sets


def _deployment(**spec: Any) -> dict[str, Any]:
    pod = {
        "containers": [
            {
                "name": "web",
                "image": "nginx:1.27",
                "args": ["-g", "daemon off;"],
                "ports": [{"containerPort": 80}, {"containerPort": 53, "protocol": "UDP"}],
                "resources": {},
            }
        ],
        "nodeSelector": {"disk": "ssd"},
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a", "b"]},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod},
            **spec,
        },
    }


def test_field_set_keys_list_maps_by_their_keys_and_keeps_atomic_values_whole() -> None:
    fields = field_set(_deployment(), DEPLOYMENT).to_fields_v1()
    assert fields == {
        "f:apiVersion": {},
        "f:kind": {},
        "f:metadata": {
            "f:finalizers": {'v:"a"': {}, 'v:"b"': {}},
            "f:labels": {"f:app": {}},
            "f:name": {},
        },
        "f:spec": {
            "f:replicas": {},
            "f:selector": {},
            "f:template": {
                "f:metadata": {"f:labels": {"f:app": {}}},
                "f:spec": {
                    "f:containers": {
                        'k:{"name":"web"}': {
                            ".": {},
                            "f:args": {},
                            "f:image": {},
                            "f:name": {},
                            "f:ports": {
                                'k:{"containerPort":53,"protocol":"UDP"}': {
                                    ".": {},
                                    "f:containerPort": {},
                                    "f:protocol": {},
                                },
                                # the protocol key comes from the schema's default
                                'k:{"containerPort":80,"protocol":"TCP"}': {
                                    ".": {},
                                    "f:containerPort": {},
                                },
                            },
                            "f:resources": {},
                        }
                    },
                    "f:nodeSelector": {},
                },
            },
        },
    }


def test_field_set_of_untyped_data_tracks_map_keys_and_whole_lists() -> None:
    value = {"spec": {"a": {"b": 1}, "list": [1, 2], "empty": {}}}
    assert field_set(value, UNKNOWN).to_fields_v1() == {
        "f:spec": {
            ".": {},
            "f:a": {".": {}, "f:b": {}},
            "f:empty": {},
            "f:list": {},
        }
    }


def test_field_set_marks_duplicated_items_without_their_fields() -> None:
    value = {"list": [{"name": "a", "value": 1}, {"name": "a", "value": 2}, {"name": "b"}]}
    assert field_set(value, NAMED).to_fields_v1() == {
        "f:list": {'k:{"name":"a"}': {}, 'k:{"name":"b"}': {".": {}, "f:name": {}}}
    }


# --------------------------------------------------------------------------- updates


def test_create_makes_the_creator_owner_of_every_field_it_set() -> None:
    created = _cm({"k": "v"}, labels={"app": "x"}, uid="u", resourceVersion="1")
    managed = update_managed_fields(None, created, [], "kubectl-create", "v1", T0)
    assert managed == [
        {
            "manager": "kubectl-create",
            "operation": "Update",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:data": {".": {}, "f:k": {}},
                "f:metadata": {"f:labels": {".": {}, "f:app": {}}},
            },
        }
    ]


def test_a_typed_zero_skeleton_leaves_struct_fields_unmarked() -> None:
    created = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 1},
    }
    skeleton = {"metadata": {}, "spec": {}, "status": {}}
    managed = update_managed_fields(
        skeleton, created, [], "kubectl-create", "apps/v1", T0, schema=DEPLOYMENT
    )
    assert managed[0]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    managed = update_managed_fields(
        None, created, [], "kubectl-create", "apps/v1", T0, schema=DEPLOYMENT
    )
    assert managed[0]["fieldsV1"] == {"f:spec": {".": {}, "f:replicas": {}}}


def test_update_moves_ownership_of_changed_fields_to_the_writer() -> None:
    server = _Server(CONFIGMAP, kind="ConfigMap")
    server.update("creator", {"metadata": {"name": "cm"}, "data": {"a": "1", "b": "1"}})
    server.update("editor", {"metadata": {"name": "cm"}, "data": {"a": "1", "b": "2", "c": "3"}})
    assert server.owned("creator") == {".data", ".data.a"}
    assert server.owned("editor") == {".data.b", ".data.c"}
    assert _entry(server.managed, "creator")["time"] == "2024-05-01T10:00:01Z"
    assert _entry(server.managed, "editor")["time"] == "2024-05-01T10:00:02Z"
    # the creator takes one field back; its entry is merged with what it kept
    server.update("creator", {"metadata": {"name": "cm"}, "data": {"a": "1", "b": "4", "c": "3"}})
    assert server.owned("creator") == {".data", ".data.a", ".data.b"}
    assert server.owned("editor") == {".data.c"}
    assert [e["manager"] for e in server.managed] == ["editor", "creator"]  # oldest first


def test_update_that_changes_nothing_keeps_entries_and_times() -> None:
    server = _Server(CONFIGMAP, kind="ConfigMap")
    server.update("creator", {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    before = server.managed
    server.update(
        "someone", {"metadata": {"name": "cm", "resourceVersion": "7"}, "data": {"a": "1"}}
    )
    assert server.managed == before


def test_removed_fields_leave_every_owner_and_empty_entries_go() -> None:
    server = _Server(CONFIGMAP, kind="ConfigMap")
    server.update("one", {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    server.update("two", {"metadata": {"name": "cm"}, "data": {"a": "1", "b": "2"}})
    server.update("three", {"metadata": {"name": "cm"}})
    assert server.owned("one") == set()
    assert server.owned("two") == set()
    assert server.managed == []  # "three" only removed things: it owns nothing either


def test_status_writes_are_recorded_with_their_subresource() -> None:
    server = _Server(DEPLOYMENT, "apps/v1", "Deployment")
    server.update("kubectl-create", {"metadata": {"name": "web"}, "spec": {"replicas": 1}})
    server.update(
        "controller",
        {"metadata": {"name": "web"}, "spec": {"replicas": 1}, "status": {"replicas": 1}},
        subresource="status",
    )
    entry = _entry(server.managed, "controller")
    assert entry["subresource"] == "status"
    assert list(entry) == [
        "manager",
        "operation",
        "apiVersion",
        "time",
        "fieldsType",
        "fieldsV1",
        "subresource",
    ]
    assert server.owned("controller") == {".status", ".status.replicas"}


def test_reset_fields_are_neither_owned_nor_taken_away() -> None:
    old = _stored(
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}},
        [
            {
                "manager": "controller",
                "operation": "Update",
                "apiVersion": "apps/v1",
                "time": T0,
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:status": {"f:replicas": {}}},
                "subresource": "status",
            }
        ],
    )
    old["status"] = {"replicas": 1}
    new = {**old, "spec": {"replicas": 3}, "status": {"replicas": 5}}
    managed = update_managed_fields(
        old,
        new,
        old["metadata"]["managedFields"],
        "kubectl-edit",
        "apps/v1",
        T1,
        schema=DEPLOYMENT,
        reset_fields=fieldset_from_dotted("status"),
    )
    assert _owners(managed) == {
        ("controller", "Update"): {"f:status": {"f:replicas": {}}},
        ("kubectl-edit", "Update"): {"f:spec": {".": {}, "f:replicas": {}}},
    }


def test_an_untracked_object_stays_untracked_by_updates() -> None:
    old = _stored(_cm({"a": "1"}), [])
    assert update_managed_fields(old, _cm({"a": "2"}), [], "editor", "v1", T1) == []


def test_client_written_managed_fields_replace_the_stored_ones_and_empty_resets_them() -> None:
    stored_managed = update_managed_fields(None, _cm({"a": "1"}), [], "creator", "v1", T0)
    old = _stored(_cm({"a": "1"}), stored_managed)
    migrated = [{**stored_managed[0], "manager": "kubectl", "operation": "Apply"}]
    new = _cm({"a": "1"}, managedFields=migrated)
    managed = update_managed_fields(old, new, stored_managed, "kubectl", "v1", T1)
    assert [(e["manager"], e["operation"]) for e in managed] == [("kubectl", "Apply")]
    for reset in ([], [{}]):
        new = _cm({"a": "1"}, managedFields=reset)
        assert update_managed_fields(old, new, stored_managed, "x", "v1", T1) == []
    # managedFields dropped from the body: the stored ones carry on
    assert update_managed_fields(old, _cm({"a": "1"}), stored_managed, "x", "v1", T1) == (
        stored_managed
    )


def test_update_entries_beyond_ten_fold_into_ancient_changes() -> None:
    server = _Server(CONFIGMAP, kind="ConfigMap")
    data: dict[str, str] = {}
    for i in range(11):
        data = {**data, f"k{i}": "v"}
        server.update(f"m{i}", {"metadata": {"name": "cm"}, "data": data})
    managers = [e["manager"] for e in server.managed]
    assert len(managers) == 10
    assert managers[0] == ANCIENT_CHANGES
    assert "m0" not in managers and "m1" not in managers
    ancient = _entry(server.managed, ANCIENT_CHANGES)
    assert ancient["time"] == "2024-05-01T10:00:02Z"  # the newest entry folded in
    assert server.owned(ANCIENT_CHANGES) == {".data", ".data.k0", ".data.k1"}


# --------------------------------------------------------------------------- apply


def test_apply_creates_the_object_and_owns_what_it_applied() -> None:
    config = _cm({"k": "v"}, labels={"app": "x"})
    obj, managed = apply(
        None, config, "kubectl", "v1", False, None, CONFIGMAP, T0, kind="ConfigMap"
    )
    assert obj["data"] == {"k": "v"}
    assert obj["metadata"]["managedFields"] == managed
    assert managed == [
        {
            "manager": "kubectl",
            "operation": "Apply",
            "apiVersion": "v1",
            "time": T0,
            "fieldsType": "FieldsV1",
            "fieldsV1": {"f:data": {"f:k": {}}, "f:metadata": {"f:labels": {"f:app": {}}}},
        }
    ]
    config["data"]["k"] = "changed"
    assert obj["data"] == {"k": "v"}  # no container shared with the input


def test_reapply_without_a_field_removes_it() -> None:
    server = _Server(CONFIGMAP, kind="ConfigMap")
    server.apply("kubectl", {"metadata": {"name": "cm", "labels": {"a": "1"}}, "data": {"x": "1"}})
    server.apply("kubectl", {"metadata": {"name": "cm"}, "data": {"y": "2"}})
    assert server.obj is not None
    assert server.obj["data"] == {"y": "2"}
    assert "labels" not in server.obj["metadata"]
    assert server.owned("kubectl") == {".data.y"}


def test_reapply_without_a_field_keeps_it_when_someone_else_owns_it() -> None:
    server = _Server(CONFIGMAP, kind="ConfigMap")
    server.apply("kubectl", {"metadata": {"name": "cm"}, "data": {"x": "1", "y": "1"}})
    server.update("editor", {"metadata": {"name": "cm"}, "data": {"x": "2", "y": "1"}})
    server.apply("other", {"metadata": {"name": "cm"}, "data": {"y": "1"}})
    server.apply("kubectl", {"metadata": {"name": "cm"}, "data": {}})
    assert server.obj is not None
    assert server.obj["data"] == {"x": "2", "y": "1"}  # x: the editor's; y: shared with other
    assert server.owned("kubectl") == {".data"}  # an empty map is a field of its own
    assert server.owned("editor") == {".data.x"}
    assert server.owned("other") == {".data.y"}


def test_conflict_with_client_side_apply_is_reported_as_upstream() -> None:
    created = _cm({"k": "v1"})
    live = _stored(
        created,
        update_managed_fields(None, created, [], "kubectl-client-side-apply", "v1", T0),
    )
    config = _cm({"k": "v2"})
    with pytest.raises(Conflict) as caught:
        apply(live, config, "kubectl", "v1", False, None, CONFIGMAP, T1, kind="ConfigMap")
    error = caught.value
    assert isinstance(error, ApplyConflict)
    assert error.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": (
            'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1:'
            " .data.k"
        ),
        "reason": "Conflict",
        "details": {
            "causes": [
                {
                    "reason": "FieldManagerConflict",
                    "message": 'conflict with "kubectl-client-side-apply" using v1',
                    "field": ".data.k",
                }
            ]
        },
        "code": 409,
    }


def test_several_conflicts_are_listed_per_manager() -> None:
    server = _Server(DEPLOYMENT, "apps/v1", "Deployment")
    server.apply("b-applier", {"metadata": {"name": "web"}, "spec": {"replicas": 1}})
    server.update(
        "a-editor",
        {"metadata": {"name": "web", "labels": {"x": "1", "y": "1"}}, "spec": {"replicas": 1}},
        subresource="",
    )
    config = {"metadata": {"name": "web", "labels": {"x": "2", "y": "2"}}, "spec": {"replicas": 2}}
    with pytest.raises(ApplyConflict) as caught:
        server.apply("kubectl", config)
    assert caught.value.message == (
        "Apply failed with 3 conflicts: "
        'conflicts with "a-editor" using apps/v1:\n'
        "- .metadata.labels.x\n"
        "- .metadata.labels.y\n"
        'conflicts with "b-applier":\n'
        "- .spec.replicas"
    )
    assert [c["field"] for c in caught.value.status()["details"]["causes"]] == [
        ".metadata.labels.x",
        ".metadata.labels.y",
        ".spec.replicas",
    ]


def test_force_takes_ownership_from_the_others() -> None:
    server = _Server(DEPLOYMENT, "apps/v1", "Deployment")
    server.apply("one", {"metadata": {"name": "web"}, "spec": {"replicas": 1}})
    server.apply("two", {"metadata": {"name": "web"}, "spec": {"replicas": 3}}, force=True)
    assert server.obj is not None and server.obj["spec"] == {"replicas": 3}
    assert server.owned("one") == set()
    assert server.owned("two") == {".spec.replicas"}


def test_same_value_is_shared_without_conflict() -> None:
    # SMD merge/multiple_appliers_test.go "same_value_no_conflict"
    server = _Server(NAMED)
    server.apply("apply-one", {"list": [{"name": "a", "value": 0}]})
    server.apply("apply-two", {"list": [{"name": "a", "value": 0}]})
    shared = {'.list[name="a"]', '.list[name="a"].name', '.list[name="a"].value'}
    assert server.owned("apply-one") == shared
    assert server.owned("apply-two") == shared
    with pytest.raises(ApplyConflict) as caught:
        server.apply("apply-two", {"list": [{"name": "a", "value": 1}]})
    assert caught.value.conflicts == (('conflict with "apply-one"', '.list[name="a"].value'),)


def test_dropping_list_items_keeps_those_another_applier_owns() -> None:
    # SMD merge/multiple_appliers_test.go "remove_one_keep_one"
    server = _Server(NAMED)
    server.apply("apply-one", {"list": [{"name": "a"}, {"name": "b"}, {"name": "c"}]})
    server.apply("apply-two", {"list": [{"name": "c"}, {"name": "d"}]})
    server.apply("apply-one", {"list": [{"name": "a"}]})
    assert server.obj is not None
    assert server.obj["list"] == [{"name": "a"}, {"name": "c"}, {"name": "d"}]
    assert server.owned("apply-one") == {'.list[name="a"]', '.list[name="a"].name'}
    assert server.owned("apply-two") == {
        '.list[name="c"]',
        '.list[name="c"].name',
        '.list[name="d"]',
        '.list[name="d"].name',
    }


def test_containers_merge_by_name() -> None:
    server = _Server(DEPLOYMENT, "apps/v1", "Deployment")
    pod = {"containers": [{"name": "web", "image": "nginx:1"}, {"name": "log", "image": "fb"}]}
    server.apply("kubectl", {"metadata": {"name": "d"}, "spec": {"template": {"spec": pod}}})
    sidecar = {"containers": [{"name": "proxy", "image": "envoy"}]}
    server.apply("mesh", {"metadata": {"name": "d"}, "spec": {"template": {"spec": sidecar}}})
    pod = {"containers": [{"name": "web", "image": "nginx:2"}, {"name": "log", "image": "fb"}]}
    server.apply("kubectl", {"metadata": {"name": "d"}, "spec": {"template": {"spec": pod}}})
    assert server.obj is not None
    assert server.obj["spec"]["template"]["spec"]["containers"] == [
        {"name": "web", "image": "nginx:2"},
        {"name": "log", "image": "fb"},
        {"name": "proxy", "image": "envoy"},
    ]
    assert server.owned("mesh") == {
        '.spec.template.spec.containers[name="proxy"]',
        '.spec.template.spec.containers[name="proxy"].image',
        '.spec.template.spec.containers[name="proxy"].name',
    }


def test_list_map_order_follows_the_config_around_live_only_items() -> None:
    # SMD typed/merge_test.go "associative list"
    live = {"list": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}
    config = {"list": [{"name": "c"}, {"name": "a"}]}
    assert merge(live, config, NAMED) == {"list": [{"name": "b"}, {"name": "c"}, {"name": "a"}]}


@pytest.mark.parametrize(
    ("live", "config", "merged"),
    [  # SMD typed/merge_test.go set cases
        (["a", "b", "c", "g", "f"], ["c", "d", "e", "f"], ["a", "b", "c", "g", "d", "e", "f"]),
        (["a", "b", "c", "d"], ["d", "e", "f", "a"], ["b", "c", "d", "e", "f", "a"]),
        (
            ["a", "b", "c", "d", "e", "c"],
            ["1", "b", "2", "c", "e", "d"],
            ["a", "1", "b", "2", "c", "e", "d"],
        ),
        (["a", "a", "b", "b"], ["b", "c", "d"], ["a", "a", "b", "c", "d"]),
        (["a", "b", "c"], [], ["a", "b", "c"]),
    ],
)
def test_set_lists_merge_as_a_union(live: list[str], config: list[str], merged: list[str]) -> None:
    assert merge({"list": live}, {"list": config}, SETS) == {"list": merged}


def test_set_items_are_owned_one_by_one() -> None:
    # SMD merge/set_test.go "apply_update_apply_no_overlap"
    server = _Server(SETS)
    server.apply("default", {"list": ["a", "c"]})
    server.update("controller", {"list": ["a", "b", "c", "d"]})
    server.apply("default", {"list": ["a", "aprime", "c", "cprime"]})
    assert server.obj is not None
    assert server.obj["list"] == ["a", "b", "aprime", "c", "d", "cprime"]
    assert server.owned("default") == {
        '.list[="a"]',
        '.list[="aprime"]',
        '.list[="c"]',
        '.list[="cprime"]',
    }
    assert server.owned("controller") == {'.list[="b"]', '.list[="d"]'}


def test_finalizers_are_a_set_and_owner_references_keyed_by_uid() -> None:
    server = _Server(CONFIGMAP, kind="ConfigMap")
    server.apply("kubectl", {"metadata": {"name": "cm", "finalizers": ["a"]}})
    server.apply(
        "gc",
        {
            "metadata": {
                "name": "cm",
                "finalizers": ["b"],
                "ownerReferences": [{"uid": "u1", "name": "o"}],
            }
        },
    )
    assert server.obj is not None
    assert server.obj["metadata"]["finalizers"] == ["a", "b"]
    assert server.owned("gc") == {
        '.metadata.finalizers[="b"]',
        '.metadata.ownerReferences[uid="u1"]',
        '.metadata.ownerReferences[uid="u1"].name',
        '.metadata.ownerReferences[uid="u1"].uid',
    }


def test_atomic_lists_and_maps_are_replaced_and_owned_whole() -> None:
    server = _Server(DEPLOYMENT, "apps/v1", "Deployment")
    pod = {
        "containers": [{"name": "c", "args": ["a", "b"]}],
        "nodeSelector": {"disk": "ssd", "zone": "a"},
    }
    server.apply("one", {"metadata": {"name": "d"}, "spec": {"template": {"spec": pod}}})
    pod = {"containers": [{"name": "c", "args": ["z"]}], "nodeSelector": {"disk": "hdd"}}
    with pytest.raises(ApplyConflict) as caught:
        server.apply("two", {"metadata": {"name": "d"}, "spec": {"template": {"spec": pod}}})
    assert [field for _, field in caught.value.conflicts] == [
        ".spec.template.spec.nodeSelector",
        '.spec.template.spec.containers[name="c"].args',
    ]
    server.apply("two", {"metadata": {"name": "d"}, "spec": {"template": {"spec": pod}}}, True)
    assert server.obj is not None
    assert server.obj["spec"]["template"]["spec"] == {
        "containers": [{"name": "c", "args": ["z"]}],
        "nodeSelector": {"disk": "hdd"},
    }


def test_ports_are_keyed_by_container_port_and_defaulted_protocol() -> None:
    server = _Server(DEPLOYMENT, "apps/v1", "Deployment")
    ports = [{"containerPort": 80}, {"containerPort": 80, "protocol": "UDP"}]
    pod = {"containers": [{"name": "c", "ports": ports}]}
    server.apply("kubectl", {"metadata": {"name": "d"}, "spec": {"template": {"spec": pod}}})
    pod = {"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "http"}]}]}
    server.apply("kubectl", {"metadata": {"name": "d"}, "spec": {"template": {"spec": pod}}})
    assert server.obj is not None
    assert server.obj["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "name": "http"}
    ]


def test_meta_fields_are_never_owned() -> None:
    config = _cm(
        {},
        uid="x",
        resourceVersion="5",
        generation=3,
        creationTimestamp=T0,
        labels={"a": "b"},
    )
    _, managed = apply(None, config, "kubectl", "v1", False, None, CONFIGMAP, T0)
    assert managed[0]["fieldsV1"] == {"f:data": {}, "f:metadata": {"f:labels": {"f:a": {}}}}


def test_noop_apply_keeps_the_object_and_the_times() -> None:
    server = _Server(CONFIGMAP, kind="ConfigMap")
    server.apply("kubectl", {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    before = server.obj
    server.apply("kubectl", {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    assert server.obj == before
    # a second manager applying the same value shares ownership but gets no time
    server.apply("other", {"metadata": {"name": "cm"}, "data": {"a": "1"}})
    entry = _entry(server.managed, "other")
    assert "time" not in entry
    assert server.owned("other") == {".data.a"}


def test_first_apply_to_an_untracked_object_records_before_first_apply() -> None:
    live = _stored(_cm({"a": "1", "b": "1"}, labels={"x": "y"}), [])
    obj, managed = apply(live, _cm({"a": "2"}), "kubectl", "v1", True, [], CONFIGMAP, T1)
    assert obj["data"] == {"a": "2", "b": "1"}
    assert _owners(managed) == {
        ("kubectl", "Apply"): {"f:data": {"f:a": {}}},
        (BEFORE_FIRST_APPLY, "Update"): {
            "f:data": {".": {}, "f:b": {}},
            "f:metadata": {"f:labels": {".": {}, "f:x": {}}},
        },
    }
    with pytest.raises(ApplyConflict, match='conflict with "before-first-apply" using v1'):
        apply(live, _cm({"a": "2"}), "kubectl", "v1", False, [], CONFIGMAP, T1)


def test_apply_rejects_managed_fields_in_the_body() -> None:
    config = _cm({"a": "1"}, managedFields=[{"manager": "x"}])
    with pytest.raises(BadRequest) as caught:
        apply(None, config, "kubectl", "v1", False, None, CONFIGMAP, T0)
    assert caught.value.status()["message"] == "metadata.managedFields must be nil"
    assert caught.value.code == 400


@pytest.mark.parametrize(
    ("api_version", "kind", "message"),
    [
        ("apps/v1", "ConfigMap", "invalid object type: apps/v1, Kind=ConfigMap"),
        ("v1", "Secret", "invalid object type: /v1, Kind=Secret"),
        (None, None, "invalid object type: /, Kind="),
    ],
)
def test_apply_rejects_a_body_of_another_version_or_kind(
    api_version: str | None, kind: str | None, message: str
) -> None:
    config: dict[str, Any] = {"metadata": {"name": "cm"}, "data": {}}
    if api_version:
        config["apiVersion"] = api_version
    if kind:
        config["kind"] = kind
    with pytest.raises(BadRequest, match=message):
        apply(None, config, "kubectl", "v1", False, None, CONFIGMAP, T0, kind="ConfigMap")


def test_apply_rejects_bodies_the_schema_cannot_walk() -> None:
    containers = [{"name": "c", "image": "a"}, {"name": "c", "image": "b"}, {"image": "x"}]
    config = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ns"},
        "spec": {"replicas": "two", "template": {"spec": {"containers": containers}}},
    }
    with pytest.raises(StatusError) as caught:
        apply(None, config, "kubectl", "apps/v1", False, None, DEPLOYMENT, T0)
    assert caught.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": (
            "failed to create typed patch object (ns/web; apps/v1, Kind=Deployment): errors:\n"
            "  .spec.replicas: expected numeric (int or float), got string\n"
            '  .spec.template.spec.containers: duplicate entries for key [name="c"]\n'
            "  .spec.template.spec.containers: element 2: associative list with keys has an"
            ' element that omits key field "name" (and doesn\'t have default value)'
        ),
        "code": 500,
    }


def test_kubectl_takes_over_what_client_side_apply_recorded() -> None:
    last = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v1"}})
    created = _cm({"k": "v1", "other": "x"}, annotations={LAST_APPLIED_ANNOTATION: last})
    live = _stored(
        created,
        update_managed_fields(None, created, [], "kubectl-client-side-apply", "v1", T0),
    )
    config = _cm({"k": "v2"}, annotations={})
    obj, managed = apply(live, config, "kubectl", "v1", False, None, CONFIGMAP, T1)
    assert obj["data"] == {"k": "v2", "other": "x"}
    assert _owners(managed)[("kubectl", "Apply")] == {
        "f:data": {"f:k": {}},
        "f:metadata": {"f:annotations": {}},
    }
    # the annotation now holds the applied configuration, as Go's json.Encoder writes it
    assert obj["metadata"]["annotations"][LAST_APPLIED_ANNOTATION] == (
        '{"apiVersion":"v1","data":{"k":"v2"},"kind":"ConfigMap",'
        '"metadata":{"annotations":{},"name":"cm","namespace":"default"}}\n'
    )
    # "other" was not in the annotation: changing it is still a conflict, and only it is listed
    with pytest.raises(ApplyConflict) as caught:
        apply(live, _cm({"k": "v2", "other": "y"}), "kubectl", "v1", False, None, CONFIGMAP, T1)
    assert caught.value.conflicts == (
        ('conflict with "kubectl-client-side-apply" using v1', ".data.other"),
    )
    # any other manager name gets no such leniency
    with pytest.raises(ApplyConflict):
        apply(live, config, "helm", "v1", False, None, CONFIGMAP, T1)


def test_undecodable_stored_entries_fail_apply_but_not_updates() -> None:
    bad = [{"manager": "x", "operation": "Patch", "apiVersion": "v1", "fieldsType": "FieldsV1"}]
    live = _stored(_cm({"a": "1"}), bad)
    with pytest.raises(StatusError, match="failed to decode managed fields: operation must be"):
        apply(live, _cm({"a": "2"}), "kubectl", "v1", False, None, CONFIGMAP, T1)
    assert update_managed_fields(live, _cm({"a": "2"}), bad, "editor", "v1", T1) == []


# --------------------------------------------------------------------------- edge helpers


def test_manager_defaults_to_the_user_agent_prefix() -> None:
    assert manager_or_user_agent("mine", "kubectl/v1.32.4") == "mine"
    assert manager_or_user_agent("", "kubectl/v1.32.4 (linux/amd64)") == "kubectl"
    assert manager_or_user_agent("", "a\tb" + "é" * 100) == "ab" + "é" * 63


def test_patch_options_errors_read_as_upstream() -> None:
    errors = patch_options_errors("", None, apply=True)
    assert str(Invalid(GroupKind("meta.k8s.io", "PatchOptions"), "", errors)) == (
        'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: '
        "is required for apply patch"
    )
    (error,) = patch_options_errors("m", True, apply=False)
    assert str(error) == "force: Forbidden: may not be specified for non-apply patch"
    (error,) = patch_options_errors("a\tb", None, apply=False)
    assert (
        str(error)
        == 'fieldManager: Invalid value: "a\\tb": invalid character U+0009 (at position 1)'
    )


_data = st.dictionaries(st.sampled_from("abcdef"), st.sampled_from(["1", "2"]), max_size=6)


@settings(max_examples=100, deadline=None)
@given(_data, _data)
def test_a_lone_applier_ends_with_exactly_what_it_applied(first: Any, second: Any) -> None:
    server = _Server(CONFIGMAP, kind="ConfigMap")
    server.apply("kubectl", {"metadata": {"name": "cm"}, "data": first})
    server.apply("kubectl", {"metadata": {"name": "cm"}, "data": second})
    assert server.obj is not None
    assert server.obj.get("data", {}) == second
    owned = {f".data.{k}" for k in second} if second else {".data"}
    assert server.owned("kubectl") == owned


def test_untyped_data_merges_maps_and_replaces_lists() -> None:
    server = _Server(UNKNOWN, "example.com/v1", "Widget")
    server.apply("a", {"metadata": {"name": "w"}, "spec": {"size": 1, "tags": ["x", "y"]}})
    server.apply("b", {"metadata": {"name": "w"}, "spec": {"color": "red"}})
    with pytest.raises(ApplyConflict, match=r"\.spec\.tags"):
        server.apply("b", {"metadata": {"name": "w"}, "spec": {"tags": ["z"]}})
    assert server.obj is not None
    assert server.obj["spec"] == {"size": 1, "tags": ["x", "y"], "color": "red"}
    assert server.owned("a") == {".spec", ".spec.size", ".spec.tags"}
    assert server.owned("b") == {".spec", ".spec.color"}


def test_apply_does_not_own_reset_fields() -> None:
    config = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 1},
        "status": {"replicas": 9},
    }
    obj, managed = apply(
        None,
        config,
        "kubectl",
        "apps/v1",
        False,
        None,
        DEPLOYMENT,
        T0,
        kind="Deployment",
        reset_fields=fieldset_from_dotted("status"),
    )
    assert managed[0]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert obj["status"] == {"replicas": 9}  # the strategy, not the field manager, resets it


def test_status_apply_is_its_own_entry() -> None:
    server = _Server(DEPLOYMENT, "apps/v1", "Deployment")
    server.apply("kubectl", {"metadata": {"name": "web"}, "spec": {"replicas": 1}})
    assert server.obj is not None
    live = server.obj
    config = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "status": {"replicas": 1},
    }
    _, managed = apply(
        live, config, "kubectl", "apps/v1", False, None, DEPLOYMENT, T3, subresource="status"
    )
    assert [(e["manager"], e["operation"], e.get("subresource")) for e in managed] == [
        ("kubectl", "Apply", None),
        ("kubectl", "Apply", "status"),
    ]
