"""Scheduler configuration as data: profiles, their plugins and weights.

Upstream: ``KubeSchedulerConfiguration`` (``pkg/scheduler/apis/config``) and the v1 default
plugin set (``apis/config/v1/default_plugins.go``). Only the ``multiPoint`` form is kept: a
plugin listed once is used at every extension point it implements, in list order (which is
the Filter order, so it decides which reason a node reports).

A test changes the scheduler by passing a :class:`Profile`::

    Profile(disabled=["ImageLocality"])                       # drop a default plugin
    Profile(enabled=[PluginEntry("NodeAffinity", weight=5)])  # re-weight a default one
    Profile(enabled=[PluginEntry("MyFilter")], registry={"MyFilter": MyFilter})  # add one
    Profile(disabled=["*"], enabled=[...])                    # start from nothing
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from controllers.scheduler.framework.types import DEFAULT_SCHEDULER_NAME


@dataclass(frozen=True, slots=True)
class PluginEntry:
    """``config.Plugin``: a plugin by registry name, with its score weight (None: the
    default, 1 for plugins that score)."""

    name: str
    weight: int | None = None


#: ``getDefaultPlugins`` of v1.32 (multiPoint), in order, with the default score weights
DEFAULT_PLUGINS: tuple[PluginEntry, ...] = (
    PluginEntry("SchedulingGates"),
    PluginEntry("PrioritySort"),
    PluginEntry("NodeUnschedulable"),
    PluginEntry("NodeName"),
    PluginEntry("TaintToleration", 3),
    PluginEntry("NodeAffinity", 2),
    PluginEntry("NodePorts"),
    PluginEntry("NodeResourcesFit", 1),
    PluginEntry("VolumeRestrictions"),
    PluginEntry("NodeVolumeLimits"),
    PluginEntry("VolumeBinding"),
    PluginEntry("VolumeZone"),
    PluginEntry("PodTopologySpread", 2),
    PluginEntry("InterPodAffinity", 2),
    PluginEntry("DefaultPreemption"),
    PluginEntry("NodeResourcesBalancedAllocation", 1),
    PluginEntry("ImageLocality", 1),
    PluginEntry("DefaultBinder"),
)


@dataclass(slots=True)
class Profile:
    """``KubeSchedulerProfile``: a scheduler name and its plugins."""

    scheduler_name: str = DEFAULT_SCHEDULER_NAME
    #: plugins added after the defaults (or re-weighted, when a default of the same name)
    enabled: list[PluginEntry] = field(default_factory=list)
    #: default plugins to leave out, by name; ``"*"`` leaves out all of them
    disabled: list[str] = field(default_factory=list)
    #: ``pluginConfig``: arguments by plugin name (e.g. ``{"NodeResourcesFit": {...}}``)
    plugin_args: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: out-of-tree plugins: name -> ``factory(args, handle) -> plugin`` (a class works)
    registry: dict[str, Any] = field(default_factory=dict)
    #: ``percentageOfNodesToScore`` (0: upstream's adaptive default)
    percentage_of_nodes_to_score: int = 0

    def effective_plugins(self) -> list[PluginEntry]:
        """The defaults minus ``disabled``, then ``enabled`` (``mergePlugins``)."""
        enabled_by_name = {entry.name: entry for entry in self.enabled}
        plugins: list[PluginEntry] = []
        if "*" not in self.disabled:
            for default in DEFAULT_PLUGINS:
                if default.name in self.disabled:
                    continue
                override = enabled_by_name.pop(default.name, None)
                plugins.append(override if override is not None else default)
        names = {p.name for p in plugins}
        plugins.extend(e for e in self.enabled if e.name in enabled_by_name and e.name not in names)
        return plugins


@dataclass(slots=True)
class SchedulerConfiguration:
    """``KubeSchedulerConfiguration``: the profiles and the queue's timings."""

    profiles: list[Profile] = field(default_factory=lambda: [Profile()])
    pod_initial_backoff_seconds: float = 1.0
    pod_max_backoff_seconds: float = 10.0
    #: ``podMaxInUnschedulablePodsDuration``
    pod_max_in_unschedulable_pods_seconds: float = 300.0


__all__ = ["DEFAULT_PLUGINS", "PluginEntry", "Profile", "SchedulerConfiguration"]
