"""The catalog of served resources: what discovery advertises and URLs resolve against.

One :class:`ResourceInfo` per (group, version, resource), with the facts a v1.32 apiserver
publishes about it: kind, scope, singular name, short names, categories, verbs and subresources.
Discovery, URL routing, kubectl's name resolution (``po``, ``deploy``, ``all``) and the
in-process client's ``client.get("deploy", ...)`` all read this table, so it is data only;
behaviour per kind lives in strategies (:mod:`apiserver.registry.strategy`).

The facts are those of a default kube-apiserver 1.32 (``kubectl api-resources`` on a real
cluster, and each resource's ``rest.go`` for short names and categories).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import msgspec

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
STATUS_VERBS = ("get", "patch", "update")


class SubresourceInfo(msgspec.Struct, frozen=True):
    name: str
    kind: str
    group: str = ""  # of the kind it speaks, e.g. autoscaling for scale
    version: str = ""
    verbs: tuple[str, ...] = STATUS_VERBS


class ResourceInfo(msgspec.Struct, frozen=True):
    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    subresources: tuple[SubresourceInfo, ...] = ()

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def group_resource(self) -> str:
        """``deployments.apps``, or ``pods`` for the core group (errors name resources so)."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    def subresource(self, name: str) -> SubresourceInfo | None:
        for sub in self.subresources:
            if sub.name == name:
                return sub
        return None


def _status(kind: str) -> SubresourceInfo:
    return SubresourceInfo("status", kind)


_SCALE = SubresourceInfo("scale", "Scale", "autoscaling", "v1")


def _workload(resource: str, kind: str, short: str, scale: bool = True) -> ResourceInfo:
    subs = (_status(kind), _SCALE) if scale else (_status(kind),)
    return ResourceInfo("apps", "v1", resource, kind, True, (short,), ("all",), ALL_VERBS, subs)


BUILTIN: tuple[ResourceInfo, ...] = (
    # core/v1
    ResourceInfo(
        "",
        "v1",
        "namespaces",
        "Namespace",
        False,
        ("ns",),
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
        subresources=(
            _status("Namespace"),
            SubresourceInfo("finalize", "Namespace", verbs=("update",)),
        ),
    ),
    ResourceInfo(
        "",
        "v1",
        "pods",
        "Pod",
        True,
        ("po",),
        ("all",),
        subresources=(
            _status("Pod"),
            SubresourceInfo("binding", "Binding", verbs=("create",)),
            SubresourceInfo("eviction", "Eviction", "policy", "v1", ("create",)),
            SubresourceInfo("log", "Pod", verbs=("get",)),
        ),
    ),
    ResourceInfo(
        "",
        "v1",
        "services",
        "Service",
        True,
        ("svc",),
        ("all",),
        subresources=(_status("Service"),),
    ),
    # the legacy way to bind a pod (``LegacyBindingREST``): create only, nothing stored
    ResourceInfo("", "v1", "bindings", "Binding", True, verbs=("create",)),
    ResourceInfo("", "v1", "endpoints", "Endpoints", True, ("ep",)),
    ResourceInfo("", "v1", "configmaps", "ConfigMap", True, ("cm",)),
    ResourceInfo("", "v1", "secrets", "Secret", True),
    ResourceInfo("", "v1", "serviceaccounts", "ServiceAccount", True, ("sa",)),
    ResourceInfo("", "v1", "nodes", "Node", False, ("no",), subresources=(_status("Node"),)),
    ResourceInfo("", "v1", "events", "Event", True, ("ev",)),
    ResourceInfo(
        "",
        "v1",
        "persistentvolumes",
        "PersistentVolume",
        False,
        ("pv",),
        subresources=(_status("PersistentVolume"),),
    ),
    ResourceInfo(
        "",
        "v1",
        "persistentvolumeclaims",
        "PersistentVolumeClaim",
        True,
        ("pvc",),
        subresources=(_status("PersistentVolumeClaim"),),
    ),
    ResourceInfo(
        "",
        "v1",
        "resourcequotas",
        "ResourceQuota",
        True,
        ("quota",),
        subresources=(_status("ResourceQuota"),),
    ),
    ResourceInfo("", "v1", "limitranges", "LimitRange", True, ("limits",)),
    # apps/v1
    _workload("deployments", "Deployment", "deploy"),
    _workload("replicasets", "ReplicaSet", "rs"),
    _workload("statefulsets", "StatefulSet", "sts"),
    _workload("daemonsets", "DaemonSet", "ds", scale=False),
    ResourceInfo("apps", "v1", "controllerrevisions", "ControllerRevision", True),
    # batch/v1
    ResourceInfo("batch", "v1", "jobs", "Job", True, (), ("all",), subresources=(_status("Job"),)),
    ResourceInfo(
        "batch",
        "v1",
        "cronjobs",
        "CronJob",
        True,
        ("cj",),
        ("all",),
        subresources=(_status("CronJob"),),
    ),
    ResourceInfo("coordination.k8s.io", "v1", "leases", "Lease", True),
    ResourceInfo("events.k8s.io", "v1", "events", "Event", True, ("ev",)),
    ResourceInfo("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    ResourceInfo(
        "policy",
        "v1",
        "poddisruptionbudgets",
        "PodDisruptionBudget",
        True,
        ("pdb",),
        subresources=(_status("PodDisruptionBudget"),),
    ),
    ResourceInfo("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True, ("netpol",)),
    ResourceInfo(
        "networking.k8s.io",
        "v1",
        "ingresses",
        "Ingress",
        True,
        ("ing",),
        subresources=(_status("Ingress"),),
    ),
    ResourceInfo("storage.k8s.io", "v1", "storageclasses", "StorageClass", False, ("sc",)),
    ResourceInfo("storage.k8s.io", "v1", "csinodes", "CSINode", False),
    ResourceInfo("storage.k8s.io", "v1", "csidrivers", "CSIDriver", False),
    ResourceInfo("storage.k8s.io", "v1", "csistoragecapacities", "CSIStorageCapacity", True),
    ResourceInfo("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", False, ("pc",)),
    ResourceInfo("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    ResourceInfo("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    ResourceInfo("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    ResourceInfo(
        "rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False
    ),
    ResourceInfo(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
        ("api-extensions",),
        subresources=(_status("CustomResourceDefinition"),),
    ),
)


class Catalog:
    """Resources indexed every way a request or a user names them."""

    def __init__(self, resources: Iterable[ResourceInfo] = BUILTIN) -> None:
        self._by_gvr: dict[tuple[str, str, str], ResourceInfo] = {}
        self._by_gvk: dict[tuple[str, str, str], ResourceInfo] = {}
        self._aliases: dict[str, list[ResourceInfo]] = {}
        self._order: list[ResourceInfo] = []
        for info in resources:
            self.add(info)

    def add(self, info: ResourceInfo) -> None:
        key = (info.group, info.version, info.resource)
        if key in self._by_gvr:
            raise ValueError(f"resource {info.group_resource}/{info.version} already served")
        self._by_gvr[key] = info
        self._by_gvk.setdefault((info.group, info.version, info.kind), info)
        self._order.append(info)
        names = {info.resource, info.singular, info.kind.lower(), *info.short_names}
        names |= (
            {f"{n}.{info.group}" for n in (info.resource, info.singular)} if info.group else set()
        )
        for name in names:
            self._aliases.setdefault(name, []).append(info)

    def remove(self, group: str, version: str, resource: str) -> None:
        info = self._by_gvr.pop((group, version, resource))
        self._order.remove(info)
        if self._by_gvk.get((group, version, info.kind)) is info:
            del self._by_gvk[(group, version, info.kind)]
        for infos in self._aliases.values():
            if info in infos:
                infos.remove(info)

    def __iter__(self) -> Iterator[ResourceInfo]:
        return iter(list(self._order))

    def get(self, group: str, version: str, resource: str) -> ResourceInfo | None:
        return self._by_gvr.get((group, version, resource))

    def for_kind(self, group: str, version: str, kind: str) -> ResourceInfo | None:
        return self._by_gvk.get((group, version, kind))

    def resolve(self, name: str) -> list[ResourceInfo]:
        """What ``kubectl get NAME`` could mean: a plural, singular, kind or short name,
        optionally qualified by group (``deployments.apps``); core and preferred groups first."""
        return list(self._aliases.get(name.lower(), ()))

    def in_category(self, category: str) -> list[ResourceInfo]:
        return [info for info in self._order if category in info.categories]
