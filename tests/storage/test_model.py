"""The store against a reference model, driven by hypothesis.

Random sequences of puts, deletes (of keys and prefixes), compare-and-swap transactions,
compactions and watch registrations run against the store and against a model that keeps the
whole keyspace at every revision. After every step, every range read at every retained revision
must match the model exactly, and every watcher must have received exactly the events the model
says it should have (in order, with ``prev_kv`` when asked), or a compaction refusal when it
started below the compacted revision.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

import trio
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from apiserver.storage import (
    Compacted,
    DeleteRange,
    FutureRevision,
    MVCCStore,
    Put,
    StoreConfig,
    Watcher,
    mod_revision,
)

KEYS = st.sampled_from(["a", "a/1", "a/2", "b", "b/1", "c"])
PREFIXES = st.sampled_from(["", "a", "a/", "b", "c", "z"])
VALUES = st.binary(min_size=0, max_size=4)

# (key, value, create_revision, mod_revision, version); version 0 is a tombstone
Record = tuple[str, bytes, int, int, int]
Change = tuple[str, Record, Record | None]  # (type, kv, prev_kv)


def run_now(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a store coroutine that must complete without suspending (memory-only writes do)."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    coro.close()
    raise AssertionError("an in-memory write suspended")


def record(kv: Any) -> Record:
    return (kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version)


class StoreModel(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.store = MVCCStore(StoreConfig(compaction_interval=None, progress_notify_interval=None))
        self.revision = 1
        self.compacted = 0
        self.states: dict[int, dict[str, Record]] = {1: {}}
        self.changes: list[tuple[int, list[Change]]] = []
        # watcher, key, prefix, first revision it must see, prev_kv, received, refusal seen
        self.watchers: list[tuple[Watcher, str, bool, int, bool, list[Change], list[int]]] = []

    # -- model helpers -------------------------------------------------------------------------

    @property
    def now(self) -> dict[str, Record]:
        return self.states[self.revision]

    def commit(self, writes: list[tuple[str, bytes | None]]) -> None:
        state = dict(self.now)
        revision = self.revision + 1
        changes: list[Change] = []
        for key, value in writes:
            prev = state.get(key)
            if value is None:
                if prev is None:
                    continue
                del state[key]
                changes.append(("DELETE", (key, b"", 0, revision, 0), prev))
            else:
                kv = (
                    key,
                    value,
                    prev[2] if prev else revision,
                    revision,
                    prev[4] + 1 if prev else 1,
                )
                state[key] = kv
                changes.append(("PUT", kv, prev))
        if changes:
            self.revision = revision
            self.states[revision] = state
            self.changes.append((revision, changes))

    # -- rules ---------------------------------------------------------------------------------

    @rule(key=KEYS, value=VALUES)
    def put(self, key: str, value: bytes) -> None:
        result = run_now(self.store.put(key, value))
        self.commit([(key, value)])
        assert result.revision == self.revision

    @rule(key=KEYS)
    def delete_key(self, key: str) -> None:
        result = run_now(self.store.delete(key))
        existed = key in self.now
        self.commit([(key, None)])
        assert result.deleted == int(existed)

    @rule(prefix=PREFIXES)
    def delete_prefix(self, prefix: str) -> None:
        doomed = sorted(k for k in self.now if k.startswith(prefix))
        result = run_now(self.store.delete(prefix, prefix=True))
        self.commit([(k, None) for k in doomed])
        assert result.deleted == len(doomed)

    @rule(key=KEYS, other=KEYS, value=VALUES, stale=st.booleans())
    def compare_and_swap(self, key: str, other: str, value: bytes, stale: bool) -> None:
        current = self.now.get(key)
        guess = (current[3] if current else 0) + (1 if stale else 0)
        ops = [Put(key, value)] if key == other else [Put(key, value), DeleteRange(other)]
        result = run_now(self.store.txn([mod_revision(key, "=", guess)], ops))
        assert result.succeeded == (not stale)
        if not stale:
            self.commit([(key, value)] + ([] if key == other else [(other, None)]))

    @precondition(lambda self: self.revision > max(self.compacted, 1))
    @rule(data=st.data())
    def compact(self, data: st.DataObject) -> None:
        target = data.draw(st.integers(max(self.compacted + 1, 2), self.revision))
        run_now(self.store.compact(target))
        self.compacted = target
        for revision in [r for r in self.states if r < target]:
            del self.states[revision]

    @rule(
        key=st.one_of(KEYS, PREFIXES),
        prefix=st.booleans(),
        offset=st.integers(-12, 2),
        zero=st.booleans(),
        prev_kv=st.booleans(),
    )
    def watch(self, key: str, prefix: bool, offset: int, zero: bool, prev_kv: bool) -> None:
        start = 0 if zero else max(1, self.revision + offset)
        watcher = self.store.watch(key, prefix=prefix, start_revision=start, prev_kv=prev_kv)
        first = self.revision + 1 if start == 0 or start > self.revision else start
        first = max(first, start)
        self.watchers.append((watcher, key, prefix, first, prev_kv, [], []))

    # -- invariants ----------------------------------------------------------------------------

    @invariant()
    def reads_match_the_model_at_every_retained_revision(self) -> None:
        store = self.store
        assert store.revision == self.revision
        assert store.compacted_revision == self.compacted
        for revision, state in self.states.items():
            got = [record(kv) for kv in store.range("", prefix=True, revision=revision).kvs]
            assert got == sorted(state.values()), f"revision {revision}"
            for key in ("a", "a/1", "b"):
                kv = store.get(key, revision=revision)
                assert (kv and record(kv)) == state.get(key)
            page = store.range("a", prefix=True, revision=revision, limit=1)
            matching = [k for k in state if k.startswith("a")]
            assert page.count == len(matching)
            assert page.more == (len(matching) > 1)
        if self.compacted > 1:
            try:
                store.range("", prefix=True, revision=self.compacted - 1)
            except Compacted:
                pass
            else:
                raise AssertionError("read below the compacted revision succeeded")
        try:
            store.range("", prefix=True, revision=self.revision + 1)
        except FutureRevision:
            pass
        else:
            raise AssertionError("read at a future revision succeeded")

    @invariant()
    def watchers_see_exactly_the_models_events(self) -> None:
        for watcher, key, prefix, first, prev_kv, received, refusals in self.watchers:
            while True:
                try:
                    response = watcher.receive_nowait()
                except (trio.WouldBlock, trio.EndOfChannel):
                    break
                if response.canceled:
                    refusals.append(response.compact_revision)
                for event in response.events:
                    prev = event.prev_kv and record(event.prev_kv)
                    received.append((event.type.name, record(event.kv), prev))
            if refusals:
                assert refusals == [self.compacted] or refusals[0] > first
                assert first < refusals[0], "refused a watch that started at or above compaction"
                continue

            def matches(k: str, key: str = key, prefix: bool = prefix) -> bool:
                return k.startswith(key) if prefix else k == key

            expected = [
                (kind, kv, prev if prev_kv else None)
                for revision, changes in self.changes
                if revision >= first
                for kind, kv, prev in changes
                if matches(kv[0])
            ]
            assert received == expected


StoreModel.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
test_store_matches_the_model = StoreModel.TestCase
