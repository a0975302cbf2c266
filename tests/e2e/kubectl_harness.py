"""The real kubectl, run against an emulator over HTTP, for end-to-end tests.

A module of its own (not conftest.py) so that test modules can import it by a unique name.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import trio

from minikube_py.cluster import Cluster

KUBECTL = shutil.which("kubectl") or "/usr/bin/kubectl"


class Kubectl:
    def __init__(self, kubeconfig: Path, cache: Path, cluster: Cluster) -> None:
        self.kubeconfig = kubeconfig
        self.cache = cache
        self.cluster = cluster
        #: how much faster than the wall clock the test's trio clock runs (timeouts are wall)
        self.time_scale = 1.0

    async def __call__(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        command = [KUBECTL, f"--kubeconfig={self.kubeconfig}", f"--cache-dir={self.cache}", *args]
        # a bound for a hung kubectl, well above the --timeout=15s/20s the tests give kubectl
        # itself: on a loaded 2-core machine a kubectl process can take seconds to start
        with trio.move_on_after(60 * self.time_scale) as timer:
            result = await trio.run_process(
                command,
                stdin=input.encode() if input is not None else b"",
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )
        if timer.cancelled_caught:
            raise AssertionError(f"kubectl {' '.join(args)} did not finish within 60 s")
        done = subprocess.CompletedProcess(
            command, result.returncode, result.stdout.decode(), result.stderr.decode()
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done

    async def json(self, *args: str) -> Any:
        return json.loads((await self(*args, "-o", "json")).stdout)
