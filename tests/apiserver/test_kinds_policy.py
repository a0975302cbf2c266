"""policy/v1 PodDisruptionBudget through the full pipeline."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import Invalid


def pdb(name: str = "web", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"selector": {"matchLabels": {"app": "web"}}}
    body.update(spec)
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": name},
        "spec": body,
    }


async def invalid(api: InProcessClient, obj: dict[str, Any]) -> str:
    with pytest.raises(Invalid) as info:
        await api.create(obj)
    return info.value.message


async def test_no_defaults_generation_and_cleared_status(api: InProcessClient) -> None:
    body = pdb(minAvailable=2)
    body["status"] = {"disruptionsAllowed": 3}
    created = await api.create(body)
    assert created["spec"] == {"selector": {"matchLabels": {"app": "web"}}, "minAvailable": 2}
    assert "status" not in created
    assert created["metadata"]["generation"] == 1
    created["spec"]["minAvailable"] = "50%"
    updated = await api.update(created)
    assert updated["metadata"]["generation"] == 2


async def test_min_available_and_max_unavailable_are_exclusive(api: InProcessClient) -> None:
    assert await invalid(api, pdb(minAvailable=1, maxUnavailable=1)) == (
        'PodDisruptionBudget.policy "web" is invalid: spec: Invalid value: '
        "policy.PodDisruptionBudgetSpec{...}: minAvailable and maxUnavailable cannot be both set"
    )


@pytest.mark.parametrize(
    ("value", "detail"),
    [
        (-1, "-1: must be greater than or equal to 0"),
        ("150%", "150%: must not be greater than 100%"),
        (
            "half",
            "half: a valid percent string must be a numeric string followed by an ending '%' "
            "(e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
        ),
    ],
)
async def test_int_or_percent(api: InProcessClient, value: Any, detail: str) -> None:
    assert await invalid(api, pdb(maxUnavailable=value)) == (
        f'PodDisruptionBudget.policy "web" is invalid: spec.maxUnavailable: Invalid value: {detail}'
    )


async def test_selector_and_eviction_policy(api: InProcessClient) -> None:
    body = pdb(unhealthyPodEvictionPolicy="Never")
    body["spec"]["selector"] = {"matchExpressions": [{"key": "app", "operator": "In"}]}
    assert await invalid(api, body) == (
        'PodDisruptionBudget.policy "web" is invalid: [spec.selector.matchExpressions[0].values: '
        "Required value: must be specified when `operator` is 'In' or 'NotIn', "
        'spec.unhealthyPodEvictionPolicy: Unsupported value: "Never": supported values: '
        '"AlwaysAllow", "IfHealthyBudget"]'
    )


async def test_updates_must_carry_a_resource_version(api: InProcessClient) -> None:
    await api.create(pdb(minAvailable=1))
    with pytest.raises(Invalid) as info:
        await api.update(pdb(minAvailable=2))
    assert info.value.message == (
        'PodDisruptionBudget.policy "web" is invalid: metadata.resourceVersion: Invalid value: '
        "0: must be specified for an update"
    )


async def test_status_counters(api: InProcessClient) -> None:
    await api.create(pdb(minAvailable=1))
    status = {"disruptionsAllowed": 1, "currentHealthy": 2, "desiredHealthy": 1, "expectedPods": 2}
    written = await api.patch("pdb", "web", {"status": status}, subresource="status")
    assert written["status"] == status
    assert written["metadata"]["generation"] == 1
    with pytest.raises(Invalid, match=r"status\.expectedPods: Invalid value: -1"):
        await api.patch("pdb", "web", {"status": {"expectedPods": -1}}, subresource="status")
