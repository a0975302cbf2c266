"""Shared informers: the cache follows the server, across watch expiry and relists."""

from __future__ import annotations

from typing import Any

import trio
import trio.testing

from minikube_py.errors import Expired
from minikube_py.informer import DeletedFinalStateUnknown, FuncHandler, SharedInformer
from minikube_py.testing import ClusterHarness


def configmap(name: str, **labels: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": labels}}


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []

    def handler(self) -> FuncHandler:
        return FuncHandler(
            on_add=lambda o: self.events.append(("add", o["metadata"]["name"])),
            on_update=lambda old, new: self.events.append(("update", new["metadata"]["name"])),
            on_delete=lambda o: self.events.append(
                ("gone-unknown", o.obj["metadata"]["name"])
                if isinstance(o, DeletedFinalStateUnknown)
                else ("delete", o["metadata"]["name"])
            ),
        )


class LossyClient:
    """Delegates to a real client; can drop watch events (a network partition the watch did not
    notice) and turn the next watch event into a 410 ERROR."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.drop_events = False
        self.expire_next = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def watch(self, *args: Any, **kwargs: Any) -> Any:
        return LossyStream(self._client.watch(*args, **kwargs), self)


class LossyStream:
    def __init__(self, stream: Any, owner: LossyClient) -> None:
        self._stream, self._owner = stream, owner

    def __aiter__(self) -> LossyStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while True:
            event = await self._stream.__anext__()
            if self._owner.expire_next:
                self._owner.expire_next = False
                return {
                    "type": "ERROR",
                    "object": Expired("too old resource version: 1 (2)").status(),
                }
            if not self._owner.drop_events:
                return event

    async def __aenter__(self) -> LossyStream:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stream.close()


async def test_the_cache_follows_the_server(cluster: ClusterHarness) -> None:
    kube = cluster.client
    await kube.create(configmap("a"))
    informer = SharedInformer(kube, "configmaps", namespace="default")
    recorder = Recorder()
    informer.add_event_handler(recorder.handler())
    await cluster.cluster.start(informer.run)
    assert informer.has_synced and recorder.events == [("add", "a")]
    await kube.create(configmap("b"))
    await kube.patch("configmaps", "a", {"data": {"k": "v"}})
    await kube.delete("configmaps", "b")
    await trio.testing.wait_all_tasks_blocked()
    assert recorder.events == [("add", "a"), ("add", "b"), ("update", "a"), ("delete", "b")]
    cached = informer.get("default", "a")
    assert cached is not None and cached["data"] == {"k": "v"}


async def test_late_handlers_hear_about_cached_objects(cluster: ClusterHarness) -> None:
    await cluster.client.create(configmap("a"))
    informer = SharedInformer(cluster.client, "configmaps", namespace="default")
    await cluster.cluster.start(informer.run)
    recorder = Recorder()
    informer.add_event_handler(recorder.handler())
    assert recorder.events == [("add", "a")]


async def test_a_410_relists_and_reports_missed_deletes_as_final_state_unknown(
    cluster: ClusterHarness,
) -> None:
    kube = cluster.client
    lossy = LossyClient(kube)
    for name in ("a", "b", "c"):
        await kube.create(configmap(name))
    informer = SharedInformer(lossy, "configmaps", namespace="default")
    recorder = Recorder()
    informer.add_event_handler(recorder.handler())
    await cluster.cluster.start(informer.run)
    recorder.events.clear()

    lossy.drop_events = True  # the informer stops hearing anything
    await kube.delete("configmaps", "a")
    await kube.patch("configmaps", "b", {"data": {"k": "v"}})
    await kube.create(configmap("d"))
    await trio.testing.wait_all_tasks_blocked()
    assert recorder.events == []
    lossy.drop_events = False
    lossy.expire_next = True
    await kube.create(configmap("e"))  # the next event arrives as a 410 instead
    await trio.testing.wait_all_tasks_blocked()

    assert informer.lists == 2
    assert ("gone-unknown", "a") in recorder.events
    assert ("update", "b") in recorder.events
    assert {("add", "d"), ("add", "e")} <= set(recorder.events)
    server = await kube.list("configmaps", namespace="default")
    assert sorted(informer.indexer.list_keys()) == sorted(
        f"default/{i['metadata']['name']}" for i in server["items"]
    )


async def test_watches_that_time_out_resume_without_a_relist(cluster: ClusterHarness) -> None:
    informer = SharedInformer(cluster.client, "configmaps", namespace="default")
    informer.WATCH_TIMEOUT = (5, 5)
    await cluster.cluster.start(informer.run)
    for i in range(5):
        await trio.sleep(7)  # past a watch timeout each time
        await cluster.client.create(configmap(f"cm-{i}"))
    await trio.testing.wait_all_tasks_blocked()
    assert informer.lists == 1
    assert len(informer.list("default")) == 5


async def test_indexes(cluster: ClusterHarness) -> None:
    informer = SharedInformer(cluster.client, "configmaps")
    informer.add_indexer("team", lambda o: [o["metadata"].get("labels", {}).get("team", "")])
    await cluster.client.create(configmap("a", team="x"))
    await cluster.client.create(configmap("b", team="y"))
    await cluster.cluster.start(informer.run)
    assert [o["metadata"]["name"] for o in informer.indexer.by_index("team", "x")] == ["a"]
    await cluster.client.patch("configmaps", "a", {"metadata": {"labels": {"team": "y"}}})
    await trio.testing.wait_all_tasks_blocked()
    assert [o["metadata"]["name"] for o in informer.indexer.by_index("team", "y")] == ["a", "b"]
    assert informer.indexer.by_index("team", "x") == []
