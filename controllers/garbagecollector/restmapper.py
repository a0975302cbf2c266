"""Which resources the garbage collector watches, and how an owner reference maps to one.

Upstream the collector asks discovery for every resource that supports ``list``, ``watch``
and ``delete`` (``GetDeletableResources``) and maps an owner reference's ``apiVersion`` and
``kind`` to a resource through a discovery-backed RESTMapper (``gc.apiResource``). Our Client
has no discovery call yet, so the resource list is data given to the collector, and the
mapper is built from it: an owner reference of a kind not in the list cannot be mapped, and
the dependent is retried with backoff, as upstream does while its RESTMapper is stale.

``events`` are left out, as upstream's ``DefaultIgnoredResources`` leaves them out.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from minikube_py.errors import StatusError
from minikube_py.objects import split_api_version


class APIResource(NamedTuple):
    """``metav1.APIResource`` with its group and version: what a monitor watches."""

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def client_name(self) -> str:
        """How the Client names it: ``deployments.apps``, ``pods``."""
        return f"{self.resource}.{self.group}" if self.group else self.resource


#: Built-in kinds that can be owners or dependents (namespaced and cluster-scoped).
DEFAULT_RESOURCES: tuple[APIResource, ...] = (
    APIResource("", "v1", "pods", "Pod", True),
    APIResource("", "v1", "services", "Service", True),
    APIResource("", "v1", "endpoints", "Endpoints", True),
    APIResource("", "v1", "configmaps", "ConfigMap", True),
    APIResource("", "v1", "secrets", "Secret", True),
    APIResource("", "v1", "serviceaccounts", "ServiceAccount", True),
    APIResource("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True),
    APIResource("", "v1", "resourcequotas", "ResourceQuota", True),
    APIResource("", "v1", "limitranges", "LimitRange", True),
    APIResource("apps", "v1", "deployments", "Deployment", True),
    APIResource("apps", "v1", "replicasets", "ReplicaSet", True),
    APIResource("apps", "v1", "statefulsets", "StatefulSet", True),
    APIResource("apps", "v1", "daemonsets", "DaemonSet", True),
    APIResource("apps", "v1", "controllerrevisions", "ControllerRevision", True),
    APIResource("batch", "v1", "jobs", "Job", True),
    APIResource("batch", "v1", "cronjobs", "CronJob", True),
    APIResource("coordination.k8s.io", "v1", "leases", "Lease", True),
    APIResource("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    APIResource("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True),
    APIResource("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True),
    APIResource("networking.k8s.io", "v1", "ingresses", "Ingress", True),
    APIResource("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    APIResource("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    # cluster-scoped: may own namespaced dependents, never the other way round
    APIResource("", "v1", "namespaces", "Namespace", False),
    APIResource("", "v1", "nodes", "Node", False),
    APIResource("", "v1", "persistentvolumes", "PersistentVolume", False),
    APIResource("storage.k8s.io", "v1", "storageclasses", "StorageClass", False),
    # a kubelet's CSINode is owned by its Node, and goes with it
    APIResource("storage.k8s.io", "v1", "csinodes", "CSINode", False),
    APIResource("storage.k8s.io", "v1", "csidrivers", "CSIDriver", False),
    APIResource("storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", True),
    APIResource("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False),
    APIResource("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    APIResource(
        "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False
    ),
)


class NoKindMatch(StatusError):
    """``meta.NoKindMatchError``: an owner reference names a kind nobody serves (here: not in
    the collector's resource list). Retried with backoff, like upstream's stale mapper."""

    code = 404
    reason = "NotFound"

    def __init__(self, api_version: str, kind: str) -> None:
        super().__init__(f'no matches for kind "{kind}" in version "{api_version}"')


class RESTMapper:
    """``(apiVersion, kind)`` -> resource, from the collector's resource list.

    Like upstream's, a reference is matched on group and kind (any version the group serves):
    owner references keep the version they were written with.
    """

    def __init__(self, resources: Iterable[APIResource]) -> None:
        self._by_group_kind: dict[tuple[str, str], APIResource] = {}
        for resource in resources:
            self._by_group_kind.setdefault((resource.group, resource.kind), resource)

    def resource_for(self, api_version: str, kind: str) -> APIResource:
        group, _ = split_api_version(api_version)
        found = self._by_group_kind.get((group, kind))
        if found is None:
            raise NoKindMatch(api_version, kind)
        return found
