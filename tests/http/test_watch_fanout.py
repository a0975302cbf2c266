"""The watch caches' fan-out (one trio task feeding every HTTP watch of a resource): each member
keeps its own filters, timeout and bookmarks; long initial lists go in slices; a member that
refuses or is closed leaves without disturbing the others; the task ends with its last member.

Runs on the virtual clock, against the in-process API server; the members' bridge streams are
replaced by recorders with the same trio-side interface (``send``, ``end``, ``on_close``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
import trio
import trio.testing

from apiserver.client import InProcessClient
from apiserver.endpoints.request import Request
from apiserver.endpoints.server import APIServer
from apiserver.endpoints.watch import WatchStream
from apiserver.http.fanout import POLL_BUDGET, WatchFanouts
from apiserver.storage import MVCCStore, StoreConfig
from minikube_py.clock import ClusterClock


class Recorder:
    """A bridge stream's trio end that records what it is sent; refuses after ``limit``."""

    def __init__(self, limit: int | None = None) -> None:
        self.items: list[dict[str, Any]] = []
        self.ended = False
        self.error: BaseException | None = None
        self.on_close: Callable[[], object] | None = None
        self._limit = limit

    def send(self, item: bytes) -> bool:
        assert not self.ended
        self.items.append(json.loads(item))
        return self._limit is None or len(self.items) < self._limit

    def end(self, error: BaseException | None = None) -> None:
        self.ended, self.error = True, error

    def names(self, kind: str = "") -> list[str]:
        return [
            e["object"]["metadata"]["name"]
            for e in self.items
            if e["type"] != "BOOKMARK" and (not kind or e["type"] == kind)
        ]


@pytest.fixture
async def api() -> AsyncIterator[InProcessClient]:
    kv = MVCCStore(StoreConfig(compaction_interval=None, progress_notify_interval=None))
    server = APIServer(kv, ClusterClock(seed=1))
    await server.bootstrap()
    yield InProcessClient(server)
    kv.close()


@pytest.fixture
def fanouts(nursery: trio.Nursery) -> WatchFanouts:
    return WatchFanouts(nursery)


def _watch(server: APIServer, namespace: str = "default", **query: str) -> WatchStream:
    query = {"watch": "true", "resourceVersion": str(server.kv.revision), **query}
    request = Request(verb="watch", resource="configmaps", namespace=namespace, query=query)
    return server.watch(request, wire=True)


def _configmap(name: str, namespace: str = "default", **labels: str) -> dict[str, Any]:
    metadata = {"name": name, "namespace": namespace, "labels": labels}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata}


async def _settle() -> None:
    """Let the fan-out task run until nothing is runnable."""
    await trio.testing.wait_all_tasks_blocked()


async def test_each_member_gets_what_its_filters_match(
    api: InProcessClient, fanouts: WatchFanouts
) -> None:
    server = api.server
    await api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    members = {
        "all": Recorder(),
        "labelled": Recorder(),
        "by name": Recorder(),
        "other namespace": Recorder(),
    }
    fanouts.add(_watch(server), members["all"])
    fanouts.add(_watch(server, labelSelector="app=a"), members["labelled"])
    fanouts.add(_watch(server, fieldSelector="metadata.name=b"), members["by name"])
    fanouts.add(_watch(server, "other"), members["other namespace"])
    await api.create(_configmap("a", app="a"))
    await api.create(_configmap("b"))
    await api.create(_configmap("c", "other", app="a"))
    stored = await api.get("configmaps", "a", namespace="default")
    stored["metadata"]["labels"] = {"app": "z"}  # stops matching app=a: DELETED there
    await api.update(stored)
    await _settle()
    assert members["all"].names() == ["a", "b", "a"]
    assert [e["type"] for e in members["labelled"].items] == ["ADDED", "DELETED"]
    assert members["by name"].names() == ["b"]
    assert members["other namespace"].names() == ["c"]


async def test_a_long_initial_list_arrives_whole_in_order_without_starving_others(
    api: InProcessClient, fanouts: WatchFanouts
) -> None:
    server = api.server
    count = 2 * POLL_BUDGET + 10
    for i in range(count):
        await api.create(_configmap(f"cm-{i:04}"))
    early, late = Recorder(), Recorder()
    fanouts.add(_watch(server), early)
    fanouts.add(_watch(server, resourceVersion=""), late)
    assert len(late.items) == POLL_BUDGET  # the first slice at once, the rest in turns
    await api.create(_configmap("new"))
    await _settle()
    assert late.names() == [f"cm-{i:04}" for i in range(count)] + ["new"]
    assert early.names() == ["new"]


async def test_a_timeout_ends_its_member_alone(
    api: InProcessClient, fanouts: WatchFanouts, autojump_clock: trio.testing.MockClock
) -> None:
    server = api.server
    timed, endless = Recorder(), Recorder()
    fanouts.add(_watch(server), endless)
    fanouts.add(_watch(server, timeoutSeconds="5"), timed)
    await trio.sleep(4)
    assert not timed.ended
    await trio.sleep(2)
    assert timed.ended and timed.error is None
    await api.create(_configmap("after"))
    await _settle()
    assert endless.names() == ["after"] and not endless.ended
    assert timed.items == []


async def test_bookmarks_come_every_minute_to_members_that_ask(
    api: InProcessClient, fanouts: WatchFanouts, autojump_clock: trio.testing.MockClock
) -> None:
    server = api.server
    asked, plain = Recorder(), Recorder()
    fanouts.add(_watch(server), plain)
    await trio.sleep(30)
    fanouts.add(_watch(server, allowWatchBookmarks="true"), asked)
    await api.create(_configmap("a"))
    await trio.sleep(61)
    assert [e["type"] for e in asked.items] == ["ADDED", "BOOKMARK"]
    assert asked.items[1]["object"]["metadata"]["resourceVersion"] == str(server.kv.revision)
    assert [e["type"] for e in plain.items] == ["ADDED"]


async def test_a_member_that_refuses_or_is_closed_leaves_and_the_task_ends_with_the_last(
    api: InProcessClient, fanouts: WatchFanouts, nursery: trio.Nursery
) -> None:
    server = api.server
    refusing, closing, steady = Recorder(limit=1), Recorder(), Recorder()
    for member in (refusing, closing, steady):
        fanouts.add(_watch(server), member)
    await api.create(_configmap("a"))
    await _settle()
    assert refusing.ended and not steady.ended
    assert closing.on_close is not None
    closing.on_close()  # the asyncio side closed the stream (the client left)
    assert closing.ended
    await api.create(_configmap("b"))
    await _settle()
    assert steady.on_close is not None
    steady.on_close()
    await _settle()
    assert not nursery.child_tasks  # the fan-out's task ended with its last member
    assert refusing.names() == ["a"]
    assert closing.names() == ["a"]
    assert steady.names() == ["a", "b"]
