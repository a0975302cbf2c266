"""Benchmarks of the in-memory etcd (apiserver.storage); results go to bench/RESULTS.md.

    ./dev bench storage [--quick] [SECTION ...]

Sections: ops, scale, fanout, memory, durable (default: all). ``--quick`` shrinks every size
(used by nobody's numbers: only to check the script runs). Times are wall-clock (perf_counter)
of one process on this machine; each figure is the best of a few repetitions.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable

import trio
import trio.testing

from apiserver.storage import MVCCStore, Put, StoreConfig, mod_revision

QUIET = StoreConfig(compaction_interval=None, progress_notify_interval=None)
VALUE = os.urandom(1024)
QUICK = False


def size(n: int) -> int:
    return max(1, n // 100) if QUICK else n


def report(name: str, count: int, seconds: float, unit: str = "ops") -> None:
    rate = count / seconds
    print(f"  {name:<48} {rate:>12,.0f} {unit}/s   ({seconds / count * 1e6:6.2f} µs each)")


def best_of(repeats: int, fn: Callable[[], float]) -> float:
    return min(fn() for _ in range(repeats))


def run(fn: Callable[..., object], *args: object) -> object:
    return trio.run(fn, *args)


# -- ops ---------------------------------------------------------------------------------------


async def bench_ops() -> None:
    n = size(200_000)
    keys = [f"/registry/pods/ns{i % 50}/pod-{i:07}" for i in range(n)]

    store = MVCCStore(QUIET)
    gc.collect()
    t = time.perf_counter()
    for key in keys:
        await store.put(key, VALUE)
    report("put, new keys, 1 KB values", n, time.perf_counter() - t)

    t = time.perf_counter()
    for key in keys:
        await store.put(key, VALUE)
    report("put, existing keys, 1 KB values", n, time.perf_counter() - t)

    get = store.get
    lookups = keys * 2

    def time_gets() -> float:
        t = time.perf_counter()
        for key in lookups:
            get(key)
        return time.perf_counter() - t

    report("get", len(lookups), best_of(3, time_gets))

    rev = store.revision - n // 2

    def time_past_gets() -> float:
        t = time.perf_counter()
        for key in keys:
            get(key, rev)
        return time.perf_counter() - t

    report("get at a past revision", n, best_of(3, time_past_gets))

    ranged = MVCCStore(QUIET)
    for ns in range(100):
        for i in range(100):
            await ranged.put(f"/registry/pods/ns{ns:03}/pod-{i:03}", VALUE)
    prefixes = [f"/registry/pods/ns{ns:03}/" for ns in range(100)] * size(30)

    def time_ranges() -> float:
        t = time.perf_counter()
        for prefix in prefixes:
            ranged.range(prefix, prefix=True)
        return time.perf_counter() - t

    report("prefix range of 100 keys (of 10,000)", len(prefixes), best_of(3, time_ranges))

    def time_limited() -> float:
        t = time.perf_counter()
        for prefix in prefixes:
            ranged.range(prefix, prefix=True, limit=10)
        return time.perf_counter() - t

    report("prefix range of 100 keys, limit 10", len(prefixes), best_of(3, time_limited))

    t = time.perf_counter()
    for key in keys:
        current = store.get(key)
        assert current is not None
        result = await store.txn(
            [mod_revision(key, "=", current.mod_revision)], [Put(key, VALUE)], []
        )
        assert result.succeeded
    report("CAS update (get + txn mod_revision==)", n, time.perf_counter() - t)


# -- scale -------------------------------------------------------------------------------------


async def bench_scale() -> None:
    print("  put cost as the store grows (1 KB values; each row: 50,000 puts at that size)")
    store = MVCCStore(QUIET)
    filled = 0
    probe = size(50_000)
    for target in (1_000, 10_000, 100_000, 1_000_000):
        target = size(target) if QUICK else target
        while filled < target:
            await store.put(f"/registry/things/k{filled:08}", VALUE)
            filled += 1
        await store.compact(store.revision)  # keep one version per key: measure keys, not history
        gc.collect()
        rng = random.Random(target)
        existing = [f"/registry/things/k{rng.randrange(filled):08}" for _ in range(probe)]
        t = time.perf_counter()
        for key in existing:
            await store.put(key, VALUE)
        update = time.perf_counter() - t
        fresh = [f"/registry/new/{target}/k{i:08}" for i in range(probe)]
        t = time.perf_counter()
        for key in fresh:
            await store.put(key, VALUE)
        insert = time.perf_counter() - t
        t = time.perf_counter()
        for key in existing:
            store.get(key)
        read = time.perf_counter() - t
        # the floor set by the machine's caches: a bare dict of the same keys, same lookups
        plain = dict.fromkeys(store._index._histories)
        t = time.perf_counter()
        for key in existing:
            plain.get(key)
        floor = time.perf_counter() - t
        del plain
        print(
            f"    {target:>9,} keys: update {update / probe * 1e6:5.2f} µs, "
            f"new key {insert / probe * 1e6:5.2f} µs, get {read / probe * 1e6:5.2f} µs "
            f"(bare dict.get {floor / probe * 1e6:5.2f} µs)"
        )
        await store.delete("/registry/new/", prefix=True)


# -- fanout ------------------------------------------------------------------------------------


async def bench_fanout(watchers: int = 1_000, puts: int = 2_000, burst: int = 20) -> None:
    puts = size(puts)
    store = MVCCStore(StoreConfig(compaction_interval=None, watch_pending_limit=1_000_000))
    received = 0
    done = trio.Event()
    expected = watchers * puts

    async def consume(watcher) -> None:
        nonlocal received
        async for response in watcher:
            received += len(response.events)
            if received == expected:
                done.set()

    async with trio.open_nursery() as nursery:
        ws = [store.watch("/registry/pods/", prefix=True) for _ in range(watchers)]
        for w in ws:
            nursery.start_soon(consume, w)
        await trio.testing.wait_all_tasks_blocked()
        t = time.perf_counter()
        for i in range(puts):
            await store.put(f"/registry/pods/default/p{i % 100}", VALUE)
            if i % burst == burst - 1:
                await trio.lowlevel.checkpoint()  # a writer that lets others run now and then
        await done.wait()
        elapsed = time.perf_counter() - t
        nursery.cancel_scope.cancel()
    report(
        f"watch fan-out: {watchers} prefix watchers, bursts of {burst} puts",
        expected,
        elapsed,
        "deliveries",
    )


# -- memory ------------------------------------------------------------------------------------


async def bench_memory() -> None:
    n = size(100_000)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    store = MVCCStore(QUIET)
    for version in range(5):
        for i in range(n):
            await store.put(f"/registry/configmaps/ns{i % 100}/cm-{i:06}", os.urandom(1024))
        del version
    gc.collect()
    with_history = tracemalloc.get_traced_memory()[0] - base
    await store.compact(store.revision)
    gc.collect()
    compacted = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    print(f"  {n:,} keys x 1 KB, 5 versions each: {with_history / 2**20:8.1f} MiB")
    print(
        f"  after compaction to the current revision: {compacted / 2**20:8.1f} MiB "
        f"({compacted / n:,.0f} bytes per key; the value itself is 1,024)"
    )


# -- durable -----------------------------------------------------------------------------------


async def bench_durable() -> None:
    for fsync, writers in ((False, 1), (False, 16), (True, 1), (True, 16), (True, 128)):
        directory = tempfile.mkdtemp(prefix="mkpy-bench-", dir=os.environ.get("BENCH_DIR"))
        try:
            store = MVCCStore(
                StoreConfig(
                    data_dir=directory,
                    fsync=fsync,
                    compaction_interval=None,
                    progress_notify_interval=None,
                )
            )
            per_writer = size(100_000 if not fsync else 4_000) // writers or 1

            async def writer(
                w: int, store: MVCCStore = store, per_writer: int = per_writer
            ) -> None:
                for i in range(per_writer):
                    await store.put(f"/registry/pods/w{w}/p{i}", VALUE)

            async with trio.open_nursery() as outer:
                await outer.start(store.run)  # snapshots are written in the background
                t = time.perf_counter()
                async with trio.open_nursery() as nursery:
                    for w in range(writers):
                        nursery.start_soon(writer, w)
                elapsed = time.perf_counter() - t
                outer.cancel_scope.cancel()
            mode = "fsync (group commit)" if fsync else "write() only, no fsync"
            report(f"durable put, {mode}, {writers} writers", per_writer * writers, elapsed)
        finally:
            shutil.rmtree(directory)


SECTIONS = {
    "ops": bench_ops,
    "scale": bench_scale,
    "fanout": bench_fanout,
    "memory": bench_memory,
    "durable": bench_durable,
}


def main() -> None:
    global QUICK
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("sections", nargs="*", choices=[*SECTIONS, []], default=[])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    QUICK = args.quick
    print(
        f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"{platform.platform()}"
    )
    for name in args.sections or SECTIONS:
        print(f"[{name}]")
        sys.stdout.flush()
        run(SECTIONS[name])


if __name__ == "__main__":
    main()
