"""The event recorder: core/v1 Events that ``kubectl describe`` shows.

As client-go's ``record`` package does it: an event is named ``<object>.<hex nanoseconds>`` in
the object's namespace, points at it through ``involvedObject``, and carries ``source``,
``reason``, ``message`` and ``type``. Repeats of the same (object, type, reason, message) are
aggregated: the existing Event's ``count`` goes up and ``lastTimestamp`` moves, instead of a new
Event each time. The aggregation key includes ``involvedObject.fieldPath`` (the kubelet points
container events at ``spec.containers{name}``), and the recorder remembers at most
:data:`MAX_LRU_CACHE_ENTRIES` keys, least recently used first out, as ``EventCorrelator``'s LRU
(a forgotten key starts a new Event). Recording never fails the caller: an event that cannot be
written is dropped (and logged), as upstream does.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.errors import AlreadyExists, NotFound, StatusError
from minikube_py.objects import Object

log = logging.getLogger(__name__)

NORMAL = "Normal"
WARNING = "Warning"
#: client-go ``record.maxLruCacheEntries``
MAX_LRU_CACHE_ENTRIES = 4096

#: (involved uid, fieldPath, type, reason, message)
_EventKey = tuple[str, str, str, str, str]


class EventRecorder:
    def __init__(
        self,
        client: Client,
        clock: ClusterClock,
        component: str,
        host: str = "",
        *,
        cache_size: int = MAX_LRU_CACHE_ENTRIES,
    ) -> None:
        self.client = client
        self.clock = clock
        self.component = component
        self.host = host
        self.cache_size = cache_size
        #: aggregation key -> (namespace, name) of the Event written, least recently used first
        self._seen: OrderedDict[_EventKey, tuple[str, str]] = OrderedDict()

    async def event(
        self, obj: Object, kind: str, reason: str, message: str, *, field_path: str = ""
    ) -> Object | None:
        """Record an event about ``obj`` (a part of it when ``field_path`` is given, e.g.
        ``spec.containers{web}``); returns the Event written, or None if it failed."""
        metadata = obj.get("metadata") or {}
        involved = {
            "kind": obj.get("kind", ""),
            "namespace": metadata.get("namespace", ""),
            "name": metadata.get("name", ""),
            "uid": metadata.get("uid", ""),
            "apiVersion": obj.get("apiVersion", ""),
            "resourceVersion": metadata.get("resourceVersion", ""),
        }
        if field_path:
            involved["fieldPath"] = field_path
        namespace = metadata.get("namespace") or "default"
        key = (involved["uid"], field_path, kind, reason, message)
        now = self.clock.timestamp()
        try:
            known = self._seen.get(key)
            if known is not None:
                self._seen.move_to_end(key)
                try:
                    current = await self.client.get("events", known[1], namespace=known[0])
                except NotFound:
                    self._seen.pop(key, None)
                else:
                    return await self.client.patch(
                        "events",
                        known[1],
                        {"count": (current.get("count") or 1) + 1, "lastTimestamp": now},
                        namespace=known[0],
                    )
            nanos = self.clock.unique_unix_nanos()
            source = {"component": self.component}
            if self.host:
                source["host"] = self.host
            event = {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"namespace": namespace},
                "involvedObject": involved,
                "reason": reason,
                "message": message,
                "type": kind,
                "source": source,
                "firstTimestamp": now,
                "lastTimestamp": now,
                "count": 1,
                "reportingComponent": self.component,
                "reportingInstance": self.host,
            }
            while True:
                # names carry the time in nanoseconds, unique per cluster clock; another
                # cluster's recorder on the same store could still collide: step past it
                event["metadata"]["name"] = f"{involved['name']}.{nanos:x}"
                try:
                    created = await self.client.create(event, namespace=namespace)
                    break
                except AlreadyExists:
                    nanos += 1
            self._remember(key, (namespace, created["metadata"]["name"]))
            return created
        except StatusError as error:
            log.warning("dropping event %s/%s %s: %s", namespace, involved["name"], reason, error)
            return None

    def _remember(self, key: _EventKey, event: tuple[str, str]) -> None:
        self._seen[key] = event
        self._seen.move_to_end(key)
        while len(self._seen) > self.cache_size:
            self._seen.popitem(last=False)
