"""`minikube-py start` as users run it: a process, a kubeconfig, SIGTERM, and a restart that
finds the data of the last run (--data-dir)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import trio

KUBECTL = "/usr/bin/kubectl"


async def start(tmp_path: Path, data_dir: Path) -> trio.Process:
    env = {**os.environ, "MINIKUBE_PY_HOME": str(tmp_path / "home")}
    command = [
        sys.executable,
        "-m",
        "minikube_py.cli",
        "start",
        "--kubeconfig",
        str(tmp_path / "kubeconfig"),
        "--data-dir",
        str(data_dir),
    ]
    process = await trio.lowlevel.open_process(command, env=env, stdout=subprocess.PIPE)
    assert process.stdout is not None
    seen = b""
    with trio.fail_after(30):
        while b"serving the Kubernetes API" not in seen:
            chunk = await process.stdout.receive_some()
            assert chunk, "minikube-py exited before serving"
            seen += chunk
    return process


async def kubectl(tmp_path: Path, *args: str) -> str:
    result = await trio.run_process(
        [KUBECTL, f"--kubeconfig={tmp_path / 'kubeconfig'}", f"--cache-dir={tmp_path}/c", *args],
        capture_stdout=True,
        capture_stderr=True,
    )
    return result.stdout.decode()


async def stop(process: trio.Process) -> int:
    process.send_signal(signal.SIGTERM)
    with trio.fail_after(30):
        return await process.wait()


async def test_data_survives_a_clean_restart(tmp_path: Path) -> None:
    if not Path(KUBECTL).exists():
        pytest.skip("kubectl is not installed")
    data_dir = tmp_path / "data"
    first = await start(tmp_path, data_dir)
    try:
        await kubectl(tmp_path, "create", "configmap", "kept", "--from-literal=a=b")
    finally:
        assert await stop(first) == 0  # SIGTERM is a clean shutdown
    second = await start(tmp_path, data_dir)
    try:
        assert (
            await kubectl(tmp_path, "get", "configmap", "kept", "-o", "jsonpath={.data.a}") == "b"
        )
    finally:
        assert await stop(second) == 0
