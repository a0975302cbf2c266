"""A writer for the crash test, run as its own process and killed with SIGKILL.

``python crash_writer.py DATA_DIR SEED FSYNC`` writes the operations of :func:`operations` into a
durable store, printing ``ack N REVISION`` once operation N is acknowledged. The test regenerates
the same operations from the seed to know what every acknowledged revision must contain.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator

import trio

from apiserver.storage import DeleteRange, MVCCStore, Put, StoreConfig

Operation = tuple[str, str, bytes]  # ("put" | "delete" | "compact", key, value)


def operations(seed: int) -> Iterator[Operation]:
    rng = random.Random(seed)
    n = 0
    while True:
        n += 1
        roll = rng.random()
        key = f"/k/{rng.randrange(40):02}"
        if roll < 0.15:
            yield ("delete", key, b"")
        elif roll < 0.18:
            yield ("compact", "", b"")
        else:
            size = rng.choice((10, 100, 1_000, 20_000))
            yield ("put", key, (f"{n}:" * size).encode()[:size])


async def main(data_dir: str, seed: int, fsync: bool) -> None:
    store = MVCCStore(
        StoreConfig(
            data_dir=data_dir,
            fsync=fsync,
            snapshot_every=25,
            compaction_interval=None,
            progress_notify_interval=None,
        )
    )
    out = sys.stdout
    for n, (kind, key, value) in enumerate(operations(seed)):
        if kind == "put":
            revision = (await store.txn((), [Put(key, value)])).revision
        elif kind == "delete":
            revision = (await store.txn((), [DeleteRange(key)])).revision
        else:
            target = max(store.compacted_revision + 1, store.revision - 30)
            if target <= store.revision and target > store.compacted_revision:
                await store.compact(target)
            revision = store.revision
        out.write(f"ack {n} {revision}\n")
        out.flush()


if __name__ == "__main__":
    trio.run(main, sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1")
