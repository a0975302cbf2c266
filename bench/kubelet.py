"""Benchmark of the simulated kubelets (issue 7): idle heartbeat cost, pods brought to Running.

    .venv/bin/python bench/kubelet.py [--nodes 1000] [--minutes 5] [--pod-nodes 100] [--pods 3000]

One process on virtual time (``MockClock``, autojump), no controllers besides the kubelets.

* **idle**: ``--nodes`` simulated nodes register (Node, status, Lease, start events), then the
  cluster idles ``--minutes`` virtual minutes: every node renews its Lease every ~10 s and
  re-posts its status every 5 min. Reported: wall and CPU seconds per virtual minute.
* **pods**: ``--pod-nodes`` nodes; ``--pods`` pods created already bound (``spec.nodeName``),
  round-robin; the figure is pods/s of wall time from the first create until every pod's status
  says Running in the API (each pod: Pulling/Pulled/Created/Started events and ~4 status patches).
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

import trio
import trio.testing

from apiserver.storage import StoreConfig
from controllers.kubelet import NodeSet
from minikube_py.cluster import Cluster

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
QUIET = StoreConfig(compaction_interval=None, progress_notify_interval=None)


def _cluster() -> Cluster:
    return Cluster(seed=1, epoch=EPOCH, store=QUIET, controllers=[])


async def idle(nodes: int, minutes: float) -> dict[str, float]:
    cluster = _cluster()
    async with trio.open_nursery() as nursery:
        await nursery.start(cluster.run)
        node_set = NodeSet(cluster.client(user="system:node"), cluster.clock)
        for i in range(nodes):
            node_set.add(f"node-{i:04d}")
        wall, cpu = time.perf_counter(), time.process_time()
        await nursery.start(node_set.run)
        register_wall, register_cpu = time.perf_counter() - wall, time.process_time() - cpu
        renewals = sum(a.lease_renewals for a in node_set.agents.values())
        wall, cpu = time.perf_counter(), time.process_time()
        await trio.sleep(minutes * 60)
        idle_wall, idle_cpu = time.perf_counter() - wall, time.process_time() - cpu
        renewals = sum(a.lease_renewals for a in node_set.agents.values()) - renewals
        nursery.cancel_scope.cancel()
    return {
        "register_wall": register_wall,
        "register_cpu": register_cpu,
        "wall_per_minute": idle_wall / minutes,
        "cpu_per_minute": idle_cpu / minutes,
        "renewals_per_minute": renewals / minutes,
    }


async def pods_to_running(nodes: int, pods: int) -> dict[str, float]:
    cluster = _cluster()
    async with trio.open_nursery() as nursery:
        await nursery.start(cluster.run)
        client = cluster.client()
        node_set = NodeSet(client, cluster.clock)
        for i in range(nodes):
            node_set.add(f"node-{i:04d}")
        await nursery.start(node_set.run)
        wall, cpu, virtual = time.perf_counter(), time.process_time(), trio.current_time()
        for i in range(pods):
            await client.create(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {"name": f"pod-{i:05d}", "namespace": "default"},
                    "spec": {
                        "nodeName": f"node-{i % nodes:04d}",
                        "containers": [{"name": "c", "image": "nginx"}],
                    },
                }
            )
        created = time.perf_counter() - wall
        while True:
            running = sum(
                1
                for agent in node_set.agents.values()
                for worker in agent.workers.values()
                if worker.phase == "Running" and not worker.dirty
            )
            if running >= pods:
                break
            await trio.sleep(0.1)
        await trio.testing.wait_all_tasks_blocked()
        elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
        listed = await client.list("pods", namespace="default")
        api_running = sum(1 for p in listed["items"] if p["status"].get("phase") == "Running")
        nursery.cancel_scope.cancel()
    return {
        "create_wall": created,
        "wall": elapsed,
        "cpu": used,
        "virtual": trio.current_time() - virtual,
        "pods_per_second": pods / elapsed,
        "api_running": api_running,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--pod-nodes", type=int, default=100)
    parser.add_argument("--pods", type=int, default=3000)
    args = parser.parse_args()
    clock = trio.testing.MockClock(autojump_threshold=0)
    result = trio.run(idle, args.nodes, args.minutes, clock=clock)
    print(
        f"idle: {args.nodes} nodes registered in {result['register_wall']:.2f}s wall "
        f"({result['register_cpu']:.2f}s CPU); per virtual minute: "
        f"{result['wall_per_minute']:.3f}s wall, {result['cpu_per_minute']:.3f}s CPU, "
        f"{result['renewals_per_minute']:.0f} lease renewals"
    )
    clock = trio.testing.MockClock(autojump_threshold=0)
    result = trio.run(pods_to_running, args.pod_nodes, args.pods, clock=clock)
    print(
        f"pods: {args.pods} pods on {args.pod_nodes} nodes Running in {result['wall']:.2f}s wall "
        f"({result['cpu']:.2f}s CPU; creates {result['create_wall']:.2f}s; "
        f"{result['virtual']:.1f}s virtual): {result['pods_per_second']:.0f} pods/s; "
        f"{result['api_running']} Running in the API"
    )


if __name__ == "__main__":
    main()
