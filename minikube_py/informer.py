"""Informers: a local, indexed, eventually-consistent copy of a resource, kept by list + watch.

The shapes are client-go's (``tools/cache``):

* :class:`Indexer` -- the cache: objects by ``namespace/name`` key, plus named indexes
  (``namespace``, ``owner-uid``, or any function of an object). Objects in it are shared and
  **read-only**: copy before changing one (``minikube_py.objects.deep_copy``).
* :class:`Reflector` -- the state machine that fills it: *list* (in pages, at one snapshot),
  *watch* from the list's resourceVersion (with bookmarks, so a re-watch needs no relist), and
  on a 410 Expired -- at the start of a watch or as an ERROR event -- *relist*. Other errors
  back off (800 ms doubling to 30 s, as client-go's reflector) and relist. A watch that ends
  after its timeout is simply re-opened from the last resourceVersion seen.
* :class:`SharedInformer` -- one reflector and cache shared by every handler that wants the
  resource. It updates the cache first, then tells handlers (add / update / delete); an object
  that vanished while the reflector was relisting reaches handlers as
  :class:`DeletedFinalStateUnknown`, since its last state is not known for sure.

Handlers run synchronously inside the informer's task and must be quick (enqueue a key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

import trio

from minikube_py.client import Client
from minikube_py.errors import Expired, StatusError
from minikube_py.objects import Object

IndexFunc = Callable[[Object], Iterable[str]]

NAMESPACE_INDEX = "namespace"
OWNER_INDEX = "owner-uid"


def key_of(obj: Object) -> str:
    """``MetaNamespaceKeyFunc``: ``namespace/name``, or ``name`` for cluster-scoped objects."""
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace")
    return f"{namespace}/{metadata.get('name', '')}" if namespace else metadata.get("name", "")


def split_key(key: str) -> tuple[str, str]:
    namespace, _, name = key.rpartition("/")
    return namespace, name


def namespace_index(obj: Object) -> list[str]:
    return [(obj.get("metadata") or {}).get("namespace", "")]


def owner_index(obj: Object) -> list[str]:
    return [
        ref.get("uid", "")
        for ref in (obj.get("metadata") or {}).get("ownerReferences") or ()
        if isinstance(ref, dict)
    ]


class DeletedFinalStateUnknown(NamedTuple):
    """An object found gone on relist: its delete event was missed; ``obj`` is its last
    known state."""

    key: str
    obj: Object


class Indexer:
    """Objects by key, with named secondary indexes."""

    def __init__(self, indexers: dict[str, IndexFunc] | None = None) -> None:
        self._items: dict[str, Object] = {}
        self._indexers: dict[str, IndexFunc] = {}
        self._indices: dict[str, dict[str, set[str]]] = {}
        for name, func in (indexers or {}).items():
            self.add_indexer(name, func)

    def __len__(self) -> int:
        return len(self._items)

    def add_indexer(self, name: str, func: IndexFunc) -> None:
        if name in self._indexers:
            raise ValueError(f"indexer {name!r} already exists")
        self._indexers[name] = func
        index: dict[str, set[str]] = {}
        for key, obj in self._items.items():
            for value in func(obj):
                index.setdefault(value, set()).add(key)
        self._indices[name] = index

    def get(self, key: str) -> Object | None:
        return self._items.get(key)

    def index_names(self) -> tuple[str, ...]:
        return tuple(self._indexers)

    def list(self) -> list[Object]:
        return list(self._items.values())

    def list_keys(self) -> list[str]:
        return list(self._items)

    def by_index(self, name: str, value: str) -> list[Object]:
        keys = self._indices[name].get(value, ())
        return [self._items[k] for k in sorted(keys)]

    def upsert(self, obj: Object) -> Object | None:
        """Store ``obj``; return what it replaced."""
        key = key_of(obj)
        old = self._items.get(key)
        if old is not None:
            self._unindex(key, old)
        self._items[key] = obj
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                index.setdefault(value, set()).add(key)
        return old

    def remove(self, key: str) -> Object | None:
        old = self._items.pop(key, None)
        if old is not None:
            self._unindex(key, old)
        return old

    def _unindex(self, key: str, obj: Object) -> None:
        for name, func in self._indexers.items():
            index = self._indices[name]
            for value in func(obj):
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]


class EventHandler(Protocol):
    def on_add(self, obj: Object) -> None: ...

    def on_update(self, old: Object, new: Object) -> None: ...

    def on_delete(self, obj: Object | DeletedFinalStateUnknown) -> None: ...


class FuncHandler:
    """An :class:`EventHandler` from up to three functions."""

    def __init__(
        self,
        on_add: Callable[[Object], None] | None = None,
        on_update: Callable[[Object, Object], None] | None = None,
        on_delete: Callable[[Object | DeletedFinalStateUnknown], None] | None = None,
    ) -> None:
        self._add, self._update, self._delete = on_add, on_update, on_delete

    def on_add(self, obj: Object) -> None:
        if self._add is not None:
            self._add(obj)

    def on_update(self, old: Object, new: Object) -> None:
        if self._update is not None:
            self._update(old, new)

    def on_delete(self, obj: Object | DeletedFinalStateUnknown) -> None:
        if self._delete is not None:
            self._delete(obj)


class SharedInformer:
    """A resource's cache, kept current by a reflector, shared by many handlers."""

    #: client-go reflector backoff after a failed list or watch
    BACKOFF_INITIAL = 0.8
    BACKOFF_MAX = 30.0
    #: watches time out after a random 5-10 minutes, as client-go's do
    WATCH_TIMEOUT = (300, 600)

    def __init__(
        self,
        client: Client,
        resource: str,
        *,
        namespace: str = "",
        label_selector: str = "",
        field_selector: str = "",
        page_size: int = 500,
        rng: Any = None,
    ) -> None:
        self.client = client
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.page_size = page_size
        self.indexer = Indexer({NAMESPACE_INDEX: namespace_index, OWNER_INDEX: owner_index})
        self._handlers: list[EventHandler] = []
        self._synced = trio.Event()
        self._rng = rng
        self.last_resource_version = ""
        #: how many times the reflector listed (the first list included)
        self.lists = 0

    # -- handlers and reads --------------------------------------------------------------------

    def add_event_handler(self, handler: EventHandler) -> None:
        """Register a handler; once synced, it first hears ``on_add`` for every cached object."""
        self._handlers.append(handler)
        if self._synced.is_set():
            for obj in self.indexer.list():
                handler.on_add(obj)

    def add_indexer(self, name: str, func: IndexFunc) -> None:
        self.indexer.add_indexer(name, func)

    @property
    def has_synced(self) -> bool:
        return self._synced.is_set()

    async def wait_for_sync(self) -> None:
        await self._synced.wait()

    def get(self, namespace: str, name: str) -> Object | None:
        """The cached object (read-only), or None."""
        return self.indexer.get(f"{namespace}/{name}" if namespace else name)

    def list(self, namespace: str | None = None) -> list[Object]:
        """Cached objects (read-only), of one namespace or all."""
        if namespace is None:
            return self.indexer.list()
        return self.indexer.by_index(NAMESPACE_INDEX, namespace)

    # -- the reflector -------------------------------------------------------------------------

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """List and watch until cancelled; ``started`` once the first list is in the cache."""
        backoff = self.BACKOFF_INITIAL
        started = False
        while True:
            try:
                await self._list_and_replace()
                if not started:
                    started = True
                    task_status.started()
                await self._watch_until_expired()
                backoff = self.BACKOFF_INITIAL
            except Expired:
                continue  # relist at once
            except StatusError:
                await trio.sleep(backoff)
                backoff = min(backoff * 2, self.BACKOFF_MAX)

    async def _list_and_replace(self) -> None:
        items: list[Object] = []
        token = ""
        while True:
            try:
                page = await self.client.list(
                    self.resource,
                    namespace=self.namespace,
                    label_selector=self.label_selector,
                    field_selector=self.field_selector,
                    limit=self.page_size,
                    continue_token=token,
                )
            except Expired:
                if not token:
                    raise
                items, token = [], ""  # the snapshot expired mid-way: list again
                continue
            # list items carry no kind/apiVersion; fill them in as client-go's decoding does,
            # so cached objects look like watched ones (and can be written back as they are)
            kind = page.get("kind", "")
            item_kind = kind[: -len("List")] if kind.endswith("List") else kind
            for item in page["items"]:
                item.setdefault("apiVersion", page.get("apiVersion", ""))
                item.setdefault("kind", item_kind)
            items.extend(page["items"])
            token = page["metadata"].get("continue", "")
            if not token:
                break
        self.lists += 1
        self._replace(items, page["metadata"]["resourceVersion"])

    def _replace(self, items: list[Object], resource_version: str) -> None:
        """Replace the cache with a fresh list; tell handlers what changed."""
        seen: set[str] = set()
        for obj in items:
            key = key_of(obj)
            seen.add(key)
            old = self.indexer.upsert(obj)
            if old is None:
                self._notify_add(obj)
            elif old.get("metadata", {}).get("resourceVersion") != obj["metadata"].get(
                "resourceVersion"
            ):
                self._notify_update(old, obj)
        for key in [k for k in self.indexer.list_keys() if k not in seen]:
            gone = self.indexer.remove(key)
            assert gone is not None
            for handler in self._handlers:
                handler.on_delete(DeletedFinalStateUnknown(key, gone))
        self.last_resource_version = resource_version
        self._synced.set()

    async def _watch_until_expired(self) -> None:
        """Watch from the last resourceVersion, re-opening watches that time out; raises
        :class:`Expired` when a relist is needed."""
        while True:
            low, high = self.WATCH_TIMEOUT
            timeout = self._rng.randint(low, high) if self._rng is not None else low
            stream = self.client.watch(
                self.resource,
                namespace=self.namespace,
                resource_version=self.last_resource_version,
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                allow_bookmarks=True,
                timeout_seconds=timeout,
                # cached objects are read-only: share the decoded ones with other informers
                shared_objects=True,
            )
            async with stream:
                async for event in stream:
                    self._handle(event)

    def _handle(self, event: dict[str, Any]) -> None:
        kind, obj = event["type"], event["object"]
        if kind == "ERROR":
            if obj.get("code") == 410:
                raise Expired(obj.get("message", "watch expired"))
            raise StatusError(obj.get("message", "watch error"), code=obj.get("code", 500))
        resource_version = (obj.get("metadata") or {}).get("resourceVersion", "")
        if kind == "BOOKMARK":
            self.last_resource_version = resource_version
            return
        key = key_of(obj)
        if kind == "DELETED":
            self.indexer.remove(key)
            for handler in self._handlers:
                handler.on_delete(obj)
        else:
            old = self.indexer.upsert(obj)
            if old is None:
                self._notify_add(obj)
            else:
                self._notify_update(old, obj)
        self.last_resource_version = resource_version

    def _notify_add(self, obj: Object) -> None:
        for handler in self._handlers:
            handler.on_add(obj)

    def _notify_update(self, old: Object, new: Object) -> None:
        for handler in self._handlers:
            handler.on_update(old, new)
