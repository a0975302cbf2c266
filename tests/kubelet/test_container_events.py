"""The kubelet's container events point at the container (``involvedObject.fieldPath``), are
aggregated per container, and the recorder's aggregation cache is a bounded LRU."""

from __future__ import annotations

import pytest
from kubelet_helpers import is_ready, make_pod, start_nodes

from controllers.runtime.events import MAX_LRU_CACHE_ENTRIES, NORMAL, EventRecorder
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

pytestmark = pytest.mark.cluster(controllers=[])


async def test_container_events_carry_their_field_path(cluster: ClusterHarness) -> None:
    await start_nodes(cluster, "node-1")
    await make_pod(
        cluster,
        "p",
        "node-1",
        initContainers=[{"name": "setup", "image": "busybox:1.36"}],
        containers=[{"name": "a", "image": "app:1.0"}, {"name": "b", "image": "app:1.0"}],
    )
    await cluster.wait_for("pods", "p", is_ready)
    events = await cluster.events(involved_name="p")
    paths = {(e["reason"], e["involvedObject"].get("fieldPath")) for e in events}
    assert paths == {
        ("Pulling", "spec.initContainers{setup}"),
        ("Pulled", "spec.initContainers{setup}"),
        ("Created", "spec.initContainers{setup}"),
        ("Started", "spec.initContainers{setup}"),
        ("Pulling", "spec.containers{a}"),
        ("Pulled", "spec.containers{a}"),
        ("Created", "spec.containers{a}"),
        ("Started", "spec.containers{a}"),
        ("Pulling", "spec.containers{b}"),
        ("Pulled", "spec.containers{b}"),
        ("Created", "spec.containers{b}"),
        ("Started", "spec.containers{b}"),
    }
    # the same message about two containers: two events, not one with count 2
    pulling = [e for e in events if e["message"] == 'Pulling image "app:1.0"']
    assert [e["count"] for e in pulling] == [1, 1]


async def test_recorder_forgets_the_least_recently_used_keys(cluster: ClusterHarness) -> None:
    assert MAX_LRU_CACHE_ENTRIES == 4096  # client-go's maxLruCacheEntries
    recorder = EventRecorder(cluster.client, cluster.cluster.clock, "test", cache_size=2)
    pod: Object = await make_pod(cluster, "p", "nowhere")

    async def record(message: str) -> int:
        event = await recorder.event(pod, NORMAL, "Test", message)
        assert event is not None
        return int(event["count"])

    assert [await record(m) for m in ("a", "b", "a", "c")] == [1, 1, 2, 1]
    # "b" was the least recently used when "c" came: forgotten, a new event
    assert await record("b") == 1
    assert await record("c") == 2
    assert len(recorder._seen) == 2
    events = [e for e in await cluster.events(involved_name="p") if e["reason"] == "Test"]
    assert sorted((e["message"], e["count"]) for e in events) == [
        ("a", 2),
        ("b", 1),
        ("b", 1),
        ("c", 2),
    ]
    # a field path is part of the key
    first = await recorder.event(pod, NORMAL, "Test", "c", field_path="spec.containers{x}")
    assert first is not None and first["count"] == 1
    assert first["involvedObject"]["fieldPath"] == "spec.containers{x}"
