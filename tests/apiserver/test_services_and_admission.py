"""Service IP/port allocation and the pod admission plugins (ServiceAccount, Priority)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import Forbidden, Invalid, NotFound


def service(name: str, kind: str = "ClusterIP", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"type": kind, "selector": {"app": name}, "ports": [{"port": 80}], **spec},
    }


def pod(name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "image": "busybox"}], **spec},
    }


async def test_every_cluster_has_the_kubernetes_service(api: InProcessClient) -> None:
    kubernetes = await api.get("services", "kubernetes")
    assert kubernetes["spec"]["clusterIP"] == "10.96.0.1"
    assert kubernetes["spec"]["ports"][0]["targetPort"] == 6443


async def test_services_get_a_cluster_ip_from_the_service_cidr(api: InProcessClient) -> None:
    created = await api.create(service("web"))
    spec = created["spec"]
    address = ipaddress.ip_address(spec["clusterIP"])
    assert address in ipaddress.ip_network("10.96.0.0/12")
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert spec["ipFamilies"] == ["IPv4"] and spec["ipFamilyPolicy"] == "SingleStack"
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert spec["sessionAffinity"] == "None"
    assert created["status"] == {"loadBalancer": {}}


async def test_a_taken_or_foreign_cluster_ip_is_refused(api: InProcessClient) -> None:
    with pytest.raises(Invalid, match="provided IP is already allocated"):
        await api.create(service("dup", clusterIP="10.96.0.1"))
    with pytest.raises(Invalid, match="not in the valid range"):
        await api.create(service("far", clusterIP="192.168.0.1"))


async def test_cluster_ip_is_kept_on_update_and_immutable(api: InProcessClient) -> None:
    created = await api.create(service("web"))
    replaced = service("web")
    replaced["metadata"]["resourceVersion"] = created["metadata"]["resourceVersion"]
    updated = await api.update(replaced)
    assert updated["spec"]["clusterIP"] == created["spec"]["clusterIP"]
    with pytest.raises(Invalid, match="field is immutable"):
        await api.patch("services", "web", {"spec": {"clusterIP": "10.96.0.77"}})


async def test_deleting_a_service_frees_its_ip(api: InProcessClient) -> None:
    created = await api.create(service("web", clusterIP="10.96.0.50"))
    await api.delete("services", "web")
    again = await api.create(service("web2", clusterIP=created["spec"]["clusterIP"]))
    assert again["spec"]["clusterIP"] == "10.96.0.50"


async def test_node_ports_are_allocated_in_range(api: InProcessClient) -> None:
    created = await api.create(service("np", "NodePort"))
    node_port = created["spec"]["ports"][0]["nodePort"]
    assert 30000 <= node_port <= 32767
    assert created["spec"]["externalTrafficPolicy"] == "Cluster"
    with pytest.raises(Invalid, match="provided port is already allocated"):
        await api.create(service("np2", "NodePort", ports=[{"port": 80, "nodePort": node_port}]))


async def test_headless_and_external_name_services(api: InProcessClient) -> None:
    headless = await api.create(service("db", clusterIP="None"))
    assert headless["spec"]["clusterIPs"] == ["None"]
    external = await api.create(
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "ext"},
            "spec": {"type": "ExternalName", "externalName": "example.com"},
        }
    )
    assert "clusterIP" not in external["spec"]


async def test_service_names_must_be_dns_1035_labels(api: InProcessClient) -> None:
    with pytest.raises(Invalid, match="DNS-1035 label"):
        await api.create(service("1web"))


async def test_pods_run_as_the_default_service_account_with_its_token_mounted(
    api: InProcessClient,
) -> None:
    created = await api.create(pod("p"))
    spec = created["spec"]
    assert spec["serviceAccountName"] == "default" and spec["serviceAccount"] == "default"
    volume = spec["volumes"][0]
    assert volume["name"].startswith("kube-api-access-")
    assert spec["containers"][0]["volumeMounts"] == [
        {
            "name": volume["name"],
            "readOnly": True,
            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
        }
    ]
    assert spec["priority"] == 0 and spec["preemptionPolicy"] == "PreemptLowerPriority"


async def test_a_missing_service_account_is_refused(api: InProcessClient) -> None:
    with pytest.raises(Forbidden) as info:
        await api.create(pod("p", serviceAccountName="robot"))
    assert info.value.message == (
        'pods "p" is forbidden: error looking up service account default/robot: '
        'serviceaccount "robot" not found'
    )


async def test_new_namespaces_get_a_default_service_account(api: InProcessClient) -> None:
    await api.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    assert await api.get("serviceaccounts", "default", namespace="team")
    with pytest.raises(NotFound):
        await api.get("serviceaccounts", "robot", namespace="team")


async def test_priority_comes_from_the_priority_class(api: InProcessClient) -> None:
    critical = await api.create(pod("c", priorityClassName="system-node-critical"))
    assert critical["spec"]["priority"] == 2000001000
    with pytest.raises(Forbidden, match="no PriorityClass with name gold was found"):
        await api.create(pod("g", priorityClassName="gold"))
    with pytest.raises(
        Forbidden, match=r"the integer value of priority \(5\) must not be provided"
    ):
        await api.create(pod("x", priority=5))
    await api.create(
        {
            "apiVersion": "scheduling.k8s.io/v1",
            "kind": "PriorityClass",
            "metadata": {"name": "batch"},
            "value": 100,
            "globalDefault": True,
        }
    )
    defaulted = await api.create(pod("d"))
    assert defaulted["spec"]["priorityClassName"] == "batch"
    assert defaulted["spec"]["priority"] == 100


async def test_refusals_name_a_generated_pod_by_its_prefix(api: InProcessClient) -> None:
    obj = pod("")
    obj["metadata"] = {"generateName": "web-"}
    obj["spec"]["serviceAccountName"] = "robot"
    with pytest.raises(Forbidden) as info:
        await api.create(obj)
    assert info.value.message.startswith('pods "web-" is forbidden: error looking up')
