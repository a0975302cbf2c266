"""Controller expectations: what a controller is still waiting to see after its own writes.

Upstream: ``pkg/controller/controller_utils.go`` (``ControllerExpectations``,
``ControlleeExpectations``, ``UIDTrackingControllerExpectations``).

A sync that creates three pods cannot see them in its informer cache at once: the watch event
comes later. Without a memory of what it has just done, the next sync (woken by anything) would
count too few pods and create three more. So before writing, the controller *expects* N
creations (or deletions) under its key; the pod informer's handlers *observe* each one as its
add (or delete) event arrives and lower the count; and a sync only manages replicas when its
expectations are *satisfied* -- fulfilled (both counts at or below zero), expired (set more than
five minutes ago: a watch event may have been lost), or never set.

Worked example (``ExpectCreations("default/web", 3)``)::

    expect 3 adds        add=3  -> not satisfied: syncs only update status
    observed pod add     add=2
    create #3 failed     add=1  (the controller lowers for what it never created)
    observed pod add     add=0  -> satisfied: the next sync manages replicas again

Deletions are tracked by pod key (``UIDTrackingControllerExpectations``): a delete event lowers
the count only for a pod this controller asked to delete, so an unrelated deletion (a user's)
cannot make the controller believe its own deletes have landed.

The clock is injected (``monotonic`` seconds); nothing here reads global time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

#: ``ExpectationsTimeout``: after this long an unfulfilled expectation no longer blocks a sync
EXPECTATIONS_TIMEOUT = 5 * 60.0


@dataclass(slots=True)
class ControlleeExpectations:
    """Outstanding adds and deletes for one controller, and when they were set."""

    add: int
    delete: int
    key: str
    timestamp: float

    def fulfilled(self) -> bool:
        return self.add <= 0 and self.delete <= 0

    def lower(self, add: int, delete: int) -> None:
        self.add -= add
        self.delete -= delete


@dataclass(slots=True)
class ControllerExpectations:
    """``ControllerExpectations``: a TTL cache of :class:`ControlleeExpectations` by key."""

    monotonic: Callable[[], float]
    timeout: float = EXPECTATIONS_TIMEOUT
    _store: dict[str, ControlleeExpectations] = field(default_factory=dict)

    def get_expectations(self, key: str) -> ControlleeExpectations | None:
        return self._store.get(key)

    def satisfied_expectations(self, key: str) -> bool:
        """Whether a sync of ``key`` may create or delete (``SatisfiedExpectations``)."""
        exp = self._store.get(key)
        if exp is None:
            return True  # never set (a new controller), or deleted: sync
        return exp.fulfilled() or self._expired(exp)

    def _expired(self, exp: ControlleeExpectations) -> bool:
        return self.monotonic() - exp.timestamp > self.timeout

    def set_expectations(self, key: str, add: int, delete: int) -> None:
        self._store[key] = ControlleeExpectations(add, delete, key, self.monotonic())

    def expect_creations(self, key: str, adds: int) -> None:
        self.set_expectations(key, adds, 0)

    def expect_deletions(self, key: str, dels: int) -> None:
        self.set_expectations(key, 0, dels)

    def lower_expectations(self, key: str, add: int, delete: int) -> None:
        exp = self._store.get(key)
        if exp is not None:
            exp.lower(add, delete)

    def raise_expectations(self, key: str, add: int, delete: int) -> None:
        exp = self._store.get(key)
        if exp is not None:
            exp.lower(-add, -delete)

    def creation_observed(self, key: str) -> None:
        self.lower_expectations(key, 1, 0)

    def deletion_observed(self, key: str) -> None:
        self.lower_expectations(key, 0, 1)

    def delete_expectations(self, key: str) -> None:
        self._store.pop(key, None)


@dataclass(slots=True)
class UIDTrackingControllerExpectations:
    """``UIDTrackingControllerExpectations``: deletions counted only for the pods expected.

    Upstream tracks pod *keys* (``namespace/name``) despite the name; so do we.
    """

    expectations: ControllerExpectations
    _deleting: dict[str, set[str]] = field(default_factory=dict)

    def get_uids(self, key: str) -> set[str] | None:
        return self._deleting.get(key)

    def satisfied_expectations(self, key: str) -> bool:
        return self.expectations.satisfied_expectations(key)

    def get_expectations(self, key: str) -> ControlleeExpectations | None:
        return self.expectations.get_expectations(key)

    def expect_creations(self, key: str, adds: int) -> None:
        self.expectations.expect_creations(key, adds)

    def creation_observed(self, key: str) -> None:
        self.expectations.creation_observed(key)

    def expect_deletions(self, key: str, deleted_keys: Iterable[str]) -> None:
        expected = set(deleted_keys)
        self._deleting[key] = expected
        self.expectations.expect_deletions(key, len(expected))

    def deletion_observed(self, key: str, deleted_key: str) -> None:
        expected = self._deleting.get(key)
        if expected is not None and deleted_key in expected:
            self.expectations.deletion_observed(key)
            expected.discard(deleted_key)

    def delete_expectations(self, key: str) -> None:
        self._deleting.pop(key, None)
        self.expectations.delete_expectations(key)
