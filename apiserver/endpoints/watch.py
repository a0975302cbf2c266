"""Watch: a stream of ADDED / MODIFIED / DELETED / BOOKMARK / ERROR events for one resource.

Semantics follow kube-apiserver's cacher (``k8s.io/apiserver/pkg/storage/cacher``):

* ``resourceVersion`` ``""`` or ``"0"``: synthetic ADDED events for the current state first;
  with ``sendInitialEvents=true`` they end with a BOOKMARK annotated
  ``k8s.io/initial-events-end``;
* ``resourceVersion=N``: every change after N, or one ERROR event with a 410 ``Expired`` Status
  when N is older than the retained history;
* label and field selectors filter the stream; an object that stops matching is sent as
  DELETED (carrying its new state) and one that starts matching as ADDED;
* with ``allowWatchBookmarks=true``, a BOOKMARK carrying the current resourceVersion comes every
  minute of cluster time (from the store's progress notifications), so a client can resume
  without a relist;
* ``timeoutSeconds`` ends the stream cleanly.

Watches read from the resource's shared :class:`~apiserver.registry.watchcache.WatchCache`;
one that starts before the cache's window replays store history with a watcher of its own.

A watch is consumed either as an async iterator (a task per watch: the in-process client's
informers) or, when it reads from the cache, by polling (:meth:`WatchStream.poll`): the HTTP
front's fan-out is one task per watch cache that wakes once per commit and polls every watch of
it (what kube-apiserver's cacher does in ``dispatchEvents``), so a commit seen by 100 HTTP
watchers wakes one task, not 100. Each watch still filters, times out and bookmarks on its own.
"""

from __future__ import annotations

import math
from collections import deque
from typing import Any

import trio

from apiserver.endpoints import request as rq
from apiserver.registry.store import RegistryStore, parse_resource_version
from apiserver.registry.watchcache import CachedEvent, WatchCache, WindowPassed
from apiserver.storage import Watcher
from minikube_py import field, objects
from minikube_py.errors import Expired, GroupKind, Invalid
from minikube_py.objects import Object
from minikube_py.selectors import FieldSelector, LabelSelector

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
BOOKMARK_INTERVAL = 60.0


class WatchOptions:
    """The watch-specific query parameters, validated (``ValidateListOptions``)."""

    def __init__(self, query: dict[str, str]) -> None:
        self.resource_version = query.get("resourceVersion", "")
        self.bookmarks = rq.is_true(query.get("allowWatchBookmarks"))
        self.send_initial = rq.is_true(query.get("sendInitialEvents"))
        match = query.get("resourceVersionMatch", "")
        timeout = query.get("timeoutSeconds")
        self.timeout: float | None = None
        errors = []
        if timeout not in (None, ""):
            try:
                self.timeout = float(int(timeout))
            except ValueError:
                errors.append(field.invalid("timeoutSeconds", timeout, "must be an integer"))
        if "sendInitialEvents" in query:
            if not self.bookmarks:
                errors.append(
                    field.forbidden(
                        "allowWatchBookmarks",
                        "allowWatchBookmarks must be set to true when sendInitialEvents is set",
                    )
                )
            if match != "NotOlderThan":
                errors.append(
                    field.forbidden(
                        "resourceVersionMatch",
                        "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
                    )
                )
        elif match:
            errors.append(
                field.forbidden(
                    "resourceVersionMatch",
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is "
                    "provided",
                )
            )
        if errors:
            raise Invalid(GroupKind("meta.k8s.io", "ListOptions"), "", errors)


class WatchStream:
    """The events of one watch request, as the ``{"type", "object"}`` dicts sent on the wire.

    An async iterator with explicit state rather than an async generator, so that no cancel
    scope is ever held across a ``yield``: each ``__anext__`` waits on the store watcher under
    the nearer of the request's deadline and the next bookmark tick. Close it (or use
    ``async with``) to release the store watcher.
    """

    def __init__(
        self,
        store: RegistryStore,
        request: rq.Request,
        labels: LabelSelector | None,
        fields: FieldSelector | None,
        cache: WatchCache | None = None,
        *,
        wire: bool = False,
        shared: bool = False,
    ) -> None:
        options = WatchOptions(request.query)
        #: Hand out encoded lines (bytes) instead of event dicts; events from the cache are
        #: then encoded once and shared by every watcher.
        self.wire = wire
        #: Hand out the watch cache's decoded objects, shared with every other watcher that
        #: takes them (read-only: an in-process informer's cache), instead of a copy each.
        self.shared = shared
        self._store = store
        self._labels = labels
        self._fields = fields
        self._name = request.name
        self._namespace = request.namespace if store.info.namespaced else ""
        self._bookmarks = options.bookmarks
        info = store.info
        self._kind, self._api_version = info.kind, info.api_version
        kv = store.kv
        prefix = store.list_prefix(request.namespace)
        self._out: deque[dict[str, Any]] = deque()
        rv = options.resource_version
        if rv in ("", "0") or options.send_initial:
            listing = kv.range(prefix, prefix=True)
            for item in listing.kvs:
                obj = store._from_kv(item.value, item.mod_revision)
                if self._matches(obj):
                    self._out.append({"type": "ADDED", "object": obj})
            if options.send_initial:
                self._out.append(self._bookmark(listing.revision, initial_end=True))
            self._start = listing.revision + 1
        else:
            self._start = parse_resource_version(rv) + 1
        now = trio.current_time()
        self._deadline = now + options.timeout if options.timeout else math.inf
        self._next_bookmark = now + BOOKMARK_INTERVAL if self._bookmarks else math.inf
        self._prefix = prefix
        self._cache = cache
        self._cursor = cache.index_at(self._start) if cache is not None else None
        self._watcher: Watcher | None = None
        if self._cursor is None:  # older than the cache's window: replay from store history
            self._watcher = kv.watch(prefix, prefix=True, start_revision=self._start, prev_kv=True)
        self._done = False
        self._blocked = False  # the last wait blocked: the next item needs no checkpoint
        #: the match function events must pass, or None when the watch takes everything of its
        #: resource (an informer's usual watch): then no event needs decoding to be matched
        self._filter: Any = self._matches if self._selects() else None

    def _selects(self) -> bool:
        """Whether this watch narrows its resource (namespace, name, labels or fields)."""
        if self._namespace or self._name:
            return True
        if self._labels is not None and not self._labels.empty():
            return True
        return self._fields is not None and not self._fields.empty()

    def _matches(self, obj: Object) -> bool:
        if self._namespace and objects.namespace_of(obj) != self._namespace:
            return False
        if self._name and objects.name_of(obj) != self._name:
            return False
        if self._labels is not None and not self._labels.matches(objects.labels_of(obj)):
            return False
        fields = self._fields
        return fields is None or fields.empty() or fields.matches(self._store.strategy.fields(obj))

    def _bookmark(self, revision: int, initial_end: bool = False) -> dict[str, Any]:
        metadata: dict[str, Any] = {"resourceVersion": str(revision)}
        if initial_end:
            metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
        return {
            "type": "BOOKMARK",
            "object": {"kind": self._kind, "apiVersion": self._api_version, "metadata": metadata},
        }

    def __aiter__(self) -> WatchStream:
        return self

    async def __anext__(self) -> Any:
        while True:
            if self._out:
                if self._blocked:
                    self._blocked = False  # this call waited already: that was its checkpoint
                else:
                    await trio.lowlevel.checkpoint()
                return self._encoded(self._out.popleft())
            if self._done:
                raise StopAsyncIteration
            if self._watcher is None and self._read_cache():
                continue
            wake_at = min(self._deadline, self._next_bookmark)
            if wake_at == math.inf and self._watcher is None:
                # no timeout, no bookmarks: wait on the cache without a cancel scope (one per
                # wait per watcher adds up with many watchers)
                assert self._cache is not None
                self._blocked = await self._cache.wait()
                continue
            with trio.move_on_at(wake_at):
                if self._watcher is None:
                    assert self._cache is not None
                    self._blocked = await self._cache.wait()
                    continue
                try:
                    response = await self._watcher.__anext__()
                except StopAsyncIteration:
                    self.close()
                    continue
                self._take(response)
                continue
            self._tick(trio.current_time())

    def _encoded(self, item: Any) -> Any:
        """An item as handed out: with :attr:`wire`, its JSON line (shared ones come as such)."""
        if self.wire and not isinstance(item, bytes):
            return objects.encode(item) + b"\n"
        return item

    def _tick(self, now: float) -> None:
        """The deadline or the bookmark timer is due: end the watch, or bookmark."""
        if now >= self._deadline:
            self.close()
            return
        self._next_bookmark = now + BOOKMARK_INTERVAL
        if self._watcher is not None:
            self._watcher.request_progress()
        else:
            assert self._cache is not None and self._cursor is not None
            if self._cache.caught_up(self._cursor):
                # every event up to the store's revision has been delivered
                self._out.append(self._bookmark(self._store.kv.revision))

    # -- polling (a WatchFanout's members) ----------------------------------------------------

    @property
    def cache(self) -> WatchCache | None:
        """The watch cache this watch reads from (None when it replays store history)."""
        return self._cache if self._watcher is None else None

    @property
    def pollable(self) -> bool:
        """Reads from the watch cache, so :meth:`poll` can serve it (not a history replay)."""
        return self._watcher is None and self._cache is not None

    @property
    def finished(self) -> bool:
        """Ended, with everything handed out."""
        return self._done and not self._out

    @property
    def wake_at(self) -> float:
        """When :meth:`poll` has something to do without a commit (a deadline or bookmark)."""
        return min(self._deadline, self._next_bookmark)

    def poll(self, budget: int) -> list[Any]:
        """The items ready now, at most ``budget`` of them, without waiting (for a
        :attr:`pollable` watch); check :attr:`finished` afterwards. The cache is read when
        nothing was pending, and again once what was pending is all handed out (the cache's
        wake-up for what it got meanwhile may have been spent on another watch's read)."""
        out = self._out
        fresh = not out
        if fresh and not self._done:
            self._read_cache()
            if not out and (self._deadline != math.inf or self._next_bookmark != math.inf):
                now = trio.current_time()
                if now >= self.wake_at:
                    self._tick(now)
        items = self._hand_out(budget)
        if not fresh and not out and not self._done and len(items) < budget:
            self._read_cache()
            items += self._hand_out(budget - len(items))
        return items

    def _hand_out(self, count: int) -> list[Any]:
        """Up to ``count`` pending items, as handed out."""
        out = self._out
        if len(out) <= count:
            items = list(out)
            out.clear()
        else:
            items = [out.popleft() for _ in range(count)]
        if self.wire:
            return [item if type(item) is bytes else self._encoded(item) for item in items]
        return items

    def _read_cache(self) -> bool:
        """Take what the cache has for us; False when there is nothing new."""
        cache, cursor = self._cache, self._cursor
        assert cache is not None and cursor is not None
        try:
            events = cache.read(cursor)
        except WindowPassed:
            self.close()  # fell out of the window: the client resumes from its last revision
            return True
        if not events:
            return False
        self._cursor = cursor + len(events)
        matches = self._filter
        for event in events:
            translated = _translate_cached(event, matches, wire=self.wire, shared=self.shared)
            self._out.extend(translated)
        return True

    def _take(self, response: Any) -> None:
        if response.canceled:
            if response.compact_revision:
                error = Expired(
                    f"too old resource version: {self._start - 1} ({response.compact_revision})"
                )
                self._out.append({"type": "ERROR", "object": error.status()})
            self.close()
            return
        if response.progress:
            if self._bookmarks:
                self._out.append(self._bookmark(response.revision))
            return
        matches = self._filter
        for event in response.events:
            self._out.extend(
                _translate_cached(
                    CachedEvent.from_store(event, self._store._from_kv),
                    matches,
                    wire=self.wire,
                    shared=self.shared,
                )
            )

    def close(self) -> None:
        self._done = True
        if self._watcher is not None:
            self._watcher.close()

    async def __aenter__(self) -> WatchStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    async def aclose(self) -> None:
        self.close()


def _translate_cached(
    event: CachedEvent, matches: Any, *, wire: bool = False, shared: bool = False
) -> list[Any]:
    """The event as this watcher sees it (``matches`` None: it sees everything): a change
    into the selection is ADDED, within it MODIFIED, out of it DELETED. The object is the
    watcher's own copy, or with ``shared`` the event's one decoded object."""
    if matches is None:
        if event.prev is None:
            if event.deleted:
                return []  # no last state to send (as below: it matched nothing before)
            kind = "ADDED"
        else:
            kind = "DELETED" if event.deleted else "MODIFIED"
        if wire:
            return [event.wire_line(kind)]
        return [{"type": kind, "object": event.obj() if shared else event.fresh()}]
    old = event.old()
    before = old is not None and matches(old)
    if event.deleted:
        kind = "DELETED" if before else ""
    else:
        now_matches = matches(event.obj())
        if now_matches:
            kind = "MODIFIED" if before else "ADDED"
        else:
            kind = "DELETED" if before else ""
    if not kind:
        return []
    if wire:
        return [event.wire_line(kind)]
    return [{"type": kind, "object": event.obj() if shared else event.fresh()}]
