"""The taint eviction controller on virtual time: pods on NoExecute-tainted nodes are deleted at
once, after their ``tolerationSeconds``, or never; a taint taken away cancels the deletion."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from node_heartbeats import FakeKubelet, place_pod

from controllers.nodelifecycle import COMPONENT as NODE_LIFECYCLE
from controllers.nodelifecycle import NodeLifecycleController
from controllers.tainteviction import COMPONENT, TaintEvictionController
from minikube_py.clock import parse_time
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])

MAINTENANCE = {"key": "example.com/maintenance", "value": "yes", "effect": "NoExecute"}


async def start(cluster: ClusterHarness) -> TaintEvictionController:
    tec = TaintEvictionController(
        cluster.client, cluster.informer, cluster.recorder(COMPONENT), cluster.cluster.clock
    )
    for controller in tec.controllers():
        await cluster.run_controller(controller)
    return tec


async def make_node(cluster: ClusterHarness, name: str) -> Object:
    return await cluster.client.create(
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}
    )


async def set_taints(cluster: ClusterHarness, node: str, taints: list[dict[str, Any]]) -> None:
    obj = await cluster.client.get("nodes", node)
    now = cluster.cluster.clock.timestamp()
    obj.setdefault("spec", {})["taints"] = [{**t, "timeAdded": now} for t in taints]
    await cluster.client.update(obj)


def deleting(pod: Object) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def condition(pod: Object, kind: str) -> dict[str, Any] | None:
    return next((c for c in pod["status"].get("conditions") or () if c["type"] == kind), None)


async def test_untolerated_taint_evicts_at_once(cluster: ClusterHarness) -> None:
    await make_node(cluster, "n1")
    await place_pod(cluster.client, "a", "n1")
    await place_pod(
        cluster.client,
        "forever",
        "n1",
        tolerations=[
            {"key": "example.com/maintenance", "operator": "Exists", "effect": "NoExecute"}
        ],
    )
    await start(cluster)
    start_time = cluster.cluster.clock.monotonic()
    await set_taints(cluster, "n1", [MAINTENANCE])
    pod = await cluster.wait_for("pods", "a", deleting, timeout=5)
    assert cluster.cluster.clock.monotonic() - start_time < 1
    disruption = condition(pod, "DisruptionTarget")
    assert disruption is not None
    assert (disruption["status"], disruption["reason"], disruption["message"]) == (
        "True",
        "DeletionByTaintManager",
        "Taint manager: deleting due to NoExecute taint",
    )
    events = await cluster.events(namespace="default", involved_name="a")
    assert [(e["reason"], e["message"]) for e in events] == [
        ("TaintManagerEviction", "Marking for deletion Pod default/a")
    ]
    await trio.sleep(600)
    forever = await cluster.client.get("pods", "forever", namespace="default")
    assert not deleting(forever)


async def test_toleration_seconds_delay_eviction_the_minimum_counts(
    cluster: ClusterHarness,
) -> None:
    await make_node(cluster, "n1")
    other = {"key": "example.com/other", "effect": "NoExecute"}
    await place_pod(
        cluster.client,
        "a",
        "n1",
        tolerations=[
            {"key": "example.com/maintenance", "operator": "Exists", "tolerationSeconds": 100},
            {"key": "example.com/other", "operator": "Exists", "tolerationSeconds": 40},
        ],
    )
    await start(cluster)
    clock = cluster.cluster.clock
    tainted = clock.monotonic()
    await set_taints(cluster, "n1", [MAINTENANCE, other])
    await cluster.wait_for("pods", "a", deleting, timeout=120)
    assert 40 <= clock.monotonic() - tainted < 41


async def test_removing_the_taint_cancels_the_eviction(cluster: ClusterHarness) -> None:
    await make_node(cluster, "n1")
    await place_pod(
        cluster.client,
        "a",
        "n1",
        tolerations=[
            {"key": "example.com/maintenance", "operator": "Exists", "tolerationSeconds": 60}
        ],
    )
    await start(cluster)
    await set_taints(cluster, "n1", [MAINTENANCE])
    await trio.sleep(30)
    await set_taints(cluster, "n1", [])
    await trio.sleep(120)
    pod = await cluster.client.get("pods", "a", namespace="default")
    assert not deleting(pod)
    events = await cluster.events(namespace="default", involved_name="a")
    assert [(e["reason"], e["message"]) for e in events] == [
        ("TaintManagerEviction", "Cancelling deletion of Pod default/a")
    ]


async def test_pod_bound_to_a_tainted_node_is_evicted(cluster: ClusterHarness) -> None:
    await make_node(cluster, "n1")
    await start(cluster)
    await set_taints(cluster, "n1", [MAINTENANCE])
    await trio.sleep(1)
    await place_pod(cluster.client, "late", "n1")
    await cluster.wait_for("pods", "late", deleting, timeout=5)


async def test_pods_of_a_dead_node_are_evicted_300s_after_the_taint(
    cluster: ClusterHarness,
) -> None:
    """The whole chain: heartbeats stop, the node goes Unknown and is tainted unreachable,
    and the pods -- tolerating the taint for the default 300 s -- are evicted then."""
    clock = cluster.cluster.clock
    kubelet = FakeKubelet(cluster.client, clock, "n1")
    await cluster.cluster.start(kubelet.run)
    await cluster.cluster.start(FakeKubelet(cluster.client, clock, "n2").run)
    pod = await place_pod(cluster.client, "a", "n1")
    defaults = {t["key"]: t.get("tolerationSeconds") for t in pod["spec"]["tolerations"]}
    assert defaults["node.kubernetes.io/unreachable"] == 300  # DefaultTolerationSeconds
    await place_pod(cluster.client, "b", "n2")
    nlc = NodeLifecycleController(
        cluster.client, cluster.informer, cluster.recorder(NODE_LIFECYCLE), clock
    )
    for controller in nlc.controllers():
        await cluster.run_controller(controller)
    await start(cluster)
    kubelet.kill()
    node = await cluster.wait_for(
        "nodes",
        "n1",
        lambda n: any(
            t["effect"] == "NoExecute" for t in (n.get("spec") or {}).get("taints") or ()
        ),
        namespace="",
        timeout=120,
    )
    taint = next(t for t in node["spec"]["taints"] if t["effect"] == "NoExecute")
    assert taint["key"] == "node.kubernetes.io/unreachable"
    added = parse_time(taint["timeAdded"])
    evicted = await cluster.wait_for("pods", "a", deleting, timeout=400)
    waited = (parse_time(evicted["metadata"]["deletionTimestamp"]) - added).total_seconds()
    # deletionTimestamp is the deletion time plus the grace period (30 s)
    assert 300 <= waited - 30 <= 301, waited
    assert not deleting(await cluster.client.get("pods", "b", namespace="default"))
