"""The trio/asyncio bridge's streams: order, batches, sinks, the end, and cutting a stream off.

Each test runs an asyncio loop in a worker thread (as the HTTP server does) against the trio
run of the test; the asyncio side opens streams through the bridge and reports what it saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import trio

from apiserver.http.bridge import Bridge


async def _with_asyncio(body: Callable[[Bridge], Awaitable[Any]]) -> Any:
    """Run ``body(bridge)`` on an asyncio loop in another thread; return its result."""
    token = trio.lowlevel.current_trio_token()
    async with trio.open_nursery() as nursery:
        bridge = Bridge(token, nursery)
        result = await trio.to_thread.run_sync(lambda: asyncio.run(body(bridge)))
        nursery.cancel_scope.cancel()
    return result


async def _count(n: int, *, fail: bool = False) -> AsyncIterator[int]:
    for i in range(n):
        yield i
        if i % 3 == 2:
            await trio.lowlevel.checkpoint()  # items over several scheduling rounds
    if fail:
        raise ValueError("the iterator broke")


async def test_items_arrive_in_order_then_the_end() -> None:
    async def body(bridge: Bridge) -> list[Any]:
        stream = bridge.stream(lambda: _count(10))
        seen = []
        while (item := await stream.queue.get()) is not None:
            seen.append(item)
        return seen

    assert await _with_asyncio(body) == list(range(10))


async def test_an_iterator_that_fails_ends_with_its_exception() -> None:
    async def body(bridge: Bridge) -> list[Any]:
        stream = bridge.stream(lambda: _count(2, fail=True))
        return [await stream.queue.get() for _ in range(3)]

    first, second, end = await _with_asyncio(body)
    assert (first, second) == (0, 1)
    assert isinstance(end, ValueError)


async def test_a_sink_gets_every_item_in_order_in_batches() -> None:
    async def body(bridge: Bridge) -> tuple[list[list[int]], Any]:
        batches: list[list[int]] = []

        def sink(items: list[int]) -> bool:
            batches.append(list(items))
            return True

        stream = bridge.stream(lambda: _count(30), sink=sink)
        end = await stream.queue.get()
        return batches, end

    batches, end = await _with_asyncio(body)
    assert end is None
    assert [i for batch in batches for i in batch] == list(range(30))
    assert len(batches) < 30  # items of one scheduling round cross together


async def test_streams_producing_in_the_same_round_cross_in_one_batch() -> None:
    async def body(bridge: Bridge) -> list[list[tuple[str, list[int]]]]:
        calls: list[list[tuple[str, list[int]]]] = []
        loop = asyncio.get_running_loop()
        original = loop.call_soon_threadsafe

        def counting(callback: Any, *args: Any) -> Any:
            if args and isinstance(args[0], list):
                calls.append([])
            return original(callback, *args)

        loop.call_soon_threadsafe = counting  # type: ignore[method-assign]

        async def one_item(tag: str) -> AsyncIterator[str]:
            yield tag

        streams = [bridge.stream(lambda tag=tag: one_item(tag)) for tag in "abcdefgh"]
        got = [await stream.queue.get() for stream in streams]
        assert got == list("abcdefgh")
        return calls

    calls = await _with_asyncio(body)
    assert 1 <= len(calls) < 8


async def test_a_sink_that_refuses_cuts_the_stream_off() -> None:
    closed = trio.Event()

    async def endless() -> AsyncIterator[int]:
        try:
            i = 0
            while True:
                yield i
                i += 1
                await trio.lowlevel.checkpoint()
        finally:
            closed.set()

    async def body(bridge: Bridge) -> tuple[list[int], Any]:
        taken: list[int] = []

        def sink(items: list[int]) -> bool:
            taken.extend(items)
            return len(taken) < 5  # then the client "stops reading"

        stream = bridge.stream(endless, sink=sink)
        end = await stream.queue.get()
        return taken, end

    taken, end = await _with_asyncio(body)
    assert end is None
    assert taken[:5] == list(range(5))
    with trio.fail_after(5):
        await closed.wait()  # the trio side was cancelled and closed
