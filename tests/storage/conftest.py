"""Fixtures for the storage tests: a memory-only store with no background policies."""

from __future__ import annotations

import pytest

from apiserver.storage import MVCCStore, StoreConfig

QUIET = StoreConfig(compaction_interval=None, progress_notify_interval=None)


@pytest.fixture
def store() -> MVCCStore:
    return MVCCStore(QUIET)
