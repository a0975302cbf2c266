"""The Endpoints controller on virtual time: addresses follow pods becoming ready, unready and
deleted; ports resolve by number or name; publishNotReadyAddresses; service deletion."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from node_heartbeats import place_pod, set_pod_ready

from controllers.endpoint import COMPONENT, EndpointController
from minikube_py.errors import NotFound
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


async def start(cluster: ClusterHarness) -> None:
    ec = EndpointController(cluster.client, cluster.informer, cluster.recorder(COMPONENT))
    await cluster.run_controller(ec.controller())


async def make_service(
    cluster: ClusterHarness,
    name: str = "web",
    *,
    ports: list[dict[str, Any]] | None = None,
    selector: dict[str, str] | None = None,
    **spec: Any,
) -> Object:
    body: dict[str, Any] = {
        "ports": ports if ports is not None else [{"name": "http", "port": 80, "targetPort": 8080}],
        **spec,
    }
    if selector is not None:
        body["selector"] = selector
    elif "selector" not in spec:
        body["selector"] = {"app": "web"}
    return await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": "default", "labels": {"tier": "front"}},
            "spec": body,
        }
    )


def ips(subset: dict[str, Any], key: str = "addresses") -> list[str]:
    return [a["ip"] for a in subset.get(key) or ()]


async def endpoints(cluster: ClusterHarness, check: Any, name: str = "web") -> Object:
    return await cluster.wait_for("endpoints", name, check, timeout=10)


async def test_ready_and_not_ready_addresses_follow_the_pods(cluster: ClusterHarness) -> None:
    await start(cluster)
    await make_service(cluster)
    await trio.sleep(1)
    now = cluster.cluster.clock.timestamp
    a = await place_pod(cluster.client, "a", "n1", ip="10.0.0.1", since=now())
    b = await place_pod(cluster.client, "b", "n2", ip="10.0.0.2", ready=False, since=now())
    await place_pod(cluster.client, "other", "n1", ip="10.0.0.9", labels={"app": "db"})

    ep = await endpoints(
        cluster,
        lambda e: (
            len(e.get("subsets") or ()) == 1
            and ips(e["subsets"][0]) == ["10.0.0.1"]
            and ips(e["subsets"][0], "notReadyAddresses") == ["10.0.0.2"]
        ),
    )
    subset = ep["subsets"][0]
    assert subset["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert subset["addresses"][0]["nodeName"] == "n1"
    assert subset["addresses"][0]["targetRef"] == {
        "kind": "Pod",
        "namespace": "default",
        "name": "a",
        "uid": a["metadata"]["uid"],
    }
    assert ep["metadata"]["labels"] == {"tier": "front"}
    # the earliest trigger since the last sync: the pods' Ready transitions
    trigger = ep["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"]
    assert trigger == a["status"]["conditions"][1]["lastTransitionTime"]

    await set_pod_ready(cluster.client, b, True, ip="10.0.0.2")
    await endpoints(cluster, lambda e: ips(e["subsets"][0]) == ["10.0.0.1", "10.0.0.2"])
    await set_pod_ready(cluster.client, a, False, ip="10.0.0.1")
    await endpoints(
        cluster,
        lambda e: (
            ips(e["subsets"][0]) == ["10.0.0.2"]
            and ips(e["subsets"][0], "notReadyAddresses") == ["10.0.0.1"]
        ),
    )
    # a deleted pod (Terminating: bound to a node) leaves at once
    await cluster.client.delete("pods", "b", namespace="default")
    ep = await endpoints(cluster, lambda e: not any(ips(s) for s in e.get("subsets") or ()))
    assert ips(ep["subsets"][0], "notReadyAddresses") == ["10.0.0.1"]
    await cluster.client.delete("pods", "a", namespace="default", grace_period_seconds=0)
    await endpoints(cluster, lambda e: not e.get("subsets"))
    # no write raced the informer (no FailedToCreateEndpoint / FailedToUpdateEndpoint)
    assert not [e for e in await cluster.events(namespace="default") if e["type"] == "Warning"]
    # Endpoints deleted by hand come back
    await cluster.client.delete("endpoints", "web", namespace="default")
    await endpoints(cluster, lambda e: e["metadata"]["labels"] == {"tier": "front"})


async def test_named_target_ports_resolve_per_pod(cluster: ClusterHarness) -> None:
    await start(cluster)
    await make_service(
        cluster, ports=[{"name": "http", "port": 80, "targetPort": "web"}, {"name": "m", "port": 9}]
    )
    await place_pod(
        cluster.client, "a", "n1", ip="10.0.0.1", ports=[{"name": "web", "containerPort": 8080}]
    )
    await place_pod(
        cluster.client, "b", "n1", ip="10.0.0.2", ports=[{"name": "web", "containerPort": 9090}]
    )
    await place_pod(cluster.client, "c", "n1", ip="10.0.0.3")  # no port named web
    ep = await endpoints(
        cluster, lambda e: any(len(s.get("addresses") or ()) == 3 for s in e.get("subsets") or ())
    )
    by_ports = {tuple((p["name"], p["port"]) for p in s["ports"]): ips(s) for s in ep["subsets"]}
    # RepackSubsets groups addresses by the ports they share
    assert by_ports == {
        (("http", 8080),): ["10.0.0.1"],
        (("http", 9090),): ["10.0.0.2"],
        (("m", 9),): ["10.0.0.1", "10.0.0.2", "10.0.0.3"],
    }


async def test_publish_not_ready_addresses(cluster: ClusterHarness) -> None:
    await start(cluster)
    await make_service(cluster, publishNotReadyAddresses=True)
    await place_pod(cluster.client, "a", "n1", ip="10.0.0.1", ready=False)
    await place_pod(cluster.client, "b", "n1", ip="10.0.0.2")
    await endpoints(
        cluster, lambda e: ips((e.get("subsets") or [{}])[0]) == ["10.0.0.1", "10.0.0.2"]
    )
    # terminating pods stay published too
    await cluster.client.delete("pods", "a", namespace="default")
    await trio.sleep(1)
    ep = await cluster.client.get("endpoints", "web", namespace="default")
    assert ips(ep["subsets"][0]) == ["10.0.0.1", "10.0.0.2"]


async def test_hostname_for_pods_in_the_services_subdomain(cluster: ClusterHarness) -> None:
    await start(cluster)
    await make_service(cluster, clusterIP="None")
    await place_pod(
        cluster.client,
        "a",
        "n1",
        ip="10.0.0.1",
        extra_spec={"hostname": "web-0", "subdomain": "web"},
    )
    ep = await endpoints(cluster, lambda e: bool(e.get("subsets")))
    assert ep["subsets"][0]["addresses"][0]["hostname"] == "web-0"
    assert ep["metadata"]["labels"] == {"tier": "front", "service.kubernetes.io/headless": ""}


async def test_service_deletion_deletes_endpoints_and_no_selector_gets_none(
    cluster: ClusterHarness,
) -> None:
    await start(cluster)
    await make_service(cluster)
    await make_service(cluster, "manual", selector={})
    await place_pod(cluster.client, "a", "n1", ip="10.0.0.1")
    await endpoints(cluster, lambda e: bool(e.get("subsets")))
    await cluster.client.delete("services", "web", namespace="default")
    await cluster.wait_for_deletion("endpoints", "web", timeout=10)
    with pytest.raises(NotFound):
        await cluster.client.get("endpoints", "manual", namespace="default")


async def test_leftover_endpoints_are_deleted_at_start(cluster: ClusterHarness) -> None:
    await cluster.client.create(
        {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {"name": "orphan", "namespace": "default"},
        }
    )
    await start(cluster)
    await cluster.wait_for_deletion("endpoints", "orphan", timeout=10)


async def test_over_capacity_truncates_to_1000_addresses(cluster: ClusterHarness) -> None:
    await make_service(cluster)
    for i in range(1003):
        await place_pod(cluster.client, f"p{i}", "n1", ip=f"10.1.{i // 250}.{i % 250 + 1}")
    await start(cluster)  # one sync, not a thousand
    ep = await cluster.wait_for(
        "endpoints",
        "web",
        lambda e: (
            (e["metadata"].get("annotations") or {}).get("endpoints.kubernetes.io/over-capacity")
            == "truncated"
        ),
        timeout=30,
    )
    assert sum(len(s.get("addresses") or ()) for s in ep["subsets"]) == 1000
