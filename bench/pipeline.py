"""Benchmarks of the API server pipeline in process (issue 3); results go to bench/RESULTS.md.

    ./dev bench pipeline [--quick] [SECTION ...]

Sections: ops (create/get/update/patch of a typical Pod through the full pipeline via the
in-process client; creates both as a ReplicaSet makes them, bodies alike but for the name, and
with every body different), lists (100 and 10,000 items, with and without a label selector), scale
(per-operation cost from 1,000 to 100,000 objects), watch (one write delivered to 1,000
watchers of one resource).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import time
from datetime import UTC, datetime
from typing import Any

import trio
import trio.testing

from apiserver.client import InProcessClient
from apiserver.endpoints.server import APIServer
from apiserver.storage import MVCCStore, StoreConfig
from minikube_py.clock import ClusterClock

QUICK = False


def size(n: int) -> int:
    return max(1, n // 100) if QUICK else n


class _Clock:
    """Wall and process CPU time since the last :meth:`start` (CPU time is what other work on
    a shared machine does not inflate)."""

    def start(self) -> float:
        self.cpu = time.process_time()
        self.wall = time.perf_counter()
        return self.wall

    def cpu_since(self) -> float:
        return time.process_time() - self.cpu


CLOCK = _Clock()


def report(name: str, count: int, seconds: float, unit: str = "ops") -> None:
    """One line: the rate and cost per item by wall time since ``CLOCK.start()``, and by CPU."""
    cpu = CLOCK.cpu_since()
    print(
        f"  {name:<50} {count / seconds:>9,.0f} {unit}/s  ({seconds / count * 1e6:6.1f} µs each,"
        f" CPU {cpu / count * 1e6:6.1f} µs)"
    )


def typical_pod(name: str, i: int) -> dict[str, Any]:
    """A Pod as a ReplicaSet would create it: labels, owner, one container with resources."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "labels": {"app": f"app-{i % 10}", "pod-template-hash": "5d4f8b7c9d", "tier": "web"},
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"app-{i % 10}-5d4f8b7c9d",
                    "uid": "6a1f3b1e-8d0a-4c55-9d0a-1f2e3d4c5b6a",
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "containers": [
                {
                    "name": "app",
                    "image": "registry.example.com/team/app:1.4.2",
                    "ports": [{"containerPort": 8080, "name": "http"}],
                    "env": [
                        {"name": "MODE", "value": "production"},
                        {"name": "LOG", "value": "info"},
                    ],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"cpu": "500m", "memory": "256Mi"},
                    },
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                }
            ]
        },
    }


def distinct_pod(name: str, i: int) -> dict[str, Any]:
    """A typical Pod that shares no body with any other: its own label, image tag and env
    value (what creates cost when nothing about them repeats)."""
    pod = typical_pod(name, i)
    pod["metadata"]["labels"]["instance"] = f"i-{i}"
    container = pod["spec"]["containers"][0]
    container["image"] = f"registry.example.com/team/app:1.4.{i}"
    container["env"][1]["value"] = f"level-{i}"
    return pod


async def cluster() -> InProcessClient:
    kv = MVCCStore(StoreConfig(compaction_interval=None, progress_notify_interval=None))
    server = APIServer(kv, ClusterClock(epoch=datetime(2026, 1, 1, tzinfo=UTC)))
    await server.bootstrap()
    return InProcessClient(server)


async def bench_ops() -> None:
    n = size(20_000)
    api = await cluster()
    pods = [typical_pod(f"pod-{i:06}", i) for i in range(n)]
    gc.collect()
    t = CLOCK.start()
    for p in pods:
        await api.create(p)
    report("create Pod", n, time.perf_counter() - t)
    distinct = [distinct_pod(f"distinct-{i:06}", i) for i in range(n)]
    gc.collect()
    t = CLOCK.start()
    for p in distinct:
        await api.create(p)
    report("create Pod (every body different)", n, time.perf_counter() - t)
    t = CLOCK.start()
    for p in pods:
        await api.get("pods", p["metadata"]["name"])
    report("get Pod", n, time.perf_counter() - t)
    t = CLOCK.start()
    for i, p in enumerate(pods):
        await api.patch("pods", p["metadata"]["name"], {"metadata": {"labels": {"n": str(i)}}})
    report("merge-patch Pod (labels)", n, time.perf_counter() - t)
    apply_patch = {
        "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
        "spec": {
            "$setElementOrder/containers": [{"name": "app"}],
            "containers": [{"name": "app", "image": "registry.example.com/team/app:1.4.3"}],
        },
    }
    t = CLOCK.start()
    for p in pods:
        await api.patch("pods", p["metadata"]["name"], apply_patch, patch_type="strategic")
    report("strategic-merge-patch Pod (kubectl apply shape)", n, time.perf_counter() - t)
    current = [await api.get("pods", p["metadata"]["name"]) for p in pods[: n // 4]]
    t = CLOCK.start()
    for obj in current:
        obj["metadata"]["annotations"] = {"touched": "yes"}
        await api.update(obj)
    report("update Pod (PUT with resourceVersion)", len(current), time.perf_counter() - t)


async def bench_lists() -> None:
    api = await cluster()
    for count in (100, size(10_000)):
        ns = f"ns-{count}"
        await api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}})
        for i in range(count):
            await api.create(typical_pod(f"pod-{i:06}", i), namespace=ns)
        repeats = max(1, 20_000 // count)
        for selector in ("", "app=app-3"):
            t = CLOCK.start()
            for _ in range(repeats):
                await api.list("pods", namespace=ns, label_selector=selector)
            label = f"list {count:,} pods" + (f" ({selector}: 1/10 match)" if selector else "")
            report(label, repeats, time.perf_counter() - t, "lists")


async def bench_scale() -> None:
    api = await cluster()
    probe = size(5_000)
    filled = 0
    print(
        "  per-operation cost as the object count grows (each row: 5,000 operations; wall "
        "time, and this process's CPU time, which other work on the machine does not inflate)"
    )
    for target in (1_000, 10_000, size(100_000) if QUICK else 100_000):
        while filled < target:
            await api.create(typical_pod(f"pod-{filled:07}", filled))
            filled += 1
        gc.collect()
        names = [f"pod-{(i * 7919) % filled:07}" for i in range(probe)]
        t, c = time.perf_counter(), time.process_time()
        for name in names:
            await api.get("pods", name)
        get = (time.perf_counter() - t) / probe
        get_cpu = (time.process_time() - c) / probe
        t, c = time.perf_counter(), time.process_time()
        for i in range(probe):
            await api.create(typical_pod(f"extra-{target}-{i:05}", i))
        create = (time.perf_counter() - t) / probe
        create_cpu = (time.process_time() - c) / probe
        print(
            f"    {target:>8,} pods: create {create * 1e6:6.1f} µs (CPU {create_cpu * 1e6:6.1f}), "
            f"get {get * 1e6:6.1f} µs (CPU {get_cpu * 1e6:6.1f})"
        )


async def bench_watch(watchers: int = 1_000, writes: int = 200) -> None:
    api = await cluster()
    writes = size(writes)
    received = 0
    done = trio.Event()

    async def consume(stream: Any) -> None:
        nonlocal received
        async with stream:
            async for _ in stream:
                received += 1
                if received == watchers * writes:
                    done.set()

    async with trio.open_nursery() as nursery:
        for _ in range(watchers):
            nursery.start_soon(
                consume, api.watch("configmaps", namespace="default", resource_version="1")
            )
        await trio.testing.wait_all_tasks_blocked()
        t = CLOCK.start()
        for i in range(writes):
            await api.create(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": f"cm-{i}"},
                    "data": {"k": "v"},
                }
            )
        await done.wait()
        elapsed = time.perf_counter() - t
        nursery.cancel_scope.cancel()
    report(
        f"watch: {writes} creates delivered to {watchers} watchers",
        watchers * writes,
        elapsed,
        "events",
    )


SECTIONS = {"ops": bench_ops, "lists": bench_lists, "scale": bench_scale, "watch": bench_watch}


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
        trio.run(SECTIONS[name])


if __name__ == "__main__":
    main()
