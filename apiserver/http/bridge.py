"""The one place trio and asyncio meet.

The core (store, pipeline, controllers) runs in the trio thread; aiohttp runs in its own thread
with its own asyncio loop. Three primitives cross, and nothing else:

* :meth:`Bridge.call` -- run an ``async`` function in the trio thread and await its result from
  asyncio (every request): the trio side is reached with ``TrioToken.run_sync_soon``, and the
  result resolves an asyncio future through ``loop.call_soon_threadsafe``;
* :meth:`Bridge.stream` -- run an async iterator in the trio thread and receive its items in
  asyncio, in batches (watches); closing it from asyncio cancels the trio side;
* shutdown is the HTTP server's business (:mod:`apiserver.http.server`).

aiohttp code never touches trio objects (channels, events, nurseries are not thread-safe);
trio code touches the loop only through ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import trio

T = TypeVar("T")

#: Items a watch may have queued on the asyncio side before it is cut off as too slow.
STREAM_LIMIT = 10_000


def _resolve(future: asyncio.Future[Any], value: Any) -> None:
    if not future.done():
        future.set_result(value)


def _fail(future: asyncio.Future[Any], error: BaseException) -> None:
    if not future.done():
        future.set_exception(error)


class Stream:
    """The asyncio end of a trio-side iterator."""

    def __init__(self, bridge: Bridge, loop: asyncio.AbstractEventLoop) -> None:
        self._bridge = bridge
        self._loop = loop
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        self.cancel_scope: trio.CancelScope | None = None
        self.done = False

    def close(self) -> None:
        """Stop the trio side (safe to call more than once, from the asyncio thread)."""
        if not self.done:
            self.done = True
            scope = self.cancel_scope
            if scope is not None:
                self._bridge.token.run_sync_soon(scope.cancel)


class Bridge:
    def __init__(self, token: trio.lowlevel.TrioToken, nursery: trio.Nursery) -> None:
        self.token = token
        self.nursery = nursery

    def call(self, fn: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        """From the asyncio thread: run ``fn()`` in the trio thread; await the future."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()

        async def run() -> None:
            try:
                result = await fn()
            except Exception as error:  # forwarded to the awaiting handler
                loop.call_soon_threadsafe(_fail, future, error)
            else:
                loop.call_soon_threadsafe(_resolve, future, result)

        self.token.run_sync_soon(self.nursery.start_soon, run)
        return future

    def stream(self, open_iterator: Callable[[], AsyncIterator[Any]]) -> Stream:
        """From the asyncio thread: iterate ``open_iterator()`` in the trio thread; items
        arrive on ``Stream.queue``, then a final ``None`` (or an exception instance if opening
        or iterating failed). The trio side stops when the stream is closed or falls more
        than :data:`STREAM_LIMIT` items behind."""
        loop = asyncio.get_running_loop()
        stream = Stream(self, loop)
        queue = stream.queue

        async def run() -> None:
            iterator: AsyncIterator[Any] | None = None
            with trio.CancelScope() as scope:
                stream.cancel_scope = scope
                if stream.done:
                    return
                try:
                    iterator = open_iterator()
                    async for item in iterator:
                        loop.call_soon_threadsafe(queue.put_nowait, item)
                        # reading the size from this thread is a benign race: at worst the
                        # cut-off comes one item late
                        if queue.qsize() > STREAM_LIMIT:
                            break  # the client does not keep up: cut it off
                except Exception as error:
                    loop.call_soon_threadsafe(queue.put_nowait, error)
                finally:
                    close = getattr(iterator, "close", None)
                    if close is not None:
                        close()
            loop.call_soon_threadsafe(queue.put_nowait, None)

        self.token.run_sync_soon(self.nursery.start_soon, run)
        return stream
