"""The watch cache survives its store watcher being cut off for falling behind."""

from __future__ import annotations

from apiserver.client import InProcessClient
from apiserver.registry.watchcache import WatchCache
from apiserver.storage import MVCCStore, StoreConfig


async def test_a_cut_off_cache_resumes_from_history_with_one_store_watcher() -> None:
    kv = MVCCStore(StoreConfig(watch_pending_limit=5, compaction_interval=None))
    cache = WatchCache(kv, "/registry/things/")
    # 20 commits without anyone reading: the cache's watcher passes the pending limit and the
    # store cuts it off (a commit never waits for a watcher)
    for i in range(20):
        await kv.put(f"/registry/things/t{i:02d}", b"{}")
    events = cache.read(0)
    assert [e.key for e in events] == [f"/registry/things/t{i:02d}" for i in range(20)]
    assert [e.revision for e in events] == list(range(2, 22))
    # one live watcher left: the cut-off one and the resumed one are not both kept
    assert len(kv._watchers) == 1
    # and it is live: the next commit shows up
    await kv.put("/registry/things/t20", b"{}")
    assert cache.read(20)[0].key == "/registry/things/t20"


async def test_shared_watchers_receive_one_decoded_object_others_a_copy(
    api: InProcessClient,
) -> None:
    """Informers (``shared_objects``) get the watch cache's decoded object -- one decode per
    event however many informers watch; other watchers get their own copy."""
    one = api.watch("configmaps", namespace="", shared_objects=True)
    two = api.watch("configmaps", namespace="", shared_objects=True)
    own = api.watch("configmaps", namespace="")
    await api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    a, b, c = await one.__anext__(), await two.__anext__(), await own.__anext__()
    assert a["type"] == b["type"] == c["type"] == "ADDED"
    assert a["object"] is b["object"]
    assert c["object"] == a["object"] and c["object"] is not a["object"]
    assert a["object"]["metadata"]["resourceVersion"] == c["object"]["metadata"]["resourceVersion"]
    for stream in (one, two, own):
        stream.close()


async def test_the_mutation_detector_names_a_changed_shared_object(api: InProcessClient) -> None:
    """The fixture's teardown check: a shared object someone changed is reported."""
    stream = api.watch("configmaps", namespace="", shared_objects=True)
    await api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    event = await stream.__anext__()
    cache = api.server.watch_caches[("", "v1", "configmaps")]
    assert cache.mutated() == []
    event["object"]["data"] = {"oops": "changed"}
    assert cache.mutated() == [
        f"/registry/configmaps/default/a at revision {cache.read(0)[0].revision}"
    ]
    stream.close()
