"""core/v1 and events.k8s.io/v1 Events are one storage seen through two APIs, as upstream."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from apiserver.endpoints import request as rq
from apiserver.registry.events import core_to_events_v1, events_v1_to_core
from minikube_py.errors import AlreadyExists, BadRequest, Invalid, NotFound
from minikube_py.objects import Object

POD_REF = {"kind": "Pod", "namespace": "default", "name": "web", "uid": "u-1", "apiVersion": "v1"}


def core_event(name: str = "web.1", **more: Any) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "default"},
        "involvedObject": POD_REF,
        "reason": "Scheduled",
        "message": "Successfully assigned default/web to node-1",
        "source": {"component": "default-scheduler"},
        "firstTimestamp": "2026-01-01T00:00:00Z",
        "lastTimestamp": "2026-01-01T00:00:05Z",
        "count": 2,
        "type": "Normal",
        "reportingComponent": "default-scheduler",
        "reportingInstance": "default-scheduler-node-1",
        **more,
    }


def v1_event(name: str = "web.2", **more: Any) -> Object:
    return {
        "apiVersion": "events.k8s.io/v1",
        "kind": "Event",
        "metadata": {"name": name, "namespace": "default"},
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "reportingController": "example.com/controller",
        "reportingInstance": "controller-0",
        "action": "Binding",
        "reason": "Scheduled",
        "regarding": POD_REF,
        "note": "bound",
        "type": "Normal",
        **more,
    }


async def test_core_event_is_read_through_events_k8s_io(api: InProcessClient) -> None:
    created = await api.create(core_event())
    seen = await api.get("events.events.k8s.io", "web.1")
    assert seen == {
        "kind": "Event",
        "apiVersion": "events.k8s.io/v1",
        "metadata": created["metadata"],
        "eventTime": None,
        "reportingController": "default-scheduler",
        "reportingInstance": "default-scheduler-node-1",
        "reason": "Scheduled",
        "regarding": POD_REF,
        "note": "Successfully assigned default/web to node-1",
        "type": "Normal",
        "deprecatedSource": {"component": "default-scheduler"},
        "deprecatedFirstTimestamp": "2026-01-01T00:00:00Z",
        "deprecatedLastTimestamp": "2026-01-01T00:00:05Z",
        "deprecatedCount": 2,
    }


async def test_events_k8s_io_event_is_read_through_core(api: InProcessClient) -> None:
    created = await api.create(
        v1_event(series={"count": 3, "lastObservedTime": "2026-01-01T00:01:00.000000Z"})
    )
    assert created["apiVersion"] == "events.k8s.io/v1"
    assert created["note"] == "bound"
    seen = await api.get("events", "web.2")
    assert seen == {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": created["metadata"],
        "eventTime": "2026-01-01T00:00:00.000000Z",
        "series": {"count": 3, "lastObservedTime": "2026-01-01T00:01:00.000000Z"},
        "action": "Binding",
        "reason": "Scheduled",
        "type": "Normal",
        "reportingInstance": "controller-0",
        "involvedObject": POD_REF,
        "message": "bound",
        "reportingComponent": "example.com/controller",
        "source": {},
        "firstTimestamp": None,
        "lastTimestamp": None,
    }


async def test_both_apis_list_the_same_events(api: InProcessClient) -> None:
    await api.create(core_event())
    await api.create(v1_event())
    core = await api.list("events", namespace="default")
    v1 = await api.list("events.events.k8s.io", namespace="default")
    assert [e["metadata"]["name"] for e in core["items"]] == ["web.1", "web.2"]
    assert [e["metadata"]["name"] for e in v1["items"]] == ["web.1", "web.2"]
    assert core["metadata"]["resourceVersion"] == v1["metadata"]["resourceVersion"]
    assert v1["kind"] == "EventList" and v1["apiVersion"] == "events.k8s.io/v1"


async def test_one_name_one_event(api: InProcessClient) -> None:
    await api.create(core_event("same"))
    with pytest.raises(AlreadyExists):
        await api.create(v1_event("same"))


async def test_delete_through_one_api_is_seen_by_the_other(api: InProcessClient) -> None:
    await api.create(v1_event())
    await api.delete("events", "web.2")
    with pytest.raises(NotFound):
        await api.get("events.events.k8s.io", "web.2")


async def test_update_through_events_k8s_io_keeps_the_core_fields(api: InProcessClient) -> None:
    await api.create(core_event())
    seen = await api.get("events.events.k8s.io", "web.1")
    seen["metadata"]["labels"] = {"seen": "yes"}
    updated = await api.update(seen)
    assert updated["metadata"]["labels"] == {"seen": "yes"}
    core = await api.get("events", "web.1")
    assert core["message"] == "Successfully assigned default/web to node-1"
    assert core["count"] == 2
    assert core["source"] == {"component": "default-scheduler"}
    assert core["metadata"]["labels"] == {"seen": "yes"}


async def test_events_k8s_io_update_may_not_change_what_happened(api: InProcessClient) -> None:
    await api.create(v1_event())
    with pytest.raises(Invalid) as caught:
        await api.patch("events.events.k8s.io", "web.2", {"note": "rewritten"})
    assert caught.value.details["causes"][0]["field"] == "message"  # type: ignore[index]


async def test_patch_through_core_then_read_through_events_k8s_io(api: InProcessClient) -> None:
    await api.create(core_event())
    await api.patch("events", "web.1", {"count": 3, "lastTimestamp": "2026-01-01T00:00:09Z"})
    seen = await api.get("events.events.k8s.io", "web.1")
    assert seen["deprecatedCount"] == 3
    assert seen["deprecatedLastTimestamp"] == "2026-01-01T00:00:09Z"


async def test_watch_through_events_k8s_io_sees_core_writes(api: InProcessClient) -> None:
    start = await api.list("events.events.k8s.io", namespace="default")
    async with api.watch(
        "events.events.k8s.io",
        namespace="default",
        resource_version=start["metadata"]["resourceVersion"],
    ) as watch:
        await api.create(core_event())
        event = await watch.__anext__()
    assert event["type"] == "ADDED"
    assert event["object"]["apiVersion"] == "events.k8s.io/v1"
    assert event["object"]["regarding"] == POD_REF
    assert event["object"]["note"].startswith("Successfully assigned")


async def test_watch_from_history_converts_too(api: InProcessClient) -> None:
    before = await api.list("events", namespace="default")
    await api.create(core_event())
    # a revision older than the cache's window is replayed from store history
    server = api.server
    server.watch_caches.clear()
    request = rq.Request(
        verb="watch",
        group="events.k8s.io",
        resource="events",
        namespace="default",
        query={"watch": "true", "resourceVersion": before["metadata"]["resourceVersion"]},
    )
    stream = server.watch(request)
    stream._cursor = None  # force the history path
    stream._watcher = server.kv.watch(
        "/registry/events/default/",
        prefix=True,
        start_revision=int(before["metadata"]["resourceVersion"]) + 1,
        prev_kv=True,
    )
    async with stream:
        event = await stream.__anext__()
    assert event["object"]["apiVersion"] == "events.k8s.io/v1"
    assert event["object"]["deprecatedCount"] == 2


async def test_field_selectors_use_each_api_s_names(api: InProcessClient) -> None:
    await api.create(core_event())
    await api.create(v1_event(regarding={**POD_REF, "name": "other"}))
    v1 = await api.list(
        "events.events.k8s.io", namespace="default", field_selector="regarding.name=web"
    )
    assert [e["metadata"]["name"] for e in v1["items"]] == ["web.1"]
    controller = await api.list(
        "events.events.k8s.io",
        namespace="default",
        field_selector="reportingController=example.com/controller",
    )
    assert [e["metadata"]["name"] for e in controller["items"]] == ["web.2"]
    core = await api.list("events", namespace="default", field_selector="involvedObject.name=web")
    assert [e["metadata"]["name"] for e in core["items"]] == ["web.1"]
    with pytest.raises(BadRequest):
        await api.list(
            "events.events.k8s.io", namespace="default", field_selector="involvedObject.name=web"
        )


async def test_events_k8s_io_create_is_strict(api: InProcessClient) -> None:
    bad = v1_event(type="Fatal", deprecatedCount=4)
    del bad["eventTime"]
    del bad["action"]
    with pytest.raises(Invalid) as caught:
        await api.create(bad)
    fields = {c["field"] for c in caught.value.details["causes"]}  # type: ignore[index]
    assert {"eventTime", "type", "deprecatedCount"} <= fields


async def test_events_k8s_io_requires_the_reporter(api: InProcessClient) -> None:
    bad = v1_event()
    del bad["reportingController"]
    del bad["reportingInstance"]
    with pytest.raises(Invalid) as caught:
        await api.create(bad)
    fields = [c["field"] for c in caught.value.details["causes"]]  # type: ignore[index]
    assert "reportingController" in fields and "reportingInstance" in fields


def test_conversion_round_trips() -> None:
    core = core_event()
    core["metadata"]["resourceVersion"] = "5"
    assert events_v1_to_core(core_to_events_v1(core)) == {
        **core,
        "eventTime": None,
    }
    v1 = v1_event(related=POD_REF)
    assert core_to_events_v1(events_v1_to_core(v1)) == {
        **v1,
        "deprecatedSource": {},
        "deprecatedFirstTimestamp": None,
        "deprecatedLastTimestamp": None,
    }
