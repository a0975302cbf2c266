"""managedFields on every write, server-side apply, and fieldValidation through the API."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from apiserver.endpoints.request import APPLY_PATCH, Request
from minikube_py.errors import BadRequest, Conflict


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def managers(obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["manager"], m["operation"]) for m in obj["metadata"].get("managedFields", [])]


async def apply(
    api: InProcessClient, body: dict[str, Any], manager: str, force: bool = False
) -> Any:
    query = {"fieldManager": manager}
    if force:
        query["force"] = "true"
    return await api.server.handle(
        Request(
            verb="patch",
            resource="configmaps",
            namespace="default",
            name=body["metadata"]["name"],
            body=body,
            content_type=APPLY_PATCH,
            query=query,
        )
    )


async def test_every_write_records_its_manager(api: InProcessClient) -> None:
    api.field_manager = "creator"
    created = await api.create(configmap("a", k="1"))
    assert managers(created) == [("creator", "Update")]
    entry = created["metadata"]["managedFields"][0]
    assert entry["fieldsV1"] == {"f:data": {".": {}, "f:k": {}}}
    assert entry["fieldsType"] == "FieldsV1" and entry["apiVersion"] == "v1"
    assert entry["time"] == "2026-01-01T00:00:00Z"
    api.field_manager = "editor"
    edited = await api.patch("configmaps", "a", {"data": {"j": "2"}})
    assert managers(edited) == [("creator", "Update"), ("editor", "Update")]


async def test_server_side_apply_creates_then_merges_and_prunes(api: InProcessClient) -> None:
    created = await apply(api, configmap("a", k="1", j="2"), "kubectl")
    assert created.code == 201 and created.body["data"] == {"k": "1", "j": "2"}
    assert managers(created.body) == [("kubectl", "Apply")]
    again = await apply(api, configmap("a", k="1"), "kubectl")  # j no longer applied
    assert again.code == 200 and again.body["data"] == {"k": "1"}


async def test_apply_conflicts_with_another_managers_field(api: InProcessClient) -> None:
    api.field_manager = "kubectl-client-side-apply"
    await api.create(configmap("a", k="1"))
    refused = await apply(api, configmap("a", k="2"), "kubectl")
    assert refused.code == 409
    assert refused.body["message"] == (
        'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.k'
    )
    assert refused.body["details"]["causes"] == [
        {
            "reason": "FieldManagerConflict",
            "message": 'conflict with "kubectl-client-side-apply" using v1',
            "field": ".data.k",
        }
    ]
    forced = await apply(api, configmap("a", k="2"), "kubectl", force=True)
    assert forced.code == 200 and forced.body["data"] == {"k": "2"}
    assert ("kubectl", "Apply") in managers(forced.body)


async def test_apply_needs_a_field_manager(api: InProcessClient) -> None:
    response = await api.server.handle(
        Request(
            verb="patch",
            resource="configmaps",
            namespace="default",
            name="a",
            body=configmap("a"),
            content_type=APPLY_PATCH,
        )
    )
    assert response.code == 422
    assert "fieldManager: Required value: is required for apply patch" in response.body["message"]


async def test_unknown_fields_are_dropped_and_warned_about(api: InProcessClient) -> None:
    obj = configmap("a", k="1")
    obj["bogus"] = True
    response = await api.server.handle(
        Request(verb="create", resource="configmaps", namespace="default", body=obj)
    )
    assert response.code == 201
    assert "bogus" not in response.body
    assert response.warnings == ['unknown field "bogus"']


async def test_strict_field_validation_refuses_unknown_fields(api: InProcessClient) -> None:
    obj = configmap("a")
    obj["spec"] = {"x": 1}
    response = await api.server.handle(
        Request(
            verb="create",
            resource="configmaps",
            namespace="default",
            body=obj,
            query={"fieldValidation": "Strict"},
        )
    )
    assert response.code == 400
    assert response.body["message"] == (
        'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: '
        'unknown field "spec"'
    )


async def test_type_errors_are_bad_requests(api: InProcessClient) -> None:
    with pytest.raises(BadRequest) as info:
        await api.create(
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": "web"},
                "spec": {"replicas": "three"},
            }
        )
    assert info.value.message == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal '
        "string into Go struct field DeploymentSpec.spec.replicas of type int32"
    )


async def test_patched_objects_are_checked_too(api: InProcessClient) -> None:
    await api.create(configmap("a"))
    response = await api.server.handle(
        Request(
            verb="patch",
            resource="configmaps",
            namespace="default",
            name="a",
            body={"bogus": 1},
            content_type="application/merge-patch+json",
            query={"fieldValidation": "Strict"},
        )
    )
    assert response.code == 422
    assert 'strict decoding error: unknown field "bogus"' in response.body["message"]
    forced = await api.server.handle(
        Request(
            verb="patch",
            resource="configmaps",
            namespace="default",
            name="a",
            body={},
            content_type="application/merge-patch+json",
            query={"force": "true"},
        )
    )
    assert forced.code == 422
    assert "force: Forbidden: may not be specified for non-apply patch" in forced.body["message"]


async def test_conflicting_updates_still_conflict(api: InProcessClient) -> None:
    created = await api.create(configmap("a"))
    await api.patch("configmaps", "a", {"data": {"x": "y"}})
    with pytest.raises(Conflict):
        await api.update(created)
