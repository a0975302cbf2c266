"""The records the store keeps and hands out: key-values, events, and the results of reads.

All of them are frozen ``msgspec.Struct`` s without GC tracking: they hold only strings, bytes and
integers, so they are cheap to create, cannot form cycles, and can be shared between the index,
the change log and every watcher without copying. Nobody can change the store by holding one.

A :class:`KeyValue` is one version of one key, exactly as etcd's ``mvccpb.KeyValue``:

* ``create_revision`` -- the revision that started the key's current generation;
* ``mod_revision`` -- the revision of this version;
* ``version`` -- 1 for the first version of a generation, +1 for every put after it.

A deletion is recorded as a *tombstone*: a KeyValue with ``version == 0``, an empty value and
``create_revision == 0``, whose ``mod_revision`` is the revision of the delete. That is also the
``kv`` of a DELETE event, as etcd sends it.
"""

from __future__ import annotations

import enum

import msgspec


class KeyValue(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """One version of a key (or a tombstone, when ``version == 0``)."""

    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    version: int

    @property
    def is_tombstone(self) -> bool:
        return self.version == 0


class EventType(enum.IntEnum):
    PUT = 0
    DELETE = 1


class Event(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """A change to one key at ``kv.mod_revision``.

    Events of one transaction share the same revision and are ordered as the transaction
    applied them (etcd's sub-revision).
    """

    type: EventType
    kv: KeyValue
    prev_kv: KeyValue | None = None


class RangeResult(msgspec.Struct, frozen=True, gc=False):
    """The answer to a range read.

    ``count`` is the number of keys in the range at the read revision, whatever the limit;
    ``more`` says whether ``kvs`` was cut short by it, so ``count - len(kvs)`` keys remain.
    ``revision`` is the store's current revision when the read was served (etcd's header).
    """

    kvs: list[KeyValue]
    count: int
    more: bool
    revision: int


class PutResult(msgspec.Struct, frozen=True, gc=False):
    revision: int
    prev_kv: KeyValue | None = None


class DeleteResult(msgspec.Struct, frozen=True, gc=False):
    revision: int
    deleted: int
    prev_kvs: list[KeyValue] = []


class TxnResult(msgspec.Struct, frozen=True, gc=False):
    """Which branch ran, the revision after it, and one response per operation of that branch."""

    succeeded: bool
    revision: int
    responses: list[RangeResult | PutResult | DeleteResult]


class WatchResponse(msgspec.Struct, frozen=True, gc=False):
    """What a watcher receives.

    * a batch of events (``events`` non-empty), in revision order;
    * a progress notification (``events`` empty, ``progress`` true): every event up to
      ``revision`` that matches the watch has been delivered;
    * the end of the watch (``canceled`` true): ``compact_revision`` is set when the watch
      started below the compacted revision, ``cancel_reason`` says why otherwise.
    """

    revision: int
    events: list[Event] = []
    progress: bool = False
    canceled: bool = False
    compact_revision: int = 0
    cancel_reason: str = ""
