"""Compaction: what it keeps, what it frees, and the background policy."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from apiserver.storage import Compacted, FutureRevision, MVCCStore, StoreConfig


async def test_compaction_keeps_what_reads_at_or_after_it_see(store: MVCCStore) -> None:
    await store.put("foo", b"2")  # 2
    await store.put("foo", b"5")  # 3
    await store.delete("foo")  # 4
    await store.put("foo", b"9")  # 5
    await store.put("bar", b"x")  # 6
    await store.delete("bar")  # 7
    before = {rev: store.range("", prefix=True, revision=rev).kvs for rev in range(3, 8)}
    await store.compact(3)
    for rev in range(3, 8):
        assert store.range("", prefix=True, revision=rev).kvs == before[rev]
    history = store._index.history("foo")
    assert history is not None
    assert [kv.mod_revision for kv in history] == [3, 4, 5]
    await store.compact(7)
    foo = store._index.history("foo")
    assert foo is not None and [kv.mod_revision for kv in foo] == [5]
    assert store._index.history("bar") is None  # only a tombstone was left: the key is gone
    assert [kv.key for kv in store.range("", prefix=True).kvs] == ["foo"]


async def test_compaction_frees_the_change_log(store: MVCCStore) -> None:
    for i in range(100):
        await store.put(f"k{i % 10}", b"x")
    assert len(store._log) == 100
    await store.compact(90)
    assert len(store._log) == 12  # revisions 90..101 are still watchable
    # k0..k8 keep their newest version at or below 90 and the one above it (82+j, 92+j);
    # k9 was written at 81, 91 and 101, so it keeps three
    assert sum(len(store._index.history(f"k{i}") or []) for i in range(10)) == 9 * 2 + 3


async def test_compaction_below_or_at_the_last_one_is_refused(store: MVCCStore) -> None:
    for i in range(5):
        await store.put("k", str(i).encode())
    await store.compact(4)
    with pytest.raises(Compacted):
        await store.compact(4)
    with pytest.raises(Compacted):
        await store.compact(2)
    with pytest.raises(FutureRevision):
        await store.compact(99)


async def test_compaction_at_the_current_revision_keeps_current_state(store: MVCCStore) -> None:
    await store.put("a", b"1")
    await store.put("a", b"2")
    await store.put("b", b"1")
    await store.compact(store.revision)
    assert [(kv.key, kv.value) for kv in store.range("", prefix=True).kvs] == [
        ("a", b"2"),
        ("b", b"1"),
    ]
    await store.put("a", b"3")
    kv = store.get("a")
    assert kv is not None and kv.version == 3 and kv.create_revision == 2


async def test_compaction_visits_only_keys_written_since_the_last_one(store: MVCCStore) -> None:
    for i in range(1_000):
        await store.put(f"k{i}", b"x")
    await store.compact(store.revision)
    assert store._index.compactable_keys() == []
    await store.put("k5", b"y")
    await store.delete("k6")
    assert sorted(store._index.compactable_keys()) == ["k5", "k6"]


async def test_background_compactor_follows_the_apiserver_policy(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # every interval, compact to the revision seen one interval earlier
    store = MVCCStore(StoreConfig(compaction_interval=300, progress_notify_interval=None))
    async with trio.open_nursery() as nursery:
        await nursery.start(store.run)
        await store.put("k", b"1")  # 2
        await trio.sleep(301)  # first tick at 300: remembers revision 2, compacts nothing
        assert store.compacted_revision == 0
        await store.put("k", b"2")  # 3
        await trio.sleep(300)  # second tick at 600: compacts to 2
        assert store.compacted_revision == 2
        await trio.sleep(300)  # third tick at 900: compacts to 3
        assert store.compacted_revision == 3
        await trio.sleep(300)  # nothing written since: nothing more to compact
        assert store.compacted_revision == 3
        nursery.cancel_scope.cancel()


def test_background_work_is_configurable_off() -> None:
    config = StoreConfig(compaction_interval=None, progress_notify_interval=None)
    assert config.compaction_interval is None
    with pytest.raises(ValueError, match="compaction_interval"):
        StoreConfig(compaction_interval=-1)
    with pytest.raises(ValueError, match="snapshot_every"):
        StoreConfig(snapshot_every=0)
