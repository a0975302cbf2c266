"""The cluster clock follows trio's (virtual) time and is deterministic per seed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
import trio
import trio.testing

from minikube_py.clock import ClusterClock, format_time, parse_time

EPOCH = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


async def test_timestamps_move_with_virtual_time(autojump_clock: trio.testing.MockClock) -> None:
    clock = ClusterClock(epoch=EPOCH)
    assert clock.timestamp() == "2026-01-02T03:04:05Z"
    await trio.sleep(300)
    assert clock.timestamp() == "2026-01-02T03:09:05Z"
    await trio.sleep(0.25)
    assert clock.micro_timestamp() == "2026-01-02T03:09:05.250000Z"


async def test_same_seed_same_uids_and_names() -> None:
    a, b = ClusterClock(epoch=EPOCH, seed=7), ClusterClock(epoch=EPOCH, seed=7)
    assert [a.uid() for _ in range(3)] == [b.uid() for _ in range(3)]
    assert a.random_suffix() == b.random_suffix()
    suffix = ClusterClock(seed=8).random_suffix()
    assert len(suffix) == 5 and set(suffix) <= set("bcdfghjklmnpqrstvwxz2456789")
    uid = a.uid()
    assert uid[14] == "4"  # a version 4 UUID


def test_uids_are_the_uuid_modules_version_4_text_of_the_same_bits() -> None:
    a, b = ClusterClock(epoch=EPOCH, seed=11), ClusterClock(epoch=EPOCH, seed=11)
    for _ in range(2000):
        assert a.uid() == str(uuid.UUID(int=b.rng.getrandbits(128), version=4))


def test_random_suffixes_cover_the_alphabet_evenly() -> None:
    clock = ClusterClock(epoch=EPOCH, seed=3)
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    drawn = [clock.random_suffix() for _ in range(27_000)]
    assert all(len(s) == 5 and set(s) <= set(alphabet) for s in drawn)
    for position in range(5):
        counts = [sum(1 for s in drawn if s[position] == c) for c in alphabet]
        assert min(counts) > 850 and max(counts) < 1150  # 1,000 each expected
    assert len(set(drawn)) > 26_900  # 14 million possible: hardly any repeats
    assert len(clock.random_suffix(8)) == 8 and len(clock.random_suffix(3)) == 3


def test_naive_epochs_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        ClusterClock(epoch=datetime(2026, 1, 1))


def test_time_round_trip() -> None:
    assert format_time(parse_time("2026-01-02T03:04:05Z")) == "2026-01-02T03:04:05Z"
    assert parse_time("2026-01-02T03:04:05.5Z").microsecond == 500000


async def test_unique_unix_nanos_increase_within_one_instant(autojump_clock: object) -> None:
    clock = ClusterClock(epoch=datetime(2026, 1, 1, tzinfo=UTC))
    first = clock.unique_unix_nanos()
    assert first == int(datetime(2026, 1, 1, tzinfo=UTC).timestamp()) * 10**9
    burst = [clock.unique_unix_nanos() for _ in range(100)]
    assert burst == list(range(first + 1, first + 101))
    await trio.sleep(1)
    assert clock.unique_unix_nanos() == first + 10**9
