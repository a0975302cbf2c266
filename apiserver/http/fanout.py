"""One trio task per watch cache that hands each commit to every HTTP watch of the resource.

An HTTP watch used to be a trio task iterating its own :class:`WatchStream`: a commit seen by
100 watchers woke 100 tasks, each of which read the same new events from the cache, matched
them and published its line -- ~15 µs of scheduling per watcher per event, and the last watcher's
line left for the socket only after the 100th task had run. Here the watches that read from a
:class:`~apiserver.registry.watchcache.WatchCache` (all but history replays and Table watches)
are *members* of that cache's :class:`WatchFanout`: one task waits on the cache, and on each
wake-up polls every member (:meth:`WatchStream.poll`) and sends what it returns down the
member's bridge stream. This is kube-apiserver's cacher shape (``dispatchEvents`` handing each
event to every ``cacheWatcher``), with the receivers' channels replaced by the bridge.

Each member keeps its own semantics: selectors and namespaces (the watch filters what it
polls), ``timeoutSeconds`` and bookmarks (the task also wakes at the earliest member's
deadline or bookmark tick), initial events (polled at once when the member joins, in slices
of :data:`POLL_BUDGET` so a long list does not hold the trio thread). A member ends when its
watch does (timeout, fell out of the window), when its stream refuses more (the client is gone
or too slow), or when the asyncio side closes the stream; the task ends with its last member.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

import trio

from apiserver.endpoints.watch import WatchStream

#: Items one member may take per turn of the task before the others get theirs.
POLL_BUDGET = 256


class Stream(Protocol):
    """Where a member's items go: the trio end of a bridge stream
    (:class:`apiserver.http.bridge.Stream`)."""

    on_close: Callable[[], object] | None

    def send(self, item: Any) -> bool: ...

    def end(self, error: BaseException | None = None) -> None: ...


class WatchFanout:
    """The HTTP watches of one watch cache, fed by one task (trio thread only)."""

    def __init__(
        self, cache: Any, nursery: trio.Nursery, flush: Callable[[], object] | None = None
    ) -> None:
        self._cache = cache
        self._nursery = nursery
        self._flush = flush
        self._members: dict[WatchStream, Stream] = {}
        self._timed: set[WatchStream] = set()  # members with a deadline or bookmarks
        self._running = False
        self._waiting: trio.CancelScope | None = None  # the task's wait, when it waits

    def add(self, watch: WatchStream, stream: Stream) -> None:
        """Feed ``watch``'s items to ``stream`` from now on; ``watch`` must be pollable."""
        assert watch.pollable
        self._members[watch] = stream
        if watch.wake_at != math.inf:
            self._timed.add(watch)
        stream.on_close = lambda: self._remove(watch)
        more = self._serve(watch, stream)  # initial events (and anything newer) at once
        if watch not in self._members:
            return
        if not self._running:
            self._running = True
            self._nursery.start_soon(self._run)
        elif self._waiting is not None:
            # wake the task early for the rest of a long initial list, or for a nearer timer
            if more:
                self._waiting.cancel()
            else:
                self._waiting.deadline = min(self._waiting.deadline, watch.wake_at)

    def _remove(self, watch: WatchStream, error: BaseException | None = None) -> None:
        stream = self._members.pop(watch, None)
        self._timed.discard(watch)
        watch.close()
        if stream is not None:
            stream.end(error)
        if not self._members and self._waiting is not None:
            self._waiting.cancel()  # the last one left: the task ends

    def _serve(self, watch: WatchStream, stream: Stream) -> bool:
        """Send what ``watch`` has now; True when it has more than one turn's budget."""
        try:
            items = watch.poll(POLL_BUDGET)
        except Exception as error:  # one broken watch must not end the others
            self._remove(watch, error)
            return False
        for item in items:
            if not stream.send(item):  # closed, or the client does not keep up
                self._remove(watch)
                return False
        if watch.finished:
            self._remove(watch)
            return False
        return len(items) == POLL_BUDGET

    async def _run(self) -> None:
        try:
            while self._members:
                more = False
                for watch, stream in list(self._members.items()):
                    if watch in self._members:
                        more = self._serve(watch, stream) or more
                if self._flush is not None:
                    self._flush()  # the lines leave now, not after the tasks the commit woke
                if more:
                    await trio.lowlevel.checkpoint()
                    continue
                wake_at = min((watch.wake_at for watch in self._timed), default=math.inf)
                blocked = True  # also when the deadline ends the wait (a checkpoint)
                with trio.CancelScope(deadline=wake_at) as self._waiting:
                    blocked = await self._cache.wait()
                self._waiting = None
                if not blocked:
                    await trio.lowlevel.checkpoint()
        except Exception as error:  # the cache broke: every member ends with the error
            for watch in list(self._members):
                self._remove(watch, error)
        finally:
            self._running = False
            self._waiting = None


class WatchFanouts:
    """The fan-out of each watch cache, created on first use (trio thread only)."""

    def __init__(self, nursery: trio.Nursery, flush: Callable[[], object] | None = None) -> None:
        self._nursery = nursery
        self._flush = flush  # sends what the members were sent (the bridge's flush)
        self._fanouts: dict[Any, WatchFanout] = {}

    def add(self, watch: WatchStream, stream: Stream) -> None:
        """Feed ``watch`` to ``stream`` through its cache's fan-out."""
        cache = watch.cache
        fanout = self._fanouts.get(cache)
        if fanout is None:
            fanout = self._fanouts[cache] = WatchFanout(cache, self._nursery, self._flush)
        fanout.add(watch, stream)
