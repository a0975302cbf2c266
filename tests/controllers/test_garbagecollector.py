"""The garbage collector: background, foreground and orphan propagation, dangling references,
several owners, cluster-scoped owners."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import trio

from controllers.garbagecollector import GarbageCollector
from minikube_py.client import Client
from minikube_py.errors import NotFound
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

# these tests start their own instance of the controller under test
pytestmark = pytest.mark.cluster(controllers=[])


async def start(cluster: ClusterHarness) -> GarbageCollector:
    gc = GarbageCollector(cluster.client, cluster.informer)
    for controller in gc.controllers():
        await cluster.run_controller(controller)
    return gc


def ref(owner: Object, *, block: bool | None = None, controller: bool = False) -> dict[str, Any]:
    reference: dict[str, Any] = {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
    }
    if controller:
        reference["controller"] = True
    if block is not None:
        reference["blockOwnerDeletion"] = block
    return reference


async def configmap(
    kube: Client,
    name: str,
    *,
    owners: Sequence[dict[str, Any]] = (),
    finalizers: Sequence[str] = (),
    namespace: str = "default",
) -> Object:
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if owners:
        metadata["ownerReferences"] = list(owners)
    if finalizers:
        metadata["finalizers"] = list(finalizers)
    created = await kube.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata})
    return {"apiVersion": "v1", "kind": "ConfigMap", **created}


async def secret(kube: Client, name: str, owners: list[dict[str, Any]]) -> Object:
    return await kube.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": "default", "ownerReferences": owners},
        }
    )


async def exists(kube: Client, resource: str, name: str, namespace: str = "default") -> bool:
    try:
        await kube.get(resource, name, namespace=namespace)
    except NotFound:
        return False
    return True


async def remove_finalizers(kube: Client, resource: str, name: str) -> None:
    await kube.patch(resource, name, {"metadata": {"finalizers": None}}, namespace="default")


async def test_background_deletion_collects_dependents(cluster: ClusterHarness) -> None:
    kube = cluster.client
    await start(cluster)
    owner = await configmap(kube, "owner")
    await secret(kube, "child-a", [ref(owner, controller=True, block=True)])
    await configmap(kube, "child-b", owners=[ref(owner)])
    await trio.sleep(5)
    assert await exists(kube, "secrets", "child-a")  # an owner that exists keeps them

    await kube.delete("configmaps", "owner", propagation_policy="Background")
    await cluster.wait_for_deletion("secrets", "child-a")
    await cluster.wait_for_deletion("configmaps", "child-b")


async def test_dependents_created_after_their_owner_died_are_collected(
    cluster: ClusterHarness,
) -> None:
    kube = cluster.client
    owner = await configmap(kube, "owner")
    await kube.delete("configmaps", "owner")
    await secret(kube, "orphaned-before-start", [ref(owner)])
    await start(cluster)
    await cluster.wait_for_deletion("secrets", "orphaned-before-start")
    await secret(kube, "orphaned-after-start", [ref(owner)])
    await cluster.wait_for_deletion("secrets", "orphaned-after-start")


async def test_dangling_reference_to_a_recreated_name_is_collected(
    cluster: ClusterHarness,
) -> None:
    kube = cluster.client
    await start(cluster)
    old = await configmap(kube, "owner")
    await kube.delete("configmaps", "owner")
    await configmap(kube, "owner")  # same name, another uid
    await secret(kube, "dangling", [ref(old)])
    await cluster.wait_for_deletion("secrets", "dangling")
    assert await exists(kube, "configmaps", "owner")


async def test_dangling_reference_to_a_never_existing_owner(cluster: ClusterHarness) -> None:
    kube = cluster.client
    graph = (await start(cluster)).graph.uid_to_node
    ghost = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "ghost", "uid": "00000000-0000-0000-0000-000000000001"},
    }
    await secret(kube, "haunted", [ref(ghost, controller=True)])
    await cluster.wait_for_deletion("secrets", "haunted")
    # the virtual owner node was checked against the API and taken out of the graph
    await cluster.wait_until(lambda: "00000000-0000-0000-0000-000000000001" not in graph)


async def test_dependent_with_several_owners_lives_while_one_remains(
    cluster: ClusterHarness,
) -> None:
    kube = cluster.client
    gc = await start(cluster)
    first = await configmap(kube, "first")
    second = await configmap(kube, "second")
    shared = await secret(kube, "shared", [ref(first), ref(second)])
    await kube.delete("configmaps", "first")
    # the dangling reference is dropped, the dependent stays with its solid owner
    kept = await cluster.wait_for(
        "secrets", "shared", lambda s: len(s["metadata"].get("ownerReferences") or []) == 1
    )
    assert kept["metadata"]["ownerReferences"][0]["uid"] == second["metadata"]["uid"]
    assert kept["metadata"]["uid"] == shared["metadata"]["uid"]
    await kube.delete("configmaps", "second")
    await cluster.wait_for_deletion("secrets", "shared")
    await trio.sleep(1)
    assert gc.graph.uid_to_node.read(shared["metadata"]["uid"]) is None


async def test_foreground_deletion_waits_for_blocking_dependents(cluster: ClusterHarness) -> None:
    kube = cluster.client
    await start(cluster)
    owner = await configmap(kube, "owner")
    # both dependents hold a finalizer, so they stay (being deleted) until we let them go
    await configmap(kube, "blocking", owners=[ref(owner, block=True)], finalizers=["test/hold"])
    await configmap(kube, "free", owners=[ref(owner, block=False)], finalizers=["test/hold"])

    await kube.delete("configmaps", "owner", propagation_policy="Foreground")
    for name in ("blocking", "free"):
        await cluster.wait_for(
            "configmaps", name, lambda c: bool(c["metadata"].get("deletionTimestamp"))
        )
    await trio.sleep(30)
    held = await kube.get("configmaps", "owner", namespace="default")
    assert held["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert held["metadata"].get("deletionTimestamp")

    await remove_finalizers(kube, "configmaps", "blocking")
    await cluster.wait_for_deletion("configmaps", "owner")
    # the non-blocking dependent never held the owner up; it is still there, being deleted
    assert await exists(kube, "configmaps", "free")
    await remove_finalizers(kube, "configmaps", "free")
    await cluster.wait_for_deletion("configmaps", "free")


async def test_foreground_deletion_without_blocking_dependents_is_immediate(
    cluster: ClusterHarness,
) -> None:
    kube = cluster.client
    await start(cluster)
    owner = await configmap(kube, "owner")
    await configmap(kube, "free", owners=[ref(owner)], finalizers=["test/hold"])
    await kube.delete("configmaps", "owner", propagation_policy="Foreground")
    await cluster.wait_for_deletion("configmaps", "owner")
    free = await kube.get("configmaps", "free", namespace="default")
    assert free["metadata"].get("deletionTimestamp")  # still collected, just not waited for


async def test_foreground_deletion_cascades_through_grandchildren(
    cluster: ClusterHarness,
) -> None:
    kube = cluster.client
    await start(cluster)
    owner = await configmap(kube, "owner")
    child = await configmap(kube, "child", owners=[ref(owner, block=True)])
    await configmap(kube, "grandchild", owners=[ref(child, block=True)], finalizers=["test/hold"])
    await kube.delete("configmaps", "owner", propagation_policy="Foreground")
    # the child has dependents, so it is deleted in the foreground too
    await cluster.wait_for(
        "configmaps", "child", lambda c: "foregroundDeletion" in c["metadata"]["finalizers"]
    )
    await trio.sleep(30)
    assert await exists(kube, "configmaps", "owner")
    await remove_finalizers(kube, "configmaps", "grandchild")
    await cluster.wait_for_deletion("configmaps", "grandchild")
    await cluster.wait_for_deletion("configmaps", "child")
    await cluster.wait_for_deletion("configmaps", "owner")


async def test_orphan_deletion_strips_references_and_keeps_dependents(
    cluster: ClusterHarness,
) -> None:
    kube = cluster.client
    await start(cluster)
    owner = await configmap(kube, "owner")
    other = await configmap(kube, "other")
    await secret(kube, "orphan-a", [ref(owner, controller=True, block=True)])
    await secret(kube, "orphan-b", [ref(owner), ref(other)])

    await kube.delete("configmaps", "owner", propagation_policy="Orphan")
    await cluster.wait_for_deletion("configmaps", "owner")
    orphan_a = await kube.get("secrets", "orphan-a", namespace="default")
    assert "ownerReferences" not in orphan_a["metadata"]
    orphan_b = await kube.get("secrets", "orphan-b", namespace="default")
    assert [r["uid"] for r in orphan_b["metadata"]["ownerReferences"]] == [other["metadata"]["uid"]]
    await trio.sleep(30)
    assert await exists(kube, "secrets", "orphan-a")
    assert await exists(kube, "secrets", "orphan-b")


async def test_cluster_scoped_owner_of_namespaced_dependents(cluster: ClusterHarness) -> None:
    kube = cluster.client
    await start(cluster)
    role = await kube.create(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "owner-role"},
            "rules": [],
        }
    )
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", **role}
    await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    await configmap(kube, "in-default", owners=[ref(role)])
    await configmap(kube, "in-team", owners=[ref(role)], namespace="team")
    await trio.sleep(10)
    assert await exists(kube, "configmaps", "in-team", namespace="team")

    await kube.delete("clusterroles", "owner-role")
    await cluster.wait_for_deletion("configmaps", "in-default")
    await cluster.wait_for_deletion("configmaps", "in-team", namespace="team")


async def test_cluster_scoped_object_naming_a_namespaced_owner_is_left_alone(
    cluster: ClusterHarness,
) -> None:
    """Such a reference is invalid; upstream neither deletes the object nor retries it."""
    kube = cluster.client
    gc = await start(cluster)
    owner = await configmap(kube, "namespaced-owner")
    await kube.create(
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "confused", "ownerReferences": [ref(owner)]},
            "rules": [],
        }
    )
    await kube.delete("configmaps", "namespaced-owner")
    await trio.sleep(600)
    assert await exists(kube, "clusterroles", "confused", namespace="")
    attempts = gc.controllers()[0].reconciles
    await trio.sleep(600)
    assert gc.controllers()[0].reconciles == attempts  # not retried


async def test_a_nodes_csinode_goes_with_the_node(cluster: ClusterHarness) -> None:
    """The kubelet makes its CSINode owned by its Node; deleting the Node collects it."""
    kube = cluster.client
    await start(cluster)
    node = await kube.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1"}})
    node = {"apiVersion": "v1", "kind": "Node", **node}
    await kube.create(
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "CSINode",
            "metadata": {"name": "n1", "ownerReferences": [ref(node)]},
            "spec": {"drivers": []},
        }
    )
    await trio.sleep(5)
    assert await exists(kube, "csinodes", "n1", namespace="")
    await kube.delete("nodes", "n1")
    await cluster.wait_for_deletion("csinodes", "n1", namespace="")
