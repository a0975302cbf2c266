"""Benchmarks of the controller runtime and the test fixture (issue 4).

    ./dev bench runtime [--quick] [SECTION ...]

Sections: start (wall time from nothing to a ready cluster, as the ``cluster`` fixture makes it:
median of 100 starts), reconcile (no-op reconciles per second over 10,000 objects), memory (an
informer cache of 100,000 Pods).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from datetime import UTC, datetime

import trio
import trio.testing

from apiserver.storage import StoreConfig
from controllers.runtime import Request
from minikube_py.cluster import Cluster
from minikube_py.informer import SharedInformer
from minikube_py.testing import ClusterHarness

QUICK = False
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
QUIET = StoreConfig(compaction_interval=None, progress_notify_interval=None)

sys.path.insert(0, os.path.dirname(__file__))
from pipeline import typical_pod  # noqa: E402


def size(n: int) -> int:
    return max(1, n // 100) if QUICK else n


#: the three configurations the issue asks for: the API server and runtime alone, then with
#: the built-in controllers and the scheduler, then with three simulated nodes registered too
START_CONFIGS: tuple[tuple[str, dict[str, object]], ...] = (
    ("API server + runtime, bootstrap objects", {"controllers": (), "scheduler": False}),
    ("+ built-in controllers and scheduler, caches synced", {}),
    ("+ 3 simulated nodes registered", {"nodes": 3}),
)


async def _start_once(options: dict[str, object]) -> None:
    async with trio.open_nursery() as nursery:
        cluster = Cluster(seed=1, epoch=EPOCH, store=QUIET, **options)  # type: ignore[arg-type]
        await nursery.start(cluster.run)
        nursery.cancel_scope.cancel()


def bench_start() -> None:
    for label, options in START_CONFIGS:
        samples = []
        for _ in range(10 if QUICK else 100):
            t = time.perf_counter()
            trio.run(_start_once, options, clock=trio.testing.MockClock(autojump_threshold=0))
            samples.append(time.perf_counter() - t)
        print(
            f"  cluster start to ready ({label}), {len(samples)} starts: "
            f"median {statistics.median(samples) * 1e3:.1f} ms, "
            f"p90 {sorted(samples)[int(len(samples) * 0.9)] * 1e3:.1f} ms"
        )


def bench_reconcile() -> None:
    n = size(10_000)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            cluster = await nursery.start(Cluster(seed=1, epoch=EPOCH, store=QUIET).run)
            harness = ClusterHarness(cluster)
            for i in range(n):
                await harness.client.create(
                    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i:05}"}}
                )
            done = 0
            finished = trio.Event()

            async def reconcile(request: Request) -> None:
                nonlocal done
                done += 1
                if done == n:
                    finished.set()

            t = time.perf_counter()
            await harness.run_controller(reconcile, watches=["configmaps"], workers=4)
            await finished.wait()
            elapsed = time.perf_counter() - t
            print(
                f"  no-op reconciles over {n:,} objects (informer sync included): "
                f"{n / elapsed:,.0f} /s ({elapsed / n * 1e6:.1f} µs each)"
            )
            nursery.cancel_scope.cancel()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


def bench_memory() -> None:
    n = size(100_000)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            cluster = await nursery.start(Cluster(seed=1, epoch=EPOCH, store=QUIET).run)
            client = cluster.client()
            for i in range(n):
                await client.create(typical_pod(f"pod-{i:06}", i))
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            informer = SharedInformer(client, "pods")
            t = time.perf_counter()
            await nursery.start(informer.run)
            elapsed = time.perf_counter() - t
            gc.collect()
            used = tracemalloc.get_traced_memory()[0] - before
            tracemalloc.stop()
            print(
                f"  informer cache of {len(informer.indexer):,} Pods: {used / 2**20:.0f} MiB "
                f"({used / n:,.0f} bytes per Pod); initial list+sync {elapsed:.2f} s "
                "(under tracemalloc)"
            )
            nursery.cancel_scope.cancel()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


SECTIONS = {"start": bench_start, "reconcile": bench_reconcile, "memory": bench_memory}


def main() -> None:
    global QUICK
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sections", nargs="*", default=[])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    QUICK = args.quick
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    for name in args.sections or SECTIONS:
        print(f"[{name}]")
        SECTIONS[name]()


if __name__ == "__main__":
    main()
