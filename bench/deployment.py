"""Benchmarks of the Deployment controller (issue 6).

    ./dev bench deployment [--quick] [SECTION ...]

Sections:

* ``fleet`` -- wall time for 100 Deployments x 10 replicas, created at once, to be rolled out
  (every pod Available, every Progressing condition ``NewReplicaSetAvailable``);
* ``rolling`` -- a 1,000-replica Deployment: wall time to roll it out, then to roll a new image
  through it (25 % surge, 25 % unavailable);
* CPU per pod created, for both: the time spent in the Deployment controller's and the
  ReplicaSet controller's tasks (their API calls included -- the in-process client runs the
  server's pipeline in the caller's task), and the whole process's CPU, divided by the pods
  created.

Everything runs in one process on virtual time (trio's ``MockClock`` with autojump), so wall
time is the emulator's own work: pods become ready one second of *cluster* time after they
appear (the readiness stand-in of the tests, in place of kubelets that do not exist yet).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import trio
import trio.testing

from apiserver.storage import StoreConfig
from controllers.runtime import Controller
from minikube_py.cluster import Cluster
from minikube_py.testing import ClusterHarness

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "controllers"))
from pod_readiness import PodReadiness

QUICK = False
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
QUIET = StoreConfig(compaction_interval=None, progress_notify_interval=None)
CONTROLLERS = ["namespace", "garbagecollector", "replicaset", "deployment"]


class ControllerCPU(trio.abc.Instrument):
    """CPU time (of the trio thread) spent in each controller's tasks: its workers and the
    tasks they start."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._owner: dict[trio.lowlevel.Task, str] = {}
        self._started = 0.0

    def _name(self, task: trio.lowlevel.Task) -> str:
        known = self._owner.get(task)
        if known is not None:
            return known
        name = "other"
        walk: trio.lowlevel.Task | None = task
        while walk is not None:
            frame = getattr(walk.coro, "cr_frame", None)
            owner = frame.f_locals.get("self") if frame is not None else None
            if isinstance(owner, Controller):
                name = owner.name
                break
            nursery = walk.parent_nursery
            walk = nursery.parent_task if nursery is not None else None
        self._owner[task] = name
        return name

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        self._started = time.thread_time()

    def after_task_step(self, task: trio.lowlevel.Task) -> None:
        self.seconds[self._name(task)] += time.thread_time() - self._started

    def task_exited(self, task: trio.lowlevel.Task) -> None:
        self._owner.pop(task, None)


def deployment(name: str, replicas: int, image: str = "nginx:1") -> dict[str, Any]:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
        },
    }


def rolled_out(d: dict[str, Any], image: str) -> bool:
    status = d.get("status") or {}
    want = d["spec"]["replicas"]
    progressing = [c for c in status.get("conditions") or () if c["type"] == "Progressing"]
    return (
        d["spec"]["template"]["spec"]["containers"][0]["image"] == image
        and status.get("observedGeneration", 0) >= d["metadata"]["generation"]
        and status.get("updatedReplicas", 0) == want
        and status.get("replicas", 0) == want
        and status.get("availableReplicas", 0) == want
        and bool(progressing)
        and progressing[0]["reason"] == "NewReplicaSetAvailable"
    )


async def all_rolled_out(harness: ClusterHarness, names: list[str], image: str) -> None:
    async def check() -> bool:
        listed = await harness.client.list("deployments", namespace="default")
        done = {d["metadata"]["name"] for d in listed["items"] if rolled_out(d, image)}
        return done >= set(names)

    await harness.wait_until(check, timeout=24 * 3600)


def report_cpu(label: str, cpu: ControllerCPU, process: float, pods: int) -> None:
    deploy = cpu.seconds.get("deployment-controller", 0.0)
    rs = cpu.seconds.get("replicaset-controller", 0.0)
    print(
        f"  {label}: {pods} pods created; CPU per pod: deployment controller "
        f"{deploy / pods * 1e6:.0f} us, replicaset controller {rs / pods * 1e6:.0f} us, "
        f"whole process {process / pods * 1e6:.0f} us"
    )


def run_scenario(body: Callable[[ClusterHarness], Any]) -> None:
    async def main() -> None:
        async with trio.open_nursery() as nursery:
            cluster = await nursery.start(
                Cluster(seed=1, epoch=EPOCH, store=QUIET, controllers=CONTROLLERS).run
            )
            harness = ClusterHarness(cluster)
            await cluster.start(PodReadiness(harness.client, cluster.clock, delay=1.0).run)
            await body(harness)
            nursery.cancel_scope.cancel()

    trio.run(main, clock=trio.testing.MockClock(autojump_threshold=0))


async def count_pods(harness: ClusterHarness) -> int:
    return len((await harness.client.list("pods", namespace="default"))["items"])


def bench_fleet() -> None:
    n, replicas = (10, 10) if QUICK else (100, 10)

    async def body(harness: ClusterHarness) -> None:
        cpu = ControllerCPU()
        trio.lowlevel.add_instrument(cpu)
        process = time.process_time()
        t = time.perf_counter()
        names = [f"web-{i:03}" for i in range(n)]
        for name in names:
            await harness.client.create(deployment(name, replicas))
        await all_rolled_out(harness, names, "nginx:1")
        wall = time.perf_counter() - t
        process = time.process_time() - process
        trio.lowlevel.remove_instrument(cpu)
        pods = await count_pods(harness)
        print(
            f"  {n} Deployments x {replicas} replicas to Available: {wall:.2f} s wall "
            f"({pods / wall:.0f} pods/s), {trio.current_time():.0f} s of cluster time"
        )
        report_cpu("fleet", cpu, process, pods)

    run_scenario(body)


def bench_rolling() -> None:
    replicas = 100 if QUICK else 1000

    async def body(harness: ClusterHarness) -> None:
        t = time.perf_counter()
        await harness.client.create(deployment("big", replicas))
        await all_rolled_out(harness, ["big"], "nginx:1")
        print(
            f"  1 Deployment x {replicas} replicas, first rollout: "
            f"{time.perf_counter() - t:.2f} s wall"
        )
        cpu = ControllerCPU()
        trio.lowlevel.add_instrument(cpu)
        process = time.process_time()
        start_virtual = trio.current_time()
        t = time.perf_counter()
        patch = {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "v2"}]}}}}
        await harness.client.patch(
            "deployments", "big", patch, namespace="default", patch_type="strategic"
        )
        await all_rolled_out(harness, ["big"], "v2")
        wall = time.perf_counter() - t
        process = time.process_time() - process
        trio.lowlevel.remove_instrument(cpu)
        events = [
            e
            for e in await harness.events(namespace="default", involved_name="big")
            if e["reason"] == "ScalingReplicaSet"
        ]
        print(
            f"  rolling update of {replicas} replicas (25%/25%): {wall:.2f} s wall, "
            f"{trio.current_time() - start_virtual:.0f} s of cluster time, "
            f"{len(events)} ScalingReplicaSet events"
        )
        report_cpu("rolling update", cpu, process, replicas)

    run_scenario(body)


SECTIONS = {"fleet": bench_fleet, "rolling": bench_rolling}


def main() -> None:
    global QUICK
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument("sections", nargs="*", choices=[[], *SECTIONS], default=[])
    args = parser.parse_args()
    QUICK = args.quick
    print(
        f"python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {platform.platform()}"
    )
    for name in args.sections or list(SECTIONS):
        print(f"{name}:")
        SECTIONS[name]()


if __name__ == "__main__":
    main()
