"""Pod subresources: ``binding``, ``eviction`` and ``log``, as a v1.32 apiserver answers them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from datetime import timedelta
from typing import Any

import pytest
import trio

from apiserver.client import InProcessClient
from apiserver.endpoints import request as rq
from minikube_py.clock import format_time
from minikube_py.errors import BadRequest, Conflict, Invalid, NotFound, StatusError
from minikube_py.objects import Object
from minikube_py.podlogs import LogOptions


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


# -- eviction ----------------------------------------------------------------------------------


async def running_pod(
    api: InProcessClient, name: str = "web", *, ready: bool = True, **labels: str
) -> Object:
    """A pod made to look bound and running (no kubelet here), Ready or not."""
    await api.create(pod(name, labels=labels or {"app": "web"}))
    await api.bind(name, "node-1")
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    return await api.patch(
        "pods",
        name,
        {"status": {"phase": "Running", "conditions": conditions}},
        subresource="status",
    )


async def pdb(
    api: InProcessClient,
    name: str = "budget",
    *,
    selector: dict[str, Any] | None = None,
    allowed: int = 1,
    current: int = 2,
    desired: int = 1,
    observed: bool = True,
    **spec: Any,
) -> Object:
    """A PDB with the status the disruption controller would have written."""
    created = await api.create(
        {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": {"name": name},
            "spec": {
                "selector": selector if selector is not None else {"matchLabels": {"app": "web"}},
                "minAvailable": 1,
                **spec,
            },
        }
    )
    created["status"] = {
        "observedGeneration": created["metadata"]["generation"] if observed else 0,
        "disruptionsAllowed": allowed,
        "currentHealthy": current,
        "desiredHealthy": desired,
        "expectedPods": current,
    }
    return await api.update(created, subresource="status")


async def test_eviction_without_a_budget_deletes_the_pod(api: InProcessClient) -> None:
    await running_pod(api)
    status = await api.evict("web", grace_period_seconds=0)
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    with pytest.raises(NotFound):
        await api.get("pods", "web")


async def test_eviction_marks_the_pod_disruption_target_before_graceful_deletion(
    api: InProcessClient,
) -> None:
    await running_pod(api)
    await api.evict("web")
    evicted = await api.get("pods", "web")
    assert evicted["metadata"]["deletionTimestamp"]
    assert evicted["metadata"]["deletionGracePeriodSeconds"] == 30
    target = [c for c in evicted["status"]["conditions"] if c["type"] == "DisruptionTarget"]
    assert target == [
        {
            "type": "DisruptionTarget",
            "status": "True",
            "lastProbeTime": None,
            "lastTransitionTime": target[0]["lastTransitionTime"],
            "reason": "EvictionByEvictionAPI",
            "message": "Eviction API: evicting",
        }
    ]


async def test_eviction_spends_the_budget(api: InProcessClient) -> None:
    await running_pod(api)
    await pdb(api, allowed=1)
    await api.evict("web")
    budget = await api.get("poddisruptionbudgets", "budget")
    assert budget["status"]["disruptionsAllowed"] == 0
    assert list(budget["status"]["disruptedPods"]) == ["web"]
    (condition,) = budget["status"]["conditions"]
    assert condition["type"] == "DisruptionAllowed"
    assert condition["status"] == "False"
    assert condition["reason"] == "InsufficientPods"
    # written as upstream's loopback client writes it
    (writer,) = [e for e in budget["metadata"]["managedFields"] if e["manager"] == "kube-apiserver"]
    assert writer["subresource"] == "status"
    assert "f:disruptedPods" in writer["fieldsV1"]["f:status"]


async def test_eviction_refused_when_the_budget_is_spent(api: InProcessClient) -> None:
    await running_pod(api)
    await pdb(api, allowed=0, current=1, desired=1)
    with pytest.raises(StatusError) as caught:
        await api.evict("web")
    error = caught.value
    assert error.code == 429
    assert error.reason == "TooManyRequests"
    assert error.message == "Cannot evict pod as it would violate the pod's disruption budget."
    assert error.details == {
        "causes": [
            {
                "reason": "DisruptionBudget",
                "message": "The disruption budget budget needs 1 healthy pods and has 1 currently",
            }
        ]
    }
    assert "deletionTimestamp" not in (await api.get("pods", "web"))["metadata"]


async def test_eviction_waits_for_the_budget_to_be_observed(api: InProcessClient) -> None:
    await running_pod(api)
    await pdb(api, observed=False)
    with pytest.raises(StatusError) as caught:
        await api.evict("web")
    assert caught.value.code == 429
    assert caught.value.details == {
        "retryAfterSeconds": 10,
        "causes": [
            {
                "reason": "DisruptionBudget",
                "message": "The disruption budget budget is still being processed by the server.",
            }
        ],
    }


async def test_eviction_with_two_budgets_is_a_500(api: InProcessClient) -> None:
    await running_pod(api)
    await pdb(api, "one")
    await pdb(api, "two", selector={})
    with pytest.raises(StatusError) as caught:
        await api.evict("web")
    assert caught.value.code == 500
    assert caught.value.message == (
        "This pod has more than one PodDisruptionBudget, which the eviction subresource does "
        "not support."
    )


async def test_budget_with_null_selector_matches_no_pod(api: InProcessClient) -> None:
    await running_pod(api)
    budget = await pdb(api, allowed=0)
    budget["spec"].pop("selector")
    await api.update(budget)
    await api.evict("web", grace_period_seconds=0)
    with pytest.raises(NotFound):
        await api.get("pods", "web")


async def test_budget_in_another_namespace_does_not_apply(api: InProcessClient) -> None:
    await api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    await running_pod(api)
    budget = {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": "b", "namespace": "other"},
        "spec": {"selector": {}, "maxUnavailable": 0},
    }
    await api.create(budget)
    await api.evict("web", grace_period_seconds=0)


@pytest.mark.parametrize("phase", ["Pending", "Succeeded", "Failed"])
async def test_eviction_of_pending_or_terminal_pods_ignores_the_budget(
    api: InProcessClient, phase: str
) -> None:
    await running_pod(api)
    await api.patch("pods", "web", {"status": {"phase": phase}}, subresource="status")
    await pdb(api, allowed=0)
    await api.evict("web", grace_period_seconds=0)
    with pytest.raises(NotFound):
        await api.get("pods", "web")
    budget = await api.get("poddisruptionbudgets", "budget")
    assert "disruptedPods" not in budget["status"]


async def test_unready_pod_evicted_while_the_application_is_healthy(
    api: InProcessClient,
) -> None:
    await running_pod(api, ready=False)
    await pdb(api, allowed=0, current=2, desired=2)
    await api.evict("web", grace_period_seconds=0)
    budget = await api.get("poddisruptionbudgets", "budget")
    assert budget["status"]["disruptionsAllowed"] == 0
    assert "disruptedPods" not in budget["status"]


async def test_unready_pod_guarded_when_the_application_is_short(api: InProcessClient) -> None:
    await running_pod(api, ready=False)
    await pdb(api, allowed=0, current=1, desired=2)
    with pytest.raises(StatusError) as caught:
        await api.evict("web")
    assert caught.value.code == 429


async def test_unready_pod_always_evictable_with_always_allow(api: InProcessClient) -> None:
    await running_pod(api, ready=False)
    await pdb(api, allowed=0, current=0, desired=2, unhealthyPodEvictionPolicy="AlwaysAllow")
    await api.evict("web", grace_period_seconds=0)
    with pytest.raises(NotFound):
        await api.get("pods", "web")


async def test_eviction_dry_run_changes_nothing(api: InProcessClient) -> None:
    before = await running_pod(api)
    await pdb(api, allowed=1)
    status = await api.evict("web", dry_run=True)
    assert status["status"] == "Success"
    after = await api.get("pods", "web")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    budget = await api.get("poddisruptionbudgets", "budget")
    assert budget["status"]["disruptionsAllowed"] == 1


async def test_eviction_dry_run_refused_as_the_real_one_would_be(api: InProcessClient) -> None:
    await running_pod(api)
    await pdb(api, allowed=0)
    with pytest.raises(StatusError) as caught:
        await api.evict("web", dry_run=True)
    assert caught.value.code == 429


async def test_eviction_accepts_a_v1beta1_body(api: InProcessClient) -> None:
    await running_pod(api)
    eviction = {
        "apiVersion": "policy/v1beta1",
        "kind": "Eviction",
        "metadata": {"name": "web"},
        "deleteOptions": {"gracePeriodSeconds": 0},
    }
    await api.create(eviction, resource="pods", subresource="eviction")
    with pytest.raises(NotFound):
        await api.get("pods", "web")


async def test_eviction_of_a_missing_pod_is_not_found(api: InProcessClient) -> None:
    with pytest.raises(NotFound):
        await api.evict("ghost")


async def test_eviction_named_differently_from_the_url_is_refused(api: InProcessClient) -> None:
    await running_pod(api)
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "other"}}
    with pytest.raises(BadRequest) as caught:
        await api.create(eviction, resource="pods", name="web", subresource="eviction")
    assert caught.value.message == "name in URL does not match name in Eviction object"


async def test_eviction_with_stale_resource_version_precondition_conflicts(
    api: InProcessClient,
) -> None:
    before = await running_pod(api)
    await api.patch("pods", "web", {"metadata": {"labels": {"app": "web", "x": "y"}}})
    eviction = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "web"},
        "deleteOptions": {
            "preconditions": {"resourceVersion": before["metadata"]["resourceVersion"]}
        },
    }
    with pytest.raises(Conflict):
        await api.create(eviction, resource="pods", subresource="eviction")


async def test_eviction_with_bad_delete_options_is_a_bad_request(api: InProcessClient) -> None:
    await running_pod(api)
    eviction = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": "web"},
        "deleteOptions": {"propagationPolicy": "Sideways"},
    }
    with pytest.raises(BadRequest):
        await api.create(eviction, resource="pods", subresource="eviction")
    eviction["deleteOptions"] = {"dryRun": ["Maybe"]}
    with pytest.raises(BadRequest):
        await api.create(eviction, resource="pods", subresource="eviction")


# -- log ---------------------------------------------------------------------------------------


class FakeLogs:
    """A LogSource standing in for the simulated kubelets: fixed lines, or a channel to follow."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.asked: list[LogOptions] = []
        self.send, self.receive = trio.open_memory_channel[bytes](10)
        self.closed = False

    async def logs(self, pod: Object, options: LogOptions) -> AsyncIterator[bytes]:
        self.asked.append(options)
        status = pod.get("status") or {}
        if status.get("phase") != "Running":
            raise BadRequest(
                f'container "{options.container}" in pod "{pod["metadata"]["name"]}" is '
                "waiting to start: ContainerCreating"
            )
        lines = self.lines
        if options.tail_lines is not None:
            lines = lines[len(lines) - options.tail_lines :] if options.tail_lines else []
        for line in lines:
            yield f"{line}\n".encode()
        if options.follow:
            try:
                async for chunk in self.receive:
                    yield chunk
            finally:
                self.closed = True


@pytest.fixture
def logs(api: InProcessClient) -> FakeLogs:
    source = FakeLogs(["one", "two", "three"])
    api.server.log_source = source
    return source


async def test_logs_of_the_only_container(api: InProcessClient, logs: FakeLogs) -> None:
    await running_pod(api)
    assert await api.logs("web") == "one\ntwo\nthree\n"
    assert logs.asked == [LogOptions(container="c")]


async def test_logs_pass_the_options_to_the_node(api: InProcessClient, logs: FakeLogs) -> None:
    await running_pod(api)
    text = await api.logs(
        "web",
        container="c",
        tail_lines=1,
        timestamps=True,
        since_seconds=60,
        limit_bytes=100,
        previous=False,
    )
    assert text == "three\n"
    assert logs.asked == [
        LogOptions(container="c", timestamps=True, tail_lines=1, since_seconds=60, limit_bytes=100)
    ]


async def test_logs_need_a_container_name_when_there_are_several(
    api: InProcessClient, logs: FakeLogs
) -> None:
    two = pod(
        containers=[{"name": "a", "image": "x"}, {"name": "b", "image": "y"}],
        initContainers=[{"name": "init", "image": "z"}],
    )
    await api.create(two)
    with pytest.raises(BadRequest) as caught:
        await api.logs("web")
    assert caught.value.message == (
        "a container name must be specified for pod web, choose one of: [a b] or one of the "
        "init containers: [init]"
    )
    with pytest.raises(BadRequest) as caught:
        await api.logs("web", container="nope")
    assert caught.value.message == "container nope is not valid for pod web"


async def test_logs_of_an_init_container_by_name(api: InProcessClient, logs: FakeLogs) -> None:
    await api.create(pod(initContainers=[{"name": "init", "image": "z"}]))
    await api.bind("web", "node-1")
    await api.patch("pods", "web", {"status": {"phase": "Running"}}, subresource="status")
    await api.logs("web", container="init")
    assert logs.asked[-1].container == "init"


async def test_logs_of_an_unscheduled_pod_are_empty(api: InProcessClient, logs: FakeLogs) -> None:
    await api.create(pod())
    assert await api.logs("web") == ""
    assert logs.asked == []


async def test_logs_refusal_of_the_node_is_the_answer(api: InProcessClient, logs: FakeLogs) -> None:
    await api.create(pod())
    await api.bind("web", "node-1")
    with pytest.raises(BadRequest) as caught:
        await api.logs("web")
    assert caught.value.message == (
        'container "c" in pod "web" is waiting to start: ContainerCreating'
    )


async def test_logs_without_a_log_source_answer_as_a_kubelet(api: InProcessClient) -> None:
    await api.create(pod())
    await api.bind("web", "node-1")
    with pytest.raises(BadRequest) as caught:
        await api.logs("web")
    assert caught.value.message == (
        'container "c" in pod "web" is waiting to start: ContainerCreating'
    )
    waiting = {"name": "c", "state": {"waiting": {"reason": "ImagePullBackOff"}}}
    await api.patch(
        "pods", "web", {"status": {"containerStatuses": [waiting]}}, subresource="status"
    )
    with pytest.raises(BadRequest) as caught:
        await api.logs("web")
    assert caught.value.message == (
        'container "c" in pod "web" is waiting to start: trying and failing to pull image'
    )
    running = {"name": "c", "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}
    await api.patch(
        "pods", "web", {"status": {"containerStatuses": [running]}}, subresource="status"
    )
    assert await api.logs("web") == ""
    with pytest.raises(BadRequest) as caught:
        await api.logs("web", previous=True)
    assert caught.value.message == 'previous terminated container "c" in pod "web" not found'


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"tailLines": "-1"},
            'PodLogOptions "web" is invalid: tailLines: Invalid value: -1: must be greater '
            "than or equal to 0",
        ),
        (
            {"limitBytes": "0"},
            'PodLogOptions "web" is invalid: limitBytes: Invalid value: 0: must be greater than 0',
        ),
        (
            {"sinceSeconds": "0"},
            'PodLogOptions "web" is invalid: sinceSeconds: Invalid value: 0: must be greater '
            "than 0",
        ),
    ],
)
async def test_logs_with_bad_options_are_invalid(
    api: InProcessClient, logs: FakeLogs, query: dict[str, str], message: str
) -> None:
    await running_pod(api)
    response = await api.server.handle(
        rq.Request(
            verb="get",
            resource="pods",
            namespace="default",
            name="web",
            subresource="log",
            query=query,
        )
    )
    assert response.code == 422
    assert response.body["reason"] == "Invalid"
    assert response.body["message"] == message
    assert response.body["details"]["kind"] == "PodLogOptions"


async def test_logs_with_both_since_options_are_invalid(
    api: InProcessClient, logs: FakeLogs
) -> None:
    await running_pod(api)
    response = await api.server.handle(
        rq.Request(
            verb="get",
            resource="pods",
            namespace="default",
            name="web",
            subresource="log",
            query={"sinceSeconds": "5", "sinceTime": "2026-01-01T00:00:00Z"},
        )
    )
    assert response.code == 422
    assert (
        "at most one of `sinceTime` or `sinceSeconds` may be specified"
        in (response.body["message"])
    )


async def test_logs_with_malformed_numbers_are_bad_requests(
    api: InProcessClient, logs: FakeLogs
) -> None:
    await running_pod(api)
    response = await api.server.handle(
        rq.Request(
            verb="get",
            resource="pods",
            namespace="default",
            name="web",
            subresource="log",
            query={"tailLines": "ten"},
        )
    )
    assert response.code == 400
    assert response.body["message"] == 'strconv.ParseInt: parsing "ten": invalid syntax'


async def test_logs_since_time_becomes_seconds(api: InProcessClient, logs: FakeLogs) -> None:
    await running_pod(api)
    now = api.server.clock.now()
    since = format_time(now - timedelta(seconds=90))
    request = rq.Request(
        verb="get",
        resource="pods",
        namespace="default",
        name="web",
        subresource="log",
        query={"sinceTime": since, "follow": "", "timestamps": "false"},
    )
    response = await api.server.handle(request)
    assert response.code == 200
    logs.send.close()
    assert await response.body.read() == b"one\ntwo\nthree\n"
    assert logs.asked[-1].since_seconds in (90, 91)  # whole seconds, rounded up
    assert logs.asked[-1].follow  # Go's parameter codec: present and not false/0 is true
    assert not logs.asked[-1].timestamps


async def test_logs_of_a_missing_pod_are_not_found(api: InProcessClient, logs: FakeLogs) -> None:
    with pytest.raises(NotFound):
        await api.logs("ghost")


async def test_follow_logs_streams_until_the_caller_stops(
    api: InProcessClient, logs: FakeLogs
) -> None:
    await running_pod(api)
    seen: list[str] = []
    async with aclosing(api.follow_logs("web", tail_lines=1)) as stream:
        async for chunk in stream:
            seen.append(chunk)
            if chunk == "three\n":
                await logs.send.send(b"four\n")
            if chunk == "four\n":
                break
    assert seen == ["three\n", "four\n"]
    assert logs.asked[-1].follow
    assert logs.closed


async def test_follow_logs_ends_with_the_container(api: InProcessClient, logs: FakeLogs) -> None:
    await running_pod(api)
    await logs.send.send(b"four\n")
    logs.send.close()
    seen = [chunk async for chunk in api.follow_logs("web")]
    assert seen == ["one\n", "two\n", "three\n", "four\n"]


async def test_legacy_bindings_resource_binds_the_named_pod(api: InProcessClient) -> None:
    await api.create(pod())
    status = await api.create(binding("web", "node-3"), resource="bindings")
    assert status["status"] == "Success" and status["code"] == 201
    assert (await api.get("pods", "web"))["spec"]["nodeName"] == "node-3"
    with pytest.raises(Conflict):
        await api.create(binding("web", "node-4"), resource="bindings")
    nameless = binding("", "node-1")
    with pytest.raises(BadRequest):
        await api.create(nameless, resource="bindings")
    with pytest.raises(StatusError) as caught:
        await api.list("bindings")
    assert caught.value.code == 405


async def test_no_binding_or_eviction_in_a_terminating_namespace(api: InProcessClient) -> None:
    await api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "going"}})
    held = pod()
    held["metadata"]["finalizers"] = ["example.com/hold"]
    await api.create(held, namespace="going")
    await api.delete("namespaces", "going")
    for call in (api.bind("web", "node-1", namespace="going"), api.evict("web", namespace="going")):
        with pytest.raises(StatusError) as caught:
            await call
        assert caught.value.code == 403
        assert caught.value.message == (
            'pods "web" is forbidden: unable to create new content in namespace going because '
            "it is being terminated"
        )
