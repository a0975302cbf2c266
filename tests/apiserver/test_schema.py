"""The built-in schemas, and decoding request bodies against them as kube-apiserver does."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from apiserver.schema import (
    GroupVersionKind,
    all_definitions,
    check_object,
    check_patched,
    decode_check,
    definition_name,
    find_duplicate_fields,
    json_patch_strict_errors,
    known_gvks,
    load_seconds,
    prune_unknown,
    required_fields,
    type_node,
    validate_field_validation,
)
from apiserver.schema.golang import (
    QUANTITY_FORMAT_ERROR,
    QUANTITY_SUFFIX_ERROR,
    base64_error,
    go_float,
    go_sprint,
    quantity_parse_error,
    time_parse_error,
)
from minikube_py.errors import BadRequest, Invalid
from minikube_py.typeinfo import ListType, SchemaNode, Shape

DEPLOYMENT = ("apps", "v1", "Deployment")
POD = ("", "v1", "Pod")


def pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "labels": {"app": "web", "example.com/any key!": "x"},
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
            "finalizers": ["example.com/x"],
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u1"}
            ],
            "managedFields": [
                {
                    "manager": "kubectl",
                    "operation": "Update",
                    "apiVersion": "v1",
                    "time": "2024-01-01T00:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}},
                }
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": "nginx:1.27",
                    "args": ["--port", "8080"],
                    "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                    "env": [{"name": "A", "value": "1"}],
                    "resources": {"limits": {"cpu": "500m", "memory": 134217728}},
                    "livenessProbe": {"httpGet": {"path": "/", "port": "http"}},
                    "readinessProbe": {"tcpSocket": {"port": 8080}},
                }
            ],
            "nodeSelector": {"kubernetes.io/os": "linux"},
            "tolerations": [{"key": "k", "operator": "Exists", "tolerationSeconds": 300}],
            "terminationGracePeriodSeconds": 30,
            "hostNetwork": False,
        },
        "status": {
            "phase": "Running",
            "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": "2024-01-01T00:00:05Z"}
            ],
        },
    }


def deployment() -> dict[str, Any]:
    template_spec = pod()["spec"]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1},
            },
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": template_spec},
        },
    }


def decode_error(obj: Any, gvk: tuple[str, str, str] = DEPLOYMENT, **kwargs: Any) -> str:
    with pytest.raises(BadRequest) as raised:
        decode_check(obj, *gvk, **kwargs)
    assert raised.value.code == 400
    return raised.value.message


# --------------------------------------------------------------------------------------------
# Definitions: loading, the kind index, the cleaned schemas


def test_definitions_load_once_and_are_shared() -> None:
    first = all_definitions()
    assert all_definitions() is first
    assert len(first) == 638
    seconds = load_seconds()
    assert seconds > 0
    assert load_seconds() == seconds  # not loaded again
    assert type_node(*DEPLOYMENT) is type_node(*DEPLOYMENT)


@pytest.mark.parametrize(
    ("gvk", "name"),
    [
        (DEPLOYMENT, "io.k8s.api.apps.v1.Deployment"),
        (POD, "io.k8s.api.core.v1.Pod"),
        (("", "v1", "ConfigMap"), "io.k8s.api.core.v1.ConfigMap"),
        (("coordination.k8s.io", "v1", "Lease"), "io.k8s.api.coordination.v1.Lease"),
        (
            ("apiextensions.k8s.io", "v1", "CustomResourceDefinition"),
            "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition",
        ),
        (
            ("apiregistration.k8s.io", "v1", "APIService"),
            "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService",
        ),
        (("autoscaling", "v1", "Scale"), "io.k8s.api.autoscaling.v1.Scale"),
        (("apps", "v1", "DeleteOptions"), "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"),
    ],
)
def test_served_kinds_are_indexed_by_group_version_kind(
    gvk: tuple[str, str, str], name: str
) -> None:
    assert definition_name(gvk) == name
    assert GroupVersionKind(*gvk) in known_gvks()


@pytest.mark.parametrize(
    ("gvk", "defined"),
    [
        (("resource.k8s.io", "v1beta1", "ResourceClaim"), True),  # beta: off by default
        (("coordination.k8s.io", "v1alpha2", "LeaseCandidate"), True),
        (("apps", "v1beta1", "Deployment"), False),  # removed long ago
        (("flowcontrol.apiserver.k8s.io", "v1beta3", "FlowSchema"), False),  # removed in 1.32
        (("admission.k8s.io", "v1", "AdmissionReview"), False),  # a webhook payload
    ],
)
def test_versions_a_default_server_does_not_serve_are_not_known(
    gvk: tuple[str, str, str], defined: bool
) -> None:
    assert GroupVersionKind(*gvk) not in known_gvks()
    with pytest.raises(KeyError):
        definition_name(gvk)
    if defined:
        assert definition_name(gvk, served_only=False).endswith("." + gvk[2])
    else:
        with pytest.raises(KeyError):
            definition_name(gvk, served_only=False)


def test_group_version_kind_prints_like_go() -> None:
    assert str(GroupVersionKind("apps", "v1", "Deployment")) == "apps/v1, Kind=Deployment"
    assert str(GroupVersionKind("", "v1", "Pod")) == "/v1, Kind=Pod"


def test_converter_artifacts_are_undone() -> None:
    defs = all_definitions()

    def walk(schema: Any) -> None:
        if isinstance(schema, dict):
            assert not isinstance(schema.get("type"), list), schema
            ref = schema.get("$ref")
            if ref is not None:
                assert ref.startswith("#/components/schemas/")
                assert len(schema) == 1  # siblings go beside an allOf, as in upstream v3
            for key, value in schema.items():
                if key == "properties":
                    for prop in value.values():
                        walk(prop)
                elif key != "x-kubernetes-group-version-kind":
                    walk(value)
        elif isinstance(schema, list):
            for item in schema:
                walk(item)

    for schema in defs.values():
        walk(schema)
    deployment_props = defs["io.k8s.api.apps.v1.Deployment"]["properties"]
    assert deployment_props["kind"] == {
        "description": deployment_props["kind"]["description"],
        "type": "string",
    }
    assert "enum" not in deployment_props["apiVersion"]
    int_or_string = defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]
    assert int_or_string["format"] == "int-or-string"
    assert int_or_string["oneOf"] == [{"type": "integer"}, {"type": "string"}]
    assert int_or_string["description"].startswith("IntOrString is a type that can hold")
    quantity = defs["io.k8s.apimachinery.pkg.api.resource.Quantity"]
    assert quantity["oneOf"] == [{"type": "string"}, {"type": "number"}]
    assert quantity["description"].startswith("Quantity is a fixed-point representation")
    assert defs["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"] == {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}],
        "description": "The deployment strategy to use to replace existing pods with new ones.",
        "x-kubernetes-patch-strategy": "retainKeys",
    }


def test_type_nodes_carry_list_and_patch_metadata_on_real_paths() -> None:
    pod_spec = type_node(*POD).field("spec")
    assert pod_spec is not None
    containers = pod_spec.field("containers")
    assert containers is not None and containers.shape is Shape.LIST
    assert containers.patch_merge_key == "name"
    assert containers.patch_strategies == frozenset({"merge"})
    assert containers.list_type is ListType.MAP
    assert containers.list_map_keys == ("name",)
    volumes = pod_spec.field("volumes")
    assert volumes is not None and volumes.patch_strategies == frozenset({"merge", "retainKeys"})
    node_selector = pod_spec.field("nodeSelector")
    assert node_selector is not None
    assert (node_selector.shape, node_selector.map_type) == (Shape.MAP, "atomic")

    ports = type_node("", "v1", "Service").field("spec").field("ports")  # type: ignore[union-attr]
    assert ports is not None
    assert ports.patch_merge_key == "port"
    assert ports.list_map_keys == ("port", "protocol")

    finalizers = type_node(*POD).field("metadata").field("finalizers")  # type: ignore[union-attr]
    assert finalizers is not None
    assert finalizers.list_type is ListType.SET
    assert finalizers.patch_strategies == frozenset({"merge"})
    assert finalizers.items().shape is Shape.SCALAR

    spec = type_node(*DEPLOYMENT).field("spec")
    assert spec is not None
    strategy = spec.field("strategy")
    assert strategy is not None and strategy.shape is Shape.OBJECT
    assert strategy.patch_strategies == frozenset({"retainKeys"})
    selector = spec.field("selector")
    assert selector is not None and selector.map_type == "atomic"


def test_required_fields() -> None:
    spec = type_node(*DEPLOYMENT).field("spec")
    assert spec is not None
    assert required_fields(spec) == ("selector", "template")
    container = type_node(*POD).field("spec").field("containers").items()  # type: ignore[union-attr]
    assert required_fields(container) == ("name",)
    assert required_fields(type_node("", "v1", "ConfigMap")) == ()


# --------------------------------------------------------------------------------------------
# Unknown fields and pruning


def test_valid_objects_come_back_as_they_are() -> None:
    for obj, gvk in ((pod(), POD), (deployment(), DEPLOYMENT)):
        result = decode_check(obj, *gvk, field_validation="Strict")
        assert result.obj is obj
        assert result.warnings == ()


def test_unknown_fields_are_warned_about_and_pruned_without_touching_the_input() -> None:
    obj = deployment()
    obj["bogus"] = 1
    obj["spec"]["bogus"] = {"deep": True}
    obj["spec"]["template"]["spec"]["containers"][0]["bogus"] = 1
    obj["spec"]["template"]["spec"]["containers"][0]["ports"][0]["bogus"] = 1
    obj["spec"]["template"]["spec"]["Containers"] = []  # names match case-sensitively
    before = copy.deepcopy(obj)

    result = decode_check(obj, *DEPLOYMENT)

    assert result.warnings == (  # in document order
        'unknown field "spec.template.spec.containers[0].ports[0].bogus"',
        'unknown field "spec.template.spec.containers[0].bogus"',
        'unknown field "spec.template.spec.Containers"',
        'unknown field "spec.bogus"',
        'unknown field "bogus"',
    )
    assert obj == before
    assert result.obj == deployment()
    # unchanged subtrees are shared, not copied
    assert result.obj["metadata"] is obj["metadata"]


def test_map_keys_are_never_unknown_and_raw_json_fields_take_anything() -> None:
    revision = {
        "apiVersion": "apps/v1",
        "kind": "ControllerRevision",
        "metadata": {"name": "r", "annotations": {"any/key": "v"}},
        "data": {"spec": {"anything": [1, {"goes": None}]}},
        "revision": 1,
    }
    assert decode_check(revision, "apps", "v1", "ControllerRevision").warnings == ()
    config_map = {"metadata": {"name": "c"}, "data": {"weird key .?": "v"}}
    assert decode_check(config_map, "", "v1", "ConfigMap").warnings == ()
    obj = pod()  # managedFields[].fieldsV1 holds arbitrary keys
    assert decode_check(obj, *POD).warnings == ()


def crd(openapi: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {"openAPIV3Schema": openapi},
                }
            ],
        },
    }


CRD = ("apiextensions.k8s.io", "v1", "CustomResourceDefinition")


def test_crd_schemas_decode_strictly_except_below_custom_decoders() -> None:
    openapi = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "x-kubernetes-preserve-unknown-fields": True,
                "bogus": 1,  # properties is a map of structs: strict
                "properties": {"size": {"type": "integer", "default": {"any": ["json"]}}},
            },
            # additionalProperties/items are decoded by a second, non-strict decoder
            "labels": {"type": "object", "additionalProperties": {"type": "string", "x": 1}},
            "list": {"type": "array", "items": {"type": "string", "y": 2}},
        },
    }
    result = decode_check(crd(openapi), *CRD)
    assert result.warnings == (
        'unknown field "spec.versions[0].schema.openAPIV3Schema.properties.spec.bogus"',
    )
    pruned = result.obj["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
    assert pruned["spec"]["properties"]["size"]["default"] == {"any": ["json"]}
    assert pruned["labels"]["additionalProperties"] == {"type": "string"}
    assert pruned["list"]["items"] == {"type": "string"}


def test_errors_below_custom_decoders_surface_at_the_outer_field() -> None:
    openapi = {"type": "object", "additionalProperties": {"type": 5}}
    assert decode_error(crd(openapi), CRD) == (
        'CustomResourceDefinition in version "v1" cannot be handled as a '
        "CustomResourceDefinition: json: cannot unmarshal number into Go struct field "
        "JSONSchemaProps.spec.versions.schema.openAPIV3Schema.additionalProperties of type string"
    )
    assert decode_error(crd({"additionalProperties": "yes"}), CRD).endswith(
        ": boolean or JSON schema expected"
    )


def test_prune_unknown_follows_the_schema_and_preserve_unknown_fields() -> None:
    node = SchemaNode(
        {
            "type": "object",
            "properties": {
                "spec": {
                    "type": "object",
                    "properties": {
                        "size": {"type": "integer"},
                        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                        "items": {
                            "type": "array",
                            "items": {"type": "object", "properties": {"a": {"type": "string"}}},
                        },
                    },
                }
            },
        },
        {},
    )
    obj = {
        "spec": {
            "size": None,
            "gone": 1,
            "extra": {"kept": {"x": 1}},
            "items": [{"a": "1", "b": 2}, {"a": "2"}],
        },
        "status": {},
    }
    before = copy.deepcopy(obj)
    pruned = prune_unknown(obj, node)
    assert pruned == {
        "spec": {"size": None, "extra": {"kept": {"x": 1}}, "items": [{"a": "1"}, {"a": "2"}]}
    }
    assert obj == before
    assert pruned["spec"]["extra"] is obj["spec"]["extra"]
    assert prune_unknown(pruned, node) is pruned
    # typed: Go's null rules for built-in kinds
    assert prune_unknown({"spec": {"size": None}}, node, typed=True) == {"spec": {}}


def test_nulls_are_accepted_and_resolved_as_go_stores_them() -> None:
    obj = pod()
    obj["metadata"]["creationTimestamp"] = None
    obj["metadata"]["labels"]["empty"] = None
    obj["spec"]["nodeName"] = None
    obj["spec"]["containers"][0]["args"] = ["a", None]
    obj["spec"]["tolerations"].append(None)
    result = decode_check(obj, *POD, field_validation="Strict")
    assert "creationTimestamp" not in result.obj["metadata"]
    assert result.obj["metadata"]["labels"]["empty"] == ""
    assert "nodeName" not in result.obj["spec"]
    assert result.obj["spec"]["containers"][0]["args"] == ["a", ""]
    assert result.obj["spec"]["tolerations"][-1] == {}
    assert decode_check(None, "", "v1", "ConfigMap").obj == {}


# --------------------------------------------------------------------------------------------
# Duplicate fields


def test_duplicate_fields_are_found_in_the_raw_bytes() -> None:
    raw = b'{"a":[{"b":1,"b":2}],"c":{"d":{"e":1,"e":1}},"f":1,"f":2,"f":3,"g":{"h":{"i":1,"i":2}}}'
    assert find_duplicate_fields(raw) == [
        'duplicate field "a[0].b"',
        'duplicate field "c.d.e"',
        'duplicate field "f"',  # reported once, however often it repeats
        'duplicate field "g.h.i"',
    ]
    assert find_duplicate_fields(b'{"a":1,"b":[1,1]}') == []
    assert find_duplicate_fields(b"not json") == []


def test_duplicates_below_unknown_or_raw_fields_are_not_seen_with_a_schema() -> None:
    raw = b'{"metadata":{"name":"a","name":"b"},"bogus":{"x":1,"x":2},"data":{"k":"1","k":"2"}}'
    assert find_duplicate_fields(raw, type_node("", "v1", "ConfigMap")) == [
        'duplicate field "metadata.name"',
        'duplicate field "data.k"',
    ]
    revision = b'{"metadata":{"name":"r"},"data":{"x":1,"x":2},"revision":1}'
    assert find_duplicate_fields(revision, type_node("apps", "v1", "ControllerRevision")) == []


def test_duplicate_fields_warn_and_decode_as_go_decodes_them() -> None:
    raw = (
        b'{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","name":"b"},'
        b'"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"c","image":"x"}]}}},'
        b'"spec":{"template":{"spec":{"containers":[{"name":"d"}]}}},'
        b'"metadata":{"labels":{"k":"1","k":"2"}},"bogus":1,"bogus":2}'
    )
    result = decode_check(json.loads(raw), *DEPLOYMENT, raw=raw)
    assert result.warnings == (
        'duplicate field "metadata.name"',
        'duplicate field "spec"',
        'duplicate field "metadata"',
        'duplicate field "metadata.labels.k"',
        'unknown field "bogus"',
    )
    # a repeated struct field is decoded into the first: structs merge, list items by index
    assert result.obj == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "b", "labels": {"k": "2"}},
        "spec": {
            "replicas": 1,
            "template": {"spec": {"containers": [{"name": "d", "image": "x"}]}},
        },
    }


# --------------------------------------------------------------------------------------------
# Type errors


def _set(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    target: Any = obj
    *parents, last = path.split(".")
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return obj


TEMPLATE = "spec.template.spec.containers.0"
T_SPEC = "spec.template.spec"
R_UPD = "RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge"


@pytest.mark.parametrize(
    ("path", "value", "what", "field", "go_type"),
    [
        ("spec.replicas", "3", "string", "DeploymentSpec.spec.replicas", "int32"),
        ("spec.replicas", 1.5, "number 1.5", "DeploymentSpec.spec.replicas", "int32"),
        ("spec.replicas", 2**31, "number 2147483648", "DeploymentSpec.spec.replicas", "int32"),
        ("spec.paused", "yes", "string", "DeploymentSpec.spec.paused", "bool"),
        ("spec", [], "array", "Deployment.spec", "v1.DeploymentSpec"),
        ("metadata.labels", "x", "string", "ObjectMeta.metadata.labels", "map[string]string"),
        ("metadata.labels.app", 1, "number", "ObjectMeta.metadata.labels", "string"),
        (
            "metadata.creationTimestamp",
            5,
            "number",
            "ObjectMeta.metadata.creationTimestamp",
            "string",
        ),
        (f"{T_SPEC}.containers", "x", "string", f"PodSpec.{T_SPEC}.containers", "[]v1.Container"),
        (TEMPLATE, 5, "number", f"PodSpec.{T_SPEC}.containers", "v1.Container"),
        (f"{TEMPLATE}.name", 5, "number", f"Container.{T_SPEC}.containers.name", "string"),
        (f"{TEMPLATE}.args.0", True, "bool", f"Container.{T_SPEC}.containers.args", "string"),
        (f"{TEMPLATE}.env.0.value", 1, "number", f"EnvVar.{T_SPEC}.containers.env.value", "string"),
        (
            f"{TEMPLATE}.ports.0.containerPort",
            "80",
            "string",
            f"ContainerPort.{T_SPEC}.containers.ports.containerPort",
            "int32",
        ),
        (
            f"{T_SPEC}.terminationGracePeriodSeconds",
            "30",
            "string",
            f"PodSpec.{T_SPEC}.terminationGracePeriodSeconds",
            "int64",
        ),
        ("spec.strategy.rollingUpdate.maxSurge", 1.5, "number 1.5", R_UPD, "int32"),
        ("spec.strategy.rollingUpdate.maxSurge", True, "bool", R_UPD, "int32"),
        ("spec.strategy.rollingUpdate.maxSurge", {}, "object", R_UPD, "int32"),
    ],
)
def test_type_errors_read_as_the_go_decoder_writes_them(
    path: str, value: Any, what: str, field: str, go_type: str
) -> None:
    message = decode_error(_set(deployment(), path, value))
    assert message == (
        'Deployment in version "v1" cannot be handled as a Deployment: '
        f"json: cannot unmarshal {what} into Go struct field {field} of type {go_type}"
    )


def test_int_or_string_and_quantity_take_both_forms() -> None:
    obj = deployment()
    obj["spec"]["strategy"]["rollingUpdate"] = {"maxSurge": 2, "maxUnavailable": "10%"}
    limits = {"cpu": 0.5, "memory": "1Gi", "example.com/gpu": 2, "storage": "1e3"}
    obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"] = limits
    assert decode_check(obj, *DEPLOYMENT).obj is obj


def test_custom_decoders_fail_at_once_and_win_over_an_earlier_type_error() -> None:
    obj = deployment()
    obj["spec"]["replicas"] = "x"  # would be reported if decoding went on to the end
    obj["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "lots"
    assert decode_error(obj).endswith(f": {QUANTITY_FORMAT_ERROR}")
    obj = deployment()
    obj["spec"]["replicas"] = "x"
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = 1
    assert "DeploymentSpec.spec.replicas" in decode_error(obj)  # the first one is kept


def test_type_errors_win_over_strict_findings() -> None:
    obj = deployment()
    obj["bogus"] = 1
    obj["spec"]["replicas"] = "3"
    assert "cannot unmarshal string" in decode_error(obj, field_validation="Strict")


def test_times_and_micro_times_parse_as_go_parses_them() -> None:
    lease = {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": "node-1", "namespace": "kube-node-lease"},
        "spec": {"holderIdentity": "node-1", "renewTime": "2024-01-01T00:00:00.123456Z"},
    }
    lease_gvk = ("coordination.k8s.io", "v1", "Lease")
    assert decode_check(lease, *lease_gvk).obj is lease
    lease["spec"]["renewTime"] = "2024-01-01T00:00:00Z"
    assert decode_error(lease, lease_gvk) == (
        'Lease in version "v1" cannot be handled as a Lease: parsing time '
        '"2024-01-01T00:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as '
        '".000000"'
    )
    obj = pod()
    obj["status"]["conditions"][0]["lastTransitionTime"] = "2024-13-01T00:00:00Z"
    assert decode_error(obj, POD).endswith(
        ': parsing time "2024-13-01T00:00:00Z": month out of range'
    )


def test_byte_fields_must_be_base64() -> None:
    secret = {"metadata": {"name": "s"}, "data": {"ok": "aGVsbG8=", "bad": "not base64!"}}
    assert decode_error(secret, ("", "v1", "Secret")) == (
        'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3'
    )
    assert decode_check(secret := {"data": {"k": "aGVsbG8="}}, "", "v1", "Secret").obj is secret
    # stored as Go re-encodes the bytes: newlines gone, unused bits cleared
    wrapped = {"metadata": {"name": "s"}, "data": {"k": "aGVs\nbG8=", "a": "YR=="}}
    assert decode_check(wrapped, "", "v1", "Secret").obj["data"] == {"k": "aGVsbG8=", "a": "YQ=="}


def test_api_version_and_kind_are_read_before_the_body_is_typed() -> None:
    assert decode_error({"kind": 5, "metadata": {"name": "x"}}) == (
        "the object provided is unrecognized (must be of type Deployment): couldn't get "
        "version/kind; json parse error: json: cannot unmarshal number into Go struct field "
        '.kind of type string ({"kind":5,"metadata":{"name":" ...)'
    )
    assert decode_error({"apiVersion": "a/b/c"}, raw=b'{"apiVersion":"a/b/c"}') == (
        "the object provided is unrecognized (must be of type Deployment): unexpected "
        'GroupVersion string: a/b/c ({"apiVersion":"a/b/c"})'
    )


def test_the_message_names_the_kind_and_version_the_body_claims() -> None:
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": 1}}
    assert decode_error(obj, ("", "v1", "ConfigMap")).startswith(
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: '
    )
    no_type_meta = {"spec": {"replicas": "1"}}
    assert decode_error(no_type_meta).startswith(
        'Deployment in version "v1" cannot be handled as a Deployment: '
    )


# --------------------------------------------------------------------------------------------
# fieldValidation


def test_field_validation_defaults_to_warn_and_rejects_unknown_directives() -> None:
    assert validate_field_validation(None) == "Warn"
    assert validate_field_validation("") == "Warn"
    assert validate_field_validation("Ignore") == "Ignore"
    with pytest.raises(Invalid) as raised:
        validate_field_validation("strict", "UpdateOptions")
    assert raised.value.code == 422
    assert raised.value.message == (
        'UpdateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: '
        '"strict": supported values: "", "Ignore", "Strict", "Warn"'
    )


def test_the_three_field_validation_modes() -> None:
    raw = (
        b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","name":"b"},'
        b'"data":{"k":"v"},"bogus":true}'
    )
    obj = json.loads(raw)
    expected = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "b"},
        "data": {"k": "v"},
    }

    strict = decode_error(obj, ("", "v1", "ConfigMap"), raw=raw, field_validation="Strict")
    assert strict == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'duplicate field "metadata.name", unknown field "bogus"'
    )
    for directive in ("Warn", "", None):
        warned = decode_check(obj, "", "v1", "ConfigMap", raw=raw, field_validation=directive)
        assert warned.warnings == ('duplicate field "metadata.name"', 'unknown field "bogus"')
        assert warned.obj == expected
    ignored = decode_check(obj, "", "v1", "ConfigMap", raw=raw, field_validation="Ignore")
    assert ignored.warnings == ()
    assert ignored.obj == expected


def test_strict_findings_are_deduplicated_and_capped_at_a_hundred() -> None:
    obj = {"metadata": {"name": "c"}, **{f"bogus{i}": i for i in range(150)}}
    result = check_object(obj, type_node("", "v1", "ConfigMap"))
    assert len(result.strict_errors) == 100
    assert str(result.strict_errors[0]) == 'unknown field "bogus0"'
    assert result.obj == {"metadata": {"name": "c"}}


# --------------------------------------------------------------------------------------------
# Patches


def test_patched_objects_fail_as_invalid_on_the_patch_field() -> None:
    patched = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "bogus": 1}
    with pytest.raises(Invalid) as raised:
        check_patched(
            patched,
            "",
            "v1",
            "ConfigMap",
            bad_value='{"bogus":1}',
            field_validation="Strict",
            patch_errors=['duplicate field "x"'],
        )
    detail = 'strict decoding error: duplicate field "x", unknown field "bogus"'
    quoted = '"{\\"bogus\\":1}"'
    assert raised.value.message == f' "" is invalid: patch: Invalid value: {quoted}: {detail}'
    assert raised.value.status()["details"] == {
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": f"Invalid value: {quoted}: {detail}",
                "field": "patch",
            }
        ]
    }
    warned = check_patched(patched, "", "v1", "ConfigMap", bad_value="{}")
    assert warned.warnings == ('unknown field "bogus"',)
    assert "bogus" not in warned.obj
    ignored = check_patched(
        patched, "", "v1", "ConfigMap", bad_value="{}", field_validation="Ignore"
    )
    assert ignored.warnings == ()
    with pytest.raises(Invalid) as typed:
        check_patched({"data": {"k": 1}}, "", "v1", "ConfigMap", bad_value="{}")
    assert typed.value.message == (
        ' "" is invalid: patch: Invalid value: "{}": json: cannot unmarshal number into Go '
        "struct field ConfigMap.data of type string"
    )


def test_strategic_merge_patches_report_unknown_fields_sorted_and_print_the_patch_map() -> None:
    patch = {"zeta": 1, "alpha": 2.5, "metadata": {"labels": {"a": None}}}
    patched = {"metadata": {"name": "c"}, "zeta": 1, "alpha": 2.5}
    with pytest.raises(Invalid) as raised:
        check_patched(
            patched,
            "",
            "v1",
            "ConfigMap",
            bad_value=go_sprint(patch),
            field_validation="Strict",
            strategic=True,
        )
    assert raised.value.message == (
        ' "" is invalid: patch: Invalid value: "map[alpha:2.5 metadata:map[labels:map[a:<nil>]] '
        'zeta:1]": strict decoding error: unknown field "alpha", unknown field "zeta"'
    )


def test_json_patch_documents_are_decoded_strictly() -> None:
    raw = b'[{"op":"add","path":"/x","value":{"a":1,"a":2},"bogus":1}]'
    assert json_patch_strict_errors(raw) == [
        'json patch duplicate field "[0].value.a"',
        'json patch unknown field "[0].bogus"',
    ]
    with pytest.raises(BadRequest) as raised:
        json_patch_strict_errors(b'[{"op":5}]')
    assert raised.value.message == (
        "error decoding patch: json: cannot unmarshal number into Go struct field "
        "jsonPatchOp.op of type string"
    )
    with pytest.raises(BadRequest) as raised:
        json_patch_strict_errors(b'{"op":"add"}')
    assert raised.value.message == (
        "error decoding patch: json: cannot unmarshal object into Go value of type "
        "[]handlers.jsonPatchOp"
    )


# --------------------------------------------------------------------------------------------
# Go library behaviours


RFC3339 = "2006-01-02T15:04:05Z07:00"
MICRO = "2006-01-02T15:04:05.000000Z07:00"


@pytest.mark.parametrize(
    ("value", "micro", "expected"),
    [
        ("2024-01-01T00:00:00Z", False, None),
        ("2024-01-01T00:00:00.5+01:00", False, None),
        ("2024-02-29T23:59:59Z", False, None),
        ("2024-01-01T00:00:00.123456Z", True, None),
        ("abc", False, f'"abc" as "{RFC3339}": cannot parse "abc" as "2006"'),
        ("2024-01-01", False, f'"2024-01-01" as "{RFC3339}": cannot parse "" as "T"'),
        (
            "2024-01-01T00:00:00",
            False,
            f'"2024-01-01T00:00:00" as "{RFC3339}": cannot parse "" as "Z07:00"',
        ),
        ("2024-13-01T00:00:00Z", False, '"2024-13-01T00:00:00Z": month out of range'),
        ("2023-02-29T00:00:00Z", False, '"2023-02-29T00:00:00Z": day out of range'),
        ("2024-01-01T24:00:00Z", False, '"2024-01-01T24:00:00Z": hour out of range'),
        ("2024-01-01T00:00:00Zjunk", False, '"2024-01-01T00:00:00Zjunk": extra text: "junk"'),
        (
            "2024-01-01T00:00:00Z",
            True,
            f'"2024-01-01T00:00:00Z" as "{MICRO}": cannot parse "Z" as ".000000"',
        ),
        (
            "2024-01-01T00:00:00.123Z",
            True,
            f'"2024-01-01T00:00:00.123Z" as "{MICRO}": cannot parse ".123Z" as ".000000"',
        ),
    ],
)
def test_time_parse_errors(value: str, micro: bool, expected: str | None) -> None:
    wanted = None if expected is None else f"parsing time {expected}"
    assert time_parse_error(value, micro=micro) == wanted


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1Gi", None),
        ("500m", None),
        ("0.5", None),
        ("1e3", None),
        ("-1.5E-3", None),
        ("", QUANTITY_FORMAT_ERROR),
        ("abc", QUANTITY_FORMAT_ERROR),
        ("1.5.5", QUANTITY_FORMAT_ERROR),
        ("1Mix", QUANTITY_FORMAT_ERROR),
        ("1kk", QUANTITY_SUFFIX_ERROR),
        ("1e", QUANTITY_SUFFIX_ERROR),
    ],
)
def test_quantity_parse_errors(text: str, expected: str | None) -> None:
    assert quantity_parse_error(text) == expected


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("", None),
        ("aGVsbG8=", None),
        ("aGVs\r\nbG8=", None),
        ("aGVsbG8", 4),
        ("a", 0),
        ("ab=c", 2),
        ("aGVsbG8=x", 8),
        ("héllo", 1),
    ],
)
def test_base64_errors_name_the_byte_go_names(text: str, offset: int | None) -> None:
    expected = None if offset is None else f"illegal base64 data at input byte {offset}"
    assert base64_error(text) == expected


def test_go_sprint_prints_decoded_json_like_fmt() -> None:
    value = {"b": 1, "a": [1, "x", None, True, 1.5, 1e21, 1000000.0, 0.0001, 0.00001]}
    assert go_sprint(value) == "map[a:[1 x <nil> true 1.5 1e+21 1e+06 0.0001 1e-05] b:1]"
    assert go_float(123456.0) == "123456"
    assert go_float(-2.5) == "-2.5"
