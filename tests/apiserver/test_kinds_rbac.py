"""rbac.authorization.k8s.io/v1 roles and bindings through the pipeline."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import Invalid

RBAC = "rbac.authorization.k8s.io/v1"


def role(name: str = "reader", kind: str = "Role", rules: list[Any] | None = None) -> dict:
    if rules is None:
        rules = [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}]
    return {"apiVersion": RBAC, "kind": kind, "metadata": {"name": name}, "rules": rules}


def binding(
    name: str = "read-pods", kind: str = "RoleBinding", ref_kind: str = "Role", **extra: Any
) -> dict[str, Any]:
    body = {
        "apiVersion": RBAC,
        "kind": kind,
        "metadata": {"name": name},
        "roleRef": {"kind": ref_kind, "name": "reader"},
        "subjects": [{"kind": "User", "name": "jane"}],
    }
    body.update(extra)
    return body


async def invalid(api: InProcessClient, obj: dict[str, Any]) -> str:
    with pytest.raises(Invalid) as info:
        await api.create(obj)
    return info.value.message


async def test_rules_need_verbs_and_resources(api: InProcessClient) -> None:
    assert await invalid(api, role(rules=[{}])) == (
        'Role.rbac.authorization.k8s.io "reader" is invalid: [rules[0].verbs: Required value: '
        "verbs must contain at least one value, rules[0].apiGroups: Required value: resource "
        "rules must supply at least one api group, rules[0].resources: Required value: resource "
        "rules must supply at least one resource]"
    )


async def test_non_resource_urls_are_cluster_only(api: InProcessClient) -> None:
    rules = [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}]
    assert await invalid(api, role(rules=rules)) == (
        'Role.rbac.authorization.k8s.io "reader" is invalid: rules[0].nonResourceURLs: Invalid '
        'value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs'
    )
    created = await api.create(role("healthz", "ClusterRole", rules))
    assert created["rules"] == rules


async def test_names_only_need_to_be_path_segments(api: InProcessClient) -> None:
    created = await api.create(role("system:Reader"))
    assert created["metadata"]["name"] == "system:Reader"
    assert await invalid(api, role("a/b")) == (
        'Role.rbac.authorization.k8s.io "a/b" is invalid: metadata.name: Invalid value: "a/b": '
        "may not contain '/'"
    )


async def test_binding_defaults(api: InProcessClient) -> None:
    subjects = [
        {"kind": "User", "name": "jane"},
        {"kind": "ServiceAccount", "name": "robot", "namespace": "default"},
    ]
    created = await api.create(binding(subjects=subjects))
    assert created["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "reader",
    }
    assert created["subjects"][0]["apiGroup"] == "rbac.authorization.k8s.io"
    assert "apiGroup" not in created["subjects"][1] or created["subjects"][1]["apiGroup"] == ""


async def test_role_ref_cannot_change(api: InProcessClient) -> None:
    await api.create(binding())
    with pytest.raises(Invalid) as info:
        await api.patch("rolebindings", "read-pods", {"roleRef": {"name": "writer"}})
    assert info.value.message == (
        'RoleBinding.rbac.authorization.k8s.io "read-pods" is invalid: roleRef: Invalid value: '
        'rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"writer"}: cannot '
        "change roleRef"
    )


async def test_cluster_bindings_bind_cluster_roles(api: InProcessClient) -> None:
    body = binding("all", "ClusterRoleBinding", "Role")
    body["subjects"] = [{"kind": "ServiceAccount", "name": "robot"}]
    assert await invalid(api, body) == (
        'ClusterRoleBinding.rbac.authorization.k8s.io "all" is invalid: [roleRef.kind: '
        'Unsupported value: "Role": supported values: "ClusterRole", subjects[0].namespace: '
        "Required value]"
    )


async def test_subjects_are_known_kinds(api: InProcessClient) -> None:
    body = binding(subjects=[{"kind": "Robot", "name": "r2"}, {"kind": "Group", "name": ""}])
    assert await invalid(api, body) == (
        'RoleBinding.rbac.authorization.k8s.io "read-pods" is invalid: [subjects[0].kind: '
        'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group", '
        'subjects[1].name: Required value, subjects[1].name: Invalid value: "": group name '
        "cannot be empty]"
    )


async def test_rbac_objects_may_be_created_by_put(api: InProcessClient) -> None:
    created = await api.update(role())
    assert created["metadata"]["name"] == "reader"
