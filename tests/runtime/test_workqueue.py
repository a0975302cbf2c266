"""The work queue contract: fair, deduplicating, stingy, delaying, rate-limited."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from minikube_py.workqueue import (
    BucketRateLimiter,
    DelayingQueue,
    ExponentialFailureRateLimiter,
    RateLimitingQueue,
    ShutDown,
    WorkQueue,
    default_controller_rate_limiter,
)


async def test_items_come_out_in_order_and_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    for item in ["a", "b", "a", "c", "b"]:
        queue.add(item)
    assert len(queue) == 3
    assert [await queue.get() for _ in range(3)] == ["a", "b", "c"]


async def test_an_item_is_never_processed_twice_at_once() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    first = await queue.get()
    queue.add("a")  # re-added while a worker holds it
    assert len(queue) == 0
    with pytest.raises(trio.WouldBlock):
        queue.get_nowait()
    queue.done(first)
    assert await queue.get() == "a"  # handed out again after done, not lost


async def test_two_workers_never_hold_the_same_item(autojump_clock: trio.testing.MockClock) -> None:
    queue: WorkQueue[int] = WorkQueue()
    holding: set[int] = set()
    processed: list[int] = []

    async def worker() -> None:
        while True:
            try:
                item = await queue.get()
            except ShutDown:
                return
            assert item not in holding
            holding.add(item)
            await trio.sleep(0.01)
            holding.discard(item)
            processed.append(item)
            queue.done(item)

    async with trio.open_nursery() as nursery:
        for _ in range(4):
            nursery.start_soon(worker)
        for round_ in range(20):
            for item in range(5):
                queue.add(item)
            await trio.sleep(0.003 * (round_ % 3))
        await queue.shut_down_with_drain()
    assert set(processed) == set(range(5))


async def test_shutdown_drains_what_is_in_hand() -> None:
    queue: WorkQueue[str] = WorkQueue()
    queue.add("a")
    item = await queue.get()
    drained = False
    async with trio.open_nursery() as nursery:

        async def drain() -> None:
            nonlocal drained
            await queue.shut_down_with_drain()
            drained = True

        nursery.start_soon(drain)
        await trio.testing.wait_all_tasks_blocked()
        assert not drained
        queue.add("b")  # refused once shutting down
        queue.done(item)
    assert drained
    with pytest.raises(ShutDown):
        await queue.get()


async def test_delayed_items_arrive_on_cluster_time(
    autojump_clock: trio.testing.MockClock,
) -> None:
    queue: DelayingQueue[str] = DelayingQueue()
    start = trio.current_time()
    queue.add_after("late", 5)
    queue.add_after("soon", 1)
    queue.add_after("late", 10)  # a later duplicate does not postpone it
    assert await queue.get() == "soon"
    assert trio.current_time() - start == pytest.approx(1)
    assert await queue.get() == "late"
    assert trio.current_time() - start == pytest.approx(5)
    queue.add_after("x", 3)
    queue.add_after("x", 1)  # an earlier duplicate moves it up
    assert await queue.get() == "x"
    assert trio.current_time() - start == pytest.approx(6)


def test_exponential_backoff_doubles_from_5ms_to_1000s() -> None:
    limiter: ExponentialFailureRateLimiter[str] = ExponentialFailureRateLimiter()
    delays = [limiter.when("a") for _ in range(20)]
    assert delays[:4] == [0.005, 0.01, 0.02, 0.04]
    assert delays[-1] == 1000.0
    assert limiter.num_requeues("a") == 20
    limiter.forget("a")
    assert limiter.when("a") == 0.005


async def test_the_token_bucket_allows_a_burst_then_10_per_second(
    autojump_clock: trio.testing.MockClock,
) -> None:
    limiter: BucketRateLimiter[int] = BucketRateLimiter(qps=10, burst=100)
    assert [limiter.when(i) for i in range(100)] == [0.0] * 100
    assert limiter.when(100) == pytest.approx(0.1)
    assert limiter.when(101) == pytest.approx(0.2)
    await trio.sleep(0.1)  # one token refilled; two were owed, a third is now taken
    assert limiter.when(102) == pytest.approx(0.2)
    await trio.sleep(1)
    assert limiter.when(103) == 0.0


async def test_rate_limited_requeues_back_off_on_virtual_time(
    autojump_clock: trio.testing.MockClock,
) -> None:
    queue: RateLimitingQueue[str] = RateLimitingQueue(default_controller_rate_limiter())
    start = trio.current_time()
    times = []
    for _ in range(4):
        queue.add_rate_limited("item")
        item = await queue.get()
        times.append(round(trio.current_time() - start, 3))
        queue.done(item)
    assert times == [0.005, 0.015, 0.035, 0.075]
    assert queue.num_requeues("item") == 4
    queue.forget("item")
    assert queue.num_requeues("item") == 0
