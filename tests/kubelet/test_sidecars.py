"""Simulated kubelets: sidecar containers (init containers with ``restartPolicy: Always``,
KEP-753) -- started in order with the init containers, the next one waiting only for the sidecar
to have started; running beside the containers, restarting whatever the pod's restartPolicy,
counting in readiness, and stopped after the containers."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from kubelet_helpers import condition, is_ready, make_job_pod, make_pod, start_nodes

from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


def _status(pod: Object, name: str) -> dict[str, Any]:
    status = pod.get("status") or {}
    for item in (
        *(status.get("initContainerStatuses") or ()),
        *(status.get("containerStatuses") or ()),
    ):
        if item["name"] == name:
            return item
    return {}


def _state(pod: Object, name: str) -> str:
    return next(iter(_status(pod, name).get("state") or {"": None}))


async def _timeline(cluster: ClusterHarness, name: str, until: Any) -> list[tuple[float, Object]]:
    """Every version of pod ``name`` seen by a watch, with its time, until ``until(pod)``."""
    seen: list[tuple[float, Object]] = []
    async with cluster.client.watch("pods", namespace="default", name=name) as stream:
        async for event in stream:
            seen.append((trio.current_time(), event["object"]))
            if until(event["object"]):
                return seen
    return seen


def _first(seen: list[tuple[float, Object]], check: Any) -> float:
    return next(at for at, pod in seen if check(pod))


async def _killing(cluster: ClusterHarness, name: str) -> list[tuple[str, str]]:
    """The pod's ``Killing`` events: (message, fieldPath)."""
    events = await cluster.events(involved_name=name)
    return [
        (e["message"], e["involvedObject"].get("fieldPath", ""))
        for e in events
        if e["reason"] == "Killing"
    ]


SIDECAR = {"name": "proxy", "image": "envoy:1.30", "restartPolicy": "Always"}


async def _probed_sidecar_pod(cluster: ClusterHarness, script: str, **probes: Any) -> None:
    """Pod ``p``: sidecar ``proxy`` declaring ``probes`` (answered by ``script``, an
    annotation) and container ``c``."""
    kind = next(iter(probes)).removesuffix("Probe")
    await make_pod(
        cluster,
        "p",
        "node-1",
        initContainers=[{**SIDECAR, **probes}],
        containers=[{"name": "c", "image": "app:1.0"}],
        annotations={f"sim.minikube-py.dev/{kind}-probe": script},
    )


async def test_next_init_container_waits_for_the_sidecar_to_start(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await trio.sleep(10)
    startup = {"exec": {"command": ["true"]}, "initialDelaySeconds": 5, "periodSeconds": 1}
    seen: list[tuple[float, Object]] = []

    async def watch(task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        async with cluster.client.watch("pods", namespace="default") as stream:
            task_status.started()
            async for event in stream:
                seen.append((trio.current_time(), event["object"]))
                if is_ready(event["object"]):
                    return

    async with trio.open_nursery() as nursery:
        await nursery.start(watch)
        await make_pod(
            cluster,
            "p",
            "node-1",
            initContainers=[
                {**SIDECAR, "startupProbe": startup},
                {"name": "setup", "image": "busybox:1.36"},
            ],
            containers=[{"name": "c", "image": "app:1.0"}],
        )
        added = trio.current_time()
    ready = seen[-1][1]
    # the sidecar runs from 0.6 s; its startup probe passes on the first tick with 5 whole
    # seconds since, at 6 s; only then the init container (6.6 s, 1 s of work), then c (8.2 s)
    proxy_running = _first(seen, lambda p: _state(p, "proxy") == "running")
    proxy_started = _first(seen, lambda p: _status(p, "proxy").get("started"))
    setup_running = _first(seen, lambda p: _state(p, "setup") == "running")
    c_running = _first(seen, lambda p: _state(p, "c") == "running")
    assert proxy_running - added == pytest.approx(0.6)
    assert proxy_started - added == pytest.approx(6)
    assert setup_running - added == pytest.approx(6.6)
    assert c_running - added == pytest.approx(8.2)
    assert _state(ready, "proxy") == "running" and _state(ready, "setup") == "terminated"
    assert _status(ready, "proxy")["ready"] and _status(ready, "setup")["ready"]
    assert condition(ready, "Initialized")["status"] == "True"
    events = await cluster.events(involved_name="p")
    started = [
        (e["message"], e["involvedObject"].get("fieldPath"))
        for e in events
        if e["reason"] == "Started"
    ]
    assert started == [
        ("Started container proxy", "spec.initContainers{proxy}"),
        ("Started container setup", "spec.initContainers{setup}"),
        ("Started container c", "spec.containers{c}"),
    ]


async def test_an_unready_sidecar_keeps_the_pod_unready(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    readiness = {"httpGet": {"path": "/ready", "port": 15021}, "periodSeconds": 2}
    await _probed_sidecar_pod(cluster, "fail-after=0,fail-for=30", readinessProbe=readiness)
    running = await cluster.wait_for("pods", "p", lambda p: _state(p, "c") == "running")
    added = trio.current_time()
    # started (no startup probe) but not ready: the containers started all the same
    assert _status(running, "proxy")["started"] and not _status(running, "proxy")["ready"]
    assert condition(running, "Initialized")["status"] == "True"
    assert _status(running, "c")["ready"]
    assert condition(running, "Ready")["message"] == "containers with unready status: [proxy]"
    assert condition(running, "ContainersReady")["reason"] == "ContainersNotReady"
    await trio.sleep(20)
    assert not is_ready(await cluster.client.get("pods", "p", namespace="default"))
    await cluster.wait_for("pods", "p", is_ready)
    assert 28 < trio.current_time() - added < 32


async def test_sidecar_restarts_under_never_and_stops_after_the_containers(
    cluster: ClusterHarness,
) -> None:
    await start_nodes(cluster, "node-1")
    await make_job_pod(
        cluster,
        "job",
        30,
        initContainers=[dict(SIDECAR)],
        containers=[{"name": "c", "image": "app:1.0"}],
    )
    seen = await _timeline(
        cluster,
        "job",
        lambda p: _state(p, "proxy") == "terminated" and _status(p, "proxy")["restartCount"],
    )
    start = _first(seen, lambda p: _state(p, "proxy") == "running")
    # the sidecar exited at 30 s and came back at once: the pod's restartPolicy is Never
    restarted = _first(seen, lambda p: _status(p, "proxy").get("restartCount") == 1)
    assert restarted - start == pytest.approx(30.1)
    # c (running from 0.6 s after the sidecar) exits 0 at 30.6 s: the pod Succeeded ...
    succeeded = _first(seen, lambda p: p["status"].get("phase") == "Succeeded")
    assert succeeded - start == pytest.approx(30.6)
    done = seen[-1][1]
    # ... and its sidecar is stopped afterwards (0.5 s to stop)
    assert seen[-1][0] - start == pytest.approx(31.1)
    assert _status(done, "c")["restartCount"] == 0
    assert _status(done, "proxy")["state"]["terminated"]["exitCode"] == 0
    assert condition(done, "Ready")["reason"] == "PodCompleted"
    assert await _killing(cluster, "job") == [
        ("Stopping container proxy", "spec.initContainers{proxy}")
    ]


async def test_deletion_stops_sidecars_after_the_containers_in_reverse_order(
    cluster: ClusterHarness,
) -> None:
    await start_nodes(cluster, "node-1")
    await make_pod(
        cluster,
        "p",
        "node-1",
        initContainers=[dict(SIDECAR), {**SIDECAR, "name": "logs", "image": "fluent-bit:3"}],
        containers=[{"name": "c", "image": "app:1.0"}, {"name": "d", "image": "app:1.0"}],
        annotations={"sim.minikube-py.dev/stop-delay": "3"},
    )
    await cluster.wait_for("pods", "p", is_ready)
    stopped: dict[str, float] = {}
    async with cluster.client.watch("pods", namespace="default", name="p") as stream:
        await cluster.client.delete("pods", "p", namespace="default")
        start = trio.current_time()
        async for event in stream:
            for name in ("c", "d", "logs", "proxy"):
                if _state(event["object"], name) == "terminated":
                    stopped.setdefault(name, trio.current_time() - start)
            if event["type"] == "DELETED":
                deleted = trio.current_time() - start
                break
    # the containers together (3 s), then the sidecars one at a time, last started first
    assert stopped == pytest.approx({"c": 3, "d": 3, "logs": 6, "proxy": 9})
    assert deleted == pytest.approx(9)
    assert [path for _, path in await _killing(cluster, "p")] == [
        "spec.containers{c}",
        "spec.containers{d}",
        "spec.initContainers{logs}",
        "spec.initContainers{proxy}",
    ]


async def test_a_sidecar_failing_liveness_restarts_alone(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await trio.sleep(10)
    liveness = {"httpGet": {"path": "/live", "port": 15021}, "periodSeconds": 5}
    await _probed_sidecar_pod(cluster, "fail-after=10", livenessProbe=liveness)
    added = trio.current_time()
    pod = await cluster.wait_for("pods", "p", lambda p: _status(p, "proxy").get("restartCount"))
    # the sidecar runs from 0.6 s, fails from 10.6 s: the ticks at 15, 20 and 25 s; 0.5 s to
    # stop, 0.1 s to start again
    assert trio.current_time() - added == pytest.approx(25.6)
    assert _status(pod, "c")["restartCount"] == 0 and _state(pod, "c") == "running"
    assert _status(pod, "proxy")["lastState"]["terminated"]["exitCode"] == 137
    assert await _killing(cluster, "p") == [
        ("Container proxy failed liveness probe, will be restarted", "spec.initContainers{proxy}")
    ]
