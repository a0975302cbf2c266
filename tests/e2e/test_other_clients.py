"""kubernetes_asyncio and lightkube, unchanged, against the emulator over HTTP.

Both are asyncio or blocking clients; each scenario runs in a worker thread (with its own
asyncio loop where needed) while the cluster runs in the trio thread.
"""

from __future__ import annotations

import asyncio
from typing import Any

import trio
from kubectl_harness import Kubectl


async def test_kubernetes_asyncio(kubectl: Kubectl) -> None:
    async def scenario() -> list[Any]:
        from kubernetes_asyncio import client, config, watch

        await config.load_kube_config(config_file=str(kubectl.kubeconfig))
        async with client.ApiClient() as api:
            core = client.CoreV1Api(api)
            body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}
            created = await core.create_namespaced_config_map("default", body)
            listed = await core.list_namespaced_config_map("default")
            events = []
            stream = watch.Watch().stream(
                core.list_namespaced_config_map,
                "default",
                resource_version=created.metadata.resource_version,
                timeout_seconds=1,
            )
            await core.patch_namespaced_config_map("a", "default", {"data": {"k": "v"}})
            async for event in stream:
                events.append((event["type"], event["object"].data))
            return [[i.metadata.name for i in listed.items], events]

    names, events = await trio.to_thread.run_sync(lambda: asyncio.run(scenario()))
    assert names == ["a"]
    assert events == [("MODIFIED", {"k": "v"})]


async def test_lightkube(kubectl: Kubectl) -> None:
    def scenario() -> tuple[int, list[str], dict[str, str]]:
        from lightkube import Client, KubeConfig
        from lightkube.models.meta_v1 import ObjectMeta
        from lightkube.resources.apps_v1 import Deployment
        from lightkube.resources.core_v1 import ConfigMap

        client = Client(KubeConfig.from_file(str(kubectl.kubeconfig)), namespace="default")
        try:
            client.create(ConfigMap(metadata=ObjectMeta(name="lk"), data={"a": "b"}))
            patched = client.patch(ConfigMap, "lk", {"data": {"c": "d"}})
            names = [cm.metadata.name for cm in client.list(ConfigMap)]
            client.create(Deployment.from_dict(DEPLOYMENT))
            replicas = client.get(Deployment, "web").spec.replicas
            client.delete(ConfigMap, "lk")
            return replicas, names, patched.data
        finally:
            client.close()

    replicas, names, data = await trio.to_thread.run_sync(scenario)
    assert replicas == 1  # defaulted by the server
    assert names == ["lk"]
    assert data == {"a": "b", "c": "d"}


DEPLOYMENT = {
    "metadata": {"name": "web"},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
        },
    },
}
