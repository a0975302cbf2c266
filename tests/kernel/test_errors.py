"""API errors render as the Status kube-apiserver sends (messages clients parse)."""

from __future__ import annotations

from minikube_py import field
from minikube_py.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Expired,
    Forbidden,
    GroupKind,
    GroupResource,
    InternalError,
    Invalid,
    MethodNotSupported,
    NotFound,
    UnsupportedMediaType,
    success_status,
)

PODS = GroupResource("", "pods")
DEPLOYMENTS = GroupResource("apps", "deployments")


def test_not_found_names_the_resource_and_puts_it_in_details_kind() -> None:
    assert NotFound(PODS, "nope").status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "nope" not found',
        "reason": "NotFound",
        "details": {"name": "nope", "kind": "pods"},
        "code": 404,
    }
    assert NotFound(DEPLOYMENTS, "web").status()["details"] == {
        "name": "web",
        "group": "apps",
        "kind": "deployments",
    }


def test_already_exists() -> None:
    error = AlreadyExists(GroupResource("", "configmaps"), "cm1")
    assert error.code == 409
    assert error.message == 'configmaps "cm1" already exists'
    assert error.status()["reason"] == "AlreadyExists"


def test_conflict_uses_the_optimistic_lock_message() -> None:
    error = Conflict(DEPLOYMENTS, "x")
    assert error.message == (
        'Operation cannot be fulfilled on deployments.apps "x": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert error.status()["code"] == 409


def test_invalid_aggregates_causes_and_names_the_kind() -> None:
    errors = [
        field.invalid("spec.replicas", -1, "must be greater than or equal to 0"),
        field.required("spec.selector"),
    ]
    status = Invalid(GroupKind("apps", "Deployment"), "web", errors).status()
    assert status["message"] == (
        'Deployment.apps "web" is invalid: [spec.replicas: Invalid value: -1: must be greater '
        "than or equal to 0, spec.selector: Required value]"
    )
    assert status["reason"] == "Invalid" and status["code"] == 422
    assert status["details"] == {
        "name": "web",
        "group": "apps",
        "kind": "Deployment",
        "causes": [
            {
                "reason": "FieldValueInvalid",
                "message": "Invalid value: -1: must be greater than or equal to 0",
                "field": "spec.replicas",
            },
            {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.selector"},
        ],
    }


def test_invalid_with_one_cause_has_no_brackets() -> None:
    error = Invalid(
        GroupKind("", "ConfigMap"),
        "x",
        [field.invalid("metadata.name", "X", "a lowercase RFC 1123 subdomain ...")],
    )
    assert error.message == (
        'ConfigMap "x" is invalid: metadata.name: Invalid value: "X": '
        "a lowercase RFC 1123 subdomain ..."
    )


def test_expired_is_a_410_with_reason_expired() -> None:
    status = Expired("too old resource version: 5 (10)").status()
    assert (status["code"], status["reason"]) == (410, "Expired")


def test_forbidden_wordings() -> None:
    assert Forbidden(PODS, "p", "no").message == 'pods "p" is forbidden: no'
    assert Forbidden(PODS, "", "no").message == "pods is forbidden: no"
    assert Forbidden(GroupResource("", ""), "", "no").message == "forbidden: no"


def test_method_not_supported() -> None:
    error = MethodNotSupported(GroupResource("", "bindings"), "list")
    assert error.code == 405
    assert error.message == 'list is not supported on resources of kind "bindings"'


def test_bad_request_and_media_type() -> None:
    assert BadRequest("bad").status()["code"] == 400
    error = UnsupportedMediaType(["application/json", "application/yaml"])
    assert error.code == 415
    assert error.message.startswith("the body of the request was in an unknown format")


def test_internal_error_carries_its_cause() -> None:
    status = InternalError("boom").status()
    assert status["message"] == "Internal error occurred: boom"
    assert status["details"] == {"causes": [{"message": "boom"}]}


def test_success_status() -> None:
    assert success_status({"name": "a", "kind": "configmaps", "uid": "u"}) == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "a", "kind": "configmaps", "uid": "u"},
    }


def test_go_value_renderings() -> None:
    assert field.go_value(None) == '"null"'
    assert field.go_value(True) == "true"
    assert field.go_value(3) == "3"
    assert field.go_value(2.5) == "2.5"
    assert field.go_value(1e21) == "1e+21"
    assert field.go_value("a\nb") == '"a\\nb"'
    assert field.go_value(["a", "b"]) == '[]string{"a", "b"}'
