"""apiextensions.k8s.io/v1 CustomResourceDefinition through the pipeline."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import Invalid

SCHEMA = {"openAPIV3Schema": {"type": "object"}}


def crd(
    plural: str = "widgets", group: str = "example.com", name: str | None = None, **spec: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "group": group,
        "scope": "Namespaced",
        "names": {"plural": plural, "kind": "Widget"},
        "versions": [{"name": "v1", "served": True, "storage": True, "schema": SCHEMA}],
    }
    body.update(spec)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": name or f"{plural}.{group}"},
        "spec": body,
    }


async def invalid(api: InProcessClient, obj: dict[str, Any]) -> str:
    with pytest.raises(Invalid) as info:
        await api.create(obj)
    return info.value.message


async def test_crd_defaults_and_stored_versions(api: InProcessClient) -> None:
    body = crd()
    body["status"] = {"storedVersions": ["v0"]}
    created = await api.create(body)
    names = created["spec"]["names"]
    assert names["singular"] == "widget" and names["listKind"] == "WidgetList"
    assert created["spec"]["conversion"] == {"strategy": "None"}
    assert created["status"] == {"storedVersions": ["v1"]}
    assert created["metadata"]["generation"] == 1


async def test_a_new_storage_version_is_recorded(api: InProcessClient) -> None:
    created = await api.create(crd())
    created["spec"]["versions"] = [
        {"name": "v1", "served": True, "storage": False, "schema": SCHEMA},
        {"name": "v2", "served": True, "storage": True, "schema": SCHEMA},
    ]
    updated = await api.update(created)
    assert updated["status"]["storedVersions"] == ["v1", "v2"]
    assert updated["metadata"]["generation"] == 2


async def test_the_name_is_plural_dot_group(api: InProcessClient) -> None:
    assert await invalid(api, crd(name="widget.example.com")) == (
        'CustomResourceDefinition.apiextensions.k8s.io "widget.example.com" is invalid: '
        'metadata.name: Invalid value: "widget.example.com": must be spec.names.plural+"."+'
        "spec.group"
    )


async def test_group_scope_and_names(api: InProcessClient) -> None:
    body = crd(group="example", scope="Global", name="widgets.example")
    body["spec"]["names"] = {"plural": "Widgets", "kind": "Widget"}
    body["metadata"]["name"] = "Widgets.example"
    message = await invalid(api, body)
    assert message == (
        'CustomResourceDefinition.apiextensions.k8s.io "Widgets.example" is invalid: ['
        'metadata.name: Invalid value: "Widgets.example": a lowercase RFC 1123 subdomain must '
        "consist of lower case alphanumeric characters, '-' or '.', and must start and end with "
        "an alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'), "
        'spec.group: Invalid value: "example": should be a domain with at least one dot, '
        'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced", '
        'spec.names.plural: Invalid value: "Widgets": a DNS-1035 label must consist of lower '
        "case alphanumeric characters or '-', start with an alphabetic character, and end with "
        "an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is "
        "'[a-z]([-a-z0-9]*[a-z0-9])?')]"
    )


async def test_exactly_one_storage_version(api: InProcessClient) -> None:
    versions = [
        {"name": "v1", "served": True, "storage": True, "schema": SCHEMA},
        {"name": "v2", "served": True, "storage": True, "schema": SCHEMA},
    ]
    assert await invalid(api, crd(versions=versions)) == (
        'CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: ['
        "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{...}: "
        "must have exactly one version marked as storage version, status.storedVersions: "
        'Invalid value: []string{"v1"}: must have the storage version v2]'
    )


async def test_versions_need_schemas(api: InProcessClient) -> None:
    versions = [{"name": "v1", "served": True, "storage": True}]
    assert await invalid(api, crd(versions=versions)) == (
        'CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: '
        "spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required"
    )


async def test_no_versions(api: InProcessClient) -> None:
    assert await invalid(api, crd(versions=[])) == (
        'CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: ['
        "spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{}: must "
        "have exactly one version marked as storage version, status.storedVersions: Invalid "
        "value: []string(nil): must have at least one stored version]"
    )


async def test_protected_groups_need_approval(api: InProcessClient) -> None:
    assert await invalid(api, crd(group="widgets.k8s.io")) == (
        'CustomResourceDefinition.apiextensions.k8s.io "widgets.widgets.k8s.io" is invalid: '
        "metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups "
        'must have approval annotation "api-approved.kubernetes.io", see '
        "https://github.com/kubernetes/enhancements/pull/1111"
    )
    approved = crd(group="widgets.k8s.io")
    approved["metadata"]["annotations"] = {
        "api-approved.kubernetes.io": "https://github.com/kubernetes/kubernetes/pull/1"
    }
    assert await api.create(approved)


async def test_group_and_plural_never_change(api: InProcessClient) -> None:
    created = await api.create(crd())
    created["spec"]["group"] = "example.org"
    with pytest.raises(Invalid) as info:
        await api.update(created)
    assert info.value.message == (
        'CustomResourceDefinition.apiextensions.k8s.io "widgets.example.com" is invalid: '
        'spec.group: Invalid value: "example.org": field is immutable'
    )
