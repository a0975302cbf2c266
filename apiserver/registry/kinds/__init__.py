"""Strategies of the built-in kinds, looked up by (group, resource).

Kinds with rules of their own have a module per API group (``core`` and its ``core_*``
neighbours, ``apps``, ``batch``, ``policy``, ``coordination``, ``scheduling``, ``storage``,
``networking``, ``discovery``, ``rbac``, ``apiextensions``); every other served resource gets a
:class:`~apiserver.registry.strategy.Strategy` configured from two facts: whether it has a
status subresource, and when its generation moves.
"""

from __future__ import annotations

from apiserver.registry.catalog import ResourceInfo
from apiserver.registry.events import EventsV1Strategy
from apiserver.registry.kinds import (
    apiextensions,
    apps,
    batch,
    coordination,
    core,
    core_accounts,
    core_endpoints,
    core_quota,
    core_storage,
    discovery,
    networking,
    policy,
    rbac,
    scheduling,
    storage,
)
from apiserver.registry.services import ServiceStrategy
from apiserver.registry.strategy import GenerationPolicy, Strategy

_SPECIFIC: dict[tuple[str, str], type[Strategy]] = {
    ("", "namespaces"): core.NamespaceStrategy,
    ("", "pods"): core.PodStrategy,
    ("", "configmaps"): core.ConfigMapStrategy,
    ("", "services"): ServiceStrategy,
    ("", "secrets"): core.SecretStrategy,
    ("", "events"): core.EventStrategy,
    ("events.k8s.io", "events"): EventsV1Strategy,
    ("", "nodes"): core.NodeStrategy,
    ("", "persistentvolumes"): core_storage.PersistentVolumeStrategy,
    ("", "persistentvolumeclaims"): core_storage.PersistentVolumeClaimStrategy,
    ("", "resourcequotas"): core_quota.ResourceQuotaStrategy,
    ("", "limitranges"): core_quota.LimitRangeStrategy,
    ("", "serviceaccounts"): core_accounts.ServiceAccountStrategy,
    ("", "endpoints"): core_endpoints.EndpointsStrategy,
    ("apps", "deployments"): apps.DeploymentStrategy,
    ("apps", "replicasets"): apps.ReplicaSetStrategy,
    ("apps", "statefulsets"): apps.StatefulSetStrategy,
    ("apps", "daemonsets"): apps.DaemonSetStrategy,
    ("batch", "jobs"): batch.JobStrategy,
    ("batch", "cronjobs"): batch.CronJobStrategy,
    ("policy", "poddisruptionbudgets"): policy.PodDisruptionBudgetStrategy,
    ("coordination.k8s.io", "leases"): coordination.LeaseStrategy,
    ("scheduling.k8s.io", "priorityclasses"): scheduling.PriorityClassStrategy,
    ("storage.k8s.io", "storageclasses"): storage.StorageClassStrategy,
    ("storage.k8s.io", "csinodes"): storage.CSINodeStrategy,
    ("storage.k8s.io", "csidrivers"): storage.CSIDriverStrategy,
    ("storage.k8s.io", "csistoragecapacities"): storage.CSIStorageCapacityStrategy,
    ("networking.k8s.io", "ingresses"): networking.IngressStrategy,
    ("networking.k8s.io", "networkpolicies"): networking.NetworkPolicyStrategy,
    ("discovery.k8s.io", "endpointslices"): discovery.EndpointSliceStrategy,
    ("rbac.authorization.k8s.io", "roles"): rbac.RoleStrategy,
    ("rbac.authorization.k8s.io", "clusterroles"): rbac.ClusterRoleStrategy,
    ("rbac.authorization.k8s.io", "rolebindings"): rbac.RoleBindingStrategy,
    ("rbac.authorization.k8s.io", "clusterrolebindings"): rbac.ClusterRoleBindingStrategy,
    ("apiextensions.k8s.io", "customresourcedefinitions"): (
        apiextensions.CustomResourceDefinitionStrategy
    ),
}

#: Kinds whose objects carry ``metadata.generation`` (bumped on spec changes).
_GENERATION_ON_SPEC = {
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("policy", "poddisruptionbudgets"),
    ("networking.k8s.io", "ingresses"),
    ("networking.k8s.io", "networkpolicies"),
    ("discovery.k8s.io", "endpointslices"),
    ("apiextensions.k8s.io", "customresourcedefinitions"),
}


def strategy_for(info: ResourceInfo) -> Strategy:
    specific = _SPECIFIC.get((info.group, info.resource))
    if specific is not None:
        return specific()
    generation: GenerationPolicy = (
        "spec" if (info.group, info.resource) in _GENERATION_ON_SPEC else "none"
    )
    has_status = info.subresource("status") is not None

    class _Configured(Strategy):
        pass

    _Configured.has_status = has_status
    _Configured.generation = generation
    _Configured.__name__ = f"{info.kind}Strategy"
    return _Configured()
