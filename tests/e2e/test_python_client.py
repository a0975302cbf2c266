"""The official ``kubernetes`` Python client against the emulator over HTTP.

The client is synchronous, so each call runs in a worker thread while the cluster runs in the
trio thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import trio
from kubectl_harness import Kubectl
from kubernetes import client as k8s
from kubernetes import config as kubeconfig
from kubernetes import watch as k8s_watch
from kubernetes.client.rest import ApiException


@pytest.fixture
def api(kubectl: Kubectl) -> k8s.ApiClient:
    configuration = k8s.Configuration()
    kubeconfig.load_kube_config(
        config_file=str(kubectl.kubeconfig), client_configuration=configuration
    )
    return k8s.ApiClient(configuration)


async def call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return await trio.to_thread.run_sync(lambda: fn(*args, **kwargs))


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


async def test_crud_and_conflicts(api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    created = await call(core.create_namespaced_config_map, "default", configmap("a", k="1"))
    assert created.metadata.uid and created.data == {"k": "1"}
    with pytest.raises(ApiException) as info:
        await call(core.create_namespaced_config_map, "default", configmap("a"))
    assert info.value.status == 409 and "already exists" in info.value.body
    created.data = {"k": "2"}
    updated = await call(core.replace_namespaced_config_map, "a", "default", created)
    created.data = {"k": "3"}
    with pytest.raises(ApiException) as stale:
        await call(core.replace_namespaced_config_map, "a", "default", created)
    assert stale.value.status == 409 and "the object has been modified" in stale.value.body
    assert updated.data == {"k": "2"}
    await call(core.delete_namespaced_config_map, "a", "default")
    with pytest.raises(ApiException) as gone:
        await call(core.read_namespaced_config_map, "a", "default")
    assert gone.value.status == 404


async def test_pagination(api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    for i in range(5):
        await call(core.create_namespaced_config_map, "default", configmap(f"cm-{i}"))
    names: list[str] = []
    token = None
    while True:
        page = await call(core.list_namespaced_config_map, "default", limit=2, _continue=token)
        names += [item.metadata.name for item in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert names == [f"cm-{i}" for i in range(5)]


async def test_watch_resumes_from_a_resource_version(api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    first = await call(core.create_namespaced_config_map, "default", configmap("a"))
    await call(core.create_namespaced_config_map, "default", configmap("b"))

    def watch_once() -> list[tuple[str, str]]:
        stream = k8s_watch.Watch().stream(
            core.list_namespaced_config_map,
            "default",
            resource_version=first.metadata.resource_version,
            timeout_seconds=1,
        )
        return [(e["type"], e["object"].metadata.name) for e in stream]

    assert await trio.to_thread.run_sync(watch_once) == [("ADDED", "b")]


async def test_status_scale_and_patches(api: k8s.ApiClient) -> None:
    apps = k8s.AppsV1Api(api)
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "nginx"}]},
            },
        },
    }
    await call(apps.create_namespaced_deployment, "default", deployment)
    scaled = await call(
        apps.patch_namespaced_deployment_scale, "web", "default", {"spec": {"replicas": 3}}
    )
    assert scaled.spec.replicas == 3
    status = await call(
        apps.patch_namespaced_deployment_status, "web", "default", {"status": {"replicas": 3}}
    )
    assert status.status.replicas == 3 and status.spec.replicas == 3
    patched = await call(
        apps.patch_namespaced_deployment,
        "web",
        "default",
        {"metadata": {"labels": {"tier": "front"}}},
    )
    assert patched.metadata.labels == {"tier": "front"}
