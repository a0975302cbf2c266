"""The in-tree registry: plugin names to factories ``(args, handle) -> plugin``.

Upstream: ``framework/plugins/registry.go`` (``NewInTreeRegistry``). Not here:
DynamicResources (its gate is off in v1.32).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from controllers.scheduler.framework.interface import Plugin
from controllers.scheduler.plugins.defaultbinder import DefaultBinder
from controllers.scheduler.plugins.defaultpreemption import DefaultPreemption
from controllers.scheduler.plugins.imagelocality import ImageLocality
from controllers.scheduler.plugins.interpodaffinity import InterPodAffinity
from controllers.scheduler.plugins.nodeaffinity import NodeAffinity
from controllers.scheduler.plugins.nodename import NodeName
from controllers.scheduler.plugins.nodeports import NodePorts
from controllers.scheduler.plugins.noderesources import (
    NodeResourcesBalancedAllocation,
    NodeResourcesFit,
)
from controllers.scheduler.plugins.nodeunschedulable import NodeUnschedulable
from controllers.scheduler.plugins.nodevolumelimits import CSILimits
from controllers.scheduler.plugins.podtopologyspread import PodTopologySpread
from controllers.scheduler.plugins.queuesort import PrioritySort, SchedulingGates
from controllers.scheduler.plugins.tainttoleration import TaintToleration
from controllers.scheduler.plugins.volumebinding import VolumeBinding
from controllers.scheduler.plugins.volumerestrictions import VolumeRestrictions
from controllers.scheduler.plugins.volumezone import VolumeZone

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework, PluginFactory


def _plain(cls: type[Plugin]) -> PluginFactory:
    def factory(args: dict[str, Any], handle: Framework) -> Plugin:
        return cls()

    return factory


def in_tree_registry() -> dict[str, PluginFactory]:
    return {
        "SchedulingGates": _plain(SchedulingGates),
        "PrioritySort": _plain(PrioritySort),
        "NodeUnschedulable": lambda args, handle: NodeUnschedulable(handle),
        "NodeName": _plain(NodeName),
        "TaintToleration": lambda args, handle: TaintToleration(handle),
        "NodeAffinity": lambda args, handle: NodeAffinity(args),
        "NodePorts": _plain(NodePorts),
        "NodeResourcesFit": NodeResourcesFit,
        "VolumeRestrictions": lambda args, handle: VolumeRestrictions(handle),
        "NodeVolumeLimits": lambda args, handle: CSILimits(handle),
        "VolumeBinding": VolumeBinding,
        "VolumeZone": lambda args, handle: VolumeZone(handle),
        "PodTopologySpread": PodTopologySpread,
        "InterPodAffinity": InterPodAffinity,
        "DefaultPreemption": DefaultPreemption,
        "NodeResourcesBalancedAllocation": NodeResourcesBalancedAllocation,
        "ImageLocality": lambda args, handle: ImageLocality(handle),
        "DefaultBinder": lambda args, handle: DefaultBinder(handle),
    }


__all__ = ["in_tree_registry"]
