"""More of ValidatePodSpec: container names, ports, resources, volumes and mounts."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import Invalid


def pod(**spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"containers": [{"name": "app", "image": "nginx"}]}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": body}


def with_container(**container: Any) -> dict[str, Any]:
    return pod(containers=[{"name": "app", "image": "nginx", **container}])


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            pod(containers=[{"name": "Web", "image": "nginx"}]),
            'spec.containers[0].name: Invalid value: "Web": a lowercase RFC 1123 label must '
            "consist of lower case alphanumeric characters or '-'",
        ),
        (
            pod(initContainers=[{"name": "app", "image": "busybox"}]),
            'spec.initContainers[0].name: Duplicate value: "app"',
        ),
        (
            with_container(ports=[{"containerPort": 70000}]),
            "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 "
            "and 65535, inclusive",
        ),
        (
            with_container(ports=[{"containerPort": 80, "hostPort": -1}]),
            "spec.containers[0].ports[0].hostPort: Invalid value: -1: must be between 1 and "
            "65535, inclusive",
        ),
        (
            with_container(ports=[{"containerPort": 80, "protocol": "HTTP"}]),
            'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: '
            '"SCTP", "TCP", "UDP"',
        ),
        (
            with_container(resources={"requests": {"cpu": "2"}, "limits": {"cpu": "1"}}),
            'spec.containers[0].resources.requests: Invalid value: "2": must be less than or '
            "equal to cpu limit of 1",
        ),
        (
            with_container(
                resources={"requests": {"example.com/gpu": "1"}, "limits": {"example.com/gpu": "2"}}
            ),
            'spec.containers[0].resources.requests: Invalid value: "1": must be equal to '
            "example.com/gpu limit of 2",
        ),
        (
            with_container(volumeMounts=[{"name": "data", "mountPath": "/data"}]),
            'spec.containers[0].volumeMounts[0].name: Not found: "data"',
        ),
        (
            pod(
                containers=[{"name": "app", "image": "nginx", "volumeMounts": [{"name": "data"}]}],
                volumes=[{"name": "data", "emptyDir": {}}],
            ),
            "spec.containers[0].volumeMounts[0].mountPath: Required value",
        ),
        (
            pod(volumes=[{"name": "data", "emptyDir": {}}, {"name": "data", "emptyDir": {}}]),
            'spec.volumes[1].name: Duplicate value: "data"',
        ),
    ],
)
async def test_refused_with_upstreams_words(
    api: InProcessClient, body: dict[str, Any], message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        await api.create(body)
    assert message in str(refused.value)
    assert refused.value.status()["code"] == 422


async def test_a_sound_pod_passes(api: InProcessClient) -> None:
    created = await api.create(
        pod(
            containers=[
                {
                    "name": "app",
                    "image": "nginx",
                    "ports": [{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}],
                    "resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "1"}},
                    "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                }
            ],
            volumes=[{"name": "data", "emptyDir": {}}],
        )
    )
    assert created["metadata"]["name"] == "p"
