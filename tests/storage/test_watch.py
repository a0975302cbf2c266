"""Watches: replay from the past, live delivery, compaction, slow consumers, progress."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from apiserver.storage import (
    DeleteRange,
    EventType,
    MVCCStore,
    Put,
    StoreConfig,
    Watcher,
    WatchResponse,
)

QUIET = StoreConfig(compaction_interval=None, progress_notify_interval=None)


async def next_response(watcher: Watcher) -> WatchResponse:
    with trio.fail_after(1):
        return await watcher.__anext__()


def nothing_ready(watcher: Watcher) -> bool:
    """True when the watcher has nothing to hand out without waiting."""
    return not watcher._pending and watcher._final is None and watcher.synced


def summary(response: WatchResponse) -> list[tuple[str, str, int]]:
    return [(e.type.name, e.kv.key, e.kv.mod_revision) for e in response.events]


async def test_watch_from_zero_sees_only_new_changes(store: MVCCStore) -> None:
    await store.put("/p/a", b"1")
    watcher = store.watch("/p/", prefix=True)
    assert watcher.synced and nothing_ready(watcher)
    await store.put("/p/b", b"1")
    assert summary(await next_response(watcher)) == [("PUT", "/p/b", 3)]


async def test_watch_from_current_plus_one_is_the_same_as_from_zero(store: MVCCStore) -> None:
    await store.put("/p/a", b"1")
    watcher = store.watch("/p/", prefix=True, start_revision=store.revision + 1)
    assert watcher.synced and nothing_ready(watcher)
    await store.put("/p/a", b"2")
    assert summary(await next_response(watcher)) == [("PUT", "/p/a", 3)]


async def test_watch_from_the_current_revision_replays_it(store: MVCCStore) -> None:
    await store.put("/p/a", b"1")
    watcher = store.watch("/p/", prefix=True, start_revision=store.revision)
    assert not watcher.synced
    assert summary(await next_response(watcher)) == [("PUT", "/p/a", 2)]
    assert watcher.synced


async def test_replay_then_live_has_no_gap_and_no_duplicate() -> None:
    # small batches force many pulls while catching up, with writes in between
    small = MVCCStore(StoreConfig(watch_batch_events=3, compaction_interval=None))
    for i in range(50):
        await small.put(f"/p/{i % 7}", str(i).encode())
    watcher = small.watch("/p/", prefix=True, start_revision=10)
    seen: list[int] = []
    writes = 50
    while len(seen) < 42 + 30:  # revisions 10..51 replayed, 52..81 written meanwhile
        response = await next_response(watcher)
        seen += [e.kv.mod_revision for e in response.events]
        if writes < 80:  # keep writing while the watcher is still catching up
            await small.put(f"/p/{writes % 7}", b"late")
            writes += 1
    assert seen == list(range(10, 82))


async def test_events_carry_the_previous_value_only_when_asked(store: MVCCStore) -> None:
    with_prev = store.watch("k", prev_kv=True)
    without = store.watch("k")
    await store.put("k", b"1")
    await store.put("k", b"2")
    await store.delete("k")
    events = (await next_response(with_prev)).events
    assert [e.prev_kv and e.prev_kv.value for e in events] == [None, b"1", b"2"]
    assert [e.type for e in events] == [EventType.PUT, EventType.PUT, EventType.DELETE]
    assert events[2].kv.mod_revision == 4 and events[2].kv.version == 0
    assert all(e.prev_kv is None for e in (await next_response(without)).events)
    replayed = store.watch("k", start_revision=2, prev_kv=True)
    assert [e.prev_kv and e.prev_kv.value for e in (await next_response(replayed)).events] == [
        None,
        b"1",
        b"2",
    ]


async def test_a_single_key_watch_ignores_keys_it_prefixes(store: MVCCStore) -> None:
    watcher = store.watch("/p/a")
    await store.put("/p/ab", b"x")
    await store.put("/p/a", b"y")
    assert summary(await next_response(watcher)) == [("PUT", "/p/a", 3)]


async def test_watch_from_a_future_revision_skips_until_then(store: MVCCStore) -> None:
    watcher = store.watch("k", start_revision=4)
    for i in range(4):
        await store.put("k", str(i).encode())
    assert summary(await next_response(watcher)) == [("PUT", "k", 4), ("PUT", "k", 5)]


async def test_watch_below_the_compacted_revision_is_refused(store: MVCCStore) -> None:
    for i in range(5):
        await store.put("k", str(i).encode())
    await store.compact(4)
    watcher = store.watch("k", start_revision=3)
    response = await next_response(watcher)
    assert response.canceled and response.compact_revision == 4
    with pytest.raises(StopAsyncIteration):
        await watcher.__anext__()


async def test_watch_from_exactly_the_compacted_revision_sees_its_events(
    store: MVCCStore,
) -> None:
    await store.put("/p/a", b"1")  # 2
    await store.put("/p/b", b"1")  # 3
    await store.txn((), [DeleteRange("/p/a"), Put("/p/c", b"1")])  # 4
    await store.put("/p/b", b"2")  # 5
    await store.compact(4)
    watcher = store.watch("/p/", prefix=True, start_revision=4)
    response = await next_response(watcher)
    assert summary(response) == [("DELETE", "/p/a", 4), ("PUT", "/p/c", 4), ("PUT", "/p/b", 5)]


async def test_compaction_overtaking_a_catching_up_watcher_cancels_it() -> None:
    store = MVCCStore(StoreConfig(watch_batch_events=2, compaction_interval=None))
    for i in range(10):
        await store.put("k", str(i).encode())
    watcher = store.watch("k", start_revision=2)
    first = await next_response(watcher)
    assert [e.kv.mod_revision for e in first.events] == [2, 3]
    await store.compact(8)
    response = await next_response(watcher)
    assert response.canceled and response.compact_revision == 8


async def test_a_slow_watcher_is_cut_off_and_never_blocks_a_commit() -> None:
    store = MVCCStore(StoreConfig(watch_pending_limit=100, compaction_interval=None))
    slow = store.watch("/p/", prefix=True)
    fast = store.watch("/p/", prefix=True)
    received: list[int] = []
    async with trio.open_nursery() as nursery:

        async def consume() -> None:
            async for response in fast:
                received.extend(e.kv.mod_revision for e in response.events)

        nursery.start_soon(consume)
        for i in range(1_000):
            await store.put(f"/p/{i}", b"x")  # never suspends: nobody can slow this loop
            if i % 50 == 0:
                await trio.testing.wait_all_tasks_blocked()
        await trio.testing.wait_all_tasks_blocked()
        fast.close()
    assert received == list(range(2, 1_002))
    events: list[int] = []
    final = None
    async for response in slow:
        if response.canceled:
            final = response
        events += [e.kv.mod_revision for e in response.events]
    assert final is not None and "fell behind" in final.cancel_reason
    # what it had been given is still delivered, so the consumer knows where to resume
    assert events == list(range(2, 2 + 101))


async def test_progress_notification_comes_after_pending_events(store: MVCCStore) -> None:
    watcher = store.watch("/p/", prefix=True)
    await store.put("/other", b"x")
    await store.put("/p/a", b"x")
    watcher.request_progress()
    first = await next_response(watcher)
    assert summary(first) == [("PUT", "/p/a", 3)]
    progress = await next_response(watcher)
    assert progress.progress and progress.events == [] and progress.revision == 3


async def test_progress_is_sent_only_once_the_watcher_is_synced(store: MVCCStore) -> None:
    await store.put("/p/a", b"x")
    await store.put("/p/a", b"y")
    watcher = store.watch("/p/", prefix=True, start_revision=2)
    watcher.request_progress()
    assert summary(await next_response(watcher)) == [("PUT", "/p/a", 2), ("PUT", "/p/a", 3)]
    progress = await next_response(watcher)
    assert progress.progress and progress.revision == 3


async def test_idle_watchers_get_periodic_progress(autojump_clock: trio.testing.MockClock) -> None:
    store = MVCCStore(StoreConfig(progress_notify_interval=600, compaction_interval=None))
    async with trio.open_nursery() as nursery:
        await nursery.start(store.run)
        asked = store.watch("/p/", prefix=True, progress_notify=True)
        silent = store.watch("/p/", prefix=True)
        await store.put("/q", b"x")
        start = trio.current_time()
        response = await asked.__anext__()
        assert response.progress and response.revision == 2
        assert trio.current_time() - start == pytest.approx(600)
        assert nothing_ready(silent)
        nursery.cancel_scope.cancel()


async def test_closing_a_watcher_ends_iteration(store: MVCCStore) -> None:
    watcher = store.watch("k")
    async with trio.open_nursery() as nursery:
        done = trio.Event()

        async def consume() -> None:
            async for _ in watcher:
                pass
            done.set()

        nursery.start_soon(consume)
        await trio.testing.wait_all_tasks_blocked()
        watcher.close()
        with trio.fail_after(1):
            await done.wait()
    await store.put("k", b"after close")
    assert len(store._group) == 0


async def test_closing_the_store_cancels_every_watcher() -> None:
    store = MVCCStore(QUIET)
    live = store.watch("a")
    behind = store.watch("a", start_revision=1)
    store.close()
    for watcher in (live, behind):
        response = await next_response(watcher)
        assert response.canceled and response.cancel_reason == "the store was closed"


async def test_many_watchers_of_one_prefix_all_see_every_event(store: MVCCStore) -> None:
    watchers = [store.watch("/p/", prefix=True) for _ in range(100)]
    other = store.watch("/q/", prefix=True)
    await store.put("/p/a", b"1")
    await store.put("/q/a", b"1")
    for watcher in watchers:
        assert summary(await next_response(watcher)) == [("PUT", "/p/a", 2)]
    assert summary(await next_response(other)) == [("PUT", "/q/a", 3)]
