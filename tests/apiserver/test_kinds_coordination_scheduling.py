"""coordination.k8s.io/v1 Lease and scheduling.k8s.io/v1 PriorityClass through the pipeline."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import Invalid


def lease(name: str = "leader", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": name},
        "spec": spec,
    }


def priority_class(name: str = "high", value: int = 1000, **extra: Any) -> dict[str, Any]:
    return {
        "apiVersion": "scheduling.k8s.io/v1",
        "kind": "PriorityClass",
        "metadata": {"name": name},
        "value": value,
        **extra,
    }


async def invalid(api: InProcessClient, obj: dict[str, Any]) -> str:
    with pytest.raises(Invalid) as info:
        await api.create(obj)
    return info.value.message


# -- Lease -------------------------------------------------------------------------------------


async def test_lease_durations_must_be_positive(api: InProcessClient) -> None:
    assert await invalid(api, lease(leaseDurationSeconds=0, leaseTransitions=-1)) == (
        'Lease.coordination.k8s.io "leader" is invalid: [spec.leaseDurationSeconds: Invalid '
        "value: 0: must be greater than 0, spec.leaseTransitions: Invalid value: -1: must be "
        "greater than or equal to 0]"
    )


async def test_lease_may_be_created_by_put_but_updates_are_conditional(
    api: InProcessClient,
) -> None:
    created = await api.update(lease(holderIdentity="a", leaseDurationSeconds=15))
    assert created["spec"] == {"holderIdentity": "a", "leaseDurationSeconds": 15}
    assert "generation" not in created["metadata"]
    with pytest.raises(Invalid, match=r"metadata\.resourceVersion: Invalid value: 0"):
        await api.update(lease(holderIdentity="b"))
    created["spec"]["holderIdentity"] = "b"
    assert (await api.update(created))["spec"]["holderIdentity"] == "b"


async def test_coordinated_leader_election_fields_are_dropped(api: InProcessClient) -> None:
    created = await api.create(
        lease(holderIdentity="a", strategy="OldestEmulationVersion", preferredHolder="b")
    )
    assert created["spec"] == {"holderIdentity": "a"}


# -- PriorityClass -----------------------------------------------------------------------------


async def test_priority_class_defaults_and_generation(api: InProcessClient) -> None:
    created = await api.create(priority_class())
    assert created["preemptionPolicy"] == "PreemptLowerPriority"
    assert created["metadata"]["generation"] == 1
    updated = await api.patch("pc", "high", {"description": "important"})
    assert updated["metadata"]["generation"] == 1


async def test_value_may_not_change(api: InProcessClient) -> None:
    await api.create(priority_class())
    with pytest.raises(Invalid) as info:
        await api.patch("pc", "high", {"value": 2000})
    assert info.value.message == (
        'PriorityClass.scheduling.k8s.io "high" is invalid: value: Forbidden: may not be '
        "changed in an update."
    )
    with pytest.raises(Invalid) as info:
        await api.patch("pc", "high", {"preemptionPolicy": "Never"})
    assert info.value.message == (
        'PriorityClass.scheduling.k8s.io "high" is invalid: preemptionPolicy: Invalid value: '
        '"Never": field is immutable'
    )


async def test_system_prefix_is_reserved(api: InProcessClient) -> None:
    assert await invalid(api, priority_class("system-mine")) == (
        'PriorityClass.scheduling.k8s.io "system-mine" is invalid: metadata.name: Forbidden: '
        "priority class names with 'system-' prefix are reserved for system use only. error: "
        "system-mine is not a known system priority class"
    )


async def test_user_values_are_bounded(api: InProcessClient) -> None:
    assert await invalid(api, priority_class(value=1_000_000_001)) == (
        'PriorityClass.scheduling.k8s.io "high" is invalid: value: Forbidden: maximum allowed '
        "value of a user defined priority is 1000000000"
    )


async def test_unknown_preemption_policy(api: InProcessClient) -> None:
    assert await invalid(api, priority_class(preemptionPolicy="Sometimes")) == (
        'PriorityClass.scheduling.k8s.io "high" is invalid: preemptionPolicy: Unsupported '
        'value: "Sometimes": supported values: "PreemptLowerPriority", "Never"'
    )


async def test_built_in_classes_exist(api: InProcessClient) -> None:
    node_critical = await api.get("priorityclasses", "system-node-critical")
    assert node_critical["value"] == 2000001000
