"""Strategies of the built-in kinds, looked up by (group, resource).

Kinds with rules of their own have a module per API group (``core``, ``apps``); every other
served resource gets a :class:`~apiserver.registry.strategy.Strategy` configured from two facts:
whether it has a status subresource, and when its generation moves.
"""

from __future__ import annotations

from apiserver.registry.catalog import ResourceInfo
from apiserver.registry.kinds import apps, core
from apiserver.registry.services import ServiceStrategy
from apiserver.registry.strategy import GenerationPolicy, Strategy

_SPECIFIC: dict[tuple[str, str], type[Strategy]] = {
    ("", "namespaces"): core.NamespaceStrategy,
    ("", "pods"): core.PodStrategy,
    ("", "configmaps"): core.ConfigMapStrategy,
    ("", "services"): ServiceStrategy,
    ("", "secrets"): core.SecretStrategy,
    ("", "events"): core.EventStrategy,
    ("", "nodes"): core.NodeStrategy,
    ("apps", "deployments"): apps.DeploymentStrategy,
    ("apps", "replicasets"): apps.ReplicaSetStrategy,
    ("apps", "statefulsets"): apps.StatefulSetStrategy,
    ("apps", "daemonsets"): apps.DaemonSetStrategy,
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
