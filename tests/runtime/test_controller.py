"""Controllers: retries, terminal errors, requeues, owner mapping, predicates."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
import trio
import trio.testing

from controllers.runtime import (
    Controller,
    Request,
    Result,
    TerminalError,
    enqueue_owner,
    generation_changed,
)
from controllers.runtime.owners import set_controller_reference
from minikube_py.errors import Conflict, GroupResource
from minikube_py.testing import ClusterHarness


def configmap(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


async def test_failures_back_off_exponentially(cluster: ClusterHarness) -> None:
    times: list[float] = []

    async def reconcile(request: Request) -> None:
        times.append(trio.current_time())
        if len(times) <= 4:
            raise Conflict(GroupResource("", "configmaps"), request.name)

    await cluster.run_controller(reconcile, watches=["configmaps"])
    await cluster.client.create(configmap("a"))
    await cluster.wait_until(lambda: len(times) == 5)
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(times)]
    assert gaps == [0.005, 0.01, 0.02, 0.04]


async def test_terminal_errors_are_not_retried(cluster: ClusterHarness) -> None:
    calls = 0

    async def reconcile(request: Request) -> None:
        nonlocal calls
        calls += 1
        raise TerminalError("cannot be fixed by retrying")

    await cluster.run_controller(reconcile, watches=["configmaps"])
    await cluster.client.create(configmap("a"))
    await trio.sleep(3600)
    assert calls == 1


async def test_requeue_after_reconciles_again_on_cluster_time(cluster: ClusterHarness) -> None:
    times: list[float] = []

    async def reconcile(request: Request) -> Result:
        times.append(trio.current_time())
        return Result(requeue_after=30)

    await cluster.run_controller(reconcile, watches=["configmaps"])
    await cluster.client.create(configmap("a"))
    await trio.sleep(100)
    assert [round(b - a) for a, b in itertools.pairwise(times)] == [30, 30, 30]


async def test_owned_objects_enqueue_their_controller(cluster: ClusterHarness) -> None:
    seen: list[str] = []

    async def reconcile(request: Request) -> None:
        seen.append(request.name)

    owner = await cluster.client.create(configmap("owner"))
    controller = Controller("owners", reconcile)
    controller.watch(cluster.informer("secrets"), enqueue_owner("ConfigMap"))
    await cluster.run_controller(controller)
    secret: dict[str, Any] = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}
    set_controller_reference(owner, secret)
    await cluster.client.create(secret)
    await cluster.client.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}})
    await trio.testing.wait_all_tasks_blocked()
    assert seen == ["owner"]


async def test_generation_predicate_ignores_status_only_updates(cluster: ClusterHarness) -> None:
    seen: list[int] = []

    async def reconcile(request: Request) -> None:
        deployment = await cluster.client.get("deployments", request.name)
        seen.append(deployment["metadata"]["generation"])

    controller = Controller("deployments", reconcile)
    controller.watch(cluster.informer("deployments"), predicates=[generation_changed])
    await cluster.run_controller(controller)
    await cluster.client.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                },
            },
        }
    )
    await trio.testing.wait_all_tasks_blocked()
    await cluster.client.patch(
        "deployments", "web", {"status": {"replicas": 1}}, subresource="status"
    )
    await trio.testing.wait_all_tasks_blocked()
    await cluster.client.patch("deployments", "web", {"spec": {"replicas": 3}})
    await trio.testing.wait_all_tasks_blocked()
    assert seen == [1, 2]


async def test_a_reconciler_is_never_run_twice_for_one_object_at_once(
    cluster: ClusterHarness,
) -> None:
    running: set[str] = set()
    overlaps = 0
    done = 0

    async def reconcile(request: Request) -> None:
        nonlocal overlaps, done
        if request.name in running:
            overlaps += 1
        running.add(request.name)
        await trio.sleep(1)
        running.discard(request.name)
        done += 1

    await cluster.run_controller(reconcile, watches=["configmaps"], workers=4)
    for i in range(3):
        await cluster.client.create(configmap(f"cm-{i}"))
    for _ in range(5):
        for i in range(3):
            await cluster.client.patch("configmaps", f"cm-{i}", {"data": {"n": str(_)}})
        await trio.sleep(0.3)
    await trio.sleep(10)
    assert overlaps == 0 and done >= 3


async def test_unexpected_errors_are_kept_for_the_harness(cluster: ClusterHarness) -> None:
    async def reconcile(request: Request) -> None:
        raise KeyError("a bug")

    controller = await cluster.run_controller(reconcile, watches=["configmaps"])
    await cluster.client.create(configmap("a"))
    await trio.sleep(1)
    assert controller.unexpected_errors and "KeyError: 'a bug'" in controller.unexpected_errors[0]
    controller.unexpected_errors.clear()  # or the fixture fails this test at teardown


def test_a_controller_needs_a_worker() -> None:
    async def reconcile(request: Request) -> None:
        return None

    with pytest.raises(ValueError, match="at least one worker"):
        Controller("x", reconcile, workers=0)
