"""Strategic merge patch through the API, with the built-in kinds' real merge keys."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import StatusError


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "finalizers": ["a.io/x"]},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "nginx:1.26",
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                        },
                        {"name": "side", "image": "busybox"},
                    ]
                },
            },
        },
    }


async def test_containers_merge_by_name(api: InProcessClient) -> None:
    await api.create(deployment())
    patched = await api.patch(
        "deployments",
        "web",
        {
            "spec": {
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "app"}, {"name": "side"}],
                        "containers": [
                            {
                                "name": "app",
                                "image": "nginx:1.27",
                                "env": [{"name": "B", "value": "3"}],
                            }
                        ],
                    }
                }
            }
        },
        patch_type="strategic",
    )
    containers = patched["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app", "side"]
    assert containers[0]["image"] == "nginx:1.27"
    assert containers[0]["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}]
    assert containers[1]["image"] == "busybox"
    assert patched["metadata"]["generation"] == 2


async def test_delete_directive_and_finalizer_set_merge(api: InProcessClient) -> None:
    await api.create(deployment())
    patched = await api.patch(
        "deployments",
        "web",
        {
            "metadata": {"finalizers": ["b.io/y"]},
            "spec": {"template": {"spec": {"containers": [{"name": "side", "$patch": "delete"}]}}},
        },
        patch_type="strategic",
    )
    # merged primitive lists put the patch's items first, then the stored ones (as upstream)
    assert patched["metadata"]["finalizers"] == ["b.io/y", "a.io/x"]
    assert [c["name"] for c in patched["spec"]["template"]["spec"]["containers"]] == ["app"]


async def test_strategic_patch_on_the_scale_subresource(api: InProcessClient) -> None:
    await api.create(deployment())
    scale = await api.patch(
        "deployments", "web", {"spec": {"replicas": 5}}, patch_type="strategic", subresource="scale"
    )
    assert scale["spec"] == {"replicas": 5}


async def test_a_non_object_strategic_patch_is_a_bad_request(api: InProcessClient) -> None:
    await api.create(deployment())
    with pytest.raises(StatusError) as info:
        await api.patch("deployments", "web", ["not", "an", "object"], patch_type="strategic")
    assert info.value.code == 400
