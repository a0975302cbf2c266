"""Conditions, finalizers, owner references and the event recorder."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from controllers.runtime import Request, Result
from controllers.runtime.conditions import find_condition, is_true, remove_condition, set_condition
from controllers.runtime.finalizers import finalize
from controllers.runtime.owners import (
    AlreadyOwned,
    controller_of,
    is_controlled_by,
    release,
    set_controller_reference,
)
from minikube_py.errors import NotFound
from minikube_py.testing import ClusterHarness


def test_last_transition_time_moves_only_with_status() -> None:
    conditions: list[dict[str, Any]] = []
    assert set_condition(conditions, "Ready", "False", reason="Starting", now="t1")
    assert not set_condition(conditions, "Ready", "False", reason="Starting", now="t2")
    assert set_condition(conditions, "Ready", "False", reason="Waiting", message="m", now="t3")
    ready = find_condition(conditions, "Ready")
    assert (
        ready is not None and ready["lastTransitionTime"] == "t1" and ready["reason"] == "Waiting"
    )
    assert set_condition(
        conditions, "Ready", "True", reason="Done", now="t4", observed_generation=3
    )
    assert ready["lastTransitionTime"] == "t4" and ready["observedGeneration"] == 3
    assert is_true(conditions, "Ready")
    assert remove_condition(conditions, "Ready") and conditions == []
    with pytest.raises(ValueError, match="True, False or Unknown"):
        set_condition(conditions, "Ready", "yes", reason="x", now="t")


def test_controller_references() -> None:
    owner = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs", "uid": "1"}}
    other = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "x", "uid": "2"}}
    pod: dict[str, Any] = {"metadata": {"name": "p", "namespace": "default"}}
    set_controller_reference(owner, pod)
    assert controller_of(pod) == {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "name": "rs",
        "uid": "1",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    assert is_controlled_by(pod, owner)
    with pytest.raises(AlreadyOwned, match="already owned by another ReplicaSet controller rs"):
        set_controller_reference(other, pod)
    assert release(pod, owner) and "ownerReferences" not in pod["metadata"]
    assert not release(pod, owner)


async def test_the_finalizer_helper_guards_cleanup(cluster: ClusterHarness) -> None:
    cleaned: list[str] = []
    applied: list[str] = []
    kube = cluster.client

    async def reconcile(request: Request) -> Result | None:
        try:
            obj = await kube.get("configmaps", request.name, namespace=request.namespace)
        except NotFound:
            return None

        async def apply(current: dict[str, Any]) -> None:
            applied.append(current["metadata"]["name"])

        async def cleanup(current: dict[str, Any]) -> None:
            cleaned.append(current["metadata"]["name"])

        return await finalize(kube, obj, "example.com/cleanup", apply=apply, cleanup=cleanup)

    await cluster.run_controller(reconcile, watches=["configmaps"])
    await kube.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    held = await cluster.wait_for(
        "configmaps", "a", lambda cm: cm["metadata"].get("finalizers") == ["example.com/cleanup"]
    )
    assert applied and held
    await kube.delete("configmaps", "a")
    await cluster.wait_for_deletion("configmaps", "a")
    assert cleaned == ["a"]


async def test_repeated_events_are_aggregated(cluster: ClusterHarness) -> None:
    recorder = cluster.recorder("demo-controller")
    target = await cluster.client.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    )
    await recorder.event(target, "Normal", "Synced", "all good")
    await trio.sleep(90)
    await recorder.event(target, "Normal", "Synced", "all good")
    await recorder.event(target, "Warning", "Failed", "boom")
    events = await cluster.events(namespace="default", involved_name="a")
    assert [(e["reason"], e["count"]) for e in events] == [("Synced", 2), ("Failed", 1)]
    synced = events[0]
    assert synced["firstTimestamp"] == "2026-01-01T00:00:00Z"
    assert synced["lastTimestamp"] == "2026-01-01T00:01:30Z"
    assert synced["source"] == {"component": "demo-controller"}
    assert synced["involvedObject"]["uid"] == target["metadata"]["uid"]
    assert synced["metadata"]["name"].startswith("a.")
