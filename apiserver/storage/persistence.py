"""Optional durability: the write-ahead log, snapshots, group fsync, and recovery on start.

With a data directory, every committed transaction is appended to the current log segment with a
``write`` before the commit returns, so a process that is killed loses nothing that was
acknowledged. With ``fsync`` on (the default) a writer is acknowledged only once an ``fsync``
covering its record has finished, so it survives the machine losing power as well. Writers share
fsyncs (*group commit*): whoever needs one first runs it in a worker thread, for every record
written so far, and everybody whose record it covers is released when it returns. While it runs,
the store keeps committing; the next fsync covers those.

Every ``snapshot_every`` transactions the store rotates to a new segment, synchronously, and
writes a snapshot of the state at the rotation point in a worker thread -- from a background task
when the store is running (``MVCCStore.run``), so no writer waits for it; once that is durable,
older segments and snapshots are deleted.

Recovery: load the newest snapshot, replay the segments' records newer than it in order, and drop
a torn final record of the last segment (truncating the file to its whole part). A damaged record
anywhere else is corruption, reported as :class:`~apiserver.storage.errors.CorruptLog`.

Log records (msgpack):  ``(0, revision, [(key, value-or-None), ...])`` for a transaction, ``None``
standing for a delete; ``(1, revision, [])`` for a compaction.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import trio

from apiserver.storage.errors import CorruptLog
from apiserver.storage.snapshot import (
    SnapshotState,
    list_snapshots,
    read_snapshot,
    write_snapshot,
)
from apiserver.storage.wal import (
    SegmentWriter,
    fsync_directory,
    list_segments,
    read_frames,
    segment_name,
)

TXN_RECORD = 0
COMPACT_RECORD = 1

_encoder = msgspec.msgpack.Encoder()
#: ``(kind, revision, writes)``; a compaction's writes are empty.
LogRecord = tuple[int, int, list[tuple[str, bytes | None]]]
_record_decoder = msgspec.msgpack.Decoder(LogRecord)


class Recovered(msgspec.Struct):
    """What recovery found: the newest snapshot (if any) and the log records after it."""

    snapshot: SnapshotState | None
    records: list[LogRecord]
    truncated_bytes: int = 0


class Persistence:
    """The data directory of one store."""

    def __init__(self, directory: str | os.PathLike[str], *, fsync: bool, snapshot_every: int):
        self.directory = Path(directory)
        self.fsync = fsync
        self.snapshot_every = snapshot_every
        self._writer: SegmentWriter | None = None
        self._since_snapshot = 0
        self._written_revision = 0
        self._durable_revision = 0
        self._syncing: trio.Event | None = None
        self._snapshotting = False

    # -- recovery ------------------------------------------------------------------------------

    def recover(self) -> Recovered:
        self.directory.mkdir(parents=True, exist_ok=True)
        for stray in self.directory.glob("*.tmp"):
            stray.unlink()  # a snapshot whose writer died before renaming it
        snapshots = list_snapshots(self.directory)
        snapshot = read_snapshot(snapshots[-1][1]) if snapshots else None
        after = snapshot.revision if snapshot else 0
        records: list[LogRecord] = []
        truncated = 0
        segments = list_segments(self.directory)
        for i, (_, path) in enumerate(segments):
            data = path.read_bytes()
            payloads, whole = read_frames(data)
            if whole < len(data):
                if i != len(segments) - 1:
                    raise CorruptLog(f"log segment {path} is damaged at byte {whole}")
                truncated = len(data) - whole
                with open(path, "r+b") as f:
                    f.truncate(whole)
                    f.flush()
                    os.fsync(f.fileno())
            for payload in payloads:
                try:
                    record = _record_decoder.decode(payload)
                except msgspec.DecodeError as exc:
                    raise CorruptLog(f"log segment {path} has an unreadable record") from exc
                if record[0] == TXN_RECORD and record[1] <= after:
                    continue
                records.append(record)
        return Recovered(snapshot, records, truncated)

    def start(self, revision: int) -> None:
        """Start appending after recovery, in a segment whose first revision is ``revision+1``."""
        self._written_revision = self._durable_revision = revision
        self._open_segment(revision + 1)

    def _open_segment(self, first_revision: int) -> None:
        self._writer = SegmentWriter(self.directory / segment_name(first_revision))
        fsync_directory(self.directory)

    # -- appending -----------------------------------------------------------------------------

    def append_txn(self, revision: int, writes: list[tuple[str, bytes | None]]) -> None:
        assert self._writer is not None, "persistence not started"
        self._writer.append(_encoder.encode((TXN_RECORD, revision, writes)))
        self._written_revision = revision
        self._since_snapshot += 1

    def append_compaction(self, revision: int) -> None:
        assert self._writer is not None, "persistence not started"
        self._writer.append(_encoder.encode((COMPACT_RECORD, revision, [])))

    async def wait_durable(self, revision: int) -> None:
        """Return once ``revision`` is on stable storage (at once when fsync is off)."""
        if not self.fsync:
            return
        while self._durable_revision < revision:
            if self._syncing is not None:
                await self._syncing.wait()
                continue
            done = self._syncing = trio.Event()
            target = self._written_revision
            writer = self._writer
            assert writer is not None
            try:
                with trio.CancelScope(shield=True):
                    await trio.to_thread.run_sync(writer.sync)
                self._durable_revision = max(self._durable_revision, target)
            finally:
                self._syncing = None
                done.set()

    # -- snapshots -----------------------------------------------------------------------------

    @property
    def snapshot_due(self) -> bool:
        return self._since_snapshot >= self.snapshot_every and not self._snapshotting

    def rotate(self, revision: int) -> None:
        """Close the current segment (durably) and start one at ``revision + 1``."""
        assert self._writer is not None
        self._writer.sync()
        self._writer.close()
        self._durable_revision = max(self._durable_revision, self._written_revision)
        self._open_segment(revision + 1)
        self._since_snapshot = 0

    def begin_snapshot(self, revision: int) -> None:
        """Rotate at ``revision``; the caller captures the state at this same revision and
        passes it to :meth:`write_snapshot`."""
        self._snapshotting = True
        try:
            self.rotate(revision)
        except BaseException:
            self._snapshotting = False
            raise

    async def write_snapshot(self, state: SnapshotState) -> None:
        """Write the snapshot begun by :meth:`begin_snapshot` in a worker thread, then prune."""
        try:
            with trio.CancelScope(shield=True):
                await trio.to_thread.run_sync(self._write_and_prune, state)
        finally:
            self._snapshotting = False

    def _write_and_prune(self, state: SnapshotState) -> None:
        write_snapshot(self.directory, state)
        for revision, path in list_snapshots(self.directory):
            if revision < state.revision:
                path.unlink()
        for first, path in list_segments(self.directory):
            if first <= state.revision:
                path.unlink()
        fsync_directory(self.directory)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.sync()
            self._writer.close()
            self._writer = None
