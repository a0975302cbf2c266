"""API watches share one store watcher per resource through the watch cache."""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.testing

from apiserver.client import InProcessClient
from apiserver.registry.watchcache import WatchCache


def configmap(name: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


async def test_many_watches_cost_one_store_watcher(api: InProcessClient) -> None:
    kv = api.server.kv
    streams = [api.watch("configmaps", namespace="default", resource_version="1") for _ in range(3)]
    first_count = len(kv._watchers)
    streams += [api.watch("configmaps", namespace="default") for _ in range(50)]
    # the first three replay history before the cache existed; the rest share the cache
    assert len(kv._watchers) == first_count
    await api.create(configmap("a"))
    for stream in streams[3:]:
        event = await stream.__anext__()
        assert event["type"] == "ADDED" and event["object"]["metadata"]["name"] == "a"
    # every watcher owns its copy
    one, two = await streams[0].__anext__(), await streams[1].__anext__()
    one["object"]["metadata"]["name"] = "changed"
    assert two["object"]["metadata"]["name"] == "a"
    for stream in streams:
        stream.close()


async def test_a_namespaced_watch_sees_only_its_namespace(api: InProcessClient) -> None:
    await api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    async with api.watch("configmaps", namespace="default") as mine:
        await api.create(configmap("theirs"), namespace="other")
        await api.create(configmap("ours"))
        event = await mine.__anext__()
    assert event["object"]["metadata"]["name"] == "ours"


async def test_a_watcher_that_falls_out_of_the_window_ends(api: InProcessClient) -> None:
    server = api.server
    store = server.stores[("", "v1", "configmaps")]
    server.watch_caches[("", "v1", "configmaps")] = WatchCache(
        server.kv, store.prefix + "/", capacity=4
    )
    slow = api.watch("configmaps", namespace="default")
    fast = api.watch("configmaps", namespace="default")
    for i in range(20):
        await api.create(configmap(f"cm-{i}"))
        await fast.__anext__()  # keeps pumping the cache, which trims its window
    with pytest.raises(StopAsyncIteration):
        await slow.__anext__()
    # resuming from an old revision is served from store history instead
    async with api.watch("configmaps", namespace="default", resource_version="1") as resumed:
        names = [(await resumed.__anext__())["object"]["metadata"]["name"] for _ in range(20)]
    assert names == [f"cm-{i}" for i in range(20)]
    fast.close()


async def test_bookmarks_from_the_cache(
    api: InProcessClient, autojump_clock: trio.testing.MockClock
) -> None:
    created = await api.create(configmap("a"))
    async with api.watch(
        "configmaps",
        namespace="default",
        resource_version=created["metadata"]["resourceVersion"],
        allow_bookmarks=True,
        timeout_seconds=70,
    ) as events:
        await api.create(configmap("b"))
        seen = [event async for event in events]
    assert [e["type"] for e in seen] == ["ADDED", "BOOKMARK"]
    assert (
        seen[1]["object"]["metadata"]["resourceVersion"]
        == seen[0]["object"]["metadata"]["resourceVersion"]
    )


async def test_every_reader_of_a_shared_cache_is_woken(api: InProcessClient) -> None:
    # two watches of one resource share the cache; whichever pumps first must not leave the
    # other asleep (readers wait on the shared store watcher, and each re-checks its cursor)
    everywhere = api.watch("configmaps")
    in_default = api.watch("configmaps", namespace="default")
    got: dict[str, list[str]] = {"everywhere": [], "default": []}
    with trio.fail_after(5):  # a reader left asleep would hang here
        await _read_both(api, everywhere, in_default, got)
    assert got == {"everywhere": ["x"], "default": ["x"]}
    everywhere.close()
    in_default.close()


async def _read_both(api: InProcessClient, everywhere: Any, in_default: Any, got: Any) -> None:
    async with trio.open_nursery() as nursery:

        async def read(name: str, stream: Any) -> None:
            event = await stream.__anext__()
            got[name].append(event["object"]["metadata"]["name"])

        nursery.start_soon(read, "everywhere", everywhere)
        nursery.start_soon(read, "default", in_default)
        await trio.testing.wait_all_tasks_blocked()
        await api.create(configmap("x"))


async def test_config_map_keys_are_validated(api: InProcessClient) -> None:
    from minikube_py.errors import Invalid

    bad = configmap("bad")
    bad["data"] = {"bad key!": "v"}
    with pytest.raises(
        Invalid, match=r"data\[bad key!\]: Invalid value: \"bad key!\": a valid config key"
    ):
        await api.create(bad)
