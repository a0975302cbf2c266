"""core/v1 ResourceQuota, LimitRange and ServiceAccount through the pipeline, and the kind
registry's consistency."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from apiserver.registry.catalog import BUILTIN
from apiserver.registry.kinds import _GENERATION_ON_SPEC, _SPECIFIC, strategy_for
from minikube_py.errors import Invalid


def quota(name: str = "compute", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name}, "spec": spec}


def limit_range(*limits: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": {"name": "limits"},
        "spec": {"limits": list(limits)},
    }


async def invalid(api: InProcessClient, obj: dict[str, Any]) -> str:
    with pytest.raises(Invalid) as info:
        await api.create(obj)
    return info.value.message


# -- ResourceQuota -----------------------------------------------------------------------------


async def test_quota_status_belongs_to_the_controller(api: InProcessClient) -> None:
    body = quota(hard={"pods": "10", "requests.cpu": "4"})
    body["status"] = {"hard": {"pods": "10"}}
    created = await api.create(body)
    assert "status" not in created
    status = {"hard": {"pods": "10"}, "used": {"pods": "0"}}
    written = await api.patch("quota", "compute", {"status": status}, subresource="status")
    assert written["status"] == status
    relabelled = await api.patch("quota", "compute", {"spec": {"hard": {"pods": "20"}}})
    assert relabelled["status"] == status


async def test_quota_resource_names_and_amounts(api: InProcessClient) -> None:
    body = quota(hard={"pods": "1.5", "gpus": "1", "requests.memory": "-1Gi"})
    assert await invalid(api, body) == (
        'ResourceQuota "compute" is invalid: [spec.hard[gpus]: Invalid value: "gpus": must be a '
        'standard resource type or fully qualified, spec.hard[gpus]: Invalid value: "gpus": must '
        "be a standard resource for quota, spec.hard[pods]: Invalid value: 1500m: must be an "
        'integer, spec.hard[requests.memory]: Invalid value: "-1Gi": must be greater than or '
        "equal to 0]"
    )


async def test_quota_scopes(api: InProcessClient) -> None:
    body = quota(hard={"pods": "5", "services": "2"}, scopes=["BestEffort", "NotBestEffort"])
    assert await invalid(api, body) == (
        'ResourceQuota "compute" is invalid: [spec.scopes: Invalid value: '
        '[]core.ResourceQuotaScope{"BestEffort", "NotBestEffort"}: unsupported scope applied to '
        'resource, spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", '
        '"NotBestEffort"}: conflicting scopes]'
    )


async def test_count_resources_are_fully_qualified(api: InProcessClient) -> None:
    created = await api.create(quota(hard={"count/deployments.apps": "3"}))
    assert created["spec"]["hard"] == {"count/deployments.apps": "3"}


# -- LimitRange --------------------------------------------------------------------------------


async def test_container_limits_default_from_max_and_min(api: InProcessClient) -> None:
    created = await api.create(
        limit_range(
            {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}},
            {"type": "Pod", "max": {"cpu": "4"}},
        )
    )
    container, pod = created["spec"]["limits"]
    assert container["default"] == {"cpu": "2"}
    assert container["defaultRequest"] == {"cpu": "2", "memory": "64Mi"}
    assert "default" not in pod and "defaultRequest" not in pod


async def test_limit_ordering(api: InProcessClient) -> None:
    body = limit_range({"type": "Container", "min": {"cpu": "2"}, "max": {"cpu": "1"}})
    assert await invalid(api, body) == (
        'LimitRange "limits" is invalid: [spec.limits[0].min[cpu]: Invalid value: 2: min value '
        "2 is greater than max value 1, spec.limits[0].defaultRequest[cpu]: Invalid value: 1: "
        "min value 2 is greater than default request value 1, spec.limits[0].default[cpu]: "
        "Invalid value: 2: min value 2 is greater than default value 1]"
    )


async def test_limit_types(api: InProcessClient) -> None:
    body = limit_range(
        {"type": "Pod", "default": {"cpu": "1"}},
        {"type": "Pod"},
        {"type": "PersistentVolumeClaim", "max": {"cpu": "1"}},
        {"type": "Node"},
    )
    assert await invalid(api, body) == (
        'LimitRange "limits" is invalid: [spec.limits[0].default: Forbidden: may not be '
        "specified when `type` is 'Pod', spec.limits[1].type: Duplicate value: \"Pod\", "
        "spec.limits[2].limits: Required value: either minimum or maximum storage value is "
        'required, but neither was provided, spec.limits[3].type: Invalid value: "Node": must '
        "be a standard limit type or fully qualified]"
    )


# -- ServiceAccount ----------------------------------------------------------------------------


async def test_service_account_secret_references_keep_only_the_name(
    api: InProcessClient,
) -> None:
    body = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "robot"},
        "secrets": [{"name": "token", "namespace": "elsewhere", "uid": "123"}],
    }
    created = await api.create(body)
    assert created["secrets"] == [{"name": "token"}]


# -- the registry ------------------------------------------------------------------------------


def test_specific_strategies_agree_with_the_catalog() -> None:
    """A kind's strategy splits off status exactly when the catalog serves /status, and the
    kinds listed as carrying a generation do."""
    for info in BUILTIN:
        key = (info.group, info.resource)
        if key not in _SPECIFIC:
            continue
        strategy = strategy_for(info)
        assert strategy.has_status == (info.subresource("status") is not None), key
        if key in _GENERATION_ON_SPEC:
            assert strategy.generation != "none", key
