"""The EndpointSlice controller on virtual time: slices follow pods, conditions, ports,
packing into slices of at most 100, placeholders and deletion with the Service."""

from __future__ import annotations

from typing import Any

import pytest
from node_heartbeats import place_pod, set_pod_ready

from controllers.endpointslice import EndpointSliceController
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])

SELECTOR = "kubernetes.io/service-name=web"


async def start(cluster: ClusterHarness) -> EndpointSliceController:
    esc = EndpointSliceController(cluster.client, cluster.informer)
    await cluster.run_controller(esc.controller())
    return esc


async def make_node(cluster: ClusterHarness, name: str, zone: str = "") -> None:
    labels = {"topology.kubernetes.io/zone": zone} if zone else {}
    await cluster.client.create(
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}
    )


async def make_service(cluster: ClusterHarness, **spec: Any) -> Object:
    body = {
        "selector": {"app": "web"},
        "ports": [{"name": "http", "port": 80, "targetPort": 8080}],
        **spec,
    }
    return await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "web", "namespace": "default", "labels": {"tier": "front"}},
            "spec": body,
        }
    )


async def slices(cluster: ClusterHarness) -> list[Object]:
    listed = await cluster.client.list(
        "endpointslices", namespace="default", label_selector=SELECTOR
    )
    return listed["items"]


async def wait_slices(cluster: ClusterHarness, check: Any, within: float = 10) -> list[Object]:
    async def ok() -> tuple[list[Object]] | None:
        found = await slices(cluster)
        return (found,) if check(found) else None  # truthy even when no slice is the answer

    (found,) = await cluster.wait_until(ok, timeout=within)
    return found


def by_pod(found: list[Object]) -> dict[str, dict[str, Any]]:
    return {e["targetRef"]["name"]: e for s in found for e in s.get("endpoints") or ()}


async def test_slices_follow_pods_ready_unready_and_deleted(cluster: ClusterHarness) -> None:
    await make_node(cluster, "n1", zone="z1")
    await make_node(cluster, "n2")
    service = await make_service(cluster)
    await start(cluster)
    a = await place_pod(cluster.client, "a", "n1", ip="10.0.0.1")
    b = await place_pod(cluster.client, "b", "n2", ip="10.0.0.2", ready=False)

    found = await wait_slices(cluster, lambda f: len(by_pod(f)) == 2)
    assert len(found) == 1
    slice_ = found[0]
    assert slice_["metadata"]["name"].startswith("web-")
    assert slice_["metadata"]["generateName"] == "web-"
    assert slice_["metadata"]["labels"] == {
        "tier": "front",
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    owner = slice_["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["uid"], owner["controller"]) == (
        "Service",
        "web",
        service["metadata"]["uid"],
        True,
    )
    assert slice_["addressType"] == "IPv4"
    assert slice_["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    endpoints = by_pod(found)
    assert endpoints["a"] == {
        "addresses": ["10.0.0.1"],
        "conditions": {"ready": True, "serving": True, "terminating": False},
        "nodeName": "n1",
        "zone": "z1",
        "targetRef": {
            "kind": "Pod",
            "namespace": "default",
            "name": "a",
            "uid": a["metadata"]["uid"],
        },
    }
    assert endpoints["b"]["conditions"] == {"ready": False, "serving": False, "terminating": False}
    assert "zone" not in endpoints["b"]

    await set_pod_ready(cluster.client, b, True, ip="10.0.0.2")
    await wait_slices(cluster, lambda f: by_pod(f)["b"]["conditions"]["ready"])
    # a pod being deleted stays, terminating (and still serving while Ready)
    await cluster.client.delete("pods", "a", namespace="default")
    found = await wait_slices(cluster, lambda f: by_pod(f)["a"]["conditions"]["terminating"])
    assert by_pod(found)["a"]["conditions"] == {
        "ready": False,
        "serving": True,
        "terminating": True,
    }
    await cluster.client.delete("pods", "a", namespace="default", grace_period_seconds=0)
    found = await wait_slices(cluster, lambda f: set(by_pod(f)) == {"b"})
    assert len(found) == 1  # updated in place
    del a


async def test_a_service_without_pods_has_a_placeholder_slice(cluster: ClusterHarness) -> None:
    service = await make_service(cluster)
    await start(cluster)
    found = await wait_slices(cluster, lambda f: len(f) == 1)
    assert not found[0].get("endpoints")
    assert found[0]["addressType"] == "IPv4"
    # a new service: its creation is the trigger
    annotations = found[0]["metadata"]["annotations"]
    trigger = annotations["endpoints.kubernetes.io/last-change-trigger-time"]
    assert trigger == service["metadata"]["creationTimestamp"]


async def test_endpoints_are_packed_100_to_a_slice(cluster: ClusterHarness) -> None:
    await make_node(cluster, "n1")
    await make_service(cluster)
    for i in range(250):
        await place_pod(cluster.client, f"p{i}", "n1", ip=f"10.1.{i // 200}.{i % 200 + 1}")
    await start(cluster)
    found = await wait_slices(cluster, lambda f: len(by_pod(f)) == 250)
    assert sorted(len(s["endpoints"]) for s in found) == [50, 100, 100]
    # new endpoints go to the slice they fit best, not to new slices
    for i in range(250, 280):
        await place_pod(cluster.client, f"p{i}", "n1", ip=f"10.2.0.{i - 249}")
    found = await wait_slices(cluster, lambda f: len(by_pod(f)) == 280)
    assert sorted(len(s["endpoints"]) for s in found) == [80, 100, 100]
    # endpoints removed leave their slices partly empty (no rebalancing)
    for i in range(0, 280, 7):
        await cluster.client.delete("pods", f"p{i}", namespace="default", grace_period_seconds=0)
    found = await wait_slices(cluster, lambda f: len(by_pod(f)) == 240)
    assert len(found) == 3


async def test_pods_with_different_ports_get_different_slices(cluster: ClusterHarness) -> None:
    await make_node(cluster, "n1")
    await make_service(cluster, ports=[{"name": "http", "port": 80, "targetPort": "web"}])
    await start(cluster)
    await place_pod(
        cluster.client, "a", "n1", ip="10.0.0.1", ports=[{"name": "web", "containerPort": 8080}]
    )
    await place_pod(
        cluster.client, "b", "n1", ip="10.0.0.2", ports=[{"name": "web", "containerPort": 9090}]
    )
    found = await wait_slices(cluster, lambda f: len(by_pod(f)) == 2)
    ports = {s["endpoints"][0]["targetRef"]["name"]: s["ports"][0]["port"] for s in found}
    assert ports == {"a": 8080, "b": 9090}


async def test_publish_not_ready_addresses_marks_everything_ready(
    cluster: ClusterHarness,
) -> None:
    await make_node(cluster, "n1")
    await make_service(cluster, publishNotReadyAddresses=True)
    await start(cluster)
    await place_pod(cluster.client, "a", "n1", ip="10.0.0.1", ready=False)
    found = await wait_slices(cluster, lambda f: "a" in by_pod(f))
    assert by_pod(found)["a"]["conditions"] == {
        "ready": True,
        "serving": False,
        "terminating": False,
    }


async def test_pods_on_unknown_nodes_are_left_out(cluster: ClusterHarness) -> None:
    await make_node(cluster, "n1")
    await make_service(cluster)
    await start(cluster)
    await place_pod(cluster.client, "a", "n1", ip="10.0.0.1")
    await place_pod(cluster.client, "ghost", "nowhere", ip="10.0.0.2")
    found = await wait_slices(cluster, lambda f: "a" in by_pod(f))
    assert "ghost" not in by_pod(found)
    # the node appears: the retried sync picks the pod up
    await make_node(cluster, "nowhere")
    await wait_slices(cluster, lambda f: "ghost" in by_pod(f), within=30)


@pytest.mark.cluster(controllers=["garbagecollector"])
async def test_slices_go_with_their_service(cluster: ClusterHarness) -> None:
    await make_node(cluster, "n1")
    await make_service(cluster)
    await start(cluster)
    await place_pod(cluster.client, "a", "n1", ip="10.0.0.1")
    await wait_slices(cluster, lambda f: "a" in by_pod(f))
    await cluster.client.delete("services", "web", namespace="default")
    await wait_slices(cluster, lambda f: not f, within=30)


async def test_a_port_change_rewrites_the_slice_in_place(cluster: ClusterHarness) -> None:
    """New ports make a new port map; the create and the delete become one update."""
    await make_node(cluster, "n1")
    service = await make_service(cluster)
    await start(cluster)
    await place_pod(cluster.client, "a", "n1", ip="10.0.0.1")
    (before,) = await wait_slices(cluster, lambda f: "a" in by_pod(f))
    service = await cluster.client.get("services", "web", namespace="default")
    service["spec"]["ports"][0]["targetPort"] = 9090
    await cluster.client.update(service)
    (after,) = await wait_slices(cluster, lambda f: f and f[0]["ports"][0]["port"] == 9090)
    assert after["metadata"]["name"] == before["metadata"]["name"]
    assert set(by_pod([after])) == {"a"}
    # no pod Ready transition and no new service since the last sync: no trigger time
    annotations = after["metadata"].get("annotations") or {}
    assert "endpoints.kubernetes.io/last-change-trigger-time" not in annotations


async def test_prefer_close_traffic_distribution_sets_zone_hints(cluster: ClusterHarness) -> None:
    """``trafficDistribution: PreferClose``: each endpoint with a zone is hinted for it (one
    without a zone gets no hint); taking it off removes the hints from unchanged slices."""
    await make_node(cluster, "n1", zone="z1")
    await make_node(cluster, "n2", zone="z2")
    await make_node(cluster, "n3")
    service = await make_service(cluster, trafficDistribution="PreferClose")
    await start(cluster)
    await place_pod(cluster.client, "a", "n1", ip="10.0.0.1")
    await place_pod(cluster.client, "b", "n2", ip="10.0.0.2")
    await place_pod(cluster.client, "c", "n3", ip="10.0.0.3")
    found = await wait_slices(cluster, lambda f: len(by_pod(f)) == 3)
    endpoints = by_pod(found)
    assert endpoints["a"]["hints"] == {"forZones": [{"name": "z1"}]}
    assert endpoints["b"]["hints"] == {"forZones": [{"name": "z2"}]}
    assert "hints" not in endpoints["c"]
    # a slice rewritten for another reason keeps its hints
    await cluster.client.delete("pods", "c", namespace="default", grace_period_seconds=0)
    found = await wait_slices(cluster, lambda f: set(by_pod(f)) == {"a", "b"})
    assert by_pod(found)["a"]["hints"] == {"forZones": [{"name": "z1"}]}
    # without the field the hints go, though no endpoint changed
    service = await cluster.client.get("services", "web", namespace="default")
    del service["spec"]["trafficDistribution"]
    await cluster.client.update(service)
    found = await wait_slices(cluster, lambda f: all("hints" not in e for e in by_pod(f).values()))
    assert set(by_pod(found)) == {"a", "b"}


async def test_topology_mode_auto_leaves_hints_alone(cluster: ClusterHarness) -> None:
    """Topology-aware hints are not computed: an Auto service's slices get no zone hints."""
    await make_node(cluster, "n1", zone="z1")
    await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "web",
                "namespace": "default",
                "annotations": {"service.kubernetes.io/topology-mode": "Auto"},
            },
            "spec": {
                "selector": {"app": "web"},
                "ports": [{"port": 80}],
                "trafficDistribution": "PreferClose",
            },
        }
    )
    await start(cluster)
    await place_pod(cluster.client, "a", "n1", ip="10.0.0.1")
    found = await wait_slices(cluster, lambda f: len(by_pod(f)) == 1)
    assert "hints" not in by_pod(found)["a"]
