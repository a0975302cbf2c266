"""Point and range reads, now and at past revisions."""

from __future__ import annotations

import pytest

from apiserver.storage import (
    ALL_FROM_KEY,
    Compacted,
    FutureRevision,
    InvalidTxn,
    MVCCStore,
    Put,
    prefix_end,
)


async def fill(store: MVCCStore, keys: list[str]) -> None:
    for key in keys:
        await store.put(key, key.encode())


async def test_prefix_range_is_ordered_by_key(store: MVCCStore) -> None:
    await fill(store, ["/p/c", "/p/a", "/q/x", "/p/b", "/o/z"])
    result = store.range("/p/", prefix=True)
    assert [kv.key for kv in result.kvs] == ["/p/a", "/p/b", "/p/c"]
    assert (result.count, result.more, result.revision) == (3, False, 6)


async def test_limit_reports_the_count_of_the_whole_range(store: MVCCStore) -> None:
    await fill(store, [f"/p/{i:02}" for i in range(10)])
    result = store.range("/p/", prefix=True, limit=4)
    assert [kv.key for kv in result.kvs] == ["/p/00", "/p/01", "/p/02", "/p/03"]
    assert result.count == 10
    assert result.more
    remaining = result.count - len(result.kvs)
    assert remaining == 6


async def test_limit_equal_to_count_has_no_more(store: MVCCStore) -> None:
    await fill(store, ["/p/a", "/p/b"])
    result = store.range("/p/", prefix=True, limit=2)
    assert len(result.kvs) == 2 and not result.more


async def test_negative_limit_is_refused(store: MVCCStore) -> None:
    with pytest.raises(InvalidTxn):
        store.range("/p/", prefix=True, limit=-1)


async def test_pagination_continues_from_a_key_at_a_fixed_revision(store: MVCCStore) -> None:
    await fill(store, [f"/p/{i:02}" for i in range(7)])
    snapshot = store.revision
    await store.put("/p/00a", b"late")  # written after the first page was read
    seen: list[str] = []
    start = "/p/"
    end = prefix_end("/p/")
    while True:
        page = store.range(start, end, revision=snapshot, limit=3)
        seen += [kv.key for kv in page.kvs]
        if not page.more:
            break
        start = page.kvs[-1].key + "\0"
    assert seen == [f"/p/{i:02}" for i in range(7)]


async def test_range_end_forms(store: MVCCStore) -> None:
    await fill(store, ["a", "b", "c", "d"])
    assert [kv.key for kv in store.range("b", "d").kvs] == ["b", "c"]
    assert [kv.key for kv in store.range("b", ALL_FROM_KEY).kvs] == ["b", "c", "d"]
    assert [kv.key for kv in store.range("", prefix=True).kvs] == ["a", "b", "c", "d"]
    assert [kv.key for kv in store.range("c").kvs] == ["c"]


async def test_reads_at_past_revisions(store: MVCCStore) -> None:
    await store.put("/p/a", b"1")  # 2
    await store.put("/p/b", b"1")  # 3
    await store.put("/p/a", b"2")  # 4
    await store.delete("/p/b")  # 5
    assert [(kv.key, kv.value) for kv in store.range("/p/", prefix=True, revision=3).kvs] == [
        ("/p/a", b"1"),
        ("/p/b", b"1"),
    ]
    assert [(kv.key, kv.value) for kv in store.range("/p/", prefix=True, revision=5).kvs] == [
        ("/p/a", b"2"),
    ]
    assert store.range("/p/", prefix=True, revision=1).kvs == []
    assert store.range("/p/", prefix=True, revision=4, limit=1).count == 2


async def test_read_at_a_future_revision_fails(store: MVCCStore) -> None:
    await store.put("a", b"1")
    with pytest.raises(FutureRevision) as info:
        store.range("a", revision=3)
    assert (info.value.requested, info.value.current) == (3, 2)
    with pytest.raises(FutureRevision):
        store.get("a", revision=99)


async def test_read_below_the_compacted_revision_fails(store: MVCCStore) -> None:
    for i in range(5):
        await store.put("a", str(i).encode())
    await store.compact(4)
    with pytest.raises(Compacted) as info:
        store.get("a", revision=3)
    assert (info.value.requested, info.value.compacted) == (3, 4)
    kv = store.get("a", revision=4)
    assert kv is not None and kv.value == b"2"


async def test_count_only_and_keys_only(store: MVCCStore) -> None:
    await fill(store, ["/p/a", "/p/b"])
    counted = store.range("/p/", prefix=True, count_only=True)
    assert counted.kvs == [] and counted.count == 2 and not counted.more
    keys = store.range("/p/", prefix=True, keys_only=True)
    assert [(kv.key, kv.value) for kv in keys.kvs] == [("/p/a", b""), ("/p/b", b"")]


def test_prefix_end() -> None:
    assert prefix_end("/registry/pods/") == "/registry/pods0"
    assert prefix_end("a") == "b"
    assert prefix_end("") is None


async def test_last_change_moves_only_with_writes_under_its_prefix(store: MVCCStore) -> None:
    await fill(store, ["/p/a", "/q/a"])
    first = store.last_change("/p/")
    await fill(store, ["/q/b", "/q/c"])
    assert store.last_change("/p/") == first
    await store.put("/p/b", b"x")
    after_put = store.last_change("/p/")
    assert after_put > first
    await store.delete("/p/a")
    after_delete = store.last_change("/p/")
    assert after_delete > after_put
    await store.txn([], [Put("/q/d", b"1"), Put("/p/c", b"2")])
    assert store.last_change("/p/") == store.revision
