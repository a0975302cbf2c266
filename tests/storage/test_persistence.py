"""Durability: the log, snapshots, recovery, torn records, and a process killed mid-write."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
import trio
from crash_writer import operations

from apiserver.storage import (
    CorruptLog,
    DeleteRange,
    MVCCStore,
    Put,
    StoreConfig,
)
from apiserver.storage.wal import SegmentWriter, list_segments, read_frames


def config(data_dir: Path, **overrides: object) -> StoreConfig:
    settings: dict = {
        "data_dir": str(data_dir),
        "compaction_interval": None,
        "progress_notify_interval": None,
        "fsync": False,
    }
    settings.update(overrides)
    return StoreConfig(**settings)


def dump(store: MVCCStore) -> dict[int, list[tuple[str, bytes, int, int, int]]]:
    """Everything readable: the full keyspace at every retained revision."""
    return {
        rev: [
            (kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version)
            for kv in store.range("", prefix=True, revision=rev).kvs
        ]
        for rev in range(max(store.compacted_revision, 1), store.revision + 1)
    }


async def write_some(store: MVCCStore, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    for i in range(n):
        key = f"/k/{rng.randrange(10)}"
        if rng.random() < 0.2:
            await store.delete(key)
        else:
            await store.txn((), [Put(key, f"{i}".encode()), Put(f"/j/{i % 3}", b"x")])


async def test_restart_rebuilds_state_and_history(tmp_path: Path) -> None:
    store = MVCCStore(config(tmp_path))
    await write_some(store, 60)
    await store.compact(store.revision - 20)
    await write_some(store, 10, seed=2)
    before = dump(store)
    revision, compacted = store.revision, store.compacted_revision
    store.close()

    again = MVCCStore(config(tmp_path))
    assert (again.revision, again.compacted_revision) == (revision, compacted)
    assert dump(again) == before
    # and a watcher can still replay the retained history
    watcher = again.watch("", prefix=True, start_revision=compacted)
    response = await watcher.__anext__()
    assert response.events[0].kv.mod_revision == compacted


async def test_snapshots_rotate_the_log_and_prune_old_files(tmp_path: Path) -> None:
    store = MVCCStore(config(tmp_path, snapshot_every=10))
    await write_some(store, 35)
    before = dump(store)
    store.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert len([n for n in names if n.endswith(".snap")]) == 1
    assert len([n for n in names if n.endswith(".wal")]) == 1
    again = MVCCStore(config(tmp_path, snapshot_every=10))
    assert dump(again) == before
    await write_some(again, 5, seed=3)
    expected = dump(again)
    again.close()
    assert dump(MVCCStore(config(tmp_path))) == expected


async def test_a_running_store_writes_snapshots_in_the_background(tmp_path: Path) -> None:
    store = MVCCStore(config(tmp_path, snapshot_every=10))
    async with trio.open_nursery() as nursery:
        await nursery.start(store.run)
        await write_some(store, 35)
        before = dump(store)
        nursery.cancel_scope.cancel()
    # run() closed the store on the way out, after the snapshot writer finished
    assert len(list(tmp_path.glob("*.snap"))) == 1
    assert dump(MVCCStore(config(tmp_path))) == before


async def test_a_torn_final_record_is_dropped_at_every_cut(tmp_path: Path) -> None:
    store = MVCCStore(config(tmp_path))
    await store.put("a", b"1")
    await store.put("b", b"2")
    acknowledged = dump(store)
    await store.put("c", b"3" * 100)  # this one will be torn
    store.close()
    (_, segment), *_ = reversed(list_segments(tmp_path))
    whole = segment.read_bytes()
    data_dir = tmp_path / "copy"
    frame_start = _last_frame_offset(whole)
    for cut in range(frame_start, len(whole)):
        if data_dir.exists():
            for f in data_dir.iterdir():
                f.unlink()
        else:
            data_dir.mkdir()
        (data_dir / segment.name).write_bytes(whole[:cut])
        recovered = MVCCStore(config(data_dir))
        assert dump(recovered) == acknowledged, f"cut at byte {cut}"
        assert (data_dir / segment.name).stat().st_size == frame_start
        await recovered.put("d", b"4")  # appending after the cut works, and survives
        recovered.close()
        again = MVCCStore(config(data_dir))
        kv = again.get("d")
        assert kv is not None and kv.mod_revision == 4
        again.close()


def _last_frame_offset(data: bytes) -> int:
    payloads, _ = read_frames(data)
    offset = 0
    for payload in payloads[:-1]:
        offset += 8 + len(payload)
    return offset


async def test_damage_before_the_last_segment_is_corruption(tmp_path: Path) -> None:
    store = MVCCStore(config(tmp_path, snapshot_every=1_000))
    await write_some(store, 5)
    store.close()
    (_, first), *_ = list_segments(tmp_path)
    data = bytearray(first.read_bytes())
    data[20] ^= 0xFF
    first.write_bytes(bytes(data))
    SegmentWriter(tmp_path / "ffffffffffffffff.wal").close()  # a later (empty) segment
    with pytest.raises(CorruptLog):
        MVCCStore(config(tmp_path))


async def test_values_at_rest_on_disk_are_transformed(tmp_path: Path) -> None:
    class Reverse:
        def to_storage(self, data: bytes, key: str) -> bytes:
            return b"rev:" + data[::-1]

        def from_storage(self, data: bytes, key: str) -> tuple[bytes, bool]:
            return data[4:][::-1], False

    store = MVCCStore(config(tmp_path, snapshot_every=3), transformer=Reverse())
    for i in range(5):
        await store.put(f"/secrets/{i}", b"TOP-SECRET-VALUE")
    store.close()
    for path in tmp_path.iterdir():
        assert b"TOP-SECRET-VALUE" not in path.read_bytes()
    again = MVCCStore(config(tmp_path), transformer=Reverse())
    kv = again.get("/secrets/4")
    assert kv is not None and kv.value == b"TOP-SECRET-VALUE"


async def test_writers_share_fsyncs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = 0
    real_sync = SegmentWriter.sync

    def counting_sync(self: SegmentWriter) -> None:
        nonlocal calls
        calls += 1
        real_sync(self)

    monkeypatch.setattr(SegmentWriter, "sync", counting_sync)
    store = MVCCStore(config(tmp_path, fsync=True, snapshot_every=10_000))
    acked: list[int] = []

    async def writer(i: int) -> None:
        for j in range(10):
            acked.append((await store.put(f"/w/{i}/{j}", b"x")).revision)

    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            for i in range(50):
                nursery.start_soon(writer, i)
    assert sorted(acked) == list(range(2, 502))
    assert calls < 250, f"{calls} fsyncs for 500 writes: no grouping"
    store.close()


async def test_a_delete_of_nothing_is_not_logged(tmp_path: Path) -> None:
    store = MVCCStore(config(tmp_path))
    await store.put("a", b"1")
    await store.txn((), [DeleteRange("missing")])
    store.close()
    assert MVCCStore(config(tmp_path)).revision == 2


# -- the crash test ------------------------------------------------------------------------------


def expected_states(seed: int, acks: int) -> Iterator[tuple[int, dict[str, bytes]]]:
    """Replay the writer's first ``acks`` operations: (revision, keyspace) after each write."""
    state: dict[str, bytes] = {}
    revision = 1
    for _, (kind, key, value) in zip(range(acks), operations(seed), strict=False):
        if kind == "put":
            state[key] = value
            revision += 1
        elif kind == "delete" and key in state:
            del state[key]
            revision += 1
        else:
            continue
        yield revision, dict(state)


def tear_after(data_dir: Path, acknowledged: int, rng: random.Random) -> None:
    """Cut the last segment somewhere after the last acknowledged record, as a crash in the
    middle of writing the next one would (a SIGKILL alone cannot split a ``write``)."""
    segments = list_segments(data_dir)
    if not segments:
        return
    path = segments[-1][1]
    data = path.read_bytes()
    payloads, _ = read_frames(data)
    end = offset = 0
    for payload in payloads:
        offset += 8 + len(payload)
        if msgspec.msgpack.decode(payload)[1] <= acknowledged:
            end = offset
    if end < len(data):
        path.write_bytes(data[: rng.randrange(end, len(data))])


@pytest.mark.slow
def test_acknowledged_writes_survive_sigkill_at_random_points(tmp_path: Path) -> None:
    rng = random.Random(20261126)
    writer = Path(__file__).with_name("crash_writer.py")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{writer.parent}"}
    rounds = 12
    for round_ in range(rounds):
        data_dir = tmp_path / f"round{round_}"
        seed = rng.randrange(1 << 30)
        fsync = round_ % 3 == 0
        wanted = rng.randrange(1, 400)
        proc = subprocess.Popen(
            [sys.executable, str(writer), str(data_dir), str(seed), "1" if fsync else "0"],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None
        acks = 0
        last_revision = 1
        for line in proc.stdout:
            _, n, revision = line.split()
            acks, last_revision = int(n) + 1, int(revision)
            if acks >= wanted:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        if round_ % 2:
            tear_after(data_dir, last_revision, rng)

        store = MVCCStore(config(data_dir))
        assert store.revision >= last_revision, f"round {round_}: lost acknowledged writes"
        for revision, state in expected_states(seed, acks):
            if revision < store.compacted_revision:
                continue
            got = {
                kv.key: kv.value for kv in store.range("/k/", prefix=True, revision=revision).kvs
            }
            assert got == state, f"round {round_}: revision {revision} differs"
        store.close()
