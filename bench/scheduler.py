"""Benchmark of the scheduler (issue 7): throughput in pods/s at 1,000 nodes.

    ./dev bench scheduler [--nodes N] [--pods N] [--owned] [--profile FILE]

One process on virtual time (``MockClock``, autojump), no kubelets: the Nodes are API objects
(32 CPU, 128 Gi, 110 pods, three zones). The pods (100m CPU, 128 Mi each) are created through
the API *before* the scheduler starts; the figure is from the scheduler's start (its informers'
initial list included) until the last pod is bound -- every binding a ``pods/binding`` call
and a ``Scheduled`` Event through the full API pipeline.

``--gc-freeze`` calls ``gc.freeze()`` once the cluster is loaded (the 30,000 pods and their
API objects are then never traversed by the cyclic collector again).

``--owned`` gives the pods a ReplicaSet owner (100 pods per ReplicaSet, ReplicaSets created as
objects, no controller running), so the PodTopologySpread system-default constraints apply as
they do to Deployment pods.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import platform
import pstats
import resource
import sys
import time
from datetime import UTC, datetime

import trio
import trio.testing

from apiserver.storage import StoreConfig
from controllers.runtime.events import EventRecorder
from controllers.scheduler import COMPONENT, Scheduler
from minikube_py.cluster import Cluster

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
QUIET = StoreConfig(compaction_interval=None, progress_notify_interval=None)
PODS_PER_REPLICASET = 100


def make_node(i: int) -> dict:
    allocatable = {"cpu": "32", "memory": "128Gi", "pods": "110", "ephemeral-storage": "100Gi"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": f"node-{i:04d}",
            "labels": {
                "kubernetes.io/hostname": f"node-{i:04d}",
                "topology.kubernetes.io/zone": f"zone-{i % 3}",
            },
        },
        "status": {"capacity": allocatable, "allocatable": allocatable},
    }


def make_pod(i: int, owner: dict | None) -> dict:
    group = i // PODS_PER_REPLICASET
    metadata: dict = {
        "name": f"pod-{i:05d}",
        "namespace": "default",
        "labels": {"app": f"a{group}"},
    }
    if owner is not None:
        metadata["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "image": "registry.k8s.io/pause:3.10",
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                }
            ]
        },
    }


def make_replicaset(group: int) -> dict:
    labels = {"app": f"a{group}"}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": f"rs-{group}", "namespace": "default"},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "registry.k8s.io/pause:3.10"}]},
            },
        },
    }


async def run(
    nodes: int, pods: int, owned: bool, profiler: cProfile.Profile | None, freeze: bool
) -> None:
    async with trio.open_nursery() as nursery:
        cluster = await nursery.start(
            Cluster(seed=1, epoch=EPOCH, store=QUIET, controllers=[], scheduler=False).run
        )
        client = cluster.client()
        t0 = time.perf_counter()
        for i in range(nodes):
            node = make_node(i)
            created = await client.create(node)
            created["status"] = node["status"]
            await client.update(created, subresource="status")
        t1 = time.perf_counter()
        owners: dict[int, dict] = {}
        if owned:
            for group in range((pods + PODS_PER_REPLICASET - 1) // PODS_PER_REPLICASET):
                owners[group] = await client.create(make_replicaset(group))
        for i in range(pods):
            await client.create(make_pod(i, owners.get(i // PODS_PER_REPLICASET)))
        t2 = time.perf_counter()
        print(f"  {nodes} nodes created in {t1 - t0:.2f} s; {pods} pods in {t2 - t1:.2f} s")

        if freeze:  # move everything made so far out of the collector's sight
            gc.collect()
            gc.freeze()
        scheduler = Scheduler(
            client,
            cluster.manager.informer,
            cluster.clock,
            EventRecorder(client, cluster.clock, COMPONENT),
        )
        if profiler is not None:
            profiler.enable()
        t3 = time.perf_counter()
        c3 = time.process_time()
        await nursery.start(scheduler.run)
        t4 = time.perf_counter()
        while scheduler.scheduled < pods:  # whenever everything else is idle (virtual time)
            await trio.testing.wait_all_tasks_blocked()
            with trio.move_on_after(1):
                await trio.sleep_forever()
        t5 = time.perf_counter()
        c5 = time.process_time()
        if profiler is not None:
            profiler.disable()
        print(f"  scheduler start (informers listed {pods} pods, {nodes} nodes): {t4 - t3:.2f} s")
        print(
            f"  all {pods} pods bound in {t5 - t3:.2f} s from the scheduler's start: "
            f"{pods / (t5 - t3):.0f} pods/s ({pods / (t5 - t4):.0f} pods/s after its caches synced)"
        )
        print(
            f"  CPU time of the process meanwhile: {c5 - c3:.2f} s "
            f"({pods / (c5 - c3):.0f} pods per CPU-second; the machine is shared)"
        )
        listed = await client.list("pods", field_selector="spec.nodeName=")
        print(f"  pods left unbound: {len(listed['items'])}")
        maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak RSS of the process: {maxrss:.0f} MiB")
        nursery.cancel_scope.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=30000)
    parser.add_argument("--owned", action="store_true", help="pods owned by ReplicaSets")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the scheduling phase")
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() the loaded cluster before scheduling"
    )
    args = parser.parse_args()
    print(
        f"scheduler benchmark: Python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs; {args.nodes} nodes, {args.pods} pods"
        + (" (owned by ReplicaSets)" if args.owned else "")
    )
    profiler = cProfile.Profile() if args.profile else None
    trio.run(
        run,
        args.nodes,
        args.pods,
        args.owned,
        profiler,
        args.gc_freeze,
        clock=trio.testing.MockClock(autojump_threshold=0),
    )
    if profiler is not None:
        profiler.dump_stats(args.profile)
        pstats.Stats(args.profile, stream=sys.stdout).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
