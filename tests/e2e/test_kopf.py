"""kopf, unchanged, handling a built-in kind against the emulator over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import trio
from kubectl_harness import Kubectl

HANDLER = """
import kopf

@kopf.on.create("", "v1", "configmaps")
def on_create(body, patch, **_):
    patch.metadata.annotations["handled-by"] = "kopf"
"""


async def test_kopf_handles_configmaps(kubectl: Kubectl, tmp_path: Path) -> None:
    handler = tmp_path / "handler.py"
    handler.write_text(HANDLER)
    env = {**os.environ, "KUBECONFIG": str(kubectl.kubeconfig)}
    command = [
        sys.executable,
        "-m",
        "kopf",
        "run",
        str(handler),
        "--standalone",
        "--namespace",
        "default",
    ]
    process = await trio.lowlevel.open_process(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        await kubectl("create", "configmap", "k1", "--from-literal=a=b")
        await kubectl(
            "wait",
            "--for=jsonpath={.metadata.annotations.handled-by}=kopf",
            "configmap/k1",
            "--timeout=15s",
        )
    finally:
        process.terminate()
        with trio.move_on_after(10):
            await process.wait()
        process.kill()
