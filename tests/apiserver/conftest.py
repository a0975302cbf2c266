"""Fixtures for API server tests: a server with its system namespaces and a client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from apiserver.client import InProcessClient
from apiserver.endpoints.server import APIServer
from apiserver.storage import MVCCStore, StoreConfig
from minikube_py.clock import ClusterClock

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
async def api() -> AsyncIterator[InProcessClient]:
    kv = MVCCStore(StoreConfig(compaction_interval=None, progress_notify_interval=None))
    server = APIServer(kv, ClusterClock(epoch=EPOCH, seed=1))
    await server.bootstrap()
    yield InProcessClient(server)
    kv.close()
