"""The watch cache survives its store watcher being cut off for falling behind."""

from __future__ import annotations

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
