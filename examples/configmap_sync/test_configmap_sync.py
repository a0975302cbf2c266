"""How to test a controller: run it in the ``cluster`` fixture, act through the client, wait.

Everything runs on virtual time, so "nothing happened for an hour" is a ``trio.sleep(3600)`` that
takes no real time, and a count of reconciles proves that a failure is not being retried.
"""

from __future__ import annotations

import pathlib

import pytest
import trio

from controllers.runtime import Controller
from minikube_py.client import Client
from minikube_py.objects import Object
from minikube_py.testing import ClusterHarness

from . import (
    COMPONENT,
    COPY_NAME_ANNOTATION,
    FINALIZER,
    MANAGED_LABEL,
    TEMPLATE_LABEL,
    TEMPLATE_VERSION_ANNOTATION,
    ConfigMapSync,
    Reason,
)

TEMPLATE = "shared-template"
COPY = "shared-settings"


async def start(cluster: ClusterHarness) -> Controller:
    sync = ConfigMapSync(cluster.client, cluster.informer, cluster.recorder(COMPONENT))
    return await cluster.run_controller(sync.controller())


async def create_template(kube: Client, name: str = TEMPLATE, copy_name: str = COPY) -> Object:
    return await kube.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": name,
                "namespace": "kube-system",
                "labels": {TEMPLATE_LABEL: "true"},
                "annotations": {COPY_NAME_ANNOTATION: copy_name},
            },
            "data": {"greeting": f"hello from {name}"},
        }
    )


async def create_namespace(kube: Client, name: str) -> Object:
    return await kube.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


async def copy_namespaces(kube: Client) -> list[str]:
    """Where copies belong: every namespace but the template's."""
    listed = await kube.list("namespaces")
    names = [n["metadata"]["name"] for n in listed["items"]]
    return [name for name in names if name != "kube-system"]


async def events_of(cluster: ClusterHarness, reason: str, template: str = TEMPLATE) -> list[Object]:
    events = await cluster.events(namespace="kube-system", involved_name=template)
    return [e for e in events if e["reason"] == reason]


HELLO = {"greeting": f"hello from {TEMPLATE}"}


# -- the README's opening example is a test too -------------------------------------------------
# It is run from the README itself, so the quote and the code cannot drift apart.

_README = pathlib.Path(__file__).with_name("README.md")
exec(compile(_README.read_text().split("```python\n")[1].split("```")[0], str(_README), "exec"))


# -- ConfigMapSync -------------------------------------------------------------------------------


async def test_copies_appear_in_every_namespace_and_in_new_ones(
    cluster: ClusterHarness, kube: Client
) -> None:
    await create_template(kube)
    await start(cluster)
    await create_namespace(kube, "team-a")
    for namespace in await copy_namespaces(kube):
        copy = await cluster.wait_for("configmaps", COPY, namespace=namespace)
        assert copy["data"] == HELLO
        assert copy["metadata"]["labels"] == {MANAGED_LABEL: "true"}
    template = await kube.get("configmaps", TEMPLATE, namespace="kube-system")
    assert template["metadata"]["finalizers"] == [FINALIZER]
    version = copy["metadata"]["annotations"][TEMPLATE_VERSION_ANNOTATION]
    assert version == template["metadata"]["resourceVersion"]


async def test_editing_the_template_updates_every_copy(
    cluster: ClusterHarness, kube: Client
) -> None:
    await create_template(kube)
    await start(cluster)
    await cluster.wait_for("configmaps", COPY)
    bonjour = {"data": {"greeting": "bonjour"}}
    await kube.patch("configmaps", TEMPLATE, bonjour, namespace="kube-system")
    for namespace in await copy_namespaces(kube):
        await cluster.wait_for(
            "configmaps", COPY, lambda cm: cm["data"] == bonjour["data"], namespace=namespace
        )


async def test_an_edited_copy_is_put_back(cluster: ClusterHarness, kube: Client) -> None:
    await create_template(kube)
    await start(cluster)
    await cluster.wait_for("configmaps", COPY)
    await kube.patch("configmaps", COPY, {"data": {"greeting": "hacked"}}, namespace="default")
    await cluster.wait_for("configmaps", COPY, lambda cm: cm["data"] == HELLO)
    messages = [e["message"] for e in await events_of(cluster, Reason.SYNCED)]
    assert f"Repaired ConfigMap default/{COPY}, edited by hand" in messages


async def test_a_deleted_copy_comes_back(cluster: ClusterHarness, kube: Client) -> None:
    await create_template(kube)
    await start(cluster)
    first = await cluster.wait_for("configmaps", COPY)
    await kube.delete("configmaps", COPY, namespace="default")
    uid = first["metadata"]["uid"]
    await cluster.wait_for("configmaps", COPY, lambda cm: cm["metadata"]["uid"] != uid)


async def test_synced_events_are_recorded_on_the_template(
    cluster: ClusterHarness, kube: Client
) -> None:
    await create_template(kube)
    await start(cluster)
    await create_namespace(kube, "team-a")
    await cluster.wait_for("configmaps", COPY, namespace="team-a")
    synced = await events_of(cluster, Reason.SYNCED)
    namespaces = await copy_namespaces(kube)
    assert {e["message"] for e in synced} == {f"Created ConfigMap {ns}/{COPY}" for ns in namespaces}
    assert {(e["type"], e["source"]["component"]) for e in synced} == {("Normal", COMPONENT)}


# without the namespace controller the namespace stays Terminating, which is the case to show
@pytest.mark.cluster(controllers=["garbagecollector", "replicaset"])
async def test_a_terminating_namespace_is_warned_about_not_retried(
    cluster: ClusterHarness, kube: Client
) -> None:
    await create_namespace(kube, "doomed")
    await kube.delete("namespaces", "doomed")  # stays Terminating: no namespace controller yet
    await create_template(kube)
    controller = await start(cluster)
    await cluster.wait_for("configmaps", COPY)  # the other namespaces are synced
    [warning] = await events_of(cluster, Reason.SYNC_FAILED)
    assert warning["type"] == "Warning"
    assert "unable to create new content in namespace doomed" in warning["message"]
    await trio.sleep(60)  # a retried error would be back many times within a minute
    # a stale cache may cost a Conflict and a retry in the first minute; after that, quiet
    reconciles, errors = controller.reconciles, controller.errors
    await trio.sleep(3600)
    assert controller.reconciles == reconciles
    assert controller.errors == errors  # terminal: not retried


async def test_a_copy_the_api_rejects_is_warned_about_not_retried(
    cluster: ClusterHarness, kube: Client
) -> None:
    await create_template(kube, copy_name="Not_A_DNS_Name")
    controller = await start(cluster)
    await trio.sleep(60)
    warnings = await events_of(cluster, Reason.SYNC_FAILED)
    assert len(warnings) == len(await copy_namespaces(kube))  # one per namespace
    assert all('ConfigMap "Not_A_DNS_Name" is invalid' in w["message"] for w in warnings)
    reconciles = controller.reconciles
    await trio.sleep(3600)
    assert controller.reconciles == reconciles


async def test_deleting_the_template_deletes_its_copies_first(
    cluster: ClusterHarness, kube: Client
) -> None:
    await create_template(kube)
    await start(cluster)
    await cluster.wait_for("configmaps", COPY)
    deleting = await kube.delete("configmaps", TEMPLATE, namespace="kube-system")
    assert deleting["metadata"]["finalizers"] == [FINALIZER]  # held until the copies are gone
    await cluster.wait_for_deletion("configmaps", TEMPLATE, namespace="kube-system")
    assert (await kube.list("configmaps", label_selector=MANAGED_LABEL))["items"] == []


async def test_removing_the_template_label_releases_the_template(
    cluster: ClusterHarness, kube: Client
) -> None:
    await create_template(kube)
    await start(cluster)
    await cluster.wait_for("configmaps", COPY)
    unlabel = {"metadata": {"labels": {TEMPLATE_LABEL: None}}}
    await kube.patch("configmaps", TEMPLATE, unlabel, namespace="kube-system")
    await cluster.wait_for_deletion("configmaps", COPY)
    released = await kube.get("configmaps", TEMPLATE, namespace="kube-system")
    assert not released["metadata"].get("finalizers")


async def test_a_copy_of_another_template_is_left_alone(
    cluster: ClusterHarness, kube: Client
) -> None:
    await create_template(kube)
    await start(cluster)
    await cluster.wait_for("configmaps", COPY)
    await create_template(kube, name="rival")  # same copy name
    await cluster.wait_until(lambda: events_of(cluster, Reason.SYNC_FAILED, template="rival"))
    [warning, *_] = await events_of(cluster, Reason.SYNC_FAILED, template="rival")
    assert warning["message"].endswith(f"already a copy of kube-system/{TEMPLATE}")
    assert (await kube.get("configmaps", COPY, namespace="default"))["data"] == HELLO
