"""Compare-and-swap transactions: the three writes the API server is built on."""

from __future__ import annotations

import pytest

from apiserver.storage import (
    Compare,
    CompareTarget,
    DeleteRange,
    DeleteResult,
    InvalidTxn,
    MVCCStore,
    Put,
    PutResult,
    Range,
    RangeResult,
    create_revision,
    mod_revision,
    value,
    version,
)


async def test_create_is_the_create_if_absent_txn_in_one_step(store: MVCCStore) -> None:
    """``create`` writes what the create-if-absent transaction writes: same revisions, same
    key metadata, same watch event, a new generation after a delete."""
    twin = MVCCStore(store.config)
    watcher = store.watch("k", prefix=True)
    assert await store.create("k1", b"a") == 2
    assert (await twin.txn([create_revision("k1", "=", 0)], [Put("k1", b"a")])).revision == 2
    assert await store.create("k1", b"b") == 0  # taken: nothing written
    assert store.revision == 2 and store.get("k1") == twin.get("k1")
    await store.delete("k1")
    assert await store.create("k1", b"c") == 4
    again = store.get("k1")
    assert again is not None and (again.create_revision, again.version) == (4, 1)
    response = watcher.receive_nowait()
    assert [(e.kv.key, e.kv.value, e.kv.mod_revision) for e in response.events] == [
        ("k1", b"a", 2),
        ("k1", b"", 3),
        ("k1", b"c", 4),
    ]


async def test_create_if_absent(store: MVCCStore) -> None:
    first = await store.txn([create_revision("k", "=", 0)], [Put("k", b"1")], [Range("k")])
    assert first.succeeded and first.revision == 2
    second = await store.txn([create_revision("k", "=", 0)], [Put("k", b"2")], [Range("k")])
    assert not second.succeeded
    assert second.revision == 2  # the else branch only read
    found = second.responses[0]
    assert isinstance(found, RangeResult)
    assert [kv.value for kv in found.kvs] == [b"1"]


async def test_update_if_unchanged(store: MVCCStore) -> None:
    await store.put("k", b"1")  # 2
    ok = await store.txn([mod_revision("k", "=", 2)], [Put("k", b"2", prev_kv=True)])
    assert ok.succeeded
    put = ok.responses[0]
    assert isinstance(put, PutResult) and put.prev_kv is not None and put.prev_kv.value == b"1"
    stale = await store.txn([mod_revision("k", "=", 2)], [Put("k", b"3")], [Range("k")])
    assert not stale.succeeded
    current = stale.responses[0]
    assert isinstance(current, RangeResult) and current.kvs[0].value == b"2"


async def test_delete_if_unchanged(store: MVCCStore) -> None:
    await store.put("k", b"1")
    stale = await store.txn([mod_revision("k", "=", 1)], [DeleteRange("k")])
    assert not stale.succeeded and store.get("k") is not None
    ok = await store.txn([mod_revision("k", "=", 2)], [DeleteRange("k", prev_kv=True)])
    assert ok.succeeded and store.get("k") is None
    deleted = ok.responses[0]
    assert isinstance(deleted, DeleteResult)
    assert deleted.deleted == 1 and deleted.prev_kvs[0].value == b"1"


async def test_compare_on_version_and_value(store: MVCCStore) -> None:
    await store.put("k", b"abc")
    await store.put("k", b"abd")
    assert (await store.txn([version("k", "=", 2)], [])).succeeded
    assert (await store.txn([version("k", ">", 1)], [])).succeeded
    assert not (await store.txn([version("k", "<", 2)], [])).succeeded
    assert (await store.txn([value("k", "=", b"abd")], [])).succeeded
    assert (await store.txn([value("k", ">", b"abc")], [])).succeeded
    assert (await store.txn([value("k", "!=", b"abc")], [])).succeeded


async def test_a_missing_key_compares_as_zero_and_never_by_value(store: MVCCStore) -> None:
    assert (await store.txn([version("nope", "=", 0)], [])).succeeded
    assert (await store.txn([mod_revision("nope", "=", 0)], [])).succeeded
    assert not (await store.txn([value("nope", "=", b"")], [])).succeeded
    assert not (await store.txn([value("nope", "!=", b"x")], [])).succeeded


async def test_all_compares_must_hold(store: MVCCStore) -> None:
    await store.put("a", b"1")
    result = await store.txn(
        [mod_revision("a", "=", 2), create_revision("b", "!=", 0)], [Put("c", b"x")]
    )
    assert not result.succeeded and store.get("c") is None


async def test_reads_inside_a_transaction_see_its_earlier_writes(store: MVCCStore) -> None:
    result = await store.txn((), [Put("a", b"1"), Range("a")])
    seen = result.responses[1]
    assert isinstance(seen, RangeResult)
    assert [(kv.value, kv.mod_revision) for kv in seen.kvs] == [(b"1", 2)]


async def test_writing_a_key_twice_in_one_transaction_is_refused(store: MVCCStore) -> None:
    await store.put("p/a", b"0")
    with pytest.raises(InvalidTxn):
        await store.txn((), [Put("k", b"1"), Put("k", b"2")])
    with pytest.raises(InvalidTxn):
        await store.txn((), [DeleteRange("p/", prefix=True), Put("p/a", b"1")])
    # the unchosen branch is checked too, as etcd does
    with pytest.raises(InvalidTxn):
        await store.txn((), [], [Put("k", b"1"), Put("k", b"2")])
    assert store.revision == 2 and store.get("k") is None


async def test_a_failing_transformer_leaves_no_trace() -> None:
    class Refuses:
        def to_storage(self, data: bytes, key: str) -> bytes:
            if key == "bad":
                raise RuntimeError("KMS unavailable")
            return data

        def from_storage(self, data: bytes, key: str) -> tuple[bytes, bool]:
            return data, False

    store = MVCCStore(transformer=Refuses())
    with pytest.raises(RuntimeError):
        await store.txn((), [Put("good", b"1"), Put("bad", b"2")])
    assert store.revision == 1 and store.get("good") is None


def test_compare_checks_its_operand_types() -> None:
    with pytest.raises(ValueError, match="bytes"):
        Compare("k", CompareTarget.VALUE, "=", 1)
    with pytest.raises(ValueError, match="int"):
        Compare("k", CompareTarget.MOD, "=", b"1")
    with pytest.raises(ValueError, match="operator"):
        Compare("k", CompareTarget.MOD, "~", 1)


async def test_overlapping_deletes_delete_each_key_once(store: MVCCStore) -> None:
    await store.put("p/a", b"1")
    await store.put("p/b", b"1")
    result = await store.txn((), [DeleteRange("p/", prefix=True), DeleteRange("p/a")])
    counts = [r.deleted for r in result.responses if isinstance(r, DeleteResult)]
    assert counts == [2, 0]
    assert store.revision == 4
