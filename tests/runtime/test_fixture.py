"""The pytest plugin's fixtures: a cluster per test on virtual time, and its helpers."""

from __future__ import annotations

import pytest
import trio

from apiserver.client import InProcessClient
from controllers.runtime import Request, Result
from minikube_py.testing import ClusterHarness, WaitTimeout


async def test_the_cluster_runs_on_virtual_time(cluster: ClusterHarness) -> None:
    start = trio.current_time()
    created = await cluster.client.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    )
    await trio.sleep(3600)
    assert trio.current_time() - start == pytest.approx(3600)
    assert created["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"
    later = await cluster.client.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}
    )
    assert later["metadata"]["creationTimestamp"] == "2026-01-01T01:00:00Z"


async def test_kube_is_the_clusters_client(kube: InProcessClient) -> None:
    namespaces = await kube.list("namespaces")
    assert {n["metadata"]["name"] for n in namespaces["items"]} >= {"default", "kube-system"}


@pytest.mark.cluster(seed=42)
async def test_the_marker_sets_the_seed(cluster: ClusterHarness) -> None:
    assert cluster.cluster.clock.seed == 42


async def test_wait_for_fails_with_the_last_state(cluster: ClusterHarness) -> None:
    await cluster.client.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "data": {"k": "1"}}
    )
    with pytest.raises(WaitTimeout) as info:
        await cluster.wait_for("configmaps", "a", lambda cm: cm["data"]["k"] == "2", timeout=5)
    assert '"k": "1"' in str(info.value)
    assert "within 5s of cluster time" in str(info.value)


async def test_wait_for_wakes_on_the_write_that_satisfies_it(cluster: ClusterHarness) -> None:
    async def later() -> None:
        await trio.sleep(30)
        await cluster.client.create(
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late"}}
        )

    async with trio.open_nursery() as nursery:
        nursery.start_soon(later)
        start = trio.current_time()
        found = await cluster.wait_for("configmaps", "late")
    assert found["metadata"]["name"] == "late"
    assert trio.current_time() - start == pytest.approx(30)


async def test_run_controller_reconciles_what_it_watches(cluster: ClusterHarness) -> None:
    seen: list[str] = []

    async def reconcile(request: Request) -> Result | None:
        seen.append(str(request))
        return None

    await cluster.run_controller(reconcile, watches=["configmaps"])
    await cluster.client.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
    )
    await cluster.wait_until(lambda: "default/a" in seen)
    assert "kube-system/kube-root-ca.crt" not in seen  # only what exists is reconciled
