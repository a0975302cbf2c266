"""Revisions, versions and generations of keys."""

from __future__ import annotations

from apiserver.storage import DeleteRange, MVCCStore, Put


async def test_empty_store_is_at_revision_one(store: MVCCStore) -> None:
    assert store.revision == 1
    assert store.get("a") is None


async def test_each_write_bumps_the_revision_once(store: MVCCStore) -> None:
    assert (await store.put("a", b"1")).revision == 2
    assert (await store.put("b", b"1")).revision == 3
    assert (await store.delete("a")).revision == 4
    assert store.revision == 4


async def test_put_tracks_create_mod_and_version(store: MVCCStore) -> None:
    await store.put("k", b"v1")
    await store.put("other", b"x")
    await store.put("k", b"v2")
    kv = store.get("k")
    assert kv is not None
    assert (kv.create_revision, kv.mod_revision, kv.version, kv.value) == (2, 4, 2, b"v2")


async def test_delete_then_recreate_starts_a_new_generation(store: MVCCStore) -> None:
    await store.put("k", b"a")  # 2
    await store.put("k", b"b")  # 3
    await store.delete("k")  # 4
    assert store.get("k") is None
    await store.put("k", b"c")  # 5
    kv = store.get("k")
    assert kv is not None
    assert (kv.create_revision, kv.mod_revision, kv.version) == (5, 5, 1)
    old = store.get("k", revision=3)
    assert old is not None
    assert (old.create_revision, old.version, old.value) == (2, 2, b"b")
    assert store.get("k", revision=4) is None


async def test_delete_of_a_missing_key_uses_no_revision(store: MVCCStore) -> None:
    await store.put("a", b"1")
    result = await store.delete("missing")
    assert result.deleted == 0
    assert result.revision == 2
    assert store.revision == 2


async def test_a_transaction_with_several_changes_gets_one_revision(store: MVCCStore) -> None:
    await store.put("gone", b"x")
    result = await store.txn((), [Put("a", b"1"), Put("b", b"2"), DeleteRange("gone")])
    assert result.revision == 3
    a, b = store.get("a"), store.get("b")
    assert a is not None and b is not None
    assert a.mod_revision == b.mod_revision == 3
    # the order inside the revision (etcd's sub-revision) is the order of the operations
    watcher = store.watch("", prefix=True, start_revision=3)
    response = await watcher.__anext__()
    assert [e.kv.key for e in response.events] == ["a", "b", "gone"]


async def test_rewriting_a_key_with_the_same_value_still_bumps(store: MVCCStore) -> None:
    # etcd has no notion of a no-op put; skipping no-op writes is the API server's business
    await store.put("k", b"same")
    await store.put("k", b"same")
    kv = store.get("k")
    assert kv is not None and kv.version == 2 and store.revision == 3
