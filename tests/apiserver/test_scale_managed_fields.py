"""Writes through ``/scale`` record who owns ``spec.replicas`` on the parent (ScaleHandler)."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import BadRequest, Conflict, Invalid
from minikube_py.objects import Object

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    },
}


def as_manager(api: InProcessClient, manager: str) -> InProcessClient:
    return InProcessClient(api.server, field_manager=manager)


def entries(obj: Object) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {
        (e["manager"], e["operation"], e.get("subresource", "")): e
        for e in obj["metadata"]["managedFields"]
    }


async def test_patch_of_scale_moves_replicas_to_the_scaler(api: InProcessClient) -> None:
    await as_manager(api, "creator").create(DEPLOYMENT)
    await as_manager(api, "scaler").patch(
        "deployments", "web", {"spec": {"replicas": 5}}, subresource="scale"
    )
    deployment = await api.get("deployments", "web")
    assert deployment["spec"]["replicas"] == 5
    found = entries(deployment)
    creator = found[("creator", "Update", "")]["fieldsV1"]
    assert "f:replicas" not in creator["f:spec"]
    assert "f:template" in creator["f:spec"]
    assert found[("scaler", "Update", "scale")] == {
        "manager": "scaler",
        "operation": "Update",
        "apiVersion": "apps/v1",
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:spec": {"f:replicas": {}}},
        "subresource": "scale",
    }


async def test_update_of_scale_records_the_writer(api: InProcessClient) -> None:
    await as_manager(api, "creator").create(DEPLOYMENT)
    scaler = as_manager(api, "scaler")
    scale = await scaler.get("deployments", "web", subresource="scale")
    scale["spec"]["replicas"] = 4
    await scaler.update(
        {**scale, "apiVersion": "apps/v1", "kind": "Deployment"}, subresource="scale"
    )
    deployment = await api.get("deployments", "web")
    assert deployment["spec"]["replicas"] == 4
    assert ("scaler", "Update", "scale") in entries(deployment)


async def test_scale_to_the_same_count_makes_no_owner(api: InProcessClient) -> None:
    await as_manager(api, "creator").create(DEPLOYMENT)
    await as_manager(api, "scaler").patch(
        "deployments", "web", {"spec": {"replicas": 2}}, subresource="scale"
    )
    deployment = await api.get("deployments", "web")
    assert deployment["spec"]["replicas"] == 2
    assert {e["manager"] for e in deployment["metadata"]["managedFields"]} == {"creator"}
    owners = [
        e
        for e in deployment["metadata"]["managedFields"]
        if "f:replicas" in e["fieldsV1"]["f:spec"]
    ]
    assert [e["manager"] for e in owners] == ["creator"]


async def test_applier_keeps_replicas_it_still_agrees_with(api: InProcessClient) -> None:
    applier = as_manager(api, "applier")
    applied = await applier.patch("deployments", "web", DEPLOYMENT, patch_type="apply")
    await as_manager(api, "scaler").patch(
        "deployments", "web", {"spec": {"replicas": 2}}, subresource="scale"
    )
    deployment = await api.get("deployments", "web")
    assert deployment["metadata"]["managedFields"] == applied["metadata"]["managedFields"]
    assert deployment["metadata"]["resourceVersion"] == applied["metadata"]["resourceVersion"]


async def test_applier_conflicts_with_the_scaler(api: InProcessClient) -> None:
    applier = as_manager(api, "applier")
    await applier.patch("deployments", "web", DEPLOYMENT, patch_type="apply")
    await as_manager(api, "scaler").patch(
        "deployments", "web", {"spec": {"replicas": 3}}, subresource="scale"
    )
    deployment = await api.get("deployments", "web")
    applied = entries(deployment)[("applier", "Apply", "")]["fieldsV1"]
    assert "f:replicas" not in applied["f:spec"]
    with pytest.raises(Conflict) as caught:
        await applier.patch("deployments", "web", DEPLOYMENT, patch_type="apply")
    assert caught.value.message == (
        'Apply failed with 1 conflict: conflict with "scaler" with subresource "scale" using '
        "apps/v1: .spec.replicas"
    )


async def test_scaler_scaling_again_keeps_one_entry(api: InProcessClient) -> None:
    await as_manager(api, "creator").create(DEPLOYMENT)
    scaler = as_manager(api, "scaler")
    await scaler.patch("deployments", "web", {"spec": {"replicas": 3}}, subresource="scale")
    await scaler.patch("deployments", "web", {"spec": {"replicas": 4}}, subresource="scale")
    deployment = await api.get("deployments", "web")
    scalers = [e for e in deployment["metadata"]["managedFields"] if e["manager"] == "scaler"]
    assert len(scalers) == 1
    assert deployment["spec"]["replicas"] == 4


async def test_scale_of_a_replica_set_and_stateful_set(api: InProcessClient) -> None:
    rs = {**DEPLOYMENT, "kind": "ReplicaSet"}
    await as_manager(api, "creator").create(rs)
    await as_manager(api, "hpa").patch(
        "replicasets", "web", {"spec": {"replicas": 1}}, subresource="scale"
    )
    assert ("hpa", "Update", "scale") in entries(await api.get("replicasets", "web"))


SCALE = {"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "web"}}


async def test_apply_to_scale_owns_replicas(api: InProcessClient) -> None:
    await as_manager(api, "creator").create(DEPLOYMENT)
    hpa = as_manager(api, "autoscaler")
    with pytest.raises(Conflict) as caught:
        await hpa.patch(
            "deployments",
            "web",
            {**SCALE, "spec": {"replicas": 6}},
            patch_type="apply",
            subresource="scale",
        )
    assert caught.value.message == (
        'Apply failed with 1 conflict: conflict with "creator" using autoscaling/v1: .spec.replicas'
    )
    scale = await hpa.patch(
        "deployments",
        "web",
        {**SCALE, "spec": {"replicas": 6}},
        patch_type="apply",
        subresource="scale",
        force=True,
    )
    assert scale["kind"] == "Scale" and scale["spec"]["replicas"] == 6
    deployment = await api.get("deployments", "web")
    assert deployment["spec"]["replicas"] == 6
    found = entries(deployment)
    applier = found[("autoscaler", "Apply", "scale")]
    assert applier["apiVersion"] == "apps/v1"
    assert applier["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in found[("creator", "Update", "")]["fieldsV1"]["f:spec"]


async def test_apply_to_scale_refuses_bad_replicas(api: InProcessClient) -> None:
    await as_manager(api, "creator").create(DEPLOYMENT)
    with pytest.raises(Invalid) as caught:
        await as_manager(api, "autoscaler").patch(
            "deployments",
            "web",
            {**SCALE, "spec": {"replicas": -1}},
            patch_type="apply",
            subresource="scale",
            force=True,
        )
    assert "spec.replicas" in caught.value.message
    with pytest.raises(BadRequest):
        await as_manager(api, "autoscaler").patch(
            "deployments",
            "web",
            {**SCALE, "metadata": {"name": "other"}, "spec": {"replicas": 1}},
            patch_type="apply",
            subresource="scale",
        )
