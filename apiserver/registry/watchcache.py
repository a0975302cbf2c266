"""The watch cache: one store watcher per resource, shared by every API watch of it.

kube-apiserver's *cacher* (``k8s.io/apiserver/pkg/storage/cacher``) keeps one etcd watch per
resource and serves all client watches from a ring of recent events, so N watchers cost one
etcd watch and one decode per event instead of N. This is the same idea over the in-memory etcd:

* the cache holds one synced store watcher on the resource's prefix, and a window of recent
  events (the last ``capacity`` or more, cut at revision boundaries). The capacity is
  upstream's upper bound for its dynamically sized cache (``defaultUpperBoundCapacity``,
  100 Ki events): an event costs the window a small record (the bytes are shared with the
  store's history), and an informer that falls out of the window under load has to be served
  from store history, one decode per event per watcher;
* there is no background task: whoever reads (:meth:`pump`) first drains everything committed
  so far into the window, so the cache is never behind the store when it is read;
* each event is decoded at most once, lazily, for matching selectors; what a watcher receives
  is still its own fresh copy (decoded from the stored bytes);
* a watch starting at a revision the window no longer covers is served from store history by
  its caller instead (more generous than upstream, which answers 410 there); a watcher that
  falls out of the window while reading is ended, and resumes from its last revision.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import trio

from apiserver.storage import Event, EventType, Watcher
from minikube_py import objects
from minikube_py.objects import Object


class CachedEvent:
    """One change, with its objects decoded on first use and shared read-only afterwards."""

    __slots__ = (
        "_decode",
        "_lines",
        "_obj",
        "_old",
        "deleted",
        "key",
        "prev",
        "revision",
        "value",
    )

    def __init__(
        self,
        revision: int,
        deleted: bool,
        key: str,
        value: bytes,
        prev: bytes | None,
        decode: Decode | None = None,
    ) -> None:
        #: stored bytes -> the object a watcher sees (another API version's view of them)
        self._decode = decode if decode is not None else _decode
        self.revision = revision
        self.deleted = deleted
        self.key = key
        self.value = value
        self.prev = prev
        self._obj: Object | None = None
        self._old: Object | None = None
        self._lines: dict[str, bytes] | None = None

    @classmethod
    def from_store(cls, event: Event, decode: Decode | None = None) -> CachedEvent:
        """Wrap a store event (with its ``prev_kv``)."""
        prev = event.prev_kv
        return cls(
            event.kv.mod_revision,
            event.type is EventType.DELETE,
            event.kv.key,
            event.kv.value,
            prev.value if prev is not None else None,
            decode,
        )

    def obj(self) -> Object:
        """The new state (do not mutate); for a deletion, the last state."""
        if self.deleted:
            old = self.old()
            assert old is not None
            return old
        if self._obj is None:
            self._obj = self._decode(self.value, self.revision)
        return self._obj

    def old(self) -> Object | None:
        """The state before this change (do not mutate), with this event's resourceVersion."""
        if self.prev is None:
            return None
        if self._old is None:
            self._old = self._decode(self.prev, self.revision)
        return self._old

    def wire_line(self, kind: str) -> bytes:
        """The event as the newline-terminated JSON a watch response carries, made once per
        event type and shared by every HTTP watcher that receives it."""
        lines = self._lines
        if lines is None:
            lines = self._lines = {}
        line = lines.get(kind)
        if line is None:
            line = lines[kind] = _encode({"type": kind, "object": self.fresh()}) + b"\n"
        return line

    def fresh(self, old: bool = False) -> Object:
        """A copy the receiver owns."""
        data = self.prev if (old or self.deleted) else self.value
        assert data is not None
        return self._decode(data, self.revision)


_encode = objects.encode
#: Stored bytes and their revision -> the object served.
Decode = Callable[[bytes, int], Object]


def _decode(data: bytes, revision: int) -> Object:
    obj = objects.decode(data)
    obj["metadata"]["resourceVersion"] = str(revision)
    return obj


#: ``defaultUpperBoundCapacity`` of kube-apiserver's watch cache
DEFAULT_CAPACITY = 100 * 1024


class WindowPassed(Exception):
    """The events a reader needed next have left the cache's window."""


class WatchCache:
    def __init__(
        self,
        kv: Any,
        prefix: str,
        capacity: int = DEFAULT_CAPACITY,
        *,
        decode: Decode | None = None,
    ) -> None:
        self._decode = decode
        self._kv = kv
        self._prefix = prefix
        self._capacity = capacity
        #: trimmed in steps of this many events (amortised), not after every append
        self._slack = max(1, min(capacity, 4096))
        self._events: list[CachedEvent] = []
        self._base = 0  # global index of _events[0]
        self._watcher: Watcher = kv.watch(prefix, prefix=True, prev_kv=True)
        #: Every event of every revision >= oldest is in the window (or not yet committed).
        self.oldest = kv.revision + 1
        self._last_revision = kv.revision

    @property
    def end(self) -> int:
        """The global index after the newest event in the window."""
        return self._base + len(self._events)

    def pump(self) -> None:
        """Move everything committed so far from the store watcher into the window."""
        while True:
            # re-read each time: a restart replaces the watcher (reading the old one again
            # would restart forever, leaking a store watcher per turn)
            try:
                response = self._watcher.receive_nowait()
            except trio.WouldBlock:
                return
            except trio.EndOfChannel:
                self._restart()
                continue
            if response.canceled:
                self._restart()
                continue
            for event in response.events:
                self._events.append(CachedEvent.from_store(event, self._decode))
                self._last_revision = event.kv.mod_revision
            if len(self._events) > self._capacity + self._slack:
                self._trim()

    def _restart(self) -> None:
        """The store cut our watcher off (we were not read for a long time): resume from
        history when it is still there, else start a fresh window."""
        self._watcher.close()
        start = self._last_revision + 1
        if start >= self._kv.compacted_revision:
            self._watcher = self._kv.watch(
                self._prefix, prefix=True, prev_kv=True, start_revision=start
            )
            return
        self._base += len(self._events)
        self._events = []
        self._last_revision = self._kv.revision
        self.oldest = self._kv.revision + 1
        self._watcher = self._kv.watch(self._prefix, prefix=True, prev_kv=True)

    def _trim(self) -> None:
        cut = len(self._events) - self._capacity
        events = self._events
        while cut < len(events) and events[cut].revision == events[cut - 1].revision:
            cut += 1
        del events[:cut]
        self._base += cut
        self.oldest = events[0].revision if events else self._last_revision + 1

    def index_at(self, revision: int) -> int | None:
        """The global index of the first event at ``revision`` or later, or None when the
        window does not reach back that far."""
        self.pump()
        if revision < self.oldest:
            return None
        events = self._events
        lo, hi = 0, len(events)
        while lo < hi:
            mid = (lo + hi) // 2
            if events[mid].revision < revision:
                lo = mid + 1
            else:
                hi = mid
        return self._base + lo

    def read(self, index: int) -> list[CachedEvent]:
        """Events from global ``index`` on; raises :class:`WindowPassed` when they are gone."""
        self.pump()
        if index < self._base:
            raise WindowPassed
        return self._events[index - self._base :]

    async def wait(self) -> bool:
        """Return when something new may have been committed; True when the task blocked (a
        checkpoint was made), False when it returned at once."""
        return await self._watcher.wait_readable()

    def caught_up(self, index: int) -> bool:
        self.pump()
        return index >= self.end

    def mutated(self) -> list[str]:
        """The events in the window whose shared decoded objects no longer equal their stored
        bytes -- someone changed an object handed out read-only (client-go's cache mutation
        detector). For tests: it decodes the window again."""
        out = []
        for event in self._events:
            if event._obj is not None and event._obj != event._decode(event.value, event.revision):
                out.append(f"{event.key} at revision {event.revision}")
            if (
                event._old is not None
                and event.prev is not None
                and event._old != event._decode(event.prev, event.revision)
            ):
                out.append(f"{event.key} before revision {event.revision}")
        return out

    def close(self) -> None:
        self._watcher.close()
