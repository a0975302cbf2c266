"""The framework runtime: one profile's plugins, run at each extension point in order.

Upstream: ``pkg/scheduler/framework/runtime/framework.go`` (``frameworkImpl``:
``RunPreFilterPlugins``, ``RunFilterPlugins``, ``RunFilterPluginsWithNominatedPods``,
``RunPostFilterPlugins``, ``RunPreScorePlugins``, ``RunScorePlugins``, ``RunReservePlugins*``,
``RunPermitPlugins``, ``RunBindPlugins``) and ``registry.go``.

A profile (:class:`~controllers.scheduler.profile.Profile`) names the plugins and score
weights; the framework instantiates them from the registry and sorts them into extension
points by the methods they define. The framework is also the plugins' ``Handle``: through it
they reach the snapshot (:attr:`snapshot`), the nominator, the client, the clock, the
listers the scheduler's informers keep, and (:meth:`informer`, upstream's
``SharedInformerFactory``) the shared informer of any resource a plugin needs -- the volume
plugins read PersistentVolumes, claims, StorageClasses and CSINodes this way.

Rules kept from upstream:

* a Filter run stops at the first plugin that rejects the node (so a node reports one reason);
* a PreFilter (PreScore) plugin that returns Skip is skipped at Filter (Score) for this cycle;
* scores are normalized per plugin (NormalizeScore), then multiplied by the plugin's weight;
* a Bind plugin that returns Skip passes the pod to the next one;
* Permit may hold a pod (Wait with a timeout): it keeps its node among the waiting pods
  (:mod:`~controllers.scheduler.framework.waiting_pods`) and its binding cycle waits for the
  plugins' verdict first (:meth:`Framework.wait_on_permit`).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from operator import add, mul
from typing import TYPE_CHECKING, Any

from controllers.scheduler.framework.interface import (
    MAX_NODE_SCORE,
    ClusterEventWithHint,
    Code,
    CycleState,
    Plugin,
    PostFilterResult,
    PreFilterResult,
    Status,
    unresolvable,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo, QueuedPodInfo
from controllers.scheduler.framework.waiting_pods import MAX_PERMIT_TIMEOUT, WaitingPod, WaitingPods

if TYPE_CHECKING:
    from controllers.runtime.events import EventRecorder
    from controllers.scheduler.internal.cache import Cache
    from controllers.scheduler.internal.queue import Nominator
    from controllers.scheduler.profile import Profile
    from minikube_py.client import Client
    from minikube_py.clock import ClusterClock
    from minikube_py.informer import SharedInformer

#: ``PluginFactory``: ``factory(args, handle) -> plugin``
PluginFactory = Callable[[dict[str, Any], "Framework"], Plugin]


class Framework:
    """``frameworkImpl`` for one profile."""

    def __init__(
        self,
        profile: Profile,
        registry: dict[str, PluginFactory],
        *,
        snapshot: Cache,
        nominator: Nominator,
        client: Client,
        clock: ClusterClock,
        recorder: EventRecorder | None,
        listers: dict[str, Callable[..., Any]] | None = None,
        informers: Callable[[str], SharedInformer] | None = None,
        waiting_pods: WaitingPods | None = None,
    ) -> None:
        self.profile = profile
        #: pods held by Permit plugins (one map shared by all the scheduler's profiles)
        self.waiting_pods = waiting_pods if waiting_pods is not None else WaitingPods()
        self._informer_factory = informers
        self.profile_name = profile.scheduler_name
        self.snapshot = snapshot
        self.nominator = nominator
        self.client = client
        self.clock = clock
        self.recorder = recorder
        #: named read functions over the scheduler's informers (``pdbs``, ``namespace``...)
        self.listers = listers or {}
        self.plugins: dict[str, Plugin] = {}
        self.weights: dict[str, int] = {}
        for entry in profile.effective_plugins():
            factory = registry.get(entry.name)
            if factory is None:
                raise ValueError(
                    f"profile {profile.scheduler_name!r}: plugin {entry.name!r} is not in the "
                    f"registry ({sorted(registry)})"
                )
            plugin = factory(dict(profile.plugin_args.get(entry.name, {})), self)
            plugin.name = entry.name
            self.plugins[entry.name] = plugin
            if hasattr(plugin, "score"):
                weight = entry.weight if entry.weight is not None else 1
                if weight <= 0:
                    raise ValueError(f"plugin {entry.name!r}: score weight must be positive")
                self.weights[entry.name] = weight
        plugins = list(self.plugins.values())
        sorters = [p for p in plugins if hasattr(p, "less") or hasattr(p, "sort_key")]
        if len(sorters) != 1:
            raise ValueError(
                f"profile {profile.scheduler_name!r} needs exactly one QueueSort plugin, "
                f"has {[p.name for p in sorters]}"
            )
        self.queue_sort_plugin: Any = sorters[0]
        self.pre_filter_plugins: list[Any] = [p for p in plugins if hasattr(p, "pre_filter")]
        self.filter_plugins: list[Any] = [p for p in plugins if hasattr(p, "filter")]
        self.post_filter_plugins: list[Any] = [p for p in plugins if hasattr(p, "post_filter")]
        self.pre_score_plugins: list[Any] = [p for p in plugins if hasattr(p, "pre_score")]
        self.score_plugins: list[Any] = [p for p in plugins if hasattr(p, "score")]
        self.reserve_plugins: list[Any] = [p for p in plugins if hasattr(p, "reserve")]
        self.permit_plugins: list[Any] = [p for p in plugins if hasattr(p, "permit")]
        self.pre_bind_plugins: list[Any] = [p for p in plugins if hasattr(p, "pre_bind")]
        self.bind_plugins: list[Any] = [p for p in plugins if hasattr(p, "bind")]
        self.post_bind_plugins: list[Any] = [p for p in plugins if hasattr(p, "post_bind")]
        self.enqueue_plugins: list[Any] = [p for p in plugins if hasattr(p, "events_to_register")]
        #: which Filter plugins act when pods are added or removed in a dry run
        self._extensions = [p for p in self.pre_filter_plugins if hasattr(p, "add_pod")]

    def informer(self, resource: str) -> SharedInformer:
        """``SharedInformerFactory``: the scheduler's shared informer of ``resource`` (started
        with the scheduler's other informers)."""
        if self._informer_factory is None:
            raise RuntimeError(
                f"profile {self.profile_name!r}: this framework has no informer factory"
            )
        return self._informer_factory(resource)

    def has_filter_plugins(self) -> bool:
        return bool(self.filter_plugins)

    def has_score_plugins(self) -> bool:
        return bool(self.score_plugins)

    def has_post_filter_plugins(self) -> bool:
        return bool(self.post_filter_plugins)

    def queue_sort_key(self) -> Callable[[QueuedPodInfo], object]:
        plugin = self.queue_sort_plugin
        if hasattr(plugin, "sort_key"):
            return plugin.sort_key  # type: ignore[no-any-return]

        class _Key:
            __slots__ = ("qpi",)

            def __init__(self, qpi: QueuedPodInfo) -> None:
                self.qpi = qpi

            def __lt__(self, other: _Key) -> bool:
                return bool(plugin.less(self.qpi, other.qpi))

        return _Key

    def events_to_register(self) -> list[tuple[str, ClusterEventWithHint]]:
        """Every plugin's ``EventsToRegister``, with the plugin's name."""
        return [
            (plugin.name, event)
            for plugin in self.enqueue_plugins
            for event in plugin.events_to_register()
        ]

    # -- PreFilter / Filter --------------------------------------------------------------------

    def run_pre_filter_plugins(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None, set[str]]:
        """``RunPreFilterPlugins``: the merged node restriction, a rejecting status (if any)
        and the plugins that rejected (or, without a rejection, that narrowed the nodes)."""
        result: PreFilterResult | None = None
        rejectors: set[str] = set()
        names_of_restricting: list[str] = []
        for plugin in self.pre_filter_plugins:
            plugin_result, status = plugin.pre_filter(state, pod)
            if status is not None and status.code == Code.SKIP:
                state.skip_filter_plugins.add(plugin.name)
                continue
            if status is not None and status.code != Code.SUCCESS:
                status.plugin = plugin.name
                if status.is_rejected():
                    rejectors.add(plugin.name)
                return None, status, rejectors
            if plugin_result is not None and plugin_result.node_names is not None:
                names_of_restricting.append(plugin.name)
                result = plugin_result if result is None else result.merge(plugin_result)
                if not result.node_names:
                    if len(names_of_restricting) > 1:
                        message = (
                            f"node(s) didn't satisfy plugin(s) {_go_list(names_of_restricting)}"
                            " simultaneously"
                        )
                    else:
                        message = f"node(s) didn't satisfy plugin {names_of_restricting[0]}"
                    status = unresolvable(message)
                    status.plugin = plugin.name
                    return result, status, set(names_of_restricting)
        # upstream returns the plugins that narrowed the nodes (``pluginsWithNodes``): they are
        # the pod's unschedulable plugins and name the nodes left out
        return result, None, set(names_of_restricting)

    def run_filter_plugins(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        """``RunFilterPlugins``: the first rejection, with its plugin; None when all pass."""
        skip = state.skip_filter_plugins
        for plugin in self.filter_plugins:
            if skip and plugin.name in skip:
                continue
            status = plugin.filter(state, pod, node_info)
            if status is not None and status.code != Code.SUCCESS:
                if not status.is_rejected():  # an Error stays an error
                    status.code = Code.ERROR
                status.plugin = plugin.name
                return status
        return None

    def run_filter_plugins_with_nominated_pods(
        self, state: CycleState, pod: PodInfo, node_info: NodeInfo
    ) -> Status | None:
        """``RunFilterPluginsWithNominatedPods``: the node must fit the pod both with the
        equal-or-higher-priority pods nominated to it and without them."""
        nominated = [
            p
            for p in self.nominator.nominated_pods_for_node(node_info.name)
            if p.key != pod.key and p.priority >= pod.priority
        ]
        if nominated:
            state_with = state.clone()
            info_with = node_info.clone()
            for other in nominated:
                info_with.add_pod(other)
                self.run_pre_filter_extension_add_pod(state_with, pod, other, info_with)
            status = self.run_filter_plugins(state_with, pod, info_with)
            if status is not None:
                return status
        return self.run_filter_plugins(state, pod, node_info)

    def run_pre_filter_extension_add_pod(
        self, state: CycleState, pod: PodInfo, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> None:
        for plugin in self._extensions:
            if plugin.name not in state.skip_filter_plugins:
                plugin.add_pod(state, pod, pod_to_add, node_info)

    def run_pre_filter_extension_remove_pod(
        self, state: CycleState, pod: PodInfo, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> None:
        for plugin in self._extensions:
            if plugin.name not in state.skip_filter_plugins:
                plugin.remove_pod(state, pod, pod_to_remove, node_info)

    # -- PostFilter ----------------------------------------------------------------------------

    async def run_post_filter_plugins(
        self, state: CycleState, pod: PodInfo, statuses: dict[str, Status]
    ) -> tuple[PostFilterResult | None, Status]:
        """``RunPostFilterPlugins``: the first plugin that makes the pod schedulable wins;
        otherwise the rejections' reasons together."""
        reasons: list[str] = []
        result: PostFilterResult | None = None
        rejector = ""
        for plugin in self.post_filter_plugins:
            plugin_result, status = await plugin.post_filter(state, pod, statuses)
            if status.is_success():
                return plugin_result, status
            if status.code == Code.UNSCHEDULABLE_AND_UNRESOLVABLE:
                status.plugin = plugin.name
                return plugin_result, status
            if status.code != Code.UNSCHEDULABLE:
                status.plugin = plugin.name
                return None, status
            if plugin_result is not None and result is None:
                result = plugin_result
            reasons.extend(status.reasons)
            rejector = rejector or plugin.name
        return result, Status(Code.UNSCHEDULABLE, *reasons, plugin=rejector)

    # -- PreScore / Score ----------------------------------------------------------------------

    def run_pre_score_plugins(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> Status | None:
        for plugin in self.pre_score_plugins:
            status = plugin.pre_score(state, pod, nodes)
            if status is not None and status.code == Code.SKIP:
                state.skip_score_plugins.add(plugin.name)
                continue
            if status is not None and status.code != Code.SUCCESS:
                status.plugin = plugin.name
                return status
        return None

    def run_score_plugins(
        self, state: CycleState, pod: PodInfo, nodes: list[NodeInfo]
    ) -> tuple[list[int], dict[str, list[int]]]:
        """``RunScorePlugins``: per node, the total of the weighted, normalized scores; and
        each plugin's normalized (unweighted) scores."""
        totals = [0] * len(nodes)
        per_plugin: dict[str, list[int]] = {}
        skip = state.skip_score_plugins
        for plugin in self.score_plugins:
            if plugin.name in skip:
                continue
            score_nodes = getattr(plugin, "score_nodes", None)
            if score_nodes is not None:
                scores = score_nodes(state, pod, nodes)
            else:
                score = plugin.score
                scores = [score(state, pod, node) for node in nodes]
            normalize = getattr(plugin, "normalize_score", None)
            if normalize is not None:
                normalize(state, pod, nodes, scores)
            if scores and (max(scores) > MAX_NODE_SCORE or min(scores) < 0):
                bad = next(v for v in scores if v > MAX_NODE_SCORE or v < 0)
                raise ValueError(
                    f"plugin {plugin.name!r} returns an invalid score {bad}, it should in the "
                    f"range of [0, {MAX_NODE_SCORE}] after normalizing"
                )
            weight = self.weights[plugin.name]
            if weight == 1:
                totals = list(map(add, totals, scores))
            else:
                totals = list(map(add, totals, map(mul, scores, repeat(weight))))
            per_plugin[plugin.name] = scores
        return totals, per_plugin

    # -- Reserve / Permit / Bind ---------------------------------------------------------------

    def run_reserve_plugins_reserve(
        self, state: CycleState, pod: PodInfo, node_name: str
    ) -> Status | None:
        for plugin in self.reserve_plugins:
            status = plugin.reserve(state, pod, node_name)
            if status is not None and not status.is_success():
                status.plugin = plugin.name
                return status
        return None

    def run_reserve_plugins_unreserve(
        self, state: CycleState, pod: PodInfo, node_name: str
    ) -> None:
        for plugin in reversed(self.reserve_plugins):
            unreserve = getattr(plugin, "unreserve", None)
            if unreserve is not None:
                unreserve(state, pod, node_name)

    def run_permit_plugins(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        """``RunPermitPlugins``: None to go on, a Wait status when plugins hold the pod (it is
        then among the waiting pods), else the rejection or error.

        A plugin's ``permit`` returns a Status (or None), or ``(status, timeout_seconds)`` to
        wait: the timeout is capped at 15 minutes, as upstream."""
        waits: dict[str, float] = {}
        for plugin in self.permit_plugins:
            answer = plugin.permit(state, pod, node_name)
            status, timeout = answer if isinstance(answer, tuple) else (answer, 0.0)
            if status is None or status.is_success():
                continue
            if status.is_rejected():
                status.plugin = plugin.name
                return status
            if status.code == Code.WAIT:
                waits[plugin.name] = min(float(timeout), MAX_PERMIT_TIMEOUT)
                continue
            return Status(
                Code.ERROR,
                f'running Permit plugin "{plugin.name}": {status.message()}',
                plugin=plugin.name,
            )
        if waits:
            self.waiting_pods.add(WaitingPod(pod, waits))
            return Status(
                Code.WAIT,
                f'one or more plugins asked to wait and no plugin rejected pod "{pod.name}"',
            )
        return None

    async def wait_on_permit(self, pod: PodInfo) -> Status | None:
        """``WaitOnPermit``: for a waiting pod, block until it is allowed (None) or rejected
        (the plugin's Unschedulable status); others go on at once."""
        waiting = self.waiting_pods.get(pod.uid)
        if waiting is None:
            return None
        try:
            status = await waiting.wait()
        finally:
            self.waiting_pods.remove(pod.uid)
        return None if status.is_success() else status

    # -- the waiting pods, for plugins (``framework.Handle``) -----------------------------------

    def iterate_over_waiting_pods(self, callback: Callable[[WaitingPod], None]) -> None:
        self.waiting_pods.iterate(callback)

    def get_waiting_pod(self, uid: str) -> WaitingPod | None:
        return self.waiting_pods.get(uid)

    def reject_waiting_pod(self, uid: str) -> bool:
        """``RejectWaitingPod``: reject it at every plugin it waits on; False if not waiting."""
        waiting = self.waiting_pods.get(uid)
        if waiting is None:
            return False
        for plugin in waiting.get_pending_plugins():
            waiting.reject(plugin, "removed")
        return True

    async def run_pre_bind_plugins(
        self, state: CycleState, pod: PodInfo, node_name: str
    ) -> Status | None:
        for plugin in self.pre_bind_plugins:
            status = await plugin.pre_bind(state, pod, node_name)
            if status is not None and not status.is_success():
                return _bind_failure("PreBind", plugin.name, status)
        return None

    async def run_bind_plugins(self, state: CycleState, pod: PodInfo, node_name: str) -> Status:
        if not self.bind_plugins:
            return Status(Code.SKIP)
        for plugin in self.bind_plugins:
            status = await plugin.bind(state, pod, node_name)
            if status is not None and status.code == Code.SKIP:
                continue
            if status is not None and not status.is_success():
                return _bind_failure("Bind", plugin.name, status)
            return Status(Code.SUCCESS, plugin=plugin.name)
        return Status(Code.SKIP)

    async def run_post_bind_plugins(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        for plugin in self.post_bind_plugins:
            await plugin.post_bind(state, pod, node_name)


def _bind_failure(point: str, plugin: str, status: Status) -> Status:
    """A PreBind or Bind plugin's failure: a rejection passes on as it is (with the plugin), an
    error is wrapped as ``running PreBind plugin "X": ...``."""
    if status.is_rejected():
        status.plugin = plugin
        return status
    return Status(
        Code.ERROR, f'running {point} plugin "{plugin}": {status.message()}', plugin=plugin
    )


def _go_list(items: list[str]) -> str:
    return "[" + " ".join(items) + "]"


__all__ = ["Framework", "PluginFactory"]
