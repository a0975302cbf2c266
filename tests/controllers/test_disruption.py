"""The disruption controller, on virtual time: PDB status from pods and their controllers,
evictions in flight, fail-safe, stale DisruptionTarget conditions, and evictions end to end.

No kubelets run: pods are made Ready by writing their status; evicted pods stay Terminating
(nothing confirms their end), which the controller counts as not healthy, as upstream does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import trio

from controllers.disruption import COMPONENT, DisruptionController
from controllers.disruption.disruption import count_healthy_pods, scaled_value
from minikube_py.client import Client
from minikube_py.clock import format_time
from minikube_py.errors import StatusError
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])

LABELS = {"app": "web"}


async def start(cluster: ClusterHarness) -> DisruptionController:
    controller = DisruptionController(
        cluster.client, cluster.informer, cluster.recorder(COMPONENT), cluster.cluster.clock
    )
    for loop in controller.controllers():
        await cluster.run_controller(loop)
    return controller


def owner_ref(owner: Object) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
    }


async def make_pod(
    kube: Client, name: str, *, ready: bool = True, owner: Object | None = None
) -> Object:
    metadata: dict[str, Any] = {"name": name, "labels": LABELS}
    if owner is not None:
        metadata["ownerReferences"] = [owner_ref(owner)]
    await kube.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": metadata,
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        }
    )
    await kube.bind(name, "node-1")
    status = {
        "phase": "Running",
        "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
    }
    return await kube.patch("pods", name, {"status": status}, subresource="status")


async def make_pdb(kube: Client, name: str = "budget", **spec: Any) -> Object:
    spec.setdefault("selector", {"matchLabels": LABELS})
    return await kube.create(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": name},
            "spec": spec,
        }
    )


def observed(pdb: Object) -> bool:
    status = pdb.get("status") or {}
    return status.get("observedGeneration") == pdb["metadata"]["generation"]


async def settled(cluster: ClusterHarness, name: str = "budget", **expected: Any) -> Object:
    """Wait until the PDB's status shows ``expected`` (camelCase keys)."""

    def matches(pdb: Object) -> bool:
        status = pdb.get("status") or {}
        return observed(pdb) and all(status.get(k) == v for k, v in expected.items())

    return await cluster.wait_for("poddisruptionbudgets", name, matches)


def condition(pdb: Object) -> dict[str, Any]:
    (found,) = [c for c in pdb["status"]["conditions"] if c["type"] == "DisruptionAllowed"]
    return found


async def test_min_available_counts_ready_pods(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    for name in ("a", "b", "c"):
        await make_pod(kube, name)
    pdb = await make_pdb(kube, minAvailable=2)
    pdb = await settled(cluster, disruptionsAllowed=1)
    assert pdb["status"] == {
        "observedGeneration": 1,
        "disruptionsAllowed": 1,
        "currentHealthy": 3,
        "desiredHealthy": 2,
        "expectedPods": 3,
        "conditions": [
            {
                "type": "DisruptionAllowed",
                "status": "True",
                "observedGeneration": 1,
                "lastTransitionTime": pdb["status"]["conditions"][0]["lastTransitionTime"],
                "reason": "SufficientPods",
                "message": "",
            }
        ],
    }


async def test_unready_pods_leave_no_disruption(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    await make_pod(kube, "a")
    await make_pod(kube, "b", ready=False)
    await make_pdb(kube, minAvailable=2)
    pdb = await settled(cluster, currentHealthy=1, desiredHealthy=2)
    assert pdb["status"]["disruptionsAllowed"] == 0
    assert condition(pdb)["status"] == "False"
    assert condition(pdb)["reason"] == "InsufficientPods"


async def test_pod_becoming_ready_allows_a_disruption(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start(cluster)
    await make_pod(kube, "a")
    await make_pod(kube, "b", ready=False)
    await make_pdb(kube, minAvailable=1)
    await settled(cluster, disruptionsAllowed=0)
    ready = {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}
    await kube.patch("pods", "b", ready, subresource="status")
    pdb = await settled(cluster, disruptionsAllowed=1, currentHealthy=2)
    assert condition(pdb)["reason"] == "SufficientPods"


async def test_max_unavailable_percent_uses_the_replica_set_scale(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start(cluster)
    rs = await kube.create(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 4,
                "selector": {"matchLabels": LABELS},
                "template": {
                    "metadata": {"labels": LABELS},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        }
    )
    for name in ("a", "b", "c"):
        await make_pod(kube, name, owner=rs)
    await make_pdb(kube, maxUnavailable="50%")
    pdb = await settled(cluster, expectedPods=4)
    # desired = 4 - ceil(50% of 4) = 2; three healthy pods allow one disruption
    assert pdb["status"]["desiredHealthy"] == 2
    assert pdb["status"]["currentHealthy"] == 3
    assert pdb["status"]["disruptionsAllowed"] == 1


async def test_percent_min_available_uses_the_deployment_scale(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start(cluster)
    template = {
        "metadata": {"labels": LABELS},
        "spec": {"containers": [{"name": "c", "image": "nginx"}]},
    }
    deployment = await kube.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {"replicas": 5, "selector": {"matchLabels": LABELS}, "template": template},
        }
    )
    rs = await kube.create(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {"name": "web-1", "ownerReferences": [owner_ref(deployment)]},
            "spec": {"replicas": 2, "selector": {"matchLabels": LABELS}, "template": template},
        }
    )
    for name in ("a", "b"):
        await make_pod(kube, name, owner=rs)
    await make_pdb(kube, minAvailable="30%")
    pdb = await settled(cluster, expectedPods=5)
    assert pdb["status"]["desiredHealthy"] == 2  # ceil(1.5)
    assert pdb["status"]["disruptionsAllowed"] == 0


async def test_stateful_set_scale(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    sts = await kube.create(
        {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "db"},
            "spec": {
                "replicas": 3,
                "serviceName": "db",
                "selector": {"matchLabels": LABELS},
                "template": {
                    "metadata": {"labels": LABELS},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        }
    )
    for name in ("db-0", "db-1", "db-2"):
        await make_pod(kube, name, owner=sts)
    await make_pdb(kube, maxUnavailable=1)
    pdb = await settled(cluster, expectedPods=3)
    assert pdb["status"]["desiredHealthy"] == 2
    assert pdb["status"]["disruptionsAllowed"] == 1


async def test_unmanaged_pods_are_reported(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    await make_pod(kube, "lonely")
    await make_pdb(kube, maxUnavailable="10%")
    pdb = await settled(cluster, expectedPods=0)
    assert pdb["status"]["disruptionsAllowed"] == 0
    events = await cluster.events(involved_name="budget")
    (unmanaged,) = [e for e in events if e["reason"] == "UnmanagedPods"]
    assert unmanaged["type"] == "Warning"
    assert unmanaged["message"].startswith(
        "Pods selected by this PodDisruptionBudget (selector: "
        "&LabelSelector{MatchLabels:map[string]string{app: web,},"
        "MatchExpressions:[]LabelSelectorRequirement{},}) were found to be unmanaged."
    )


async def test_missing_controller_fails_safe(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    ghost = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "gone", "uid": "0000-gone"},
    }
    await make_pod(kube, "a", owner=ghost)
    await make_pdb(kube, maxUnavailable=1)

    def failed(pdb: Object) -> bool:
        conditions = (pdb.get("status") or {}).get("conditions") or []
        return any(c.get("reason") == "SyncFailed" for c in conditions)

    pdb = await cluster.wait_for("poddisruptionbudgets", "budget", failed)
    assert pdb["status"]["disruptionsAllowed"] == 0
    assert condition(pdb)["status"] == "False"
    assert condition(pdb)["message"] == 'found no controllers for pod "a"'
    events = await cluster.events(involved_name="budget")
    assert any(e["reason"] == "CalculateExpectedPodCountFailed" for e in events)


async def test_no_matching_pods(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    await make_pdb(kube, minAvailable=1)
    pdb = await settled(cluster, expectedPods=0, currentHealthy=0)
    assert pdb["status"]["disruptionsAllowed"] == 0
    events = await cluster.events(involved_name="budget")
    assert [(e["reason"], e["message"]) for e in events] == [("NoPods", "No matching pods found")]


async def test_generation_change_is_observed(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    for name in ("a", "b"):
        await make_pod(kube, name)
    pdb = await make_pdb(kube, minAvailable=2)
    pdb = await settled(cluster, disruptionsAllowed=0)
    pdb["spec"]["minAvailable"] = 1
    await kube.update(pdb)
    pdb = await settled(cluster, disruptionsAllowed=1)
    assert pdb["status"]["observedGeneration"] == 2
    assert condition(pdb)["observedGeneration"] == 2


async def test_eviction_then_controller_counts_the_pod_out(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start(cluster)
    for name in ("a", "b", "c"):
        await make_pod(kube, name)
    await make_pdb(kube, minAvailable=2)
    await settled(cluster, disruptionsAllowed=1)
    await kube.evict("a")
    pdb = await settled(cluster, currentHealthy=2, disruptionsAllowed=0)
    # the evicted pod is terminating (no kubelet confirms it): not healthy, no longer pending
    assert "disruptedPods" not in pdb["status"]
    with pytest.raises(StatusError) as caught:
        await kube.evict("b")
    assert caught.value.code == 429


async def test_disrupted_pod_not_deleted_expires(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    for name in ("a", "b", "c"):
        await make_pod(kube, name)
    await make_pdb(kube, minAvailable=2)
    pdb = await settled(cluster, disruptionsAllowed=1)
    # an approved eviction whose delete never happened (as if the API server died in between)
    now = cluster.cluster.clock.now()
    pdb["status"]["disruptedPods"] = {"a": format_time(now)}
    pdb["status"]["disruptionsAllowed"] = 0
    await kube.update(pdb, subresource="status")
    pdb = await settled(cluster, currentHealthy=2)
    assert pdb["status"]["disruptedPods"] == {"a": format_time(now)}
    # two minutes later the controller gives up waiting for the deletion
    pdb = await cluster.wait_for(
        "poddisruptionbudgets",
        "budget",
        lambda p: "disruptedPods" not in p["status"],
        timeout=200,
    )
    assert pdb["status"]["currentHealthy"] == 3
    assert pdb["status"]["disruptionsAllowed"] == 1
    assert cluster.cluster.clock.now() - now >= timedelta(minutes=2)
    events = await cluster.events(involved_name="a")
    (not_deleted,) = [e for e in events if e["reason"] == "NotDeleted"]
    assert not_deleted["message"] == (
        "Pod was expected by PDB default/default to be deleted but it wasn't"
    )


async def test_stale_disruption_target_is_reset(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    await make_pod(kube, "a")
    target = {
        "type": "DisruptionTarget",
        "status": "True",
        "reason": "EvictionByEvictionAPI",
        "message": "Eviction API: evicting",
        "lastTransitionTime": cluster.cluster.clock.timestamp(),
    }
    await kube.patch("pods", "a", {"status": {"conditions": [target]}}, subresource="status")
    await trio.sleep(60)
    pod = await kube.get("pods", "a")
    assert [c["status"] for c in pod["status"]["conditions"] if c["type"] == target["type"]] == [
        "True"
    ]

    def reset(pod: Object) -> bool:
        return any(
            c["type"] == "DisruptionTarget" and c["status"] == "False"
            for c in pod["status"]["conditions"]
        )

    pod = await cluster.wait_for("pods", "a", reset, timeout=120)
    (cond,) = [c for c in pod["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert "reason" not in cond


@pytest.mark.cluster(controllers=["disruption"])
async def test_cluster_runs_the_disruption_controller(
    cluster: ClusterHarness, kube: Client
) -> None:
    for name in ("a", "b"):
        await make_pod(kube, name)
    await make_pdb(kube, minAvailable=1)
    await settled(cluster, currentHealthy=2, expectedPods=2, disruptionsAllowed=1)
    await kube.evict("a")
    await settled(cluster, currentHealthy=1, disruptionsAllowed=0)


def test_scaled_value_rounds_percentages() -> None:
    assert scaled_value(3, 10, round_up=True) == 3
    assert scaled_value("50%", 3, round_up=True) == 2
    assert scaled_value("50%", 3, round_up=False) == 1
    assert scaled_value("0%", 3, round_up=True) == 0


def test_terminating_and_recently_disrupted_pods_are_not_healthy() -> None:
    now_stamp = "2026-01-01T00:00:00Z"
    from minikube_py.clock import parse_time

    now = parse_time(now_stamp)
    ready = {"conditions": [{"type": "Ready", "status": "True"}]}
    pods = [
        {"metadata": {"name": "ok"}, "status": ready},
        {"metadata": {"name": "gone", "deletionTimestamp": now_stamp}, "status": ready},
        {"metadata": {"name": "evicted"}, "status": ready},
        {"metadata": {"name": "long-ago"}, "status": ready},
    ]
    disrupted = {"evicted": now_stamp, "long-ago": "2025-12-31T23:50:00Z"}
    assert count_healthy_pods(pods, disrupted, now) == 2


async def test_pod_under_two_budgets_is_reported(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    await make_pdb(kube, "first", minAvailable=1)
    await make_pdb(kube, "second", selector={}, minAvailable=1)
    await make_pod(kube, "a")
    await settled(cluster, "first", currentHealthy=1)

    async def reported() -> bool:
        events = await cluster.events(involved_name="a")
        return any(e["reason"] == "MultiplePodDisruptionBudgets" for e in events)

    await cluster.wait_until(reported)
    (event,) = [
        e
        for e in await cluster.events(involved_name="a")
        if e["reason"] == "MultiplePodDisruptionBudgets"
    ]
    assert event["type"] == "Warning"
    assert event["message"] == (
        'Pod "default"/"a" matches multiple PodDisruptionBudgets.  Chose "first" arbitrarily.'
    )
