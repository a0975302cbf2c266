"""Watchers and the synced watcher group: how committed changes reach those who watch.

A watcher watches a single key or a key range (usually a prefix) from a start revision, and is in
one of two states, as in etcd's ``watchable_store.go``:

* **unsynced** -- it still has history to catch up on. It pulls events from the store's change log
  when its consumer asks for the next response, a batch at a time, and checks on every pull that
  the revision it needs next has not been compacted away. When the pull reaches the store's
  current revision it joins the synced group, in the same step, so there is no moment at which a
  commit could slip between its replay and its live stream.
* **synced** -- it is in the :class:`WatcherGroup`, and every commit appends the events it matches
  to its pending list *inside the commit* (nothing can be missed or seen twice), then wakes its
  consumer. A commit never waits for a consumer: when a watcher's pending list grows past the
  configured bound because its consumer does not keep up, the watcher is cut off with a reason
  and its consumer sees a canceled response; the commit goes on.

Since the whole store lives in one trio thread, "inside the commit" needs no locks: a commit and a
state change of a watcher can never interleave.

Consumers iterate a watcher (``async for response in watcher``) or poll it with
``receive_nowait``; iteration ends after a canceled response, or when the watcher is closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import trio
import trio.lowlevel

from apiserver.storage.records import Event, WatchResponse

if TYPE_CHECKING:
    from apiserver.storage.store import MVCCStore


class Watcher:
    """One watch on a key or key range; iterate it for :class:`WatchResponse` s."""

    __slots__ = (
        "_final",
        "_finished",
        "_next_revision",
        "_pending",
        "_progress_requested",
        "_store",
        "_synced",
        "_waiter",
        "id",
        "prev_kv",
        "progress_notify",
        "single",
        "start",
        "stop",
    )

    def __init__(
        self,
        store: MVCCStore,
        watch_id: int,
        start: str,
        stop: str | None,
        single: bool,
        next_revision: int,
        prev_kv: bool,
        progress_notify: bool,
    ) -> None:
        self._store = store
        self.id = watch_id
        self.start = start
        self.stop = stop
        self.single = single
        self.prev_kv = prev_kv
        self.progress_notify = progress_notify
        #: The lowest revision whose events this watcher still has to receive.
        self._next_revision = next_revision
        self._synced = False
        self._pending: list[Event] = []
        self._waiter: trio.Event | None = None
        self._progress_requested = False
        self._final: WatchResponse | None = None
        self._finished = False

    # -- matching ------------------------------------------------------------------------------

    def matches(self, key: str) -> bool:
        if self.single:
            return key == self.start
        return self.start <= key and (self.stop is None or key < self.stop)

    @property
    def synced(self) -> bool:
        return self._synced

    @property
    def closed(self) -> bool:
        return self._final is not None or self._finished

    # -- consumer side -------------------------------------------------------------------------

    def __aiter__(self) -> Watcher:
        return self

    async def __anext__(self) -> WatchResponse:
        await trio.lowlevel.checkpoint_if_cancelled()
        while True:
            try:
                response = self._poll()
            except trio.EndOfChannel:
                raise StopAsyncIteration from None
            except trio.WouldBlock:
                await self._wait()
                continue
            if response is None:
                # a long stretch of history without matches: let others run
                await trio.lowlevel.checkpoint()
                continue
            await trio.lowlevel.cancel_shielded_checkpoint()
            return response

    async def _wait(self) -> None:
        waiter = self._waiter
        if waiter is None:
            waiter = self._waiter = trio.Event()
        await waiter.wait()

    async def wait_readable(self) -> bool:
        """Return once :meth:`receive_nowait` may have something to hand out: at once when it
        has (False: no checkpoint was made), else after the next commit (or progress request)
        that concerns this watcher (True: the task blocked, a full checkpoint).

        Several tasks may wait at the same time; a commit wakes them all, and each returns even
        if another drained the watcher first -- so a cache that many readers share through one
        watcher wakes every reader (they re-check their own position and wait again).
        """
        if self._pending or self._final is not None or self._finished:
            return False
        if not self._synced or self._progress_requested:
            return False
        await self._wait()
        return True

    def receive_nowait(self) -> WatchResponse:
        """The next response if one is ready, as trio's channels do it: raises
        :class:`trio.WouldBlock` when nothing is, :class:`trio.EndOfChannel` after the last."""
        while True:
            response = self._poll()
            if response is not None:
                return response

    def _poll(self) -> WatchResponse | None:
        """One step: a response, or None after catching up on history that matched nothing."""
        if self._pending:
            events = self._pending
            self._pending = []
            return WatchResponse(self._store.revision, events)
        if self._finished:
            raise trio.EndOfChannel
        if self._final is not None:
            self._finished = True
            return self._final
        if not self._synced:
            events = self._store._catch_up(self)
            if events:
                return WatchResponse(self._store.revision, events)
            return None
        if self._progress_requested:
            self._progress_requested = False
            return WatchResponse(self._store.revision, progress=True)
        raise trio.WouldBlock

    def request_progress(self) -> None:
        """Ask for a progress notification: once every event up to the store's revision at the
        time it is sent has been delivered, the watcher yields an empty response saying so."""
        if self.closed:
            return
        self._progress_requested = True
        self._wake()

    async def __aenter__(self) -> Watcher:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop watching; iteration ends once anything already pending has been read."""
        if self.closed:
            return
        self._store._forget(self)
        self._finished = True
        self._wake()

    # -- store side ----------------------------------------------------------------------------

    def _cancel(self, response: WatchResponse) -> None:
        """End the watch with ``response`` as its last word (after any pending events)."""
        if self.closed:
            return
        self._store._forget(self)
        self._final = response
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            waiter.set()


class WatcherGroup:
    """The synced watchers, indexed so a commit finds those a key concerns without a scan.

    Single-key watchers sit in a dict by key; range watchers in a dict by their exact range, so
    N watchers of the same prefix cost one comparison per event, not N. The groups are dicts used
    as ordered sets: watchers are told in the order they joined, so a run replays identically
    whatever the process's hash seed.
    """

    __slots__ = ("_by_key", "_by_range", "_limit", "_members")

    def __init__(self, pending_limit: int) -> None:
        self._by_key: dict[str, dict[Watcher, None]] = {}
        self._by_range: dict[tuple[str, str | None], dict[Watcher, None]] = {}
        self._limit = pending_limit
        self._members: dict[Watcher, None] = {}

    def __len__(self) -> int:
        return len(self._members)

    def __iter__(self) -> Iterable[Watcher]:
        return iter(list(self._members))

    def add(self, watcher: Watcher) -> None:
        if watcher.single:
            self._by_key.setdefault(watcher.start, {})[watcher] = None
        else:
            self._by_range.setdefault((watcher.start, watcher.stop), {})[watcher] = None
        self._members[watcher] = None
        watcher._synced = True

    def remove(self, watcher: Watcher) -> None:
        if watcher not in self._members:
            return
        del self._members[watcher]
        if watcher.single:
            table: dict = self._by_key
            slot: object = watcher.start
        else:
            table = self._by_range
            slot = (watcher.start, watcher.stop)
        group = table[slot]
        group.pop(watcher, None)
        if not group:
            del table[slot]

    def notify(self, revision: int, events: Sequence[Event]) -> list[Watcher]:
        """Hand a commit's events to every synced watcher they match; return the watchers that
        fell too far behind (the caller cuts them off)."""
        by_key = self._by_key
        by_range = self._by_range
        limit = self._limit
        laggards: list[Watcher] = []
        for event in events:
            key = event.kv.key
            bare: Event | None = None
            groups: list[dict[Watcher, None]] = []
            exact = by_key.get(key)
            if exact:
                groups.append(exact)
            for (start, stop), watchers in by_range.items():
                if start <= key and (stop is None or key < stop):
                    groups.append(watchers)
            for watchers in groups:
                for watcher in watchers:
                    if revision < watcher._next_revision:
                        continue  # started at a future revision
                    if watcher.prev_kv or event.prev_kv is None:
                        delivered = event
                    else:
                        if bare is None:
                            bare = Event(event.type, event.kv)
                        delivered = bare
                    pending = watcher._pending
                    pending.append(delivered)
                    if len(pending) > limit:
                        laggards.append(watcher)
                    waiter = watcher._waiter
                    if waiter is not None:
                        watcher._waiter = None
                        waiter.set()
        return laggards
