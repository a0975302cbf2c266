"""Pod subresources: ``binding``, ``eviction`` and ``log``, as a v1.32 apiserver answers them."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import BadRequest, Conflict, Invalid, NotFound, StatusError
from minikube_py.objects import Object


def pod(name: str = "web", *, labels: dict[str, str] | None = None, **spec: Any) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": "web"}},
        "spec": {"containers": [{"name": "c", "image": "nginx"}], **spec},
    }


def binding(name: str, node: str, **metadata: Any) -> Object:
    return {
        "apiVersion": "v1",
        "kind": "Binding",
        "metadata": {"name": name, "namespace": "default", **metadata},
        "target": {"apiVersion": "v1", "kind": "Node", "name": node},
    }


# -- binding -----------------------------------------------------------------------------------


async def test_binding_as_the_scheduler_posts_it_sets_the_node(api: InProcessClient) -> None:
    await api.create(pod())
    status = await api.create(
        binding("web", "node-1"), namespace="default", resource="pods", subresource="binding"
    )
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    bound = await api.get("pods", "web")
    assert bound["spec"]["nodeName"] == "node-1"
    (scheduled,) = bound["status"]["conditions"]
    assert scheduled["type"] == "PodScheduled"
    assert scheduled["status"] == "True"
    assert scheduled["lastProbeTime"] is None
    assert scheduled["lastTransitionTime"]


async def test_binding_merges_annotations_and_replaces_a_false_pod_scheduled(
    api: InProcessClient,
) -> None:
    created = await api.create(pod(**{}))
    await api.patch(
        "pods",
        "web",
        {
            "status": {
                "conditions": [
                    {"type": "PodScheduled", "status": "False", "reason": "Unschedulable"}
                ]
            }
        },
        subresource="status",
    )
    await api.patch("pods", "web", {"metadata": {"annotations": {"keep": "me"}}})
    await api.create(
        binding("web", "node-2", annotations={"scheduled-by": "test"}),
        resource="pods",
        subresource="binding",
    )
    bound = await api.get("pods", "web")
    assert bound["metadata"]["annotations"] == {"keep": "me", "scheduled-by": "test"}
    assert [c["status"] for c in bound["status"]["conditions"]] == ["True"]
    assert "reason" not in bound["status"]["conditions"][0]
    assert bound["metadata"]["uid"] == created["metadata"]["uid"]


async def test_binding_a_bound_pod_conflicts(api: InProcessClient) -> None:
    await api.create(pod())
    await api.bind("web", "node-1")
    with pytest.raises(Conflict) as caught:
        await api.bind("web", "node-2")
    assert caught.value.message == (
        'Operation cannot be fulfilled on pods/binding "web": pod web is already assigned to '
        'node "node-1"'
    )
    assert caught.value.code == 409
    assert (await api.get("pods", "web"))["spec"]["nodeName"] == "node-1"


async def test_binding_a_pod_being_deleted_conflicts(api: InProcessClient) -> None:
    held = pod()
    held["metadata"]["finalizers"] = ["example.com/hold"]
    await api.create(held)
    await api.delete("pods", "web")
    with pytest.raises(Conflict) as caught:
        await api.bind("web", "node-1")
    assert "pod web is being deleted, cannot be assigned to a host" in caught.value.message


async def test_binding_a_gated_pod_conflicts(api: InProcessClient) -> None:
    await api.create(pod(schedulingGates=[{"name": "wait"}]))
    with pytest.raises(Conflict) as caught:
        await api.bind("web", "node-1")
    assert "pod web has non-empty .spec.schedulingGates" in caught.value.message


async def test_binding_a_missing_pod_is_not_found(api: InProcessClient) -> None:
    with pytest.raises(NotFound) as caught:
        await api.bind("ghost", "node-1")
    assert caught.value.message == 'pods "ghost" not found'


async def test_binding_dry_run_changes_nothing(api: InProcessClient) -> None:
    created = await api.create(pod())
    status = await api.bind("web", "node-1", dry_run=True)
    assert status["status"] == "Success"
    after = await api.get("pods", "web")
    assert after["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert "nodeName" not in after["spec"]


async def test_binding_without_a_target_is_invalid(api: InProcessClient) -> None:
    await api.create(pod())
    body = binding("web", "")
    body["target"]["kind"] = "Pod"
    with pytest.raises(Invalid) as caught:
        await api.create(body, resource="pods", subresource="binding")
    causes = caught.value.details["causes"]  # type: ignore[index]
    assert {c["field"] for c in causes} == {"target.kind", "target.name"}


async def test_binding_named_differently_from_the_url_is_refused(api: InProcessClient) -> None:
    await api.create(pod())
    with pytest.raises(BadRequest) as caught:
        await api.create(
            binding("other", "node-1"), resource="pods", name="web", subresource="binding"
        )
    assert caught.value.message == "name in URL does not match name in Binding object"


async def test_binding_body_of_another_kind_is_refused(api: InProcessClient) -> None:
    await api.create(pod())
    with pytest.raises(BadRequest):
        await api.create(pod(), resource="pods", name="web", subresource="binding")


async def test_status_subresource_cannot_be_created(api: InProcessClient) -> None:
    await api.create(pod())
    with pytest.raises(StatusError) as caught:
        await api.create(pod(), resource="pods", subresource="status")
    assert caught.value.code == 405
