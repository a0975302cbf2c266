"""The one place trio and asyncio meet.

The core (store, pipeline, controllers) runs in the trio thread; aiohttp runs in its own thread
with its own asyncio loop. Three primitives cross, and nothing else:

* :meth:`Bridge.call` -- run an ``async`` function in the trio thread and await its result from
  asyncio (every request): the trio side is reached with ``TrioToken.run_sync_soon``, and the
  result comes back with the round's batch (below) to resolve an asyncio future;
* :meth:`Bridge.stream` -- run an async iterator in the trio thread and receive its items in
  asyncio, in batches (watches); closing it from asyncio cancels the trio side. Its variant
  :meth:`Bridge.feed` hands the trio end of the stream (:meth:`Stream.send`,
  :meth:`Stream.end`) to whoever produces the items, so one trio task can feed many streams
  (a watch cache's fan-out feeds every HTTP watch of its resource);
* shutdown is the HTTP server's business (:mod:`apiserver.http.server`).

aiohttp code never touches trio objects (channels, events, nurseries are not thread-safe);
trio code touches the loop only through ``call_soon_threadsafe``.

Everything hops out **in batches**: every item any stream produces, and every call's result, is
appended to one pending list, and one ``call_soon_threadsafe`` per trio scheduling round carries
the whole list across. One commit seen by 100 HTTP watchers is then one wake-up of the asyncio
thread (one write to its self-pipe, one grab of the GIL) rather than 100 -- each of which made
the two threads trade the GIL while the rest were still being produced -- and the create that
made it rides in the same batch instead of waking the asyncio thread once more while the trio
thread still had the watchers' lines to produce (GETs over 32 connections: ~1.7x the
throughput in an A/B on the loaded 2-core machine). A stream may also name a *sink*, a plain
function the asyncio thread calls with each batch of its items (a watch writes them straight to
its socket) instead of queueing them for a task to wake up and copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import trio

T = TypeVar("T")
log = logging.getLogger(__name__)

#: Items a watch may have queued on the asyncio side before it is cut off as too slow.
STREAM_LIMIT = 10_000


class _Outcome:
    """A call's result (or the exception it raised) on its way to the awaiting future."""

    __slots__ = ("error", "value")

    def __init__(self, value: Any, error: BaseException | None) -> None:
        self.value = value
        self.error = error

    def settle(self, future: asyncio.Future[Any]) -> None:
        if future.done():  # cancelled meanwhile (the client left)
            return
        if self.error is not None:
            future.set_exception(self.error)
        else:
            future.set_result(self.value)


#: Called in the asyncio thread with a batch of a stream's items; False cuts the stream off.
Sink = Callable[[list[Any]], bool]


class Stream:
    """A stream of items from the trio thread to the asyncio thread.

    asyncio end: items arrive on :attr:`queue`, then a final ``None`` (or the exception that
    ended the stream). With a ``sink``, the items go to the sink instead (in order, a batch at
    a time) and only the final ``None`` or exception reaches the queue. :meth:`close` stops
    the trio side.

    trio end (trio thread only): :meth:`send` each item, then :meth:`end` once; ``on_close``
    is called (in the trio thread) when the asyncio side closes the stream.
    """

    def __init__(
        self, bridge: Bridge, loop: asyncio.AbstractEventLoop, sink: Sink | None = None
    ) -> None:
        self._bridge = bridge
        self._loop = loop
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.sink = sink
        self.on_close: Callable[[], object] | None = None
        self.done = False  # closed from the asyncio side
        self.finished = False  # the final None or exception was delivered
        self.ended = False  # the trio side sent its end (trio thread only)
        self.in_flight = 0  # items handed to the bridge, not yet delivered (trio thread only)

    def close(self) -> None:
        """Stop the trio side (safe to call more than once, from the asyncio thread)."""
        if not self.done:
            self.done = True
            self._bridge.token.run_sync_soon(self._closed)

    def _closed(self) -> None:
        on_close = self.on_close
        if on_close is not None and not self.ended:
            on_close()

    def send(self, item: Any) -> bool:
        """In the trio thread: queue ``item`` for the asyncio side. False when the stream
        should end: closed there, or more than :data:`STREAM_LIMIT` items wait for a client
        that does not keep up (reading the queue's size from this thread is a benign race: at
        worst the cut-off comes one item late)."""
        if self.ended:
            return False
        self._bridge._publish(self._loop, self, item)
        self.in_flight += 1
        return not self.done and self.queue.qsize() + self.in_flight <= STREAM_LIMIT

    def end(self, error: BaseException | None = None) -> None:
        """In the trio thread: the last item (``None``, or the exception that ended it)."""
        if not self.ended:
            self._bridge._publish(self._loop, self, _End(error))
            self.ended = True


class _End:
    """The last thing a stream sends: None when it ended, else the exception that ended it."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def _deliver(batch: list[tuple[Any, Any]]) -> None:
    """In the asyncio thread: hand one batch of items to their streams, in order, and the
    results of calls to their futures (after the streams' items: a future's waiter runs
    later anyway, while a sink writes at once)."""
    sinks: dict[Stream, list[Any]] = {}
    outcomes = []
    for stream, item in batch:
        if type(stream) is not Stream:
            outcomes.append((stream, item))
            continue
        if stream.finished:
            continue
        if type(item) is _End:
            pending = sinks.pop(stream, None)
            if pending:
                _to_sink(stream, pending)
            if not stream.finished:
                stream.finished = True
                stream.queue.put_nowait(item.error)
        elif stream.sink is not None:
            sinks.setdefault(stream, []).append(item)
        else:
            stream.queue.put_nowait(item)
    for stream, items in sinks.items():
        _to_sink(stream, items)
    for future, outcome in outcomes:
        outcome.settle(future)


def _to_sink(stream: Stream, items: list[Any]) -> None:
    sink = stream.sink
    if sink is None or stream.done:
        return
    try:
        accepted = sink(items)
    except Exception:  # a broken sink must not keep the batch from the other streams
        log.exception("a stream's sink failed")
        accepted = False
    if not accepted:
        stream.close()  # too slow or gone: stop the trio side, end the response
        stream.finished = True
        stream.queue.put_nowait(None)


class Bridge:
    def __init__(self, token: trio.lowlevel.TrioToken, nursery: trio.Nursery) -> None:
        self.token = token
        self.nursery = nursery
        # items (for a Stream) and call outcomes (for a Future) on their way to the asyncio
        # thread (trio thread only), and its loop
        self._pending: list[tuple[Any, Any]] = []
        self._flush_loop: asyncio.AbstractEventLoop | None = None
        # wakes the flusher task; set from the trio thread only (no syscall, unlike
        # run_sync_soon, whose wake-up write made the two threads trade the GIL once more)
        self._flush_due: trio.Event | None = None

    def _publish(self, loop: asyncio.AbstractEventLoop, target: Any, item: Any) -> None:
        """In the trio thread: queue ``item`` for ``target`` (a :class:`Stream`, or the future
        of a call with its :class:`_Outcome`) for the next batch to the asyncio thread."""
        if self._flush_due is None:
            self._flush_due = trio.Event()
            self.nursery.start_soon(self._flusher)
        if not self._pending:
            self._flush_loop = loop
            self._flush_due.set()  # the flusher runs after the tasks runnable now
        elif loop is not self._flush_loop:  # another loop (not in practice): flush apart
            self.flush()
            self._flush_loop = loop
        self._pending.append((target, item))

    async def _flusher(self) -> None:
        """Carries each scheduling round's items across in one batch."""
        while True:
            due = self._flush_due
            assert due is not None
            await due.wait()
            self._flush_due = trio.Event()
            self.flush()

    def flush(self) -> None:
        """In the trio thread: carry what is pending across now. The flusher does it once
        the tasks runnable now have run; a producer that has just finished its round (a watch
        fan-out, after every member) calls it to leave without waiting for the others."""
        batch, self._pending = self._pending, []
        loop = self._flush_loop
        if not batch or loop is None:
            return
        for target, _ in batch:
            if type(target) is Stream:
                target.in_flight = 0
        # a closed HTTP loop (shutdown) has nobody to deliver to; raising here, in a
        # run_sync_soon callback, would crash the trio run
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_deliver, batch)

    def call(self, fn: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        """From the asyncio thread: run ``fn()`` in the trio thread; await the future."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        async def run() -> None:
            try:
                outcome = _Outcome(await fn(), None)
            except Exception as error:  # forwarded to the awaiting handler
                outcome = _Outcome(None, error)
            # with this round's watch events: one wake-up of the asyncio thread for both
            self._publish(loop, future, outcome)

        self.token.run_sync_soon(self.nursery.start_soon, run)
        return future

    def stream(
        self, open_iterator: Callable[[], AsyncIterator[Any]], *, sink: Sink | None = None
    ) -> Stream:
        """From the asyncio thread: iterate ``open_iterator()`` in the trio thread; items
        arrive on ``Stream.queue`` (or at ``sink``), then a final ``None`` on the queue (or an
        exception instance if opening or iterating failed). The trio side stops when the
        stream is closed, when the sink refuses a batch, or when more than
        :data:`STREAM_LIMIT` items wait on the asyncio side."""
        loop = asyncio.get_running_loop()
        stream = Stream(self, loop, sink)

        async def run() -> None:
            iterator: AsyncIterator[Any] | None = None
            ending: BaseException | None = None
            with trio.CancelScope() as scope:
                stream.on_close = scope.cancel
                if stream.done:
                    return
                try:
                    iterator = open_iterator()
                    async for item in iterator:
                        if not stream.send(item):
                            break  # closed, or the client does not keep up: cut it off
                except Exception as error:
                    ending = error
                finally:
                    close = getattr(iterator, "close", None)
                    aclose = getattr(iterator, "aclose", None)
                    if close is not None:
                        close()
                    elif aclose is not None:  # an async generator left before its end
                        await aclose()
            stream.end(ending)

        self.token.run_sync_soon(self.nursery.start_soon, run)
        return stream

    def feed(self, attach: Callable[[Stream], object], *, sink: Sink | None = None) -> Stream:
        """From the asyncio thread: a stream whose trio end someone else drives. ``attach``
        is called with it in the trio thread; it arranges for items to be sent
        (:meth:`Stream.send`, then :meth:`Stream.end`) and sets ``Stream.on_close``. If
        ``attach`` raises, the stream ends with that exception."""
        stream = Stream(self, asyncio.get_running_loop(), sink)

        def start() -> None:
            if stream.done:
                stream.end()
                return
            try:
                attach(stream)
            except Exception as error:
                stream.end(error)

        self.token.run_sync_soon(start)
        return stream
