"""Values pass through the transformer on the way in and out: what rests is what it produced."""

from __future__ import annotations

import hashlib

from apiserver.storage import DeleteRange, MVCCStore, Put, StoreConfig, mod_revision, value


class Scramble:
    """A reversible, key-bound transformation (stands in for envelope encryption)."""

    prefix = b"enc:"

    def _pad(self, key: str, n: int) -> bytes:
        stream = b""
        counter = 0
        while len(stream) < n:
            stream += hashlib.sha256(f"{key}:{counter}".encode()).digest()
            counter += 1
        return stream[:n]

    def to_storage(self, data: bytes, key: str) -> bytes:
        return self.prefix + bytes(
            a ^ b for a, b in zip(data, self._pad(key, len(data)), strict=True)
        )

    def from_storage(self, data: bytes, key: str) -> tuple[bytes, bool]:
        assert data.startswith(self.prefix)
        body = data[len(self.prefix) :]
        return bytes(a ^ b for a, b in zip(body, self._pad(key, len(body)), strict=True)), False


def store() -> MVCCStore:
    return MVCCStore(StoreConfig(compaction_interval=None), transformer=Scramble())


async def test_values_at_rest_are_transformed_and_reads_are_not() -> None:
    s = store()
    await s.put("/secrets/a", b"hunter2")
    at_rest = s._index.latest("/secrets/a")
    assert at_rest is not None and at_rest.value.startswith(b"enc:")
    assert b"hunter2" not in at_rest.value
    kv = s.get("/secrets/a")
    assert kv is not None and kv.value == b"hunter2"
    assert [kv.value for kv in s.range("/secrets/", prefix=True).kvs] == [b"hunter2"]


async def test_watch_events_and_prev_values_are_plaintext() -> None:
    s = store()
    live = s.watch("/s/", prefix=True, prev_kv=True)
    await s.put("/s/a", b"one")
    await s.put("/s/a", b"two")
    await s.txn((), [DeleteRange("/s/a", prev_kv=True)])
    events = (await live.__anext__()).events
    assert [(e.kv.value, e.prev_kv and e.prev_kv.value) for e in events] == [
        (b"one", None),
        (b"two", b"one"),
        (b"", b"two"),
    ]
    replay = s.watch("/s/", prefix=True, start_revision=2, prev_kv=True)
    assert [
        (e.kv.value, e.prev_kv and e.prev_kv.value) for e in (await replay.__anext__()).events
    ] == [
        (b"one", None),
        (b"two", b"one"),
        (b"", b"two"),
    ]


async def test_compare_by_value_and_prev_kvs_see_plaintext() -> None:
    s = store()
    await s.put("k", b"v1")
    result = await s.txn(
        [value("k", "=", b"v1"), mod_revision("k", "=", 2)], [Put("k", b"v2", prev_kv=True)]
    )
    assert result.succeeded
    put = result.responses[0]
    assert put.prev_kv is not None and put.prev_kv.value == b"v1"  # type: ignore[union-attr]
    assert (await s.put("k", b"v3", prev_kv=True)).prev_kv.value == b"v2"  # type: ignore[union-attr]
    assert s.get("k", revision=2).value == b"v1"  # type: ignore[union-attr]
