"""Snapshots: the whole retained state of the store at one revision, in one file.

A snapshot holds what is needed to rebuild the store exactly as it was, history included:

* ``base`` -- the records older than the change log (what compaction left of each key's past);
* ``log`` -- every transaction still in the change log, as it was committed.

Restoring loads ``base`` into the index and replays ``log`` through the same code that replays
the write-ahead log, so both paths rebuild identical state.

The file is one frame (see :mod:`apiserver.storage.wal`) written to a temporary name, fsynced and
renamed into place, so a crash leaves either the old snapshot or the new one, never half of one.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from apiserver.storage.errors import CorruptLog
from apiserver.storage.records import KeyValue
from apiserver.storage.wal import frame, fsync_directory, read_frames

SNAPSHOT_SUFFIX = ".snap"

#: One committed transaction as logged: its revision and its writes, ``None`` for a delete.
LoggedTxn = tuple[int, list[tuple[str, bytes | None]]]


class SnapshotState(msgspec.Struct, array_like=True):
    revision: int
    compacted_revision: int
    base: list[KeyValue]
    log: list[LoggedTxn]


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(SnapshotState)


def snapshot_name(revision: int) -> str:
    return f"{revision:016x}{SNAPSHOT_SUFFIX}"


def list_snapshots(directory: Path) -> list[tuple[int, Path]]:
    found = []
    for path in directory.iterdir():
        if path.suffix == SNAPSHOT_SUFFIX and len(path.stem) == 16:
            try:
                found.append((int(path.stem, 16), path))
            except ValueError:
                continue
    found.sort()
    return found


def write_snapshot(directory: Path, state: SnapshotState) -> Path:
    """Write ``state`` durably; safe to call from a worker thread (the records are immutable)."""
    path = directory / snapshot_name(state.revision)
    tmp = path.with_suffix(".tmp")
    data = frame(_encoder.encode(state))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_directory(directory)
    return path


def read_snapshot(path: Path) -> SnapshotState:
    payloads, _ = read_frames(path.read_bytes())
    if len(payloads) != 1:
        raise CorruptLog(f"snapshot {path} is damaged")
    try:
        return _decoder.decode(payloads[0])
    except msgspec.DecodeError as exc:
        raise CorruptLog(f"snapshot {path} cannot be decoded: {exc}") from exc
