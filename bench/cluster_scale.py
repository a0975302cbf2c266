"""Benchmark of the whole cluster at scale (issue 7): nodes, scheduler and kubelets together.

    ./dev bench cluster_scale [--quick] [scale|nodekill] [--nodes N] [--deployments N]
                              [--replicas N] [--timeout S] [--profile FILE]

One process on virtual time (``MockClock``, autojump): every built-in controller, the scheduler
and ``--nodes`` simulated kubelets (32 CPU, 128 Gi, 110 pods; three zones). The workload is
``--deployments`` Deployments of ``--replicas`` pods (100m CPU, 128 Mi each), created through the
API; nothing is created bound. Measured: wall time, CPU time (``time.process_time``), peak RSS
(``getrusage``) and virtual time elapsed.

* **scale** (default 1,000 nodes, 300 Deployments x 100 = 30,000 pods): from the first
  Deployment create until every pod is Running (as its kubelet reports it) and every Deployment
  is Available with all replicas; scheduler throughput is pods bound per wall second from the
  first create to the last binding. ``--timeout`` (wall seconds, default 360) stops a run that
  does not finish and reports its partial progress.
* **nodekill** (default 100 nodes, 30 x 100 = 3,000 pods): once all is Running and Available,
  one node is killed; reported are the virtual times of its Ready=Unknown condition and of the
  first eviction of its pods (from its last heartbeat), and the wall time until all Deployments
  are Available again with the replacements.

``--quick`` runs both at 10 nodes / 3 x 100 pods (a smoke run, well under 30 s).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import resource
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import trio
import trio.testing

from apiserver.storage import StoreConfig
from controllers.kubelet import NodePool
from minikube_py.cluster import Cluster

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
QUIET = StoreConfig(compaction_interval=None, progress_notify_interval=None)
CAPACITY = {"cpu": "32", "memory": "128Gi", "pods": "110", "ephemeral-storage": "100Gi"}
ZONES = ("zone-a", "zone-b", "zone-c")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_deployment(index: int, replicas: int) -> dict[str, Any]:
    labels = {"app": f"app-{index:03d}"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"app-{index:03d}", "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "c",
                            "image": "registry.k8s.io/pause:3.10",
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                        }
                    ]
                },
            },
        },
    }


def make_cluster(nodes: int) -> Cluster:
    pools = [NodePool(capacity=dict(CAPACITY), zone=zone) for zone in ZONES]
    cluster = Cluster(seed=1, epoch=EPOCH, store=QUIET, scheduler=True, node_pool=pools[0])
    for i in range(nodes):
        cluster.nodes.add(f"node-{i + 1:04d}", pool=pools[i % len(pools)])
    return cluster


def running_pods(cluster: Cluster, skip: str = "") -> int:
    """Pods whose kubelet has them Running and reported (the kubelets' own view, cheap)."""
    return sum(
        1
        for name, agent in list(cluster.nodes.agents.items())
        if name != skip
        for worker in list(agent.workers.values())
        if worker.phase == "Running" and not worker.dirty
    )


def deployment_available(d: dict[str, Any]) -> bool:
    spec, status = d["spec"], d.get("status") or {}
    want = spec.get("replicas", 1)
    available = any(
        c.get("type") == "Available" and c.get("status") == "True"
        for c in status.get("conditions") or ()
    )
    return (
        available
        and status.get("observedGeneration") == d["metadata"].get("generation")
        and status.get("updatedReplicas") == want
        and status.get("availableReplicas") == want
        and status.get("replicas") == want
    )


@dataclass
class Progress:
    """Counters read by a wall-clock thread (progress lines, first-all-bound time, timeout)."""

    cluster: Cluster
    total: int
    timeout: float
    start: float = field(default_factory=time.perf_counter)
    all_bound_at: float | None = None
    timed_out: bool = False
    done: threading.Event = field(default_factory=threading.Event)
    bound_base: int = 0

    def bound(self) -> int:
        scheduler = self.cluster.scheduler
        return (scheduler.scheduled if scheduler is not None else 0) - self.bound_base

    def watch(self, token: trio.lowlevel.TrioToken, scope: trio.CancelScope) -> None:
        last_print = self.start
        while not self.done.wait(0.25):
            now = time.perf_counter()
            if self.all_bound_at is None and self.bound() >= self.total:
                self.all_bound_at = now
            if now - last_print >= 15:
                last_print = now
                try:
                    running = running_pods(self.cluster)
                except RuntimeError:  # a dict changed under us; skip this line
                    running = -1
                print(
                    f"    [{now - self.start:6.1f} s wall] bound {self.bound()}/{self.total}, "
                    f"Running {running}, CPU {time.process_time():.1f} s, "
                    f"RSS {peak_rss_mib():.0f} MiB",
                    flush=True,
                )
            if now - self.start > self.timeout and not self.timed_out:
                self.timed_out = True
                try:
                    trio.from_thread.run_sync(scope.cancel, trio_token=token)
                except trio.RunFinishedError:
                    return


async def converge(
    cluster: Cluster, total: int, skip: str = "", min_running: int | None = None
) -> tuple[int, int]:
    """Wait (virtual seconds) until every Deployment is Available and ``total`` pods Running;
    returns (Running pods, Available Deployments) at the end."""
    client = cluster.client()
    while True:
        await trio.sleep(1)
        running = running_pods(cluster, skip)
        if running < (total if min_running is None else min_running):
            continue
        listed = await client.list("deployments", namespace="default")
        ready = sum(1 for d in listed["items"] if deployment_available(d))
        if ready == len(listed["items"]):
            return running, ready


async def scale(
    nodes: int, deployments: int, replicas: int, wall_limit: float, profile: str | None
) -> None:
    total = deployments * replicas
    print(f"scale: {nodes} nodes, {deployments} Deployments x {replicas} = {total} pods")
    cluster = make_cluster(nodes)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    async with trio.open_nursery() as nursery:
        await nursery.start(cluster.run)
        client = cluster.client()
        print(
            f"  cluster up, {nodes} nodes registered: {time.perf_counter() - wall0:.2f} s wall, "
            f"{time.process_time() - cpu0:.2f} s CPU, RSS {peak_rss_mib():.0f} MiB"
        )
        progress = Progress(cluster, total, wall_limit)
        progress.bound_base = progress.bound()
        scope = trio.CancelScope()
        thread = threading.Thread(
            target=progress.watch,
            args=(trio.lowlevel.current_trio_token(), scope),
            daemon=True,
        )
        profiler = cProfile.Profile() if profile else None
        wall, cpu, virtual = time.perf_counter(), time.process_time(), trio.current_time()
        progress.start = wall
        thread.start()
        if profiler is not None:
            profiler.enable()
        result: tuple[int, int] | None = None
        with scope:
            for i in range(deployments):
                await client.create(make_deployment(i, replicas))
            created = time.perf_counter() - wall
            result = await converge(cluster, total)
        if profiler is not None:
            profiler.disable()
        elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
        progress.done.set()
        thread.join()
        bound = progress.bound()
        running = running_pods(cluster)
        listed = await client.list("deployments", namespace="default")
        available = sum(1 for d in listed["items"] if deployment_available(d))
        virtual_elapsed = trio.current_time() - virtual
        nursery.cancel_scope.cancel()
    if result is None:
        print(
            f"  TIMED OUT after {elapsed:.1f} s wall (limit {wall_limit:.0f} s): partial progress"
        )
    else:
        print(f"  Deployments created in {created:.2f} s wall")
    bound_wall = progress.all_bound_at - wall if progress.all_bound_at is not None else elapsed
    print(
        f"  {'all' if result else 'so far'}: {bound}/{total} pods bound, {running} Running, "
        f"{available}/{deployments} Deployments Available"
    )
    print(
        f"  wall {elapsed:.1f} s, CPU {used:.1f} s, virtual {virtual_elapsed:.1f} s, "
        f"peak RSS {peak_rss_mib():.0f} MiB"
    )
    print(
        f"  scheduler: {bound} pods bound in {bound_wall:.1f} s wall from the first create: "
        f"{bound / bound_wall:.0f} pods/s"
        + ("" if progress.all_bound_at is not None else " (not all bound)")
    )
    print(f"  end to end: {running / elapsed:.0f} pods Running per wall second")
    if profiler is not None and profile:
        profiler.dump_stats(profile)
        pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(15)


async def nodekill(nodes: int, deployments: int, replicas: int) -> None:
    total = deployments * replicas
    print(f"nodekill: {nodes} nodes, {deployments} Deployments x {replicas} = {total} pods")
    cluster = make_cluster(nodes)
    wall0, cpu0, virtual0 = time.perf_counter(), time.process_time(), trio.current_time()
    async with trio.open_nursery() as nursery:
        await nursery.start(cluster.run)
        client = cluster.client()
        for i in range(deployments):
            await client.create(make_deployment(i, replicas))
        await converge(cluster, total)
        print(
            f"  steady: {total} pods Running, all Available in {time.perf_counter() - wall0:.1f} s "
            f"wall ({time.process_time() - cpu0:.1f} s CPU, "
            f"{trio.current_time() - virtual0:.1f} s virtual)"
        )
        victim = "node-0001"
        agent = cluster.nodes.agents[victim]
        on_victim = len(agent.workers)
        marks: dict[str, float] = {}
        evicted_event = trio.Event()

        async def watch_node() -> None:
            async with client.watch("nodes", name=victim) as events:
                async for event in events:
                    for c in event["object"].get("status", {}).get("conditions") or ():
                        if c.get("type") == "Ready" and c.get("status") == "Unknown":
                            marks.setdefault("unknown", trio.current_time())
                            return

        async def watch_pods() -> None:
            selector = f"spec.nodeName={victim}"
            async with client.watch("pods", field_selector=selector) as events:
                async for event in events:
                    if event["object"]["metadata"].get("deletionTimestamp"):
                        marks.setdefault("evicted", trio.current_time())
                        evicted_event.set()
                        return

        nursery.start_soon(watch_node)
        nursery.start_soon(watch_pods)
        await trio.testing.wait_all_tasks_blocked()
        wall, cpu, virtual = time.perf_counter(), time.process_time(), trio.current_time()
        cluster.nodes.kill(victim)
        last = agent.last_renewal
        await evicted_event.wait()
        evicted_wall = time.perf_counter() - wall
        # replacements: all Available again with every replica outside the dead node
        await converge(cluster, total, skip=victim)
        elapsed, used = time.perf_counter() - wall, time.process_time() - cpu
        virtual_elapsed = trio.current_time() - virtual
        nursery.cancel_scope.cancel()
    unknown, evicted = marks["unknown"], marks["evicted"]
    print(
        f"  killed {victim} ({on_victim} pods); since its last heartbeat: Ready=Unknown at "
        f"+{unknown - last:.1f} s virtual, first eviction at +{evicted - last:.1f} s "
        f"({evicted - unknown:.1f} s after Unknown; {evicted_wall:.2f} s wall after the kill)"
    )
    print(
        f"  kill -> all {deployments} Deployments Available again: {elapsed:.2f} s wall, "
        f"{used:.2f} s CPU, {virtual_elapsed:.1f} s virtual; peak RSS {peak_rss_mib():.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("which", nargs="?", choices=["scale", "nodekill"], default=None)
    parser.add_argument("--quick", action="store_true", help="10 nodes / 300 pods smoke run")
    parser.add_argument("--nodes", type=int, help="nodes (scale: 1000, nodekill: 100)")
    parser.add_argument("--deployments", type=int, help="Deployments (scale: 300, nodekill: 30)")
    parser.add_argument("--replicas", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=360, help="scale: wall seconds")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the scale run (top 15)")
    args = parser.parse_args()
    which = [args.which] if args.which else ["scale", "nodekill"]
    print(
        f"cluster_scale benchmark: Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    for name in which:
        small = (10, 3) if args.quick else ((1000, 300) if name == "scale" else (100, 30))
        nodes = args.nodes or small[0]
        deployments = args.deployments or small[1]
        clock = trio.testing.MockClock(autojump_threshold=0)
        if name == "scale":
            trio.run(
                scale, nodes, deployments, args.replicas, args.timeout, args.profile, clock=clock
            )
        else:
            trio.run(nodekill, nodes, deployments, args.replicas, clock=clock)


if __name__ == "__main__":
    main()
