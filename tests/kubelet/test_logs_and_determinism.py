"""Simulated kubelets: container logs (``pods/log`` options) and replay from the seed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import trio
import trio.testing
from kubelet_helpers import is_ready, make_pod, start_nodes

from apiserver.storage import StoreConfig
from controllers.kubelet import NodeSet
from minikube_py.cluster import Cluster
from minikube_py.errors import BadRequest
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


async def _logging_cluster(cluster: ClusterHarness) -> NodeSet:
    nodes = await start_nodes(cluster, "node-1")
    cluster.cluster.server.log_source = nodes
    return nodes


async def test_logs_lines_tail_since_timestamps_limit(cluster: ClusterHarness) -> None:
    await _logging_cluster(cluster)
    await make_pod(cluster, "web", "node-1", annotations={"sim.minikube-py.dev/log-interval": "5"})
    with pytest.raises(BadRequest, match="is waiting to start: ContainerCreating"):
        await cluster.client.logs("web", namespace="default")
    await cluster.wait_for("pods", "web", is_ready)
    await trio.sleep(22)
    log = await cluster.client.logs("web", namespace="default")
    lines = log.splitlines()
    assert len(lines) == 5  # the startup line and four periodic ones
    assert lines[0].startswith("c: starting docker.io/library/nginx:latest")
    assert lines[1].startswith("c: tick 1 ")
    tail = await cluster.client.logs("web", namespace="default", tail_lines=2)
    assert tail.splitlines() == lines[-2:]
    since = await cluster.client.logs("web", namespace="default", since_seconds=8)
    assert since.splitlines() == lines[-2:]
    stamped = await cluster.client.logs("web", namespace="default", timestamps=True, tail_lines=1)
    stamp, text = stamped.rstrip("\n").split(" ", 1)
    assert text == lines[-1]
    assert stamp.startswith("2026-01-01T00:00:2") and stamp.endswith("Z")
    limited = await cluster.client.logs("web", namespace="default", limit_bytes=10)
    assert limited == log[:10]


async def test_follow_yields_until_the_container_ends(cluster: ClusterHarness) -> None:
    await _logging_cluster(cluster)
    await make_pod(
        cluster,
        "job",
        "node-1",
        restartPolicy="Never",
        annotations={
            "sim.minikube-py.dev/log-interval": "10",
            "sim.minikube-py.dev/crash-after": "35",
            "sim.minikube-py.dev/exit-code": "0",
        },
    )
    await cluster.wait_for("pods", "job", is_ready)
    start = trio.current_time()
    got: list[tuple[float, str]] = []
    async for chunk in cluster.client.follow_logs("job", namespace="default"):
        got.append((round(trio.current_time() - start, 1), chunk))
    assert [t for t, _ in got] == [0.0, 10.0, 20.0, 30.0]
    assert round(trio.current_time() - start) == 35  # ends with the container


async def test_previous_log_after_a_restart(cluster: ClusterHarness) -> None:
    await _logging_cluster(cluster)
    await make_pod(
        cluster, "crash", "node-1", annotations={"sim.minikube-py.dev/crash-after": "15"}
    )
    await cluster.wait_for("pods", "crash", is_ready)
    with pytest.raises(BadRequest, match="previous terminated container"):
        await cluster.client.logs("crash", namespace="default", previous=True)
    await cluster.wait_for(
        "pods", "crash", lambda p: p["status"]["containerStatuses"][0]["restartCount"] == 1
    )
    previous = await cluster.client.logs("crash", namespace="default", previous=True)
    current = await cluster.client.logs("crash", namespace="default")
    assert len(previous.splitlines()) == 2  # start, tick at 10 s; ended at 15 s
    assert previous.splitlines()[0] != current.splitlines()[0]  # another container id


async def _scenario(cluster: ClusterHarness) -> list[tuple[str, str, str]]:
    nodes = await _logging_cluster(cluster)
    nodes.add("node-2")
    for i in range(4):
        await make_pod(
            cluster,
            f"p{i}",
            f"node-{i % 2 + 1}",
            annotations={
                "sim.minikube-py.dev/image-pull-delay": "1-5",
                "sim.minikube-py.dev/crash-after": "40",
            },
        )
    await trio.sleep(120)
    result = []
    for i in range(4):
        pod = await cluster.client.get("pods", f"p{i}", namespace="default")
        status = pod["status"]["containerStatuses"][0]
        log = await cluster.client.logs(f"p{i}", namespace="default", timestamps=True)
        result.append((status["containerID"], str(status["restartCount"]), log))
    return result


def _run_scenario(seed: int) -> list[tuple[str, str, str]]:
    async def main() -> list[tuple[str, str, str]]:
        cluster = Cluster(
            seed=seed,
            epoch=datetime(2026, 1, 1, tzinfo=UTC),
            store=StoreConfig(compaction_interval=None, progress_notify_interval=None),
            controllers=[],
        )
        async with trio.open_nursery() as nursery:
            await nursery.start(cluster.run)
            result = await _scenario(ClusterHarness(cluster))
            nursery.cancel_scope.cancel()
        return result

    return trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def test_replays_from_the_seed() -> None:
    first = _run_scenario(11)
    assert len({cid for cid, _, _ in first}) == 4
    assert _run_scenario(11) == first
    assert _run_scenario(12) != first
