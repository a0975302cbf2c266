"""Errors the storage engine raises, named after etcd's.

They carry no Kubernetes meaning of their own: the API layer maps them (``Compacted`` becomes
``410 Expired``, ``FutureRevision`` a "too large resource version" ``504 Timeout``, and so
on).
"""

from __future__ import annotations


class StorageError(Exception):
    """Base class of every error raised by :mod:`apiserver.storage`."""


class FutureRevision(StorageError):
    """A read asked for a revision the store has not reached yet (etcd ``ErrFutureRev``)."""

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(f"required revision {requested} is a future revision (current {current})")
        self.requested = requested
        self.current = current


class Compacted(StorageError):
    """A read or watch asked for a revision below the compacted one (etcd ``ErrCompacted``)."""

    def __init__(self, requested: int, compacted: int) -> None:
        super().__init__(
            f"required revision {requested} has been compacted (compacted revision {compacted})"
        )
        self.requested = requested
        self.compacted = compacted


class InvalidTxn(StorageError):
    """A transaction is malformed, e.g. it writes the same key twice (etcd ``ErrDuplicateKey``)."""


class CorruptLog(StorageError):
    """The durable log or snapshot is damaged somewhere other than a torn final record."""


class StoreClosed(StorageError):
    """The store was closed; no more writes are accepted."""
