"""What the Deployment tests share: manifests, waiting for a rollout, reading replica sets."""

from __future__ import annotations

from typing import Any

from pod_readiness import PodReadiness, image_is

from minikube_py.client import Client
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

LABELS = {"app": "web"}
#: pods of this image never become ready (a broken image)
BROKEN = "registry.example/broken:0"


def deployment(
    name: str = "web",
    *,
    replicas: int = 3,
    image: str = "nginx:1",
    annotations: dict[str, str] | None = None,
    **spec: Any,
) -> Object:
    metadata: dict[str, Any] = {"name": name, "namespace": "default"}
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": LABELS},
            "template": {
                "metadata": {"labels": LABELS},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
            **spec,
        },
    }


async def start_readiness(cluster: ClusterHarness, **options: Any) -> PodReadiness:
    """Pods become ready ``delay`` seconds after they appear, except those of :data:`BROKEN`."""
    options.setdefault("never_ready", image_is(BROKEN))
    readiness = PodReadiness(cluster.client, cluster.cluster.clock, **options)
    await cluster.cluster.start(readiness.run)
    return readiness


def condition(d: Object, kind: str) -> dict[str, Any]:
    for c in (d.get("status") or {}).get("conditions") or ():
        if c["type"] == kind:
            return c
    return {}


def rolled_out(d: Object) -> bool:
    """What ``kubectl rollout status`` waits for, and the Progressing condition saying so."""
    status = d.get("status") or {}
    want = d["spec"]["replicas"]
    return (
        status.get("observedGeneration", 0) >= d["metadata"]["generation"]
        and status.get("updatedReplicas", 0) == want
        and status.get("replicas", 0) == want
        and status.get("availableReplicas", 0) == want
        and condition(d, "Progressing").get("reason") == "NewReplicaSetAvailable"
    )


async def wait_rolled_out(cluster: ClusterHarness, name: str = "web", **kw: Any) -> Object:
    return await cluster.wait_for("deployments", name, rolled_out, **kw)


async def replica_sets(kube: Client) -> list[Object]:
    """The namespace's replica sets, oldest revision first."""
    items = (await kube.list("replicasets", namespace="default"))["items"]
    return sorted(
        items,
        key=lambda rs: int(
            (rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", 0)
        ),
    )


def revision_of(obj: Object) -> str:
    return (obj["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", "")


async def set_image(kube: Client, image: str, name: str = "web", **annotations: str) -> Object:
    patch: dict[str, Any] = {
        "spec": {"template": {"spec": {"containers": [{"name": "c", "image": image}]}}}
    }
    if annotations:
        patch["metadata"] = {"annotations": annotations}
    return await kube.patch("deployments", name, patch, namespace="default", patch_type="strategic")


async def scaling_events(cluster: ClusterHarness, name: str = "web") -> list[str]:
    return [
        e["message"]
        for e in await cluster.events(namespace="default", involved_name=name)
        if e["reason"] == "ScalingReplicaSet"
    ]
