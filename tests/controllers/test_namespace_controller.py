"""The namespace controller: content deleted, finalizers on content honoured, conditions
reported, the namespace finalized."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from controllers.namespace import NamespaceController
from controllers.namespace.status_condition_utils import conditions_by_type
from minikube_py.client import Client
from minikube_py.errors import GroupResource, NotFound, StatusError
from minikube_py.testing import ClusterHarness

# these tests start their own instance of the controller under test
pytestmark = pytest.mark.cluster(controllers=[])


async def start(cluster: ClusterHarness, **options: Any) -> NamespaceController:
    namespaces = NamespaceController(
        cluster.client, cluster.informer, cluster.cluster.clock, **options
    )
    await cluster.run_controller(namespaces.controller())
    return namespaces


async def create_namespace(kube: Client, name: str) -> None:
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


async def fill(kube: Client, namespace: str) -> None:
    await kube.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}},
        namespace=namespace,
    )
    await kube.create(
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "token"}},
        namespace=namespace,
    )
    await kube.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "web", "image": "nginx"}]},
                },
            },
        },
        namespace=namespace,
    )


async def count(kube: Client, resource: str, namespace: str) -> int:
    return len((await kube.list(resource, namespace=namespace))["items"])


async def test_deleting_a_namespace_deletes_its_content(cluster: ClusterHarness) -> None:
    kube = cluster.client
    await start(cluster)
    await create_namespace(kube, "team")
    await fill(kube, "team")
    await trio.sleep(5)
    assert (await kube.get("namespaces", "team"))["status"]["phase"] == "Active"

    await kube.delete("namespaces", "team")
    await cluster.wait_for_deletion("namespaces", "team", namespace="")
    for resource in ("configmaps", "secrets", "deployments", "serviceaccounts"):
        assert await count(kube, resource, "team") == 0, resource


async def test_finalizer_on_content_holds_the_namespace(cluster: ClusterHarness) -> None:
    kube = cluster.client
    await start(cluster)
    await create_namespace(kube, "held")
    await fill(kube, "held")
    await kube.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "guarded", "finalizers": ["example.com/guard"]},
        },
        namespace="held",
    )
    await kube.delete("namespaces", "held")

    def content_remaining(ns: dict[str, Any]) -> bool:
        remaining = conditions_by_type(ns).get("NamespaceContentRemaining") or {}
        return remaining.get("status") == "True"

    ns = await cluster.wait_for("namespaces", "held", content_remaining, namespace="")
    conditions = conditions_by_type(ns)
    assert ns["status"]["phase"] == "Terminating"
    assert ns["spec"]["finalizers"] == ["kubernetes"]
    assert {kind: (c["status"], c["reason"], c["message"]) for kind, c in conditions.items()} == {
        "NamespaceDeletionDiscoveryFailure": (
            "False",
            "ResourcesDiscovered",
            "All resources successfully discovered",
        ),
        "NamespaceDeletionGroupVersionParsingFailure": (
            "False",
            "ParsedGroupVersions",
            "All legacy kube types successfully parsed",
        ),
        "NamespaceDeletionContentFailure": (
            "False",
            "ContentDeleted",
            "All content successfully deleted, may be waiting on finalization",
        ),
        "NamespaceContentRemaining": (
            "True",
            "SomeResourcesRemain",
            "Some resources are remaining: configmaps. has 1 resource instances",
        ),
        "NamespaceFinalizersRemaining": (
            "True",
            "SomeFinalizersRemain",
            "Some content in the namespace has finalizers remaining: example.com/guard in 1 "
            "resource instances",
        ),
    }
    # everything else went; the guarded ConfigMap stays, being deleted
    assert await count(kube, "secrets", "held") == 0
    assert await count(kube, "deployments", "held") == 0
    guarded = await kube.get("configmaps", "guarded", namespace="held")
    assert guarded["metadata"].get("deletionTimestamp")

    # an hour later, still held
    await trio.sleep(3600)
    assert (await kube.get("namespaces", "held"))["status"]["phase"] == "Terminating"

    await kube.patch("configmaps", "guarded", {"metadata": {"finalizers": None}}, namespace="held")
    # within one requeue (15 s estimate -> 8 s) the namespace is finalized and gone
    await cluster.wait_for_deletion("namespaces", "held", namespace="", timeout=20)


async def test_conditions_turn_ok_once_content_is_gone(cluster: ClusterHarness) -> None:
    """A second finalizer on the namespace keeps it after ours is removed: the conditions
    then show the "ok" state, with the transition recorded."""
    kube = cluster.client
    await start(cluster)
    await kube.create(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "slow"},
            "spec": {"finalizers": ["example.com/other"]},
        }
    )
    await kube.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "guarded", "finalizers": ["example.com/guard"]},
        },
        namespace="slow",
    )
    await kube.delete("namespaces", "slow")
    await cluster.wait_for(
        "namespaces",
        "slow",
        lambda ns: (
            conditions_by_type(ns).get("NamespaceFinalizersRemaining", {}).get("status") == "True"
        ),
        namespace="",
    )
    await kube.patch("secrets", "guarded", {"metadata": {"finalizers": None}}, namespace="slow")
    ns = await cluster.wait_for(
        "namespaces",
        "slow",
        lambda ns: ns["spec"].get("finalizers") == ["example.com/other"],
        namespace="",
    )
    conditions = conditions_by_type(ns)
    assert conditions["NamespaceContentRemaining"]["status"] == "False"
    assert conditions["NamespaceContentRemaining"]["reason"] == "ContentRemoved"
    assert conditions["NamespaceFinalizersRemaining"]["reason"] == "ContentHasNoFinalizers"
    assert ns["status"]["phase"] == "Terminating"


async def test_discovery_failure_is_reported(cluster: ClusterHarness) -> None:
    kube = cluster.client
    broken = True

    async def discover() -> list[GroupResource]:
        if broken:
            raise StatusError("the server is currently unable to handle the request", code=503)
        return [GroupResource("", "configmaps")]

    await start(cluster, resources=discover)
    await create_namespace(kube, "flaky")
    await kube.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}, namespace="flaky"
    )
    await kube.delete("namespaces", "flaky")
    ns = await cluster.wait_for(
        "namespaces",
        "flaky",
        lambda ns: (
            conditions_by_type(ns).get("NamespaceDeletionDiscoveryFailure", {}).get("status")
            == "True"
        ),
        namespace="",
    )
    failure = conditions_by_type(ns)["NamespaceDeletionDiscoveryFailure"]
    assert failure["reason"] == "DiscoveryFailed"
    assert failure["message"] == "the server is currently unable to handle the request"
    # retried with backoff; once discovery works the namespace is emptied and finalized
    broken = False
    await cluster.wait_for_deletion("namespaces", "flaky", namespace="", timeout=1200)
    assert await count(kube, "configmaps", "flaky") == 0


async def test_namespace_that_is_not_deleted_is_left_alone(cluster: ClusterHarness) -> None:
    kube = cluster.client
    controller = await start(cluster)
    await create_namespace(kube, "calm")
    await fill(kube, "calm")
    await trio.sleep(60)
    assert await count(kube, "configmaps", "calm") == 1
    try:
        ns = await kube.get("namespaces", "calm")
    except NotFound:  # pragma: no cover - would be the bug
        raise AssertionError("namespace deleted") from None
    assert "conditions" not in ns["status"]
    assert controller.namespaces.has_synced
