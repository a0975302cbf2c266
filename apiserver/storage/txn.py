"""The vocabulary of a transaction: comparisons and the operations of its two branches.

A transaction is etcd's ``If(compares...).Then(ops...).Else(ops...)``: every comparison is
checked against the current revision; when all hold, the *then* operations run, otherwise the
*else* ones, and either way they run atomically under one new revision (or none, when nothing was
written). That is enough for the three writes the API server needs::

    create-if-absent:     If(create_revision(k) == 0).Then(Put(k, v))
    update-if-unchanged:  If(mod_revision(k) == rv).Then(Put(k, v)).Else(Range(k))
    delete-if-unchanged:  If(mod_revision(k) == rv).Then(DeleteRange(k)).Else(Range(k))

Key ranges follow etcd: ``end=None`` is the single key ``key``; ``end`` is an exclusive upper
bound; ``end="\\0"`` means every key from ``key`` on; ``prefix=True`` derives ``end`` so the range
is every key starting with ``key`` (and every key at all when ``key`` is empty).
"""

from __future__ import annotations

import enum
import operator
from collections.abc import Callable

import msgspec

#: ``end`` value meaning "no upper bound", as etcd's ``range_end == "\x00"``.
ALL_FROM_KEY = "\0"


class CompareTarget(enum.Enum):
    VERSION = "version"
    CREATE = "create_revision"
    MOD = "mod_revision"
    VALUE = "value"


_OPERATORS: dict[str, Callable[[object, object], bool]] = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}


class Compare(msgspec.Struct, frozen=True):
    """``target(key) <op> value``; a missing key has version, create and mod revision 0, and
    every comparison of its value fails, as in etcd."""

    key: str
    target: CompareTarget
    op: str
    value: int | bytes

    def __post_init__(self) -> None:
        if self.op not in _OPERATORS:
            raise ValueError(f"unknown comparison operator {self.op!r}")
        if (self.target is CompareTarget.VALUE) != isinstance(self.value, bytes):
            raise ValueError(f"{self.target.value} must be compared with {self._expected_type()}")

    def _expected_type(self) -> str:
        return "bytes" if self.target is CompareTarget.VALUE else "an int"

    def holds(self, version: int, create: int, mod: int, value: bytes | None) -> bool:
        target = self.target
        if target is CompareTarget.MOD:
            actual: int | bytes = mod
        elif target is CompareTarget.CREATE:
            actual = create
        elif target is CompareTarget.VERSION:
            actual = version
        else:
            if value is None:
                return False
            actual = value
        return _OPERATORS[self.op](actual, self.value)


def mod_revision(key: str, op: str, value: int) -> Compare:
    return Compare(key, CompareTarget.MOD, op, value)


def create_revision(key: str, op: str, value: int) -> Compare:
    return Compare(key, CompareTarget.CREATE, op, value)


def version(key: str, op: str, value: int) -> Compare:
    return Compare(key, CompareTarget.VERSION, op, value)


def value(key: str, op: str, data: bytes) -> Compare:
    return Compare(key, CompareTarget.VALUE, op, data)


class Put(msgspec.Struct, frozen=True):
    key: str
    value: bytes
    prev_kv: bool = False


class DeleteRange(msgspec.Struct, frozen=True):
    key: str
    end: str | None = None
    prefix: bool = False
    prev_kv: bool = False


class Range(msgspec.Struct, frozen=True):
    key: str
    end: str | None = None
    prefix: bool = False
    revision: int = 0
    limit: int = 0
    count_only: bool = False
    keys_only: bool = False


Op = Put | DeleteRange | Range


def prefix_end(prefix: str) -> str | None:
    """The smallest key greater than every key starting with ``prefix`` (None: no bound)."""
    chars = prefix.rstrip(chr(0x10FFFF))
    if not chars:
        return None
    return chars[:-1] + chr(ord(chars[-1]) + 1)


def resolve_range(key: str, end: str | None, prefix: bool) -> tuple[str, str | None, bool]:
    """Turn etcd's (key, range_end) or a prefix into ``(start, stop, single_key)``.

    ``stop`` is exclusive; None means unbounded.
    """
    if prefix:
        return key, prefix_end(key), False
    if end is None:
        return key, key, True
    if end == ALL_FROM_KEY:
        return key, None, False
    return key, end, False
