"""The minikube-py command's pieces: kubeconfig merging, the scaled clock, status/stop."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
import yaml

from minikube_py.cli import ScaledClock, main, write_kubeconfig


def test_kubeconfig_is_merged_and_made_current(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "prod", "cluster": {"server": "https://prod"}}],
                "users": [{"name": "prod", "user": {"token": "t"}}],
                "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "prod"}}],
                "current-context": "prod",
            }
        )
    )
    write_kubeconfig(path, "http://127.0.0.1:1234", merge=True)
    write_kubeconfig(path, "http://127.0.0.1:5678", merge=True)  # a restart replaces, not adds
    config = yaml.safe_load(path.read_text())
    assert config["current-context"] == "minikube-py"
    assert [c["name"] for c in config["clusters"]] == ["prod", "minikube-py"]
    assert config["clusters"][1]["cluster"]["server"] == "http://127.0.0.1:5678"
    assert config["users"][0]["user"] == {"token": "t"}


def test_a_separate_kubeconfig_holds_only_the_emulator(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "kubeconfig"
    write_kubeconfig(path, "http://127.0.0.1:1", merge=False)
    config = yaml.safe_load(path.read_text())
    assert [c["name"] for c in config["contexts"]] == ["minikube-py"]


def test_the_scaled_clock_runs_faster() -> None:
    clock = ScaledClock(100)

    async def measure() -> float:
        start = trio.current_time()
        await trio.sleep(10)  # ten cluster seconds: a tenth of a wall second
        return trio.current_time() - start

    elapsed = trio.run(measure, clock=clock)
    assert elapsed == pytest.approx(10, rel=0.2)
    with pytest.raises(ValueError, match="positive"):
        ScaledClock(0)


def test_status_and_stop_without_an_instance(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MINIKUBE_PY_HOME", str(tmp_path))
    assert main(["status"]) == 1
    assert main(["stop"]) == 1
    assert "not running" in capsys.readouterr().out
