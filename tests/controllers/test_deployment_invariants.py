"""RollingUpdate's two safety bounds, checked after every single write to the cluster.

The formal model of a rollout (issue #6) has two invariants, for a Deployment of ``replicas``
with ``maxSurge`` and ``maxUnavailable`` resolved as upstream (surge rounds up, unavailable
down):

* **total pods <= replicas + maxSurge**, where *total pods* are the Deployment's pods that are
  still *active* in upstream's sense (``controller.IsPodActive``): not being deleted (no
  ``deletionTimestamp``) and not Succeeded/Failed. A terminating pod no longer counts -- it
  is what the ReplicaSet controller has already given up and what ``status.replicas`` no
  longer reports. (Here no pod is bound to a node, so a deleted pod vanishes at once and the
  distinction never shows; the definition is written out so the check stays right once
  kubelets hold terminating pods.)
* **available pods >= replicas - maxUnavailable**, where *available* is upstream's
  ``IsPodAvailable``: active, Ready, and Ready for longer than ``minReadySeconds``.

The controller decides on replica set *sizes*, so the same two bounds are also checked on the
sum of the replica sets' ``spec.replicas``. The checker reads the store's own watch, so it sees
every write in commit order -- not informer snapshots that could skip an intermediate state.
Availability is only required once the first rollout has finished (before that, nothing was
available yet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
import trio
from deployment_helpers import deployment, replica_sets, rolled_out, set_image, start_readiness

from controllers.replicaset.controller_utils import is_pod_active, is_pod_available
from minikube_py.client import Client
from minikube_py.objects import Object, decode
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=["replicaset", "deployment", "garbagecollector"])


@dataclass
class InvariantChecker:
    """Replays the store's watch into pods and replica sets; checks both bounds per write."""

    cluster: ClusterHarness
    max_total: int
    min_available: int
    min_ready_seconds: int = 0
    pods: dict[str, Object] = field(default_factory=dict)
    replica_sets: dict[str, Object] = field(default_factory=dict)
    check_available: bool = False
    writes: int = 0
    violations: list[str] = field(default_factory=list)
    most_pods: int = 0
    fewest_available: int | None = None

    def _now(self) -> datetime:
        return self.cluster.cluster.clock.now()

    def counts(self) -> tuple[int, int, int]:
        active = [p for p in self.pods.values() if is_pod_active(p)]
        available = sum(is_pod_available(p, self.min_ready_seconds, self._now()) for p in active)
        sized = sum((rs.get("spec") or {}).get("replicas", 0) for rs in self.replica_sets.values())
        return len(active), available, sized

    def check(self, revision: int) -> None:
        total, available, sized = self.counts()
        self.writes += 1
        self.most_pods = max(self.most_pods, total)
        if total > self.max_total:
            self.violations.append(f"rev {revision}: {total} active pods > {self.max_total}")
        if sized > self.max_total:
            self.violations.append(f"rev {revision}: replica sets sized {sized}")
        if self.check_available:
            self.fewest_available = min(self.fewest_available or available, available)
            if available < self.min_available:
                self.violations.append(
                    f"rev {revision}: {available} available pods < {self.min_available}"
                )

    async def run(self, *, task_status: trio.TaskStatus[Any] = trio.TASK_STATUS_IGNORED) -> None:
        kv = self.cluster.cluster.kv
        watcher = kv.watch("/registry/", prefix=True)
        try:
            task_status.started(self)
            async for response in watcher:
                for event in response.events:
                    key = event.kv.key
                    if key.startswith("/registry/pods/"):
                        table = self.pods
                    elif "/replicasets/" in key:
                        table = self.replica_sets
                    else:
                        continue
                    if event.kv.is_tombstone or event.type == 1:
                        table.pop(key, None)
                    else:
                        table[key] = decode(event.kv.value)
                    self.check(event.kv.mod_revision)
        finally:
            watcher.close()


async def test_rolling_update_never_breaks_max_surge_or_max_unavailable(
    cluster: ClusterHarness, kube: Client
) -> None:
    """10 replicas, maxSurge 3, maxUnavailable 2: never more than 13 active pods, never fewer
    than 8 available, through two back-to-back rollouts (the second starting mid-way through
    the first) with readiness delays that vary per pod."""
    await start_readiness(cluster, delay=1.0, jitter=4.0, seed=3)
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}
    checker = InvariantChecker(cluster, max_total=13, min_available=8)
    await cluster.cluster.start(checker.run)
    await kube.create(deployment(replicas=10, strategy=strategy))
    await cluster.wait_for("deployments", "web", rolled_out)
    checker.check_available = True

    await set_image(kube, "nginx:2")

    async def some_new_pods() -> bool:
        rss = await replica_sets(kube)
        return len(rss) == 2 and (rss[1].get("status") or {}).get("availableReplicas", 0) >= 3

    await cluster.wait_until(some_new_pods)
    await set_image(kube, "nginx:3")  # roll over: three replica sets at once
    d = await cluster.wait_for(
        "deployments",
        "web",
        lambda d: (
            rolled_out(d) and d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:3"
        ),
        timeout=300,
    )
    assert d["status"]["availableReplicas"] == 10
    assert checker.violations == []
    assert checker.writes > 100
    assert checker.most_pods == 13  # the surge was used...
    assert checker.fewest_available == 8  # ...and so was the unavailability budget
    sizes = [rs["spec"]["replicas"] for rs in await replica_sets(kube)]
    assert sizes == [0, 0, 10]


async def test_percentages_hold_with_min_ready_seconds(
    cluster: ClusterHarness, kube: Client
) -> None:
    """25%/25% of 10 is surge 3 (rounded up) and unavailable 2 (rounded down); with
    ``minReadySeconds`` a pod is available only after 5 s of readiness."""
    await start_readiness(cluster, delay=0.5, jitter=2.0, seed=11)
    checker = InvariantChecker(cluster, max_total=13, min_available=8, min_ready_seconds=5)
    await cluster.cluster.start(checker.run)
    await kube.create(deployment(replicas=10, minReadySeconds=5))
    await cluster.wait_for("deployments", "web", rolled_out)
    checker.check_available = True
    await set_image(kube, "nginx:2")
    await cluster.wait_for(
        "deployments",
        "web",
        lambda d: (
            rolled_out(d) and d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:2"
        ),
        timeout=300,
    )
    assert checker.violations == []
    assert checker.most_pods == 13
