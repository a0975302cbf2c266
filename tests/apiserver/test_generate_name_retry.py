"""generateName collisions are retried with a new name (RetryGenerateName, on in v1.32)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apiserver.client import InProcessClient
from minikube_py.clock import ClusterClock
from minikube_py.errors import AlreadyExists


def configmap() -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "cm-"}}


def suffixes(monkeypatch: pytest.MonkeyPatch, names: list[str]) -> Iterator[str]:
    it = iter(names)
    monkeypatch.setattr(ClusterClock, "random_suffix", lambda self, length=5: next(it))
    return it


async def test_a_taken_generated_name_is_drawn_again(
    api: InProcessClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    suffixes(monkeypatch, ["aaaaa", "aaaaa", "aaaaa", "bbbbb"])
    first = await api.create(configmap())
    second = await api.create(configmap())
    assert (first["metadata"]["name"], second["metadata"]["name"]) == ("cm-aaaaa", "cm-bbbbb")
    assert first["metadata"]["uid"] != second["metadata"]["uid"]


async def test_eight_attempts_then_already_exists(
    api: InProcessClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    suffixes(monkeypatch, ["aaaaa"] * 9 + ["zzzzz"])
    await api.create(configmap())
    with pytest.raises(AlreadyExists):
        await api.create(configmap())
    # the ninth draw was not made: eight attempts in all
    assert (await api.create(configmap()))["metadata"]["name"] == "cm-zzzzz"


async def test_a_given_name_is_not_retried(api: InProcessClient) -> None:
    await api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
    with pytest.raises(AlreadyExists):
        await api.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
