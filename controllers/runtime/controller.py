"""A controller: watches feed a rate-limited work queue; workers run ``reconcile`` on its items.

The shape is controller-runtime's. ``reconcile(request)`` gets a :class:`Request` (namespace and
name: level-triggered, never the event itself) and returns a :class:`Result` or None. The
runtime owns retries, not the reconciler:

* ``Result(requeue_after=s)`` -- reconcile again after ``s`` seconds of cluster time;
* ``Result(requeue=True)`` -- again, with the item's rate-limited backoff;
* an exception -- again, with backoff (5 ms doubling to 1000 s, plus the overall bucket);
* :class:`TerminalError` -- not again until something changes;
* anything else -- done; the item's backoff is forgotten.

An item is never reconciled by two workers at once (the queue is stingy), so a reconciler may
assume it is alone with its object. Exceptions that are not API errors are also recorded in
:attr:`Controller.unexpected_errors`, so a test harness can fail on a bug that retries hid.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import trio

from minikube_py.errors import StatusError
from minikube_py.informer import DeletedFinalStateUnknown, SharedInformer
from minikube_py.objects import Object
from minikube_py.workqueue import RateLimiter, RateLimitingQueue, ShutDown

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Request:
    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name


@dataclass(frozen=True, slots=True)
class Result:
    requeue: bool = False
    requeue_after: float | None = None


class TerminalError(Exception):
    """A failure retrying cannot fix; the request is not retried until an event re-queues it."""


Reconciler = Callable[[Request], Awaitable[Result | None]]
#: Maps a watched object to the requests it concerns.
MapFunc = Callable[[Object], Iterable[Request]]
#: ``(old, new) -> bool`` for updates; ``(None, obj)`` for adds and deletes.
Predicate = Callable[[Object | None, Object], bool]


def enqueue_object(obj: Object) -> list[Request]:
    """The object itself."""
    metadata = obj.get("metadata") or {}
    return [Request(metadata.get("namespace", ""), metadata.get("name", ""))]


def enqueue_owner(kind: str, api_version: str | None = None) -> MapFunc:
    """The object's controller owner of ``kind`` (for watching what a controller creates)."""

    def mapper(obj: Object) -> list[Request]:
        metadata = obj.get("metadata") or {}
        for ref in metadata.get("ownerReferences") or ():
            if (
                ref.get("controller")
                and ref.get("kind") == kind
                and (api_version is None or ref.get("apiVersion") == api_version)
            ):
                return [Request(metadata.get("namespace", ""), ref.get("name", ""))]
        return []

    return mapper


def generation_changed(old: Object | None, new: Object) -> bool:
    """Let updates through only when ``metadata.generation`` moved (spec changes)."""
    if old is None:
        return True
    return (old.get("metadata") or {}).get("generation") != (new.get("metadata") or {}).get(
        "generation"
    )


class _Watch:
    """An informer event handler that maps events to requests and enqueues them."""

    def __init__(
        self, queue: RateLimitingQueue[Request], mapper: MapFunc, predicates: list[Predicate]
    ):
        self._queue = queue
        self._map = mapper
        self._predicates = predicates

    def _enqueue(self, old: Object | None, obj: Object) -> None:
        if all(predicate(old, obj) for predicate in self._predicates):
            for request in self._map(obj):
                self._queue.add(request)

    def on_add(self, obj: Object) -> None:
        self._enqueue(None, obj)

    def on_update(self, old: Object, new: Object) -> None:
        self._enqueue(old, new)

    def on_delete(self, obj: Object | DeletedFinalStateUnknown) -> None:
        if isinstance(obj, DeletedFinalStateUnknown):
            obj = obj.obj
        # deletions always pass: a predicate on generation must not hide them
        for request in self._map(obj):
            self._queue.add(request)


class Controller:
    """A named reconcile loop with its own queue and workers."""

    def __init__(
        self,
        name: str,
        reconcile: Reconciler,
        *,
        workers: int = 1,
        rate_limiter: RateLimiter[Request] | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError("a controller needs at least one worker")
        self.name = name
        self.reconcile = reconcile
        self.workers = workers
        self.queue: RateLimitingQueue[Request] = RateLimitingQueue(rate_limiter)
        self.informers: list[SharedInformer] = []
        self.reconciles = 0
        self.errors = 0
        self.unexpected_errors: list[str] = []

    def watch(
        self,
        informer: SharedInformer,
        mapper: MapFunc = enqueue_object,
        *,
        predicates: Iterable[Predicate] = (),
    ) -> Controller:
        """Reconcile what ``mapper`` says for every event of ``informer``."""
        informer.add_event_handler(_Watch(self.queue, mapper, list(predicates)))
        if informer not in self.informers:
            self.informers.append(informer)
        return self

    def enqueue(self, request: Request, after: float = 0) -> None:
        self.queue.add_after(request, after)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the workers until cancelled; the queue is shut down on the way out."""
        try:
            async with trio.open_nursery() as nursery:
                for _ in range(self.workers):
                    nursery.start_soon(self._worker)
                task_status.started()
        finally:
            self.queue.shut_down()

    async def _worker(self) -> None:
        queue = self.queue
        while True:
            try:
                request = await queue.get()
            except ShutDown:
                return
            try:
                await self._reconcile_one(request)
            finally:
                queue.done(request)

    async def _reconcile_one(self, request: Request) -> None:
        queue = self.queue
        self.reconciles += 1
        try:
            result = await self.reconcile(request)
        except TerminalError as error:
            log.info("%s: %s: terminal error: %s", self.name, request, error)
            queue.forget(request)
            return
        except StatusError as error:
            self.errors += 1
            log.debug("%s: %s: %s; retrying", self.name, request, error)
            queue.add_rate_limited(request)
            return
        except Exception as error:  # a bug in the reconciler: retry, but keep it on record
            self.errors += 1
            self.unexpected_errors.append(
                f"{self.name} {request}: {''.join(traceback.format_exception(error))}"
            )
            log.exception("%s: %s: unexpected error; retrying", self.name, request)
            queue.add_rate_limited(request)
            return
        if result is not None and result.requeue_after is not None:
            queue.forget(request)
            queue.add_after(request, result.requeue_after)
        elif result is not None and result.requeue:
            queue.add_rate_limited(request)
        else:
            queue.forget(request)
