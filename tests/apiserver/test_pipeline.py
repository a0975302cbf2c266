"""The API server's request pipeline, through the in-process client, behaving like v1.32."""

from __future__ import annotations

import re
from typing import Any

import pytest
import trio
import trio.testing

from apiserver.client import InProcessClient
from minikube_py.errors import (
    AlreadyExists,
    BadRequest,
    Conflict,
    Expired,
    Forbidden,
    Invalid,
    MethodNotSupported,
    NotFound,
    StatusError,
    from_status,
)


def configmap(name: str, **data: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}


def deployment(name: str = "web", replicas: int = 2, labels: dict | None = None) -> dict[str, Any]:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]},
            },
        },
    }


def pod(name: str, node: str = "", **labels: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": spec,
    }


# -- create ------------------------------------------------------------------------------------


async def test_create_sets_server_owned_metadata(api: InProcessClient) -> None:
    created = await api.create(configmap("a", k="v"))
    meta = created["metadata"]
    assert meta["namespace"] == "default"
    assert meta["creationTimestamp"] == "2026-01-01T00:00:00Z"
    assert len(meta["uid"]) == 36
    assert int(meta["resourceVersion"]) > 1
    assert "generation" not in meta  # config maps have none
    fetched = await api.get("configmaps", "a")
    assert fetched == created


async def test_client_supplied_uid_and_timestamps_are_replaced(api: InProcessClient) -> None:
    obj = configmap("a")
    obj["metadata"].update(uid="mine", creationTimestamp="1999-01-01T00:00:00Z")
    created = await api.create(obj)
    assert created["metadata"]["uid"] != "mine"
    assert created["metadata"]["creationTimestamp"] == "2026-01-01T00:00:00Z"


async def test_generate_name_appends_five_random_characters(api: InProcessClient) -> None:
    obj = configmap("")
    obj["metadata"] = {"generateName": "cfg-"}
    created = await api.create(obj)
    name = created["metadata"]["name"]
    assert name.startswith("cfg-") and len(name) == len("cfg-") + 5


async def test_create_of_an_existing_name_already_exists(api: InProcessClient) -> None:
    await api.create(configmap("a"))
    with pytest.raises(AlreadyExists) as info:
        await api.create(configmap("a"))
    assert info.value.message == 'configmaps "a" already exists'
    assert info.value.code == 409


async def test_invalid_names_are_refused_with_field_causes(api: InProcessClient) -> None:
    with pytest.raises(Invalid) as info:
        await api.create(configmap("Not_Valid"))
    status = info.value.status()
    assert status["code"] == 422
    assert status["message"].startswith('ConfigMap "Not_Valid" is invalid: metadata.name: Invalid')
    assert status["details"]["causes"][0]["field"] == "metadata.name"
    assert status["details"]["causes"][0]["reason"] == "FieldValueInvalid"


async def test_resource_version_on_create_is_refused(api: InProcessClient) -> None:
    obj = configmap("a")
    obj["metadata"]["resourceVersion"] = "5"
    with pytest.raises(BadRequest, match="resourceVersion should not be set"):
        await api.create(obj)


async def test_create_in_a_missing_namespace_is_not_found(api: InProcessClient) -> None:
    with pytest.raises(NotFound) as info:
        await api.create(configmap("a"), namespace="nowhere")
    assert info.value.message == 'namespaces "nowhere" not found'


async def test_api_version_mismatch_is_a_bad_request(api: InProcessClient) -> None:
    server = api.server
    from apiserver.endpoints.request import Request

    response = await server.handle(
        Request(
            verb="create",
            resource="configmaps",
            namespace="default",
            body={"apiVersion": "v2", "kind": "ConfigMap", "metadata": {"name": "x"}},
        )
    )
    assert response.code == 400
    assert "does not match the expected API version" in response.body["message"]


async def test_dry_run_runs_everything_but_persists_nothing(api: InProcessClient) -> None:
    before = api.server.kv.revision
    created = await api.create(configmap("a"), dry_run=True)
    assert created["metadata"]["uid"]
    assert "resourceVersion" not in created["metadata"]
    assert api.server.kv.revision == before
    with pytest.raises(NotFound):
        await api.get("configmaps", "a")
    with pytest.raises(Invalid):
        await api.create(configmap("BAD"), dry_run=True)


# -- update ------------------------------------------------------------------------------------


async def test_update_with_stale_resource_version_conflicts(api: InProcessClient) -> None:
    first = await api.create(configmap("a", k="1"))
    first["data"]["k"] = "2"
    await api.update(first)
    first["data"]["k"] = "3"
    with pytest.raises(Conflict) as info:
        await api.update(first)
    assert info.value.message == (
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; please '
        "apply your changes to the latest version and try again"
    )


async def test_update_without_resource_version_is_unconditional(api: InProcessClient) -> None:
    await api.create(configmap("a", k="1"))
    updated = await api.update(configmap("a", k="2"))
    assert updated["data"] == {"k": "2"}


async def test_a_write_that_changes_nothing_does_not_bump_the_revision(
    api: InProcessClient,
) -> None:
    created = await api.create(configmap("a", k="1"))
    revision = api.server.kv.revision
    again = await api.update(created)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert api.server.kv.revision == revision
    patched = await api.patch("configmaps", "a", {"data": {"k": "1"}})
    assert patched["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


async def test_update_cannot_change_the_name_in_the_url(api: InProcessClient) -> None:
    from apiserver.endpoints.request import Request

    await api.create(configmap("a"))
    response = await api.server.handle(
        Request(
            verb="update",
            resource="configmaps",
            namespace="default",
            name="a",
            body=configmap("b"),
        )
    )
    assert response.code == 400
    assert response.body["message"] == (
        "the name of the object (b) does not match the name on the URL (a)"
    )


async def test_main_resource_writes_ignore_status_and_status_writes_only_status(
    api: InProcessClient,
) -> None:
    created = await api.create(deployment())
    assert "status" not in created
    created["status"] = {"replicas": 7}
    created["spec"]["replicas"] = 3
    updated = await api.update(created)
    assert "status" not in updated and updated["spec"]["replicas"] == 3
    updated["status"] = {"replicas": 3, "readyReplicas": 1}
    updated["spec"]["replicas"] = 10
    updated["metadata"]["labels"] = {"sneaky": "yes"}
    status = await api.update(updated, subresource="status")
    assert status["status"] == {"replicas": 3, "readyReplicas": 1}
    assert status["spec"]["replicas"] == 3
    assert "labels" not in status["metadata"]


async def test_deployment_generation_moves_on_spec_and_annotations_only(
    api: InProcessClient,
) -> None:
    created = await api.create(deployment())
    assert created["metadata"]["generation"] == 1
    scaled = await api.patch("deploy", "web", {"spec": {"replicas": 5}})
    assert scaled["metadata"]["generation"] == 2
    annotated = await api.patch("deploy", "web", {"metadata": {"annotations": {"a": "b"}}})
    assert annotated["metadata"]["generation"] == 3
    labelled = await api.patch("deploy", "web", {"metadata": {"labels": {"x": "y"}}})
    assert labelled["metadata"]["generation"] == 3
    status = await api.patch("deploy", "web", {"status": {"replicas": 1}}, subresource="status")
    assert status["metadata"]["generation"] == 3


async def test_deployment_defaults(api: InProcessClient) -> None:
    created = await api.create(deployment())
    spec = created["spec"]
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
    }
    assert spec["revisionHistoryLimit"] == 10
    assert spec["progressDeadlineSeconds"] == 600
    container = spec["template"]["spec"]["containers"][0]
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert spec["template"]["spec"]["restartPolicy"] == "Always"


async def test_deployment_selector_must_match_template_labels(api: InProcessClient) -> None:
    with pytest.raises(Invalid) as info:
        await api.create(deployment(labels={"app": "other"}))
    assert info.value.message == (
        'Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: '
        'map[string]string{"app":"other"}: `selector` does not match template `labels`'
    )


async def test_deployment_selector_is_immutable(api: InProcessClient) -> None:
    await api.create(deployment())
    with pytest.raises(Invalid, match="field is immutable"):
        await api.patch(
            "deploy",
            "web",
            {
                "spec": {
                    "selector": {"matchLabels": {"app": "web", "x": "y"}},
                    "template": {"metadata": {"labels": {"app": "web", "x": "y"}}},
                }
            },
        )


async def test_scale_subresource_reads_and_writes_replicas(api: InProcessClient) -> None:
    await api.create(deployment(replicas=2))
    scale = await api.get("deployments", "web", subresource="scale")
    assert scale["kind"] == "Scale" and scale["apiVersion"] == "autoscaling/v1"
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"]["selector"] == "app=web"
    scale["spec"]["replicas"] = 4
    written = await api.update(
        {**scale, "apiVersion": "apps/v1", "kind": "Deployment"}, subresource="scale"
    )
    assert written["spec"]["replicas"] == 4
    patched = await api.patch("deployments", "web", {"spec": {"replicas": 6}}, subresource="scale")
    assert patched["spec"]["replicas"] == 6
    assert (await api.get("deployments", "web"))["spec"]["replicas"] == 6


async def test_pod_spec_is_immutable_but_images_may_change(api: InProcessClient) -> None:
    await api.create(pod("p"))
    changed = await api.patch(
        "pods",
        "p",
        [{"op": "replace", "path": "/spec/containers/0/image", "value": "nginx"}],
        patch_type="json",
    )
    assert changed["spec"]["containers"][0]["image"] == "nginx"
    with pytest.raises(Invalid, match="pod updates may not change fields"):
        await api.patch("pods", "p", {"spec": {"restartPolicy": "Never"}})


async def test_pods_get_default_tolerations(api: InProcessClient) -> None:
    created = await api.create(pod("p"))
    tolerations = created["spec"]["tolerations"]
    assert {t["key"] for t in tolerations} == {
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    }
    assert all(t["tolerationSeconds"] == 300 for t in tolerations)
    assert created["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


# -- patch -------------------------------------------------------------------------------------


async def test_json_patch_failed_test_is_a_422(api: InProcessClient) -> None:
    await api.create(configmap("a", k="1"))
    with pytest.raises(StatusError) as info:
        await api.patch(
            "configmaps", "a", [{"op": "test", "path": "/data/k", "value": "2"}], patch_type="json"
        )
    assert info.value.code == 422
    assert info.value.message == "the server rejected our request due to an error in our request"


async def test_merge_patch_deletes_with_null(api: InProcessClient) -> None:
    await api.create(configmap("a", k="1", j="2"))
    patched = await api.patch("configmaps", "a", {"data": {"k": None}})
    assert patched["data"] == {"j": "2"}


async def test_patch_of_a_missing_object_is_not_found(api: InProcessClient) -> None:
    with pytest.raises(NotFound):
        await api.patch("configmaps", "nope", {"data": {}})


# -- delete ------------------------------------------------------------------------------------


async def test_delete_returns_a_success_status_for_configmaps(api: InProcessClient) -> None:
    created = await api.create(configmap("a"))
    status = await api.delete("configmaps", "a")
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "details": {"name": "a", "kind": "configmaps", "uid": created["metadata"]["uid"]},
    }
    with pytest.raises(NotFound):
        await api.get("configmaps", "a")


async def test_finalizers_hold_an_object_until_removed(api: InProcessClient) -> None:
    obj = configmap("a")
    obj["metadata"]["finalizers"] = ["example.com/hold"]
    await api.create(obj)
    pending = await api.delete("configmaps", "a")
    assert pending["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:00Z"
    assert pending["metadata"]["deletionGracePeriodSeconds"] == 0
    with pytest.raises(Invalid, match="no new finalizers can be added"):
        await api.patch(
            "configmaps", "a", {"metadata": {"finalizers": ["example.com/hold", "x.io/more"]}}
        )
    await api.patch("configmaps", "a", {"metadata": {"finalizers": None}})
    with pytest.raises(NotFound):
        await api.get("configmaps", "a")


async def test_propagation_policy_sets_the_gc_finalizers(api: InProcessClient) -> None:
    await api.create(deployment("orphaned"))
    orphaned = await api.delete("deploy", "orphaned", propagation_policy="Orphan")
    assert orphaned["metadata"]["finalizers"] == ["orphan"]
    await api.create(deployment("fg"))
    foreground = await api.delete("deploy", "fg", propagation_policy="Foreground")
    assert foreground["metadata"]["finalizers"] == ["foregroundDeletion"]
    await api.create(deployment("bg"))
    await api.delete("deploy", "bg", propagation_policy="Background")
    with pytest.raises(NotFound):
        await api.get("deploy", "bg")


async def test_delete_preconditions(api: InProcessClient) -> None:
    await api.create(configmap("a"))
    with pytest.raises(Conflict, match="Precondition failed: UID in precondition: wrong"):
        await api.delete("configmaps", "a", preconditions={"uid": "wrong"})


async def test_a_scheduled_pod_is_deleted_gracefully(
    api: InProcessClient, autojump_clock: trio.testing.MockClock
) -> None:
    await api.create(pod("p", node="node-1"))
    await trio.sleep(10)
    pending = await api.delete("pods", "p")
    assert pending["metadata"]["deletionGracePeriodSeconds"] == 30
    assert pending["metadata"]["deletionTimestamp"] == "2026-01-01T00:00:40Z"
    assert (await api.get("pods", "p"))["metadata"]["deletionTimestamp"]
    gone = await api.delete("pods", "p", grace_period_seconds=0)
    assert gone["kind"] == "Pod"  # pods answer with the deleted object
    with pytest.raises(NotFound):
        await api.get("pods", "p")


async def test_an_unscheduled_pod_is_deleted_at_once(api: InProcessClient) -> None:
    await api.create(pod("p"))
    await api.delete("pods", "p")
    with pytest.raises(NotFound):
        await api.get("pods", "p")


# -- namespaces --------------------------------------------------------------------------------


async def test_namespace_lifecycle(api: InProcessClient) -> None:
    ns = await api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    assert ns["status"] == {"phase": "Active"}
    assert ns["spec"] == {"finalizers": ["kubernetes"]}
    await api.create(configmap("a"), namespace="team")
    terminating = await api.delete("namespaces", "team")
    assert terminating["status"]["phase"] == "Terminating"
    assert terminating["metadata"]["deletionTimestamp"]
    with pytest.raises(Forbidden) as info:
        await api.create(configmap("b"), namespace="team")
    assert info.value.message == (
        'configmaps "b" is forbidden: unable to create new content in namespace team because it '
        "is being terminated"
    )
    current = await api.get("namespaces", "team")
    current["spec"]["finalizers"] = []
    await api.update(current, subresource="finalize")
    with pytest.raises(NotFound):
        await api.get("namespaces", "team")


async def test_system_namespaces_cannot_be_deleted(api: InProcessClient) -> None:
    with pytest.raises(Forbidden, match="this namespace may not be deleted"):
        await api.delete("namespaces", "default")


# -- reads -------------------------------------------------------------------------------------


async def test_list_pages_come_from_one_snapshot(api: InProcessClient) -> None:
    for i in range(7):
        await api.create(configmap(f"cm-{i}"))
    first = await api.list("configmaps", namespace="default", limit=3)
    assert [i["metadata"]["name"] for i in first["items"]] == ["cm-0", "cm-1", "cm-2"]
    assert first["metadata"]["remainingItemCount"] == 4
    assert "kind" not in first["items"][0]
    await api.create(configmap("cm-00"))  # after the snapshot: not in later pages
    await api.delete("configmaps", "cm-5")  # likewise still listed
    names = [i["metadata"]["name"] for i in first["items"]]
    token = first["metadata"]["continue"]
    while token:
        page = await api.list("configmaps", namespace="default", limit=3, continue_token=token)
        names += [i["metadata"]["name"] for i in page["items"]]
        token = page["metadata"].get("continue", "")
        assert page["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert names == [f"cm-{i}" for i in range(7)]


async def test_an_expired_continue_token_is_410(api: InProcessClient) -> None:
    for i in range(4):
        await api.create(configmap(f"cm-{i}"))
    first = await api.list("configmaps", namespace="default", limit=2)
    await api.create(configmap("later"))
    await api.server.kv.compact(api.server.kv.revision)
    with pytest.raises(Expired, match="too old to display a consistent list"):
        await api.list("configmaps", limit=2, continue_token=first["metadata"]["continue"])


async def test_label_and_field_selectors(api: InProcessClient) -> None:
    await api.create(pod("a", node="n1", app="web", tier="front"))
    await api.create(pod("b", node="n2", app="web"))
    await api.create(pod("c", app="db"))

    async def names(**kw: str) -> list[str]:
        listed = await api.list("pods", namespace="default", **kw)
        return [i["metadata"]["name"] for i in listed["items"]]

    assert await names(label_selector="app=web") == ["a", "b"]
    assert await names(label_selector="tier!=front") == ["b", "c"]  # absent counts as !=
    assert await names(label_selector="app in (db),!tier") == ["c"]
    assert await names(field_selector="spec.nodeName=n2") == ["b"]
    assert await names(field_selector="spec.nodeName=") == ["c"]
    with pytest.raises(BadRequest, match="unable to parse requirement"):
        await names(label_selector="app=(")
    with pytest.raises(BadRequest, match=re.escape("field label not supported: spec.bogus")):
        await names(field_selector="spec.bogus=x")
    with pytest.raises(BadRequest, match=re.escape('"data.k" is not a known field selector')):
        await api.list("configmaps", field_selector="data.k=x")


async def test_list_across_all_namespaces(api: InProcessClient) -> None:
    await api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    await api.create(configmap("a"))
    await api.create(configmap("b"), namespace="other")
    listed = await api.list("configmaps")
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in listed["items"]] == [
        ("default", "a"),
        ("other", "b"),
    ]


async def test_too_large_resource_version_is_a_504(api: InProcessClient) -> None:
    with pytest.raises(StatusError) as info:
        await api.list("configmaps", resource_version="999999")
    assert info.value.code == 504
    assert info.value.message.startswith("Timeout: Too large resource version: 999999")


async def test_unknown_resources_and_verbs(api: InProcessClient) -> None:
    from apiserver.endpoints.request import Request

    with pytest.raises(NotFound):
        await api.get("widgets", "x")
    response = await api.server.handle(
        Request(verb="deletecollection", resource="namespaces", body=None)
    )
    assert response.code == 405
    assert isinstance(from_status(response.body), MethodNotSupported)


# -- watch -------------------------------------------------------------------------------------


async def test_watch_from_zero_sends_the_current_state_then_changes(api: InProcessClient) -> None:
    await api.create(configmap("a"))
    async with api.watch("configmaps", namespace="default") as events:
        first = await events.__anext__()
        assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "a")
        await api.patch("configmaps", "a", {"data": {"k": "v"}})
        await api.delete("configmaps", "a")
        second, third = await events.__anext__(), await events.__anext__()
    assert second["type"] == "MODIFIED" and second["object"]["data"] == {"k": "v"}
    assert third["type"] == "DELETED"
    assert int(third["object"]["metadata"]["resourceVersion"]) > int(
        second["object"]["metadata"]["resourceVersion"]
    )


async def test_list_then_watch_from_its_resource_version_misses_nothing(
    api: InProcessClient,
) -> None:
    await api.create(configmap("a"))
    listed = await api.list("configmaps", namespace="default")
    await api.create(configmap("b"))  # between the list and the watch
    async with api.watch(
        "configmaps", namespace="default", resource_version=listed["metadata"]["resourceVersion"]
    ) as events:
        event = await events.__anext__()
    assert (event["type"], event["object"]["metadata"]["name"]) == ("ADDED", "b")


async def test_an_object_leaving_the_selector_is_deleted_for_the_watcher(
    api: InProcessClient,
) -> None:
    await api.create(pod("a", app="web"))
    async with api.watch("pods", namespace="default", label_selector="app=web") as events:
        assert (await events.__anext__())["type"] == "ADDED"
        await api.patch("pods", "a", {"metadata": {"labels": {"app": "db"}}})
        left = await events.__anext__()
        await api.patch("pods", "a", {"metadata": {"labels": {"app": "web"}}})
        back = await events.__anext__()
    assert left["type"] == "DELETED" and left["object"]["metadata"]["labels"] == {"app": "db"}
    assert back["type"] == "ADDED"


async def test_watch_below_compaction_gets_a_410_error_event(api: InProcessClient) -> None:
    created = await api.create(configmap("a"))
    await api.patch("configmaps", "a", {"data": {"k": "1"}})
    await api.server.kv.compact(api.server.kv.revision)
    rv = str(int(created["metadata"]["resourceVersion"]) - 1)
    async with api.watch("configmaps", namespace="default", resource_version=rv) as events:
        event = await events.__anext__()
        with pytest.raises(StopAsyncIteration):
            await events.__anext__()
    assert event["type"] == "ERROR"
    assert event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"


async def test_bookmarks_and_timeouts_follow_cluster_time(
    api: InProcessClient, autojump_clock: trio.testing.MockClock
) -> None:
    created = await api.create(configmap("a"))
    rv = created["metadata"]["resourceVersion"]
    seen = []
    start = trio.current_time()
    async with api.watch(
        "configmaps",
        namespace="default",
        resource_version=rv,
        allow_bookmarks=True,
        timeout_seconds=150,
    ) as events:
        async for event in events:
            seen.append((event["type"], round(trio.current_time() - start)))
    assert seen == [("BOOKMARK", 60), ("BOOKMARK", 120)]
    assert trio.current_time() - start == pytest.approx(150)


async def test_send_initial_events_ends_with_an_annotated_bookmark(api: InProcessClient) -> None:
    from apiserver.endpoints.request import Request

    await api.create(configmap("a"))
    stream = api.server.watch(
        Request(
            verb="watch",
            resource="configmaps",
            namespace="default",
            query={
                "watch": "true",
                "sendInitialEvents": "true",
                "allowWatchBookmarks": "true",
                "resourceVersionMatch": "NotOlderThan",
            },
        )
    )
    async with stream:
        added, bookmark = await stream.__anext__(), await stream.__anext__()
    assert added["type"] == "ADDED"
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    with pytest.raises(Invalid, match="sendInitialEvents requires setting resourceVersionMatch"):
        api.server.watch(
            Request(
                verb="watch",
                resource="configmaps",
                query={"sendInitialEvents": "true", "allowWatchBookmarks": "true"},
            )
        )
