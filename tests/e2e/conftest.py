"""End-to-end fixtures: an emulator serving HTTP on a free port, and the real kubectl.

These tests run on the wall clock (a cluster that serves HTTP never autojumps: trio cannot see
what kubectl in another process is about to send).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trio

from apiserver.http.server import HTTPServer
from apiserver.storage import StoreConfig
from minikube_py.cli import write_kubeconfig
from minikube_py.cluster import Cluster

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


class Kubectl:
    def __init__(self, kubeconfig: Path, cache: Path, cluster: Cluster) -> None:
        self.kubeconfig = kubeconfig
        self.cache = cache
        self.cluster = cluster

    async def __call__(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [KUBECTL, f"--kubeconfig={self.kubeconfig}", f"--cache-dir={self.cache}", *args]
        with trio.move_on_after(20) as timer:
            result = await trio.run_process(
                command,
                stdin=input.encode() if input is not None else b"",
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )
        if timer.cancelled_caught:
            raise AssertionError(f"kubectl {' '.join(args)} did not finish within 20 s")
        done = subprocess.CompletedProcess(
            command, result.returncode, result.stdout.decode(), result.stderr.decode()
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    async def json(self, *args: str) -> Any:
        return json.loads((await self(*args, "-o", "json")).stdout)


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
