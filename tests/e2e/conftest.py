"""End-to-end fixtures: an emulator serving HTTP on a free port, and the real kubectl.

These tests run on the wall clock (a cluster that serves HTTP never autojumps: trio cannot see
what kubectl in another process is about to send).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trio
from kubectl_harness import KUBECTL, Kubectl

from apiserver.http.server import HTTPServer
from apiserver.storage import StoreConfig
from minikube_py.cli import write_kubeconfig
from minikube_py.cluster import Cluster


@pytest.fixture
async def kubectl(tmp_path: Path) -> AsyncIterator[Kubectl]:
    if not Path(KUBECTL).exists():
        pytest.skip("kubectl is not installed")
    cluster = Cluster(
        seed=1, store=StoreConfig(compaction_interval=None, progress_notify_interval=None)
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(cluster.run)
        port = await nursery.start(HTTPServer(cluster.server).run)
        kubeconfig = tmp_path / "kubeconfig"
        write_kubeconfig(kubeconfig, f"http://127.0.0.1:{port}", merge=False)
        yield Kubectl(kubeconfig, tmp_path / "cache", cluster)
        nursery.cancel_scope.cancel()
