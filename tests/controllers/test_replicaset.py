"""The ReplicaSet controller, on virtual time: scaling, expectations, claiming, status, events.

No kubelets run yet, so pods stay Pending unless a test writes their status itself; pods bound
to a node stay Terminating once deleted (nothing confirms their end), which the controller
already counts as gone.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import trio
import trio.lowlevel

from controllers.replicaset import COMPONENT, ReplicaSetController
from controllers.replicaset.controller_utils import ActivePodsWithRanks, slow_start_batch
from controllers.replicaset.expectations import (
    ControllerExpectations,
    UIDTrackingControllerExpectations,
)
from controllers.runtime import Controller, Request
from minikube_py.client import Client
from minikube_py.clock import format_time, parse_time
from minikube_py.errors import Forbidden, GroupResource
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

# these tests start their own instance of the controller under test
pytestmark = pytest.mark.cluster(controllers=[])

LABELS = {"app": "web"}
CONTAINERS = [{"name": "c", "image": "nginx"}]


async def start(cluster: ClusterHarness) -> Controller:
    rsc = ReplicaSetController(
        cluster.client, cluster.informer, cluster.recorder(COMPONENT), cluster.cluster.clock
    )
    return await cluster.run_controller(rsc.controller())


async def create_rs(
    kube: Client,
    replicas: int,
    *,
    name: str = "web",
    template_labels: dict[str, str] | None = None,
    min_ready_seconds: int = 0,
    service_account: str | None = None,
    owner: Object | None = None,
) -> Object:
    spec: dict[str, Any] = {"containers": CONTAINERS}
    if service_account is not None:
        spec["serviceAccountName"] = service_account
    metadata: dict[str, Any] = {"name": name, "namespace": "default"}
    if owner is not None:
        metadata["ownerReferences"] = [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
            }
        ]
    return await kube.create(
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": metadata,
            "spec": {
                "replicas": replicas,
                "minReadySeconds": min_ready_seconds,
                "selector": {"matchLabels": LABELS},
                "template": {
                    "metadata": {"labels": template_labels or LABELS},
                    "spec": spec,
                },
            },
        }
    )


async def create_pod(
    kube: Client, name: str, *, node: str = "", labels: dict[str, str] | None = None
) -> Object:
    spec: dict[str, Any] = {"containers": CONTAINERS}
    if node:
        spec["nodeName"] = node
    return await kube.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "labels": labels or LABELS},
            "spec": spec,
        }
    )


async def set_pod_status(
    cluster: ClusterHarness, name: str, phase: str, *, ready: bool, since: str | None = None
) -> Object:
    """What a kubelet would write: the phase and a Ready condition changing at ``since``."""
    pod = await cluster.client.get("pods", name, namespace="default")
    pod["status"] = {
        "phase": phase,
        "conditions": [
            {
                "type": "Ready",
                "status": "True" if ready else "False",
                "lastTransitionTime": since or cluster.cluster.clock.timestamp(),
            }
        ],
    }
    return await cluster.client.update(pod, subresource="status")


async def live_pods(kube: Client) -> list[Object]:
    """Pods of the ReplicaSet's selector that are not terminating."""
    listed = await kube.list("pods", namespace="default", label_selector="app=web")
    return [p for p in listed["items"] if not p["metadata"].get("deletionTimestamp")]


async def rs_status(kube: Client, name: str = "web") -> dict[str, Any]:
    return (await kube.get("replicasets", name, namespace="default")).get("status") or {}


async def events(cluster: ClusterHarness, reason: str, name: str = "web") -> list[Object]:
    return [
        e
        for e in await cluster.events(namespace="default", involved_name=name)
        if e["reason"] == reason
    ]


def replicas_are(count: int) -> Any:
    return lambda rs: (rs.get("status") or {}).get("replicas") == count


# -- scaling ------------------------------------------------------------------------------------


async def test_scale_up_creates_pods_from_the_template(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start(cluster)
    rs = await create_rs(kube, 5)
    await cluster.wait_for("replicasets", "web", replicas_are(5))
    pods = await live_pods(kube)
    assert len(pods) == 5
    for pod in pods:
        metadata = pod["metadata"]
        assert metadata["generateName"] == "web-"
        assert metadata["name"].startswith("web-")
        assert metadata["labels"] == LABELS
        assert metadata["ownerReferences"] == [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "web",
                "uid": rs["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
        assert pod["spec"]["containers"][0]["image"] == "nginx"
    created = await events(cluster, "SuccessfulCreate")
    assert sorted(e["message"] for e in created) == sorted(
        f"Created pod: {p['metadata']['name']}" for p in pods
    )
    assert {(e["type"], e["source"]["component"]) for e in created} == {("Normal", COMPONENT)}
    assert {e["involvedObject"]["kind"] for e in created} == {"ReplicaSet"}


async def test_a_deleted_pod_is_replaced(cluster: ClusterHarness, kube: Client) -> None:
    await start(cluster)
    await create_rs(kube, 2)
    await cluster.wait_for("replicasets", "web", replicas_are(2))
    [victim, survivor] = await live_pods(kube)
    await kube.delete("pods", victim["metadata"]["name"], namespace="default")

    async def replaced() -> bool:
        names = {p["metadata"]["name"] for p in await live_pods(kube)}
        return len(names) == 2 and victim["metadata"]["name"] not in names

    await cluster.wait_until(replaced)
    assert survivor["metadata"]["name"] in {p["metadata"]["name"] for p in await live_pods(kube)}


async def test_scale_down_deletes_the_pods_upstream_ranks_first(
    cluster: ClusterHarness, kube: Client
) -> None:
    clock = cluster.cluster.clock
    long_ago = format_time(clock.now() - timedelta(seconds=4000))
    await create_pod(kube, "unassigned")
    await create_pod(kube, "pending", node="node-a")
    await create_pod(kube, "not-ready", node="node-a")
    await set_pod_status(cluster, "not-ready", "Running", ready=False)
    await create_pod(kube, "ready-new", node="node-a")
    await set_pod_status(cluster, "ready-new", "Running", ready=True)
    await create_pod(kube, "ready-old", node="node-b")
    await set_pod_status(cluster, "ready-old", "Running", ready=True, since=long_ago)
    await start(cluster)
    await create_rs(kube, 5)  # adopts all five, creates none
    await cluster.wait_for("replicasets", "web", replicas_are(5))
    assert await events(cluster, "SuccessfulCreate") == []

    async def survivors() -> set[str]:
        return {p["metadata"]["name"] for p in await live_pods(kube)}

    await kube.patch("replicasets", "web", {"spec": {"replicas": 2}}, namespace="default")
    await cluster.wait_for("replicasets", "web", replicas_are(2))
    # unscheduled first, then Pending, then Running but not ready
    assert await survivors() == {"ready-new", "ready-old"}
    deleted = await events(cluster, "SuccessfulDelete")
    assert {e["message"] for e in deleted} == {
        "Deleted pod: unassigned",
        "Deleted pod: pending",
        "Deleted pod: not-ready",
    }
    await kube.patch("replicasets", "web", {"spec": {"replicas": 1}}, namespace="default")
    await cluster.wait_for("replicasets", "web", replicas_are(1))
    assert await survivors() == {"ready-old"}  # ready for less time goes first


async def test_scale_down_prefers_pods_doubled_up_with_their_siblings(
    cluster: ClusterHarness, kube: Client
) -> None:
    deployment = await kube.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 0,
                "selector": {"matchLabels": LABELS},
                "template": {"metadata": {"labels": LABELS}, "spec": {"containers": CONTAINERS}},
            },
        }
    )
    since = cluster.cluster.clock.timestamp()
    for name, node in (("a1", "node-a"), ("a2", "node-a"), ("b1", "node-b")):
        await create_pod(kube, name, node=node)
        await set_pod_status(cluster, name, "Running", ready=True, since=since)
    await start(cluster)
    await create_rs(kube, 3, owner=deployment)
    await cluster.wait_for("replicasets", "web", replicas_are(3))
    await kube.patch("replicasets", "web", {"spec": {"replicas": 2}}, namespace="default")
    await cluster.wait_for("replicasets", "web", replicas_are(2))
    names = {p["metadata"]["name"] for p in await live_pods(kube)}
    assert "b1" in names and len(names & {"a1", "a2"}) == 1


# -- expectations -------------------------------------------------------------------------------


async def test_a_burst_of_events_never_double_creates(
    cluster: ClusterHarness, kube: Client
) -> None:
    controller = await start(cluster)
    await create_rs(kube, 20)
    for i in range(50):  # wake the ReplicaSet again and again while its creations are in flight
        controller.enqueue(Request("default", "web"))
        await kube.patch(
            "replicasets",
            "web",
            {"metadata": {"annotations": {"poke": str(i)}}},
            namespace="default",
        )
        await trio.lowlevel.checkpoint()
    await cluster.wait_for("replicasets", "web", replicas_are(20))
    await trio.sleep(600)
    assert len(await live_pods(kube)) == 20
    assert sum(e["count"] for e in await events(cluster, "SuccessfulCreate")) == 20
    assert controller.reconciles > 1


# -- claiming -----------------------------------------------------------------------------------


async def test_a_matching_orphan_is_adopted(cluster: ClusterHarness, kube: Client) -> None:
    orphan = await create_pod(kube, "orphan")
    await start(cluster)
    rs = await create_rs(kube, 2)
    adopted = await cluster.wait_for(
        "pods", "orphan", lambda p: p["metadata"].get("ownerReferences")
    )
    [ref] = adopted["metadata"]["ownerReferences"]
    assert (ref["kind"], ref["uid"], ref["controller"], ref["blockOwnerDeletion"]) == (
        "ReplicaSet",
        rs["metadata"]["uid"],
        True,
        True,
    )
    assert adopted["metadata"]["uid"] == orphan["metadata"]["uid"]
    await cluster.wait_for("replicasets", "web", replicas_are(2))
    assert len(await live_pods(kube)) == 2
    assert len(await events(cluster, "SuccessfulCreate")) == 1  # only the missing one


async def test_a_pod_whose_labels_stop_matching_is_released_and_replaced(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start(cluster)
    await create_rs(kube, 2)
    await cluster.wait_for("replicasets", "web", replicas_are(2))
    [leaver, _] = await live_pods(kube)
    name = leaver["metadata"]["name"]
    await kube.patch("pods", name, {"metadata": {"labels": {"app": "debug"}}}, namespace="default")
    released = await cluster.wait_for(
        "pods", name, lambda p: not p["metadata"].get("ownerReferences")
    )
    assert released["metadata"]["labels"] == {"app": "debug"}

    async def replaced() -> bool:
        return len(await live_pods(kube)) == 2

    await cluster.wait_until(replaced)
    await cluster.wait_for("replicasets", "web", replicas_are(2))
    assert name not in {p["metadata"]["name"] for p in await live_pods(kube)}


async def test_a_replica_set_being_deleted_neither_creates_nor_adopts(
    cluster: ClusterHarness, kube: Client
) -> None:
    await start(cluster)
    await create_rs(kube, 2)
    await cluster.wait_for("replicasets", "web", replicas_are(2))
    hold = {"metadata": {"finalizers": ["example.com/hold"]}}
    await kube.patch("replicasets", "web", hold, namespace="default")
    await kube.delete("replicasets", "web", namespace="default")  # held by the finalizer
    [victim, _] = await live_pods(kube)
    await kube.delete("pods", victim["metadata"]["name"], namespace="default")
    await create_pod(kube, "orphan")
    await cluster.wait_for("replicasets", "web", replicas_are(1))  # status still kept
    await trio.sleep(60)
    assert len(await live_pods(kube)) == 2  # the survivor and the orphan, no replacement
    orphan = await kube.get("pods", "orphan", namespace="default")
    assert not orphan["metadata"].get("ownerReferences")


# -- status -------------------------------------------------------------------------------------


async def test_status_counts_ready_and_available_after_min_ready_seconds(
    cluster: ClusterHarness, kube: Client
) -> None:
    await create_pod(kube, "partial")  # matches the selector, lacks the template's tier label
    await start(cluster)
    await create_rs(kube, 3, template_labels={**LABELS, "tier": "front"}, min_ready_seconds=30)
    rs = await cluster.wait_for("replicasets", "web", replicas_are(3))
    status = rs["status"]
    assert status["fullyLabeledReplicas"] == 2
    assert status["readyReplicas"] == 0 and status["availableReplicas"] == 0
    assert status["observedGeneration"] == rs["metadata"]["generation"]
    # mid-second, as on a real clock: Ready's lastTransitionTime is in whole seconds, and a
    # pod is available only once strictly more than minReadySeconds have passed since then
    await trio.sleep(0.5)
    became_ready = cluster.cluster.clock.timestamp()
    for pod in await live_pods(kube):
        await set_pod_status(cluster, pod["metadata"]["name"], "Running", ready=True)
    rs = await cluster.wait_for(
        "replicasets", "web", lambda r: r["status"].get("readyReplicas") == 3
    )
    assert rs["status"]["availableReplicas"] == 0
    await cluster.wait_for(
        "replicasets", "web", lambda r: r["status"].get("availableReplicas") == 3, timeout=120
    )
    waited = cluster.cluster.clock.now() - parse_time(became_ready)
    assert 30 < waited.total_seconds() <= 31


async def test_refused_creations_set_replica_failure_and_warn(
    cluster: ClusterHarness, kube: Client
) -> None:
    controller = await start(cluster)
    await create_rs(kube, 10, service_account="builder")  # the namespace has no such account
    rs = await cluster.wait_for("replicasets", "web", lambda r: bool(r["status"].get("conditions")))
    [condition] = rs["status"]["conditions"]
    refusal = 'error looking up service account default/builder: serviceaccount "builder" not found'
    assert (condition["type"], condition["status"], condition["reason"]) == (
        "ReplicaFailure",
        "True",
        "FailedCreate",
    )
    assert condition["message"].endswith(refusal)
    assert "is forbidden" in condition["message"]
    await trio.sleep(60)
    [warning] = await events(cluster, "FailedCreate")
    assert warning["type"] == "Warning"
    assert warning["message"] == f"Error creating: {condition['message']}"
    # slow start: each failed sync tried a single pod, not ten
    assert warning["count"] == controller.errors
    assert await live_pods(kube) == []
    await kube.create(
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "builder"}},
        namespace="default",
    )
    rs = await cluster.wait_for("replicasets", "web", replicas_are(10), timeout=3600)
    assert not rs["status"].get("conditions")


# -- the pieces, alone --------------------------------------------------------------------------


class _FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        return self.now


def test_expectations_block_until_observed_or_expired() -> None:
    clock = _FakeClock()
    expectations = UIDTrackingControllerExpectations(ControllerExpectations(clock.monotonic))
    key = "default/web"
    assert expectations.satisfied_expectations(key)  # never set
    expectations.expect_creations(key, 2)
    assert not expectations.satisfied_expectations(key)
    expectations.creation_observed(key)
    assert not expectations.satisfied_expectations(key)
    expectations.creation_observed(key)
    assert expectations.satisfied_expectations(key)
    expectations.expect_deletions(key, ["default/a", "default/b"])
    expectations.deletion_observed(key, "default/someone-else")  # not ours: no effect
    expectations.deletion_observed(key, "default/a")
    expectations.deletion_observed(key, "default/a")  # counted once
    assert not expectations.satisfied_expectations(key)
    clock.now += 5 * 60 + 1
    assert expectations.satisfied_expectations(key)  # expired


async def test_slow_start_batches_double_and_stop_at_the_first_failure() -> None:
    calls = 0

    async def create() -> None:
        nonlocal calls
        calls += 1
        if calls > 5:
            raise Forbidden(GroupResource("", "pods"), "", "no")

    successes, error = await slow_start_batch(20, 1, create)
    # batches of 1, 2, 4: the third fails twice and is the last
    assert (calls, successes) == (7, 5)
    assert isinstance(error, Forbidden)
    calls = 0
    assert await slow_start_batch(3, 1, create) == (3, None)


def test_ranking_orders_pods_as_upstream() -> None:
    clock_now = parse_time("2026-01-01T10:00:00Z")

    def pod(
        name: str, node: str = "", phase: str = "Pending", ready_since: str = "", **extra: Any
    ) -> Object:
        status: dict[str, Any] = {"phase": phase}
        if ready_since:
            status["conditions"] = [
                {"type": "Ready", "status": "True", "lastTransitionTime": ready_since}
            ]
        status.update(extra)
        return {
            "metadata": {
                "name": name,
                "uid": name,
                "creationTimestamp": "2026-01-01T00:00:00Z",
            },
            "spec": {"nodeName": node} if node else {},
            "status": status,
        }

    pods = [
        pod("ready-long", "n1", "Running", "2026-01-01T01:00:00Z"),
        pod(
            "restarts",
            "n1",
            "Running",
            "2026-01-01T01:00:00Z",
            containerStatuses=[{"restartCount": 3}],
        ),
        pod("ready-short", "n1", "Running", "2026-01-01T09:59:00Z"),
        pod("running", "n1", "Running"),
        pod("unknown", "n1", "Unknown"),
        pod("pending", "n1"),
        pod("unassigned"),
    ]
    ranked = ActivePodsWithRanks(pods, [0] * len(pods), clock_now)
    ranked.sort()
    assert [p["metadata"]["name"] for p in ranked.pods] == [
        "unassigned",
        "pending",
        "unknown",
        "running",
        "ready-short",
        "restarts",
        "ready-long",
    ]
    doubled = ActivePodsWithRanks([pod("alone", "n1"), pod("crowded", "n2")], [1, 3], clock_now)
    doubled.sort()
    assert [p["metadata"]["name"] for p in doubled.pods] == ["crowded", "alone"]
