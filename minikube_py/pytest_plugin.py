"""The pytest plugin (registered through the ``pytest11`` entry point): a cluster per test.

Fixtures, on pytest-trio:

* ``cluster`` -- a fresh in-process cluster with the built-in controllers, on **virtual time**
  (trio's ``MockClock`` with autojump), as a :class:`~minikube_py.testing.ClusterHarness`.
  Configure it with a marker::

      @pytest.mark.cluster(seed=7, controllers=["replicaset"])
      @pytest.mark.cluster(nodes=3)  # three simulated kubelets, and the scheduler

  ``nodes`` (default 0) starts that many simulated kubelets from ``node_pool``
  (a :class:`~controllers.kubelet.NodePool`); ``scheduler`` defaults to on when there are
  nodes. Reach the nodes through ``cluster.cluster.nodes`` (kill, restart, partition...).

* ``kube`` -- the cluster's client (``cluster.client``).

Teardown cancels everything the cluster runs, then fails the test when a controller hit an
unexpected exception that its retries hid, or when tasks are left alive that were not there
before the cluster started.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
import trio
import trio.testing

from apiserver.client import InProcessClient
from apiserver.storage import StoreConfig
from minikube_py.cluster import BUILTIN_CONTROLLERS, Cluster
from minikube_py.testing import ClusterHarness

#: Clusters made by the fixture start at this instant, so timestamps are reproducible.
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cluster(seed=0, epoch=None, controllers=[...], nodes=0, node_pool=None, scheduler=None): "
        "configure the minikube-py `cluster` "
        "fixture (controllers: which built-in controllers run; all by default)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put tests that use the cluster on virtual time.

    pytest-trio takes the run's clock only from the test function's own arguments, so a clock
    that the ``cluster`` fixture depends on would be ignored. For every test that uses the
    fixture without asking for a clock itself, make ``autojump_clock`` one of its arguments
    (and drop it again before the test body is called).
    """
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if not isinstance(item, pytest.Function) or info is None:
            continue
        if "cluster" not in info.names_closure or {"autojump_clock", "mock_clock"} & set(
            info.argnames
        ):
            continue
        original = item.obj
        if not inspect.iscoroutinefunction(original) or hasattr(original, "hypothesis"):
            continue

        @functools.wraps(original)
        async def on_virtual_time(
            *args: Any,
            autojump_clock: trio.testing.MockClock,
            __test: Any = original,
            **kwargs: Any,
        ) -> Any:
            return await __test(*args, **kwargs)

        del on_virtual_time.__wrapped__  # let pytest see the new signature
        item.obj = on_virtual_time
        item._fixtureinfo = dataclasses.replace(info, argnames=(*info.argnames, "autojump_clock"))


@pytest.fixture
async def cluster(
    request: pytest.FixtureRequest, autojump_clock: trio.testing.MockClock
) -> AsyncIterator[ClusterHarness]:
    marker = request.node.get_closest_marker("cluster")
    options = dict(marker.kwargs) if marker is not None else {}
    unknown = set(options) - {"seed", "epoch", "controllers", "scheduler", "nodes", "node_pool"}
    if unknown:
        raise pytest.UsageError(f"unknown cluster marker options: {sorted(unknown)}")
    instance = Cluster(
        seed=options.get("seed", 0),
        epoch=options.get("epoch", EPOCH),
        store=StoreConfig(compaction_interval=None, progress_notify_interval=None),
        controllers=options.get("controllers", BUILTIN_CONTROLLERS),
        scheduler=options.get("scheduler", options.get("nodes", 0) > 0),
        nodes=options.get("nodes", 0),
        node_pool=options.get("node_pool"),
    )
    living_before = trio.lowlevel.current_statistics().tasks_living
    harness = ClusterHarness(instance)
    async with trio.open_nursery() as nursery:
        await nursery.start(instance.run)
        yield harness
        nursery.cancel_scope.cancel()
    errors = harness.unexpected_errors()
    if errors:
        pytest.fail("controllers hit unexpected errors:\n" + "\n".join(errors), pytrace=False)
    mutated = [key for cache in instance.server.watch_caches.values() for key in cache.mutated()]
    if mutated:
        pytest.fail(
            "objects handed out read-only (informer caches, watch events) were changed: "
            + ", ".join(mutated[:10]),
            pytrace=False,
        )
    leaked = trio.lowlevel.current_statistics().tasks_living - living_before
    if leaked > 0:
        pytest.fail(f"{leaked} task(s) outlived the cluster", pytrace=False)


@pytest.fixture
def kube(cluster: ClusterHarness) -> InProcessClient:
    return cluster.client
