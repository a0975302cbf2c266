"""Work queues for controllers, with client-go's contract (``util/workqueue``).

The contract, enforced by a *dirty* set and a *processing* set:

* **fair** -- items are handed out in the order they were added;
* **deduplicating** -- an item added several times before it is handed out is handed out once;
* **stingy** -- an item is never handed to two workers at once: added again while a worker
  holds it, it is marked dirty and handed out again only after that worker calls ``done``;
* **re-add while processing is allowed** and never lost.

Each layer adds one capability: :class:`WorkQueue` (the contract above) ->
:class:`DelayingQueue` (``add_after``: an item becomes ready later, on trio's clock, so virtual
time moves it) -> :class:`RateLimitingQueue` (``add_rate_limited`` asks a :class:`RateLimiter`
how long to wait). The limiter is a small protocol; :func:`default_controller_rate_limiter` is
upstream's: per-item exponential backoff from 5 ms to 1000 s, and an overall token bucket of
10 qps with a burst of 100, whichever asks for the longer wait.

No background task: a waiting ``get`` wakes when an item is added or when the earliest
delayed item comes due.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Hashable
from typing import Generic, Protocol, TypeVar

import trio

T = TypeVar("T", bound=Hashable)


class ShutDown(Exception):
    """The queue was shut down and has nothing more to hand out."""


class WorkQueue(Generic[T]):
    def __init__(self) -> None:
        self._queue: deque[T] = deque()
        self._dirty: set[T] = set()
        self._processing: set[T] = set()
        self._shutting_down = False
        self._lot = trio.lowlevel.ParkingLot()
        self._idle = trio.lowlevel.ParkingLot()

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def shutting_down(self) -> bool:
        return self._shutting_down

    def add(self, item: T) -> None:
        if self._shutting_down or item in self._dirty:
            return
        self._dirty.add(item)
        if item in self._processing:
            return  # handed out again once the current worker is done
        self._queue.append(item)
        self._lot.unpark()

    def get_nowait(self) -> T:
        """The next item, marked as processing; raises ``trio.WouldBlock`` or ``ShutDown``."""
        self._promote()
        if self._queue:
            item = self._queue.popleft()
            self._processing.add(item)
            self._dirty.discard(item)
            return item
        if self._shutting_down:
            raise ShutDown
        raise trio.WouldBlock

    async def get(self) -> T:
        """Wait for the next item; raises :class:`ShutDown` once shut down and empty."""
        await trio.lowlevel.checkpoint_if_cancelled()
        while True:
            try:
                item = self.get_nowait()
            except trio.WouldBlock:
                with trio.move_on_at(self._next_due()):
                    await self._lot.park()
                continue
            await trio.lowlevel.cancel_shielded_checkpoint()
            return item

    def done(self, item: T) -> None:
        """The worker holding ``item`` finished with it."""
        self._processing.discard(item)
        if item in self._dirty:
            self._queue.append(item)
            self._lot.unpark()
        if not self._processing:
            self._idle.unpark_all()

    def shut_down(self) -> None:
        """Stop accepting items; waiting getters raise :class:`ShutDown` once it is empty."""
        self._shutting_down = True
        self._lot.unpark_all()

    async def shut_down_with_drain(self) -> None:
        """Shut down, then wait until every handed-out item is done."""
        self.shut_down()
        while self._processing:
            await self._idle.park()

    # -- hooks for the delaying layer ----------------------------------------------------------

    def _promote(self) -> None:
        """Move items that came due into the queue (nothing to do at this layer)."""

    def _next_due(self) -> float:
        return float("inf")


class DelayingQueue(WorkQueue[T]):
    """Adds ``add_after``: the item is added once ``delay`` seconds of cluster time passed."""

    def __init__(self) -> None:
        super().__init__()
        self._waiting: list[tuple[float, int, T]] = []
        self._ready_at: dict[T, float] = {}
        self._counter = itertools.count()

    def add_after(self, item: T, delay: float) -> None:
        if self._shutting_down:
            return
        if delay <= 0:
            self.add(item)
            return
        ready = trio.current_time() + delay
        known = self._ready_at.get(item)
        if known is not None and known <= ready:
            return  # already waiting to be added sooner
        self._ready_at[item] = ready
        heapq.heappush(self._waiting, (ready, next(self._counter), item))
        self._lot.unpark()  # a getter may need to wake earlier now

    def _promote(self) -> None:
        waiting = self._waiting
        if not waiting:
            return
        now = trio.current_time()
        while waiting and waiting[0][0] <= now:
            ready, _, item = heapq.heappop(waiting)
            if self._ready_at.get(item) == ready:
                del self._ready_at[item]
                self.add(item)

    def _next_due(self) -> float:
        return self._waiting[0][0] if self._waiting else float("inf")

    def waiting(self) -> int:
        """How many items wait for their delay to pass."""
        return len(self._ready_at)


class RateLimiter(Protocol[T]):
    def when(self, item: T) -> float:
        """How long to wait before the item may be processed again (records a failure)."""
        ...

    def forget(self, item: T) -> None:
        """The item succeeded: stop tracking its failures."""
        ...

    def num_requeues(self, item: T) -> int: ...


class ExponentialFailureRateLimiter(Generic[T]):
    """``base * 2**failures``, capped at ``maximum`` (client-go's
    ``ItemExponentialFailureRateLimiter``)."""

    def __init__(self, base: float = 0.005, maximum: float = 1000.0) -> None:
        self.base = base
        self.maximum = maximum
        self._failures: dict[T, int] = {}

    def when(self, item: T) -> float:
        failures = self._failures.get(item, 0)
        self._failures[item] = failures + 1
        if failures > 62:
            return self.maximum
        return min(self.base * (2**failures), self.maximum)

    def forget(self, item: T) -> None:
        self._failures.pop(item, None)

    def num_requeues(self, item: T) -> int:
        return self._failures.get(item, 0)


class BucketRateLimiter(Generic[T]):
    """An overall token bucket: ``qps`` tokens a second, ``burst`` at most; a request takes a
    token now or reserves the next one (``rate.Limiter.Reserve``)."""

    def __init__(self, qps: float = 10.0, burst: int = 100) -> None:
        self.qps = qps
        self.burst = burst
        self._tokens = float(burst)
        self._last: float | None = None

    def when(self, item: T) -> float:
        now = trio.current_time()
        if self._last is not None:
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.qps)
        self._last = now
        self._tokens -= 1
        return 0.0 if self._tokens >= 0 else -self._tokens / self.qps

    def forget(self, item: T) -> None:
        return None

    def num_requeues(self, item: T) -> int:
        return 0


class MaxOfRateLimiter(Generic[T]):
    """The longest wait any of its limiters asks for."""

    def __init__(self, *limiters: RateLimiter[T]) -> None:
        self.limiters = limiters

    def when(self, item: T) -> float:
        return max(limiter.when(item) for limiter in self.limiters)

    def forget(self, item: T) -> None:
        for limiter in self.limiters:
            limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return max(limiter.num_requeues(item) for limiter in self.limiters)


def default_controller_rate_limiter() -> MaxOfRateLimiter:
    """``workqueue.DefaultTypedControllerRateLimiter``."""
    return MaxOfRateLimiter(
        ExponentialFailureRateLimiter(0.005, 1000.0), BucketRateLimiter(10, 100)
    )


class RateLimitingQueue(DelayingQueue[T]):
    def __init__(self, rate_limiter: RateLimiter[T] | None = None) -> None:
        super().__init__()
        self.rate_limiter = (
            rate_limiter if rate_limiter is not None else default_controller_rate_limiter()
        )

    def add_rate_limited(self, item: T) -> None:
        self.add_after(item, self.rate_limiter.when(item))

    def forget(self, item: T) -> None:
        self.rate_limiter.forget(item)

    def num_requeues(self, item: T) -> int:
        return self.rate_limiter.num_requeues(item)
