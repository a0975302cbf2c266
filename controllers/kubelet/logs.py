"""Simulated container logs: seeded lines computed on demand, never written by a timer.

A :class:`ContainerRun` is one run of a container (a new one per restart). Its log is a startup
line at the start and a periodic line every ``interval`` seconds until it ends; the lines are
derived from the run's identity (a seeded generator per line), so idle containers cost nothing
and a scenario's logs replay from the cluster seed. :func:`read_log` applies ``PodLogOptions``
(``tailLines``, ``sinceSeconds``, ``timestamps``, ``limitBytes``, ``follow``) as the kubelet does.
"""

from __future__ import annotations

import math
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import trio

from minikube_py.podlogs import LogOptions


class ContainerRun:
    """One run of a container: when it started and (once over) ended, on trio's clock."""

    __slots__ = (
        "container",
        "end",
        "ended",
        "epoch_start_nanos",
        "id",
        "image",
        "interval",
        "start",
    )

    def __init__(
        self, container: str, container_id: str, image: str, start: float, epoch_start_nanos: int
    ) -> None:
        self.container = container
        self.id = container_id
        self.image = image
        self.start = start  # trio time
        self.epoch_start_nanos = epoch_start_nanos  # Unix nanoseconds of ``start``
        self.interval = 10.0
        self.end: float | None = None
        self.ended = trio.Event()

    def stop(self, at: float) -> None:
        if self.end is None:
            self.end = at
            self.ended.set()

    def lines_until(self, now: float) -> int:
        """How many lines were written by ``now``."""
        limit = now if self.end is None else min(now, self.end)
        if limit < self.start:
            return 0
        return 1 + math.floor((limit - self.start) / self.interval + 1e-9)

    def line_time(self, index: int) -> float:
        return self.start + index * self.interval

    def line(self, index: int) -> str:
        if index == 0:
            return f"{self.container}: starting {self.image} (container {self.id[-12:]})"
        rng = random.Random(f"{self.id}/{index}")
        return (
            f"{self.container}: tick {index} handled {rng.randint(0, 500)} requests "
            f"in {rng.randint(1, 999)}ms"
        )

    def render(self, index: int, timestamps: bool) -> str:
        text = self.line(index)
        if timestamps:
            stamp = rfc3339_nano(self.epoch_start_nanos + round(index * self.interval * 1e9))
            return f"{stamp} {text}\n"
        return text + "\n"


def rfc3339_nano(unix_nanos: int) -> str:
    """Go's ``time.RFC3339Nano`` (trailing zeros of the fraction trimmed)."""
    whole, nanos = divmod(unix_nanos, 1_000_000_000)
    base = datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{base}.{fraction}Z" if fraction else f"{base}Z"


async def read_log(run: ContainerRun, options: LogOptions) -> AsyncIterator[bytes]:
    """The run's log with ``options`` applied, as chunks of whole lines."""
    now = trio.current_time()
    count = run.lines_until(now)
    first = 0
    if options.since_seconds is not None:
        since = now - options.since_seconds
        first = max(0, math.ceil((since - run.start) / run.interval - 1e-9))
    if options.tail_lines is not None:
        first = max(first, count - options.tail_lines)
    budget = options.limit_bytes
    index = first
    chunk = "".join(run.render(i, options.timestamps) for i in range(first, count))
    index = max(count, first)
    data = chunk.encode()
    if budget is not None:
        if len(data) >= budget:
            if data[:budget]:
                yield data[:budget]
            return
        budget -= len(data)
    if data:
        yield data
    if not options.follow:
        return
    while True:
        if run.end is not None and run.line_time(index) > run.end:
            return
        with trio.move_on_at(run.line_time(index)):
            await run.ended.wait()
        if run.lines_until(trio.current_time()) <= index:
            if run.end is not None:
                return
            continue
        data = run.render(index, options.timestamps).encode()
        index += 1
        if budget is not None:
            if len(data) >= budget:
                yield data[:budget]
                return
            budget -= len(data)
        yield data


__all__ = ["ContainerRun", "read_log", "rfc3339_nano"]
