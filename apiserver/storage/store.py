"""The MVCC store: an in-memory etcd v3 keyspace with revisions, transactions and watches.

State, all owned by one trio thread (no locks; see ``ARCHITECTURE.md``):

* ``_revision`` -- the global revision. It starts at 1 and every transaction that writes bumps it
  by exactly one; a transaction that writes nothing leaves it alone. resourceVersion *is* this
  number.
* ``_index`` -- every key's history (:mod:`apiserver.storage.index`), for reads at any revision.
* ``_log`` -- the change log: the events of every revision from ``_log_base`` on, for watchers
  catching up from the past. ``_log[r - _log_base]`` are the events of revision ``r``.
* ``_compacted`` -- reads and watches below it fail with :class:`Compacted`.
* ``_group`` -- synced watchers, told about each commit inside it (:mod:`apiserver.storage.watch`).

A write is committed in one synchronous step -- plan the writes (transforming values, checking the
transaction), append them to the write-ahead log when there is one, apply them to the index and
the change log, notify synced watchers -- so nothing can observe a half-applied transaction.
Writes are ``async`` only so that, in durable mode, the writer can wait for the fsync that covers
its record; in memory they complete without suspending.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import msgspec
import trio
import trio.lowlevel

from apiserver.storage.errors import Compacted, FutureRevision, InvalidTxn, StoreClosed
from apiserver.storage.index import KeyIndex
from apiserver.storage.persistence import COMPACT_RECORD, Persistence
from apiserver.storage.records import (
    DeleteResult,
    Event,
    EventType,
    KeyValue,
    PutResult,
    RangeResult,
    TxnResult,
    WatchResponse,
)
from apiserver.storage.snapshot import SnapshotState
from apiserver.storage.transformer import Transformer
from apiserver.storage.txn import Compare, DeleteRange, Op, Put, Range, resolve_range
from apiserver.storage.watch import Watcher, WatcherGroup

_PUT = EventType.PUT
_DELETE = EventType.DELETE
_replace = msgspec.structs.replace

#: How many revisions a catching-up watcher scans per pull before letting others run.
_CATCH_UP_SCAN = 10_000
#: How many keys compaction reclaims between checkpoints that let others run.
_COMPACT_BATCH = 10_000


class StoreConfig(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How a store behaves; validated once when loaded."""

    #: Events a synced watcher may have pending before it is cut off as too slow.
    watch_pending_limit: int = 10_000
    #: Events per response while a watcher catches up from history.
    watch_batch_events: int = 1_000
    #: Seconds between progress notifications to idle watchers that asked for them (etcd: 10 min).
    progress_notify_interval: float | None = 600.0
    #: Seconds between compactions (kube-apiserver ``--etcd-compaction-interval``: 5 min);
    #: None: off.
    compaction_interval: float | None = 300.0
    #: Where to keep the write-ahead log and snapshots; None: memory only.
    data_dir: str | None = None
    #: Acknowledge a durable write only after an fsync covers it (else after ``write``).
    fsync: bool = True
    #: Transactions between snapshots in durable mode.
    snapshot_every: int = 10_000

    def __post_init__(self) -> None:
        if self.watch_pending_limit < 1 or self.watch_batch_events < 1:
            raise ValueError("watch limits must be positive")
        if self.snapshot_every < 1:
            raise ValueError("snapshot_every must be positive")
        for name in ("progress_notify_interval", "compaction_interval"):
            interval = getattr(self, name)
            if interval is not None and not (interval > 0 and math.isfinite(interval)):
                raise ValueError(f"{name} must be a positive number of seconds or null")


class MVCCStore:
    """A multi-version key-value store with etcd v3 semantics; keys are ``str``, values bytes."""

    def __init__(
        self, config: StoreConfig | None = None, *, transformer: Transformer | None = None
    ) -> None:
        self.config = config if config is not None else StoreConfig()
        self._transformer = transformer
        self._index = KeyIndex()
        self._revision = 1
        self._compacted = 0
        # tuples of GC-untracked events are themselves untracked by the collector after one
        # pass, so a long change log costs the cyclic GC nothing (lists would be rescanned)
        self._log: list[tuple[Event, ...]] = []
        self._log_base = 2
        self._group = WatcherGroup(self.config.watch_pending_limit)
        self._watchers: dict[Watcher, None] = {}  # an ordered set
        self._next_watch_id = 1
        self._closed = False
        # prefix -> a revision no older than the newest change under it (see last_change)
        self._prefix_changes: dict[str, int] = {}
        self._persistence: Persistence | None = None
        self._background: trio.Nursery | None = None
        if self.config.data_dir is not None:
            self._recover()

    # -- introspection -------------------------------------------------------------------------

    @property
    def revision(self) -> int:
        """The current revision."""
        return self._revision

    @property
    def compacted_revision(self) -> int:
        """Reads and watches below this revision fail with :class:`Compacted`."""
        return self._compacted

    def last_change(self, prefix: str) -> int:
        """A revision that is no older than the newest put or delete under ``prefix`` and that
        grows with every later one: equal answers mean nothing under ``prefix`` changed in
        between. The first call starts following ``prefix`` (and answers the current
        revision); after it, asking costs a dictionary lookup and each commit one
        ``startswith`` per followed prefix -- for a few small, rarely written sets such as
        PriorityClasses, which every Pod create asks about."""
        changed = self._prefix_changes.get(prefix)
        if changed is None:
            changed = self._prefix_changes[prefix] = self._revision
        return changed

    def __len__(self) -> int:
        """Number of live keys."""
        return sum(1 for _ in self._live_keys())

    def _live_keys(self) -> Iterator[str]:
        histories = self._index._histories
        return (k for k, h in histories.items() if h[-1].version)

    # -- reads ---------------------------------------------------------------------------------

    def get(self, key: str, revision: int = 0) -> KeyValue | None:
        """The key's value at ``revision`` (0: now), or None when absent."""
        if revision:
            kv = self._index.at(key, self._read_revision(revision))
        else:
            kv = self._index.latest(key)
        if kv is None or self._transformer is None:
            return kv
        return self._decode(kv)

    def range(
        self,
        key: str,
        end: str | None = None,
        *,
        prefix: bool = False,
        revision: int = 0,
        limit: int = 0,
        count_only: bool = False,
        keys_only: bool = False,
    ) -> RangeResult:
        """Keys in a range (see :mod:`apiserver.storage.txn`) in key order, at ``revision``."""
        return self._range(Range(key, end, prefix, revision, limit, count_only, keys_only))

    def _read_revision(self, revision: int) -> int:
        if revision <= 0:
            return self._revision
        if revision > self._revision:
            raise FutureRevision(revision, self._revision)
        if revision < self._compacted:
            raise Compacted(revision, self._compacted)
        return revision

    def _range(self, op: Range) -> RangeResult:
        if op.limit < 0:
            raise InvalidTxn("limit must not be negative")
        revision = self._read_revision(op.revision)
        start, stop, single = resolve_range(op.key, op.end, op.prefix)
        index = self._index
        now = op.revision <= 0 or revision >= self._revision
        if single:
            kv = index.latest(start) if now else index.at(start, revision)
            kvs = [] if kv is None else [kv]
            count = len(kvs)
        else:
            kvs = []
            count = 0
            limit = op.limit
            collect = not op.count_only
            keys = index.keys(start, stop)
            if now:
                histories = index._histories
                for k in keys:
                    kv = histories[k][-1]
                    if kv.version:
                        count += 1
                        if collect and (not limit or count <= limit):
                            kvs.append(kv)
            else:
                at = index.at
                for k in keys:
                    kv = at(k, revision)
                    if kv is not None:
                        count += 1
                        if collect and (not limit or count <= limit):
                            kvs.append(kv)
        if op.count_only:
            kvs = []
        elif op.keys_only:
            kvs = [_replace(kv, value=b"") for kv in kvs]
        elif self._transformer is not None:
            kvs = [self._decode(kv) for kv in kvs]
        more = bool(op.limit) and not op.count_only and count > len(kvs)
        return RangeResult(kvs, count, more, self._revision)

    # -- writes --------------------------------------------------------------------------------

    async def put(self, key: str, value: bytes, *, prev_kv: bool = False) -> PutResult:
        """Set ``key`` to ``value`` under a new revision."""
        self._check_open()
        stored = value if self._transformer is None else self._transformer.to_storage(value, key)
        revision = self._revision + 1
        if self._persistence is not None:
            self._persistence.append_txn(revision, [(key, stored)])
        event = self._apply_put(revision, key, stored)
        self._commit(revision, (event,))
        if self._persistence is not None:
            await self._after_write(revision)
        prev = event.prev_kv
        if not prev_kv or prev is None:
            return PutResult(revision)
        return PutResult(revision, prev if self._transformer is None else self._decode(prev))

    async def delete(
        self, key: str, end: str | None = None, *, prefix: bool = False, prev_kv: bool = False
    ) -> DeleteResult:
        """Delete the live keys in a range; no revision is used when none exists."""
        result = await self.txn((), [DeleteRange(key, end, prefix, prev_kv)])
        response = result.responses[0]
        assert isinstance(response, DeleteResult)
        return response

    async def create(self, key: str, value: bytes) -> int:
        """Create-if-absent: ``txn([create_revision(key) == 0], [Put(key, value)])`` in one
        step, for the API server's creates. The new revision, or 0 when the key exists."""
        self._check_open()
        if self._index.latest(key) is not None:  # live (a deleted key is absent)
            return 0
        stored = value if self._transformer is None else self._transformer.to_storage(value, key)
        revision = self._revision + 1
        if self._persistence is not None:
            self._persistence.append_txn(revision, [(key, stored)])
        self._commit(revision, (self._apply_put(revision, key, stored),))
        if self._persistence is not None:
            await self._after_write(revision)
        return revision

    async def txn(
        self,
        compares: tuple[Compare, ...] | list[Compare],
        success: list[Op],
        failure: list[Op] = (),
    ) -> TxnResult:
        """Run ``success`` if every comparison holds, else ``failure``, atomically."""
        self._check_open()
        for branch in (success, failure):
            _check_branch(branch)
        index = self._index
        succeeded = True
        for compare in compares:
            kv = index.latest(compare.key)
            if kv is None:
                holds = compare.holds(0, 0, 0, None)
            else:
                value = kv.value if self._transformer is None else self._decode(kv).value
                holds = compare.holds(kv.version, kv.create_revision, kv.mod_revision, value)
            if not holds:
                succeeded = False
                break
        ops = success if succeeded else failure

        # Plan every write before touching anything, so a failure leaves no trace.
        writes: list[tuple[str, bytes | None]] = []
        deletes_by_op: list[list[str]] = []
        doomed: set[str] = set()
        for op in ops:
            if isinstance(op, Put):
                stored = op.value
                if self._transformer is not None:
                    stored = self._transformer.to_storage(op.value, op.key)
                writes.append((op.key, stored))
            elif isinstance(op, DeleteRange):
                start, stop, single = resolve_range(op.key, op.end, op.prefix)
                keys = [start] if single else list(index.keys(start, stop))
                victims = [k for k in keys if k not in doomed and index.latest(k) is not None]
                doomed.update(victims)
                deletes_by_op.append(victims)
                writes.extend((k, None) for k in victims)

        revision = self._revision + 1 if writes else self._revision
        if writes and self._persistence is not None:
            self._persistence.append_txn(revision, writes)

        events: list[Event] = []
        responses: list[RangeResult | PutResult | DeleteResult] = []
        writes_iter = iter(writes)
        deletes_iter = iter(deletes_by_op)
        for op in ops:
            if isinstance(op, Put):
                _, stored = next(writes_iter)
                assert stored is not None
                event = self._apply_put(revision, op.key, stored)
                events.append(event)
                prev = event.prev_kv if op.prev_kv else None
                responses.append(PutResult(revision, prev and self._decode(prev)))
            elif isinstance(op, DeleteRange):
                victims = next(deletes_iter)
                prevs = []
                for key in victims:
                    next(writes_iter)
                    event = self._apply_delete(revision, key)
                    events.append(event)
                    prevs.append(event.prev_kv)
                if op.prev_kv:
                    prevs = [self._decode(kv) for kv in prevs]
                else:
                    prevs = []
                responses.append(DeleteResult(revision, len(victims), prevs))
            else:
                responses.append(self._range(op))
        if events:
            self._commit(revision, tuple(events))
            if self._persistence is not None:
                await self._after_write(revision)
        return TxnResult(succeeded, revision, responses)

    def _apply_put(self, revision: int, key: str, stored: bytes) -> Event:
        prev = self._index.latest(key)
        if prev is None:
            kv = KeyValue(key, stored, revision, revision, 1)
        else:
            kv = KeyValue(key, stored, prev.create_revision, revision, prev.version + 1)
        self._index.append(kv)
        return Event(_PUT, kv, prev)

    def _apply_delete(self, revision: int, key: str) -> Event:
        prev = self._index.latest(key)
        tombstone = KeyValue(key, b"", 0, revision, 0)
        self._index.append(tombstone)
        return Event(_DELETE, tombstone, prev)

    def _commit(self, revision: int, events: tuple[Event, ...]) -> None:
        self._revision = revision
        self._log.append(events)
        if self._prefix_changes:
            changes = self._prefix_changes
            for prefix in changes:
                for event in events:
                    if event.kv.key.startswith(prefix):
                        changes[prefix] = revision
                        break
        if self._group._members:
            if self._transformer is not None:
                events = tuple(self._decode_event(e) for e in events)
            for laggard in self._group.notify(revision, events):
                laggard._cancel(
                    WatchResponse(
                        revision,
                        canceled=True,
                        cancel_reason=(
                            f"watcher fell behind: more than {self.config.watch_pending_limit} "
                            "events pending"
                        ),
                    )
                )

    async def _after_write(self, revision: int) -> None:
        persistence = self._persistence
        assert persistence is not None
        if persistence.snapshot_due:
            state = self._snapshot_state()
            persistence.begin_snapshot(state.revision)
            if self._background is not None:
                self._background.start_soon(persistence.write_snapshot, state)
            else:
                await persistence.write_snapshot(state)
        await persistence.wait_durable(revision)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreClosed("the store is closed")

    # -- values through the transformer --------------------------------------------------------

    def _decode(self, kv: KeyValue) -> KeyValue:
        transformer = self._transformer
        if transformer is None or not kv.version:
            return kv
        plain, _stale = transformer.from_storage(kv.value, kv.key)
        return _replace(kv, value=plain)

    def _decode_event(self, event: Event) -> Event:
        prev = event.prev_kv
        return Event(event.type, self._decode(event.kv), prev and self._decode(prev))

    # -- watches -------------------------------------------------------------------------------

    def watch(
        self,
        key: str,
        end: str | None = None,
        *,
        prefix: bool = False,
        start_revision: int = 0,
        prev_kv: bool = False,
        progress_notify: bool = False,
    ) -> Watcher:
        """Watch a key or range from ``start_revision``.

        0 (or anything above the current revision) watches from the next commit on; a revision
        at or below the current one replays history from it first. A start below the compacted
        revision yields one canceled response carrying ``compact_revision``.
        """
        self._check_open()
        start, stop, single = resolve_range(key, end, prefix)
        current = self._revision
        live = start_revision <= 0 or start_revision > current
        next_revision = max(current + 1, start_revision) if live else start_revision
        watcher = Watcher(
            self, self._next_watch_id, start, stop, single, next_revision, prev_kv, progress_notify
        )
        self._next_watch_id += 1
        self._watchers[watcher] = None
        if live:
            self._group.add(watcher)
        return watcher

    def _forget(self, watcher: Watcher) -> None:
        self._watchers.pop(watcher, None)
        self._group.remove(watcher)

    def _catch_up(self, watcher: Watcher) -> list[Event]:
        """Pull the next batch of history for an unsynced watcher; sync it when it arrives."""
        revision = watcher._next_revision
        if revision < self._compacted:
            watcher._cancel(
                WatchResponse(
                    self._revision,
                    canceled=True,
                    compact_revision=self._compacted,
                    cancel_reason=Compacted(revision, self._compacted).args[0],
                )
            )
            return []
        current = self._revision
        log = self._log
        base = self._log_base
        revision = max(revision, base)
        batch = self.config.watch_batch_events
        matches = watcher.matches
        decode = self._transformer is not None
        keep_prev = watcher.prev_kv
        out: list[Event] = []
        scanned = 0
        while revision <= current and len(out) < batch and scanned < _CATCH_UP_SCAN:
            for event in log[revision - base]:
                if matches(event.kv.key):
                    if decode:
                        event = self._decode_event(event)
                    if not keep_prev and event.prev_kv is not None:
                        event = Event(event.type, event.kv)
                    out.append(event)
            revision += 1
            scanned += 1
        watcher._next_revision = revision
        if revision > current:
            self._group.add(watcher)
        return out

    def request_progress(self) -> None:
        """Ask every synced watcher for a progress notification (etcd ``RequestProgress``)."""
        for watcher in self._group:
            watcher.request_progress()

    # -- compaction ----------------------------------------------------------------------------

    async def compact(self, revision: int) -> None:
        """Make history below ``revision`` unavailable at once, then reclaim its memory.

        Reads and watches below ``revision`` fail from the moment this is called; the memory is
        reclaimed in batches that let other tasks run in between.
        """
        self._check_open()
        if revision <= self._compacted:
            raise Compacted(revision, self._compacted)
        if revision > self._revision:
            raise FutureRevision(revision, self._revision)
        if self._persistence is not None:
            self._persistence.append_compaction(revision)
        self._compact_now(revision)
        for i, key in enumerate(self._index.compactable_keys(), 1):
            self._index.compact_key(key, revision)
            if i % _COMPACT_BATCH == 0:
                await trio.lowlevel.checkpoint()

    def _compact_now(self, revision: int) -> None:
        """Phase one: raise the compacted revision and drop the change log below it."""
        self._compacted = revision
        if revision > self._log_base:
            del self._log[: revision - self._log_base]
            self._log_base = revision

    # -- background work -----------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the periodic compactor, progress notifier and snapshot writer until cancelled;
        then close."""
        try:
            async with trio.open_nursery() as nursery:
                self._background = nursery
                if self.config.compaction_interval is not None:
                    nursery.start_soon(self._compact_periodically, self.config.compaction_interval)
                if self.config.progress_notify_interval is not None:
                    nursery.start_soon(
                        self._notify_progress_periodically, self.config.progress_notify_interval
                    )
                task_status.started()
                await trio.sleep_forever()
        finally:
            self._background = None
            self.close()

    async def _compact_periodically(self, interval: float) -> None:
        """kube-apiserver's policy: every interval, compact to the revision seen one interval
        ago, so at least one interval of history is always kept."""
        previous: int | None = None
        while True:
            await trio.sleep(interval)
            if previous is not None and previous > self._compacted:
                await self.compact(previous)
            previous = self._revision

    async def _notify_progress_periodically(self, interval: float) -> None:
        while True:
            await trio.sleep(interval)
            for watcher in self._group:
                if watcher.progress_notify:
                    watcher.request_progress()

    def close(self) -> None:
        """Cancel every watcher and flush the log; further writes raise :class:`StoreClosed`."""
        if self._closed:
            return
        self._closed = True
        for watcher in list(self._watchers):
            watcher._cancel(
                WatchResponse(self._revision, canceled=True, cancel_reason="the store was closed")
            )
        if self._persistence is not None:
            self._persistence.close()

    # -- durability ----------------------------------------------------------------------------

    def _recover(self) -> None:
        assert self.config.data_dir is not None
        persistence = Persistence(
            self.config.data_dir,
            fsync=self.config.fsync,
            snapshot_every=self.config.snapshot_every,
        )
        recovered = persistence.recover()
        snapshot = recovered.snapshot
        if snapshot is not None:
            for kv in snapshot.base:
                self._index.append(kv)
            self._log_base = snapshot.log[0][0] if snapshot.log else snapshot.revision + 1
            self._revision = self._log_base - 1
            self._compacted = snapshot.compacted_revision
            for revision, writes in snapshot.log:
                self._replay(revision, writes)
            self._revision = snapshot.revision
        for record in recovered.records:
            if record[0] == COMPACT_RECORD:
                if record[1] > self._compacted:
                    self._compact_now(record[1])
                    for key in self._index.compactable_keys():
                        self._index.compact_key(key, record[1])
            else:
                self._replay(record[1], record[2])
        persistence.start(self._revision)
        self._persistence = persistence

    def _replay(self, revision: int, writes: list[tuple[str, bytes | None]]) -> None:
        if revision != self._revision + 1:
            raise InvalidTxn(f"log jumps from revision {self._revision} to {revision}")
        events = tuple(
            self._apply_put(revision, key, stored)
            if stored is not None
            else self._apply_delete(revision, key)
            for key, stored in writes
        )
        self._revision = revision
        self._log.append(events)

    def _snapshot_state(self) -> SnapshotState:
        base_before = self._log_base
        base = [
            kv
            for history in self._index._histories.values()
            for kv in history
            if kv.mod_revision < base_before
        ]
        log = [
            (
                base_before + i,
                [(e.kv.key, e.kv.value if e.type is _PUT else None) for e in events],
            )
            for i, events in enumerate(self._log)
        ]
        return SnapshotState(self._revision, self._compacted, base, log)


def _check_branch(ops: list[Op]) -> None:
    """etcd's ``checkIntervals``: a transaction may not put a key twice, nor put a key that one
    of its deletes covers."""
    puts: set[str] = set()
    deletes: list[tuple[str, str | None, bool]] = []
    for op in ops:
        if isinstance(op, Put):
            if op.key in puts:
                raise InvalidTxn(f"duplicate key given in txn request: {op.key!r}")
            puts.add(op.key)
        elif isinstance(op, DeleteRange):
            deletes.append(resolve_range(op.key, op.end, op.prefix))
        elif not isinstance(op, Range):
            raise InvalidTxn(f"unknown operation {op!r}")
    for start, stop, single in deletes:
        for key in puts:
            if (key == start) if single else (start <= key and (stop is None or key < stop)):
                raise InvalidTxn(f"duplicate key given in txn request: {key!r}")
