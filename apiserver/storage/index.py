"""The key index: every key's version history, and the keys in order for range reads.

Each key maps to its *history*: the list of its versions and tombstones in revision order,
oldest first. A tombstone ends a *generation*; a put after it starts the next one with
``version == 1`` and a fresh ``create_revision``. A worked example, as etcd's ``key_index.go``
gives one::

    put(foo) at rev 2, put(foo) at 5, delete(foo) at 7, put(foo) at 9, put(foo) at 12

    history of "foo":  v@2 (create 2, version 1)   generation 1
                       v@5 (create 2, version 2)
                       T@7 (tombstone)
                       v@9 (create 9, version 1)   generation 2
                       v@12 (create 9, version 2)

    read foo at rev 4 -> v@2;  at rev 8 -> absent;  at rev 10 -> v@9;  at rev 1 -> absent

Compacting at revision C keeps, for each key, the newest record at or below C (the one a read at
C sees) and everything above C; records older than that are dropped, and so is that newest
record when it is a tombstone, since a read at any revision >= C sees the key absent either way::

    compact(6):  v@5, T@7, v@9, v@12     (v@2 dropped: superseded at 5)
    compact(8):  v@9, v@12               (T@7 was the newest <= 8 and is a tombstone)
    compact(13): v@12

A key whose history becomes empty leaves the index. Only keys written since the last compaction
can have anything to drop, so the index remembers those (``_compactable``) and compaction visits
only them: its cost follows the number of writes, not the number of keys.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator
from operator import attrgetter

from sortedcontainers import SortedList

from apiserver.storage.records import KeyValue

_mod_revision = attrgetter("mod_revision")


class KeyIndex:
    """Version histories of every key plus the keys in sorted order."""

    __slots__ = ("_compactable", "_histories", "_keys")

    def __init__(self) -> None:
        self._histories: dict[str, list[KeyValue]] = {}
        self._keys: SortedList = SortedList()
        self._compactable: set[str] = set()

    def __len__(self) -> int:
        """Number of keys with any retained history (live or tombstoned)."""
        return len(self._histories)

    def history(self, key: str) -> list[KeyValue] | None:
        """The key's retained history (do not mutate it), or None."""
        return self._histories.get(key)

    def latest(self, key: str) -> KeyValue | None:
        """The key's live version now, or None when it is absent or deleted."""
        history = self._histories.get(key)
        if history is None:
            return None
        kv = history[-1]
        return kv if kv.version else None

    def at(self, key: str, revision: int) -> KeyValue | None:
        """The key's live version as a read at ``revision`` sees it, or None."""
        history = self._histories.get(key)
        if history is None:
            return None
        kv = history[-1]
        if kv.mod_revision > revision:
            i = bisect_right(history, revision, key=_mod_revision)
            if i == 0:
                return None
            kv = history[i - 1]
        return kv if kv.version else None

    def append(self, kv: KeyValue) -> None:
        """Record a new version or tombstone; revisions must only grow."""
        key = kv.key
        history = self._histories.get(key)
        if history is None:
            self._histories[key] = [kv]
            self._keys.add(key)
            if not kv.version:
                self._compactable.add(key)
        else:
            history.append(kv)
            self._compactable.add(key)

    def keys(self, start: str, stop: str | None) -> Iterator[str]:
        """Keys in ``[start, stop)`` in order (``stop=None``: no upper bound)."""
        if stop is None:
            return self._keys.irange(start)
        return self._keys.irange(start, stop, inclusive=(True, False))

    def compactable_keys(self) -> list[str]:
        return list(self._compactable)

    def compact_key(self, key: str, revision: int) -> int:
        """Drop what no read at ``revision`` or later can see; return how many records went."""
        history = self._histories.get(key)
        if history is None:
            self._compactable.discard(key)
            return 0
        i = bisect_right(history, revision, key=_mod_revision)
        if i == 0:
            return 0  # every record is newer than the compaction point
        keep_from = i - 1
        if not history[keep_from].version:
            keep_from = i  # the newest record at or below `revision` is a tombstone
        if keep_from:
            del history[:keep_from]
        if not history:
            del self._histories[key]
            self._keys.remove(key)
            self._compactable.discard(key)
        elif len(history) == 1 and history[0].version:
            self._compactable.discard(key)
        return keep_from

    def records(self) -> Iterator[KeyValue]:
        """Every retained record, key by key in key order, oldest first within a key."""
        for key in self._keys:
            yield from self._histories[key]
