"""The node lifecycle controller's per-zone tainting queue (upstream
``pkg/controller/nodelifecycle/scheduler/rate_limited_queue.go``).

A :class:`RateLimitedTimedQueue` holds node names to act on, each a :class:`TimedValue` with the
time it was added and the time it may next be processed, ordered by that time. It is a *unique*
queue with a subtle memory, kept from upstream on purpose:

* ``add(value)`` is refused while ``value`` is in the set -- even after it has been processed,
  because a successful ``try_`` only takes it off the heap (``remove_from_queue``), not out of
  the set. Only ``remove(value)`` (a node found healthy again) makes it addable once more, so a
  node is tainted once per outage, not once per monitor pass.
* ``try_(fn)`` takes one token from the zone's :class:`TokenBucket` per value it looks at
  (burst 1, so with 0.1 qps one node every ten seconds), stops at the first value not yet due,
  and re-schedules a value whose ``fn`` says "not yet" after the wait it asks for.
* ``swap_limiter(qps)`` changes the rate as the zone's disruption state changes; qps 0 stops
  processing altogether.

Time is the cluster clock's monotonic seconds, injected as ``now``.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

#: ``EvictionRateLimiterBurst``: the token bucket of every zone holds one token.
EVICTION_RATE_LIMITER_BURST = 1


@dataclass(slots=True)
class TimedValue:
    value: str
    uid: str
    added_at: float
    process_at: float


class TokenBucket:
    """``flowcontrol.NewTokenBucketRateLimiter``: ``qps`` tokens a second, at most ``burst``
    stored, starting full; qps <= 0 is the never-accepting limiter."""

    def __init__(self, qps: float, burst: int, now: Callable[[], float]) -> None:
        self.qps = qps
        self.burst = burst
        self._now = now
        self._tokens = float(burst) if qps > 0 else 0.0
        self._last = now()

    def _refill(self) -> None:
        now = self._now()
        if self.qps > 0:
            self._tokens = min(float(self.burst), self._tokens + (now - self._last) * self.qps)
        self._last = now

    def try_accept(self) -> bool:
        if self.qps <= 0:
            return False
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def saturation(self) -> float:
        """How full of debt the bucket is: 1.0 when no token is available."""
        if self.qps <= 0:
            return 1.0
        self._refill()
        return 1.0 - min(self._tokens, float(self.burst)) / self.burst

    def next_token_in(self) -> float | None:
        """Seconds until a token is available (None: never)."""
        if self.qps <= 0:
            return None
        self._refill()
        return max(0.0, (1.0 - self._tokens) / self.qps)


@dataclass
class _UniqueQueue:
    """A heap of :class:`TimedValue` by ``process_at`` plus the set of values ever added."""

    heap: list[tuple[float, int, TimedValue]] = field(default_factory=list)
    entries: dict[str, TimedValue] = field(default_factory=dict)  # values on the heap
    members: set[str] = field(default_factory=set)  # the set (outlives the heap entry)
    counter: itertools.count = field(default_factory=itertools.count)

    def add(self, value: TimedValue) -> bool:
        if value.value in self.members:
            return False
        self.members.add(value.value)
        self._push(value)
        return True

    def _push(self, value: TimedValue) -> None:
        self.entries[value.value] = value
        heapq.heappush(self.heap, (value.process_at, next(self.counter), value))

    def head(self) -> TimedValue | None:
        while self.heap:
            process_at, _, value = self.heap[0]
            if self.entries.get(value.value) is value and value.process_at == process_at:
                return value
            heapq.heappop(self.heap)  # a stale entry (replaced or removed)
        return None

    def replace(self, value: TimedValue) -> None:
        self._push(value)

    def remove_from_queue(self, value: str) -> None:
        self.entries.pop(value, None)

    def remove(self, value: str) -> bool:
        self.entries.pop(value, None)
        if value in self.members:
            self.members.discard(value)
            return True
        return False

    def clear(self) -> None:
        self.heap.clear()
        self.entries.clear()
        self.members.clear()


class RateLimitedTimedQueue:
    """A unique, time-ordered queue processed through a token bucket."""

    def __init__(self, qps: float, now: Callable[[], float]) -> None:
        self._now = now
        self.queue = _UniqueQueue()
        self.limiter = TokenBucket(qps, EVICTION_RATE_LIMITER_BURST, now)

    def __len__(self) -> int:
        return len(self.queue.entries)

    def add(self, value: str, uid: str) -> bool:
        """Queue ``value`` for processing now; False when it is already in the set."""
        now = self._now()
        return self.queue.add(TimedValue(value, uid, now, now))

    def remove(self, value: str) -> bool:
        """Forget ``value`` (off the heap and out of the set); True when it was in the set."""
        return self.queue.remove(value)

    def clear(self) -> None:
        self.queue.clear()

    async def try_(self, fn: Callable[[TimedValue], Awaitable[tuple[bool, float]]]) -> None:
        """Process due values while the limiter allows; ``fn`` returns ``(done, wait)``.

        ``fn`` may await (it writes taints); a value removed meanwhile stays removed."""
        value = self.queue.head()
        while value is not None:
            if not self.limiter.try_accept():
                break  # rate limited: try again later
            now = self._now()
            if now < value.process_at:
                break
            done, wait = await fn(value)
            if self.queue.entries.get(value.value) is not value:
                pass  # removed or re-added while fn ran
            elif done:
                self.queue.remove_from_queue(value.value)
            else:
                self.queue.replace(
                    TimedValue(value.value, value.uid, value.added_at, now + wait + 1e-9)
                )
            value = self.queue.head()

    def next_attempt_in(self) -> float | None:
        """Seconds until ``try_`` could next do something (None: nothing queued or stopped)."""
        head = self.queue.head()
        if head is None:
            return None
        token = self.limiter.next_token_in()
        if token is None:
            return None
        return max(token, head.process_at - self._now(), 0.0)

    def swap_limiter(self, qps: float) -> None:
        """Switch the rate; when the old limiter was exhausted the new one starts so too (a
        good approach with a burst of 1)."""
        if self.limiter.qps == qps:
            return
        saturated = self.limiter.saturation() >= 1.0
        limiter = TokenBucket(qps, EVICTION_RATE_LIMITER_BURST, self._now)
        if saturated:
            limiter.try_accept()
        self.limiter = limiter
