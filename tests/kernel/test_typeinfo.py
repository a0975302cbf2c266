"""Walking an object's schema: refs, extensions on the referring field, maps and lists."""

from __future__ import annotations

from minikube_py.typeinfo import UNKNOWN, ListType, SchemaNode, Shape

DEFINITIONS = {
    "PodSpec": {
        "type": "object",
        "properties": {
            "containers": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/Container"},
                "x-kubernetes-list-map-keys": ["name"],
                "x-kubernetes-list-type": "map",
                "x-kubernetes-patch-merge-key": "name",
                "x-kubernetes-patch-strategy": "merge",
            },
            "nodeSelector": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "x-kubernetes-map-type": "atomic",
            },
            "tolerations": {"type": "array", "items": {"type": "object", "properties": {}}},
            "volumes": {
                "type": ["array", "null"],
                "items": {"allOf": [{"$ref": "#/$defs/Volume"}]},
                "x-kubernetes-patch-strategy": "merge,retainKeys",
                "x-kubernetes-patch-merge-key": "name",
            },
        },
    },
    "Container": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "args": {"type": "array", "items": {}}},
    },
    "Volume": {"type": "object", "properties": {"name": {"type": "string"}}},
}


def test_walks_refs_and_keeps_the_referring_fields_extensions() -> None:
    spec = SchemaNode({"$ref": "#/components/schemas/PodSpec"}, DEFINITIONS)
    assert spec.shape is Shape.OBJECT
    containers = spec.field("containers")
    assert containers is not None
    assert containers.shape is Shape.LIST
    assert containers.patch_merge_key == "name"
    assert containers.patch_strategies == frozenset({"merge"})
    assert containers.list_type is ListType.MAP
    assert containers.list_map_keys == ("name",)
    container = containers.items()
    assert container.shape is Shape.OBJECT
    name = container.field("name")
    assert name is not None and name.shape is Shape.SCALAR
    assert container.field("bogus") is None


def test_maps_lists_without_metadata_and_allof_refs() -> None:
    spec = SchemaNode(DEFINITIONS["PodSpec"], DEFINITIONS)
    selector = spec.field("nodeSelector")
    assert selector is not None and selector.shape is Shape.MAP
    assert selector.map_type == "atomic"
    value = selector.field("any-key")
    assert value is not None and value.shape is Shape.SCALAR
    tolerations = spec.field("tolerations")
    assert tolerations is not None and tolerations.list_type is None
    assert not tolerations.patch_strategies
    volumes = spec.field("volumes")
    assert volumes is not None and volumes.shape is Shape.LIST
    assert volumes.patch_strategies == frozenset({"merge", "retainKeys"})
    assert volumes.items().shape is Shape.OBJECT


def test_unknown_data_walks_on_without_metadata() -> None:
    assert UNKNOWN.field("x") is UNKNOWN
    assert UNKNOWN.items() is UNKNOWN
    preserved = SchemaNode({"type": "object", "x-kubernetes-preserve-unknown-fields": True}, {})
    assert preserved.shape is Shape.UNKNOWN
    assert preserved.field("anything") is UNKNOWN
    child = SchemaNode(DEFINITIONS["Container"], DEFINITIONS).field("args")
    assert child is not None and child.items().shape is Shape.UNKNOWN


def test_children_are_cached() -> None:
    spec = SchemaNode(DEFINITIONS["PodSpec"], DEFINITIONS)
    assert spec.field("containers") is spec.field("containers")
