"""The DefaultStorageClass admission plugin, through the API (GetDefaultClass's choice)."""

from __future__ import annotations

from typing import Any

import trio

from apiserver.client import InProcessClient


def storage_class(name: str, *, default: bool = False, beta: bool = False) -> dict[str, Any]:
    annotations = {}
    if default:
        key = "storageclass.beta.kubernetes.io" if beta else "storageclass.kubernetes.io"
        annotations[f"{key}/is-default-class"] = "true"
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name, "annotations": annotations},
        "provisioner": "example.com/p",
    }


def claim(name: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": name},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    body["spec"].update(extra.pop("spec", {}))
    body["metadata"].update(extra)
    return body


async def test_no_default_class_leaves_the_claim_alone(api: InProcessClient) -> None:
    await api.create(storage_class("plain"))
    created = await api.create(claim("c"))
    assert "storageClassName" not in created["spec"]


async def test_the_newest_default_wins_and_the_beta_annotation_counts(
    api: InProcessClient, autojump_clock: trio.testing.MockClock
) -> None:
    await api.create(storage_class("old", default=True))
    await trio.sleep(5)
    await api.create(storage_class("new", default=True, beta=True))
    await api.create(storage_class("plain"))
    created = await api.create(claim("c"))
    assert created["spec"]["storageClassName"] == "new"


async def test_an_explicit_or_empty_class_and_the_beta_claim_annotation_are_kept(
    api: InProcessClient,
) -> None:
    await api.create(storage_class("std", default=True))
    explicit = await api.create(claim("a", spec={"storageClassName": "other"}))
    assert explicit["spec"]["storageClassName"] == "other"
    empty = await api.create(claim("b", spec={"storageClassName": ""}))
    assert empty["spec"]["storageClassName"] == ""
    beta = await api.create(
        claim("c", annotations={"volume.beta.kubernetes.io/storage-class": "legacy"})
    )
    assert "storageClassName" not in beta["spec"]
    defaulted = await api.create(claim("d"))
    assert defaulted["spec"]["storageClassName"] == "std"
