"""The node lifecycle controller (kube-controller-manager's ``nodelifecycle``, v1.32).

After upstream ``pkg/controller/nodelifecycle/node_lifecycle_controller.go``. It runs four loops,
each a :class:`~controllers.runtime.Controller` so the manager starts, restarts and reports them
like any other:

* **monitor** (``monitorNodeHealth``, every ``node_monitor_period``, 5 s): for each node, work out
  when the kubelet was last heard of -- a new ``lastHeartbeatTime`` on the Ready condition or a
  newer ``renewTime`` on the node's Lease in ``kube-node-lease`` -- and once that is more than
  ``node_monitor_grace_period`` (50 s; ``node_startup_grace_period``, 60 s, for a node that never
  posted a Ready condition) ago, set the Ready, MemoryPressure, DiskPressure and PIDPressure
  conditions to Unknown (``NodeStatusUnknown``, "Kubelet stopped posting node status.").
  A node not Ready is queued for a NoExecute taint (``not-ready`` for Ready=False,
  ``unreachable`` for Unknown), a Ready one has both removed; when a node stops being Ready its
  pods are marked NotReady (``MarkPodsNotReady``) and a ``NodeNotReady`` event is recorded. New
  and deleted nodes get ``RegisteredNode`` / ``RemovingNode`` events. Last, each zone's state is
  computed (``ComputeZoneState``) and the zone's tainting rate follows it (``handleDisruption``).
* **tainter** (``doNoExecuteTaintingPass``): drains each zone's
  :class:`~controllers.nodelifecycle.rate_limited_queue.RateLimitedTimedQueue` through its token
  bucket -- 0.1 nodes/s normally; in a PartialDisruption zone (more than 2 nodes and at least
  55 % not Ready) 0.01/s if the zone has more than 50 nodes, else nothing; FullDisruption zones
  taint at the normal rate unless *every* zone is fully disrupted, when all tainting stops and
  the controller's taints are taken off (a control-plane network problem, not dead nodes).
  Upstream polls every 100 ms; here the loop runs every 100 ms only while there is work and
  otherwise sleeps until woken.
* **node update** (``doNoScheduleTaintingPass`` and ``reconcileNodeLabels``): NoSchedule taints
  mirroring the node's conditions and ``spec.unschedulable``; ``beta.kubernetes.io/os``/``arch``
  kept equal to ``kubernetes.io/os``/``arch``.
* **pod update** (``processPod``): a pod newly bound to a node that is not Ready is marked NotReady.

Evicting pods from NoExecute-tainted nodes is the separate taint eviction controller's job
(``controllers.tainteviction``), as in v1.32.

Left out: the Prometheus metrics; nodes are checked one after the other rather than by
``nodeUpdateWorkerSize`` (8) parallel workers -- on one trio thread only the API writes would
overlap, and a pass over 1,000 healthy nodes takes about 10 ms.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import trio.lowlevel

from controllers.nodelifecycle.node_util import (
    NO_SCHEDULE,
    NOT_READY,
    NOT_READY_TAINT,
    UNREACHABLE,
    UNREACHABLE_TAINT,
    UNSCHEDULABLE,
    get_node_condition,
    get_zone_key,
    mark_pods_not_ready,
    record_node_event,
    record_node_status_change,
    remove_taint_off_node,
    swap_node_controller_taint,
    taint_exists,
    taint_set_diff,
)
from controllers.nodelifecycle.rate_limited_queue import RateLimitedTimedQueue, TimedValue
from controllers.runtime.controller import Controller, Request, Result
from controllers.runtime.events import NORMAL, EventRecorder
from minikube_py.client import Client
from minikube_py.clock import ClusterClock, parse_time
from minikube_py.errors import NotFound, StatusError
from minikube_py.informer import SharedInformer
from minikube_py.objects import Object, deep_copy

log = logging.getLogger(__name__)

COMPONENT = "node-controller"
NODE_LEASE_NAMESPACE = "kube-node-lease"
#: ``labelNodeDisruptionExclusion``: nodes with this label do not count towards zone states
LABEL_NODE_DISRUPTION_EXCLUSION = "node.kubernetes.io/exclude-disruption"
#: ``NodeHealthUpdateRetry``
NODE_HEALTH_UPDATE_RETRY = 5
#: the index of pods by ``spec.nodeName`` (shared with the taint eviction controller)
POD_NODE_NAME_INDEX = "spec.nodeName"

#: ``nodeConditionToTaintKeyStatusMap``: conditions that make NoSchedule taints
NODE_CONDITION_TO_TAINT_KEY = {
    ("Ready", "False"): NOT_READY,
    ("Ready", "Unknown"): UNREACHABLE,
    ("MemoryPressure", "True"): "node.kubernetes.io/memory-pressure",
    ("DiskPressure", "True"): "node.kubernetes.io/disk-pressure",
    ("NetworkUnavailable", "True"): "node.kubernetes.io/network-unavailable",
    ("PIDPressure", "True"): "node.kubernetes.io/pid-pressure",
}
_TAINT_KEYS_FROM_CONDITIONS = frozenset(NODE_CONDITION_TO_TAINT_KEY.values())
#: ``labelReconcileInfo``: (primary, secondary) labels kept equal
_LABEL_RECONCILE = (
    ("kubernetes.io/os", "beta.kubernetes.io/os"),
    ("kubernetes.io/arch", "beta.kubernetes.io/arch"),
)

_MONITOR = Request("", "monitor-node-health")
_TAINTING_PASS = Request("", "no-execute-tainting-pass")


class ZoneState(StrEnum):
    INITIAL = "Initial"
    NORMAL = "Normal"
    FULL_DISRUPTION = "FullDisruption"
    PARTIAL_DISRUPTION = "PartialDisruption"


@dataclass(frozen=True)
class NodeLifecycleConfig:
    """kube-controller-manager's flags for this controller, with their v1.32 defaults."""

    node_monitor_period: float = 5.0
    node_monitor_grace_period: float = 50.0
    node_startup_grace_period: float = 60.0
    eviction_limiter_qps: float = 0.1
    secondary_eviction_limiter_qps: float = 0.01
    large_cluster_size_threshold: int = 50
    unhealthy_zone_threshold: float = 0.55
    #: ``nodeEvictionPeriod``: how often the tainting pass runs while it has work
    node_eviction_period: float = 0.1


@dataclass
class NodeHealthData:
    """What the controller last saw of a node: times on the cluster's monotonic clock."""

    probe_timestamp: float
    ready_transition_timestamp: float
    status: dict[str, Any]
    lease: Object | None = None


class InformerFactory(Protocol):
    def __call__(self, resource: str) -> SharedInformer: ...


def _pod_node_name(pod: Object) -> list[str]:
    node = (pod.get("spec") or {}).get("nodeName")
    return [node] if node else []


def ensure_pod_node_index(pods: SharedInformer) -> None:
    """Index pods by ``spec.nodeName`` (once per informer)."""
    with contextlib.suppress(ValueError):  # another controller already added it
        pods.add_indexer(POD_NODE_NAME_INDEX, _pod_node_name)


def _name(obj: Object) -> str:
    return (obj.get("metadata") or {}).get("name", "")


def _renew_time(lease: Object | None) -> float:
    text = ((lease or {}).get("spec") or {}).get("renewTime")
    if not text:
        return float("-inf")
    try:
        return parse_time(text).timestamp()
    except ValueError:
        return float("-inf")


@dataclass
class _Zones:
    states: dict[str, ZoneState] = field(default_factory=dict)
    tainters: dict[str, RateLimitedTimedQueue] = field(default_factory=dict)


class NodeLifecycleController:
    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        recorder: EventRecorder,
        clock: ClusterClock,
        config: NodeLifecycleConfig | None = None,
    ) -> None:
        self.client = client
        self.recorder = recorder
        self.clock = clock
        self.config = config or NodeLifecycleConfig()
        self.node_informer = informers("nodes")
        self.pod_informer = informers("pods")
        self.lease_informer = informers("leases")
        ensure_pod_node_index(self.pod_informer)
        self.known_node_set: dict[str, Object] = {}
        self.node_health_map: dict[str, NodeHealthData] = {}
        self.nodes_to_retry: set[str] = set()
        self.zone_states: dict[str, ZoneState] = {}
        self.zone_no_execute_tainter: dict[str, RateLimitedTimedQueue] = {}
        self._tainter: Controller | None = None

    # -- wiring ----------------------------------------------------------------------------------

    def controllers(self) -> list[Controller]:
        monitor = Controller("node-lifecycle-monitor", self._monitor)
        monitor.enqueue(_MONITOR)
        tainter = Controller("node-lifecycle-tainter", self._tainting_pass)
        self._tainter = tainter
        node_update = Controller("node-lifecycle-node-update", self._process_node, workers=2)
        node_update.watch(self.node_informer)
        pod_update = Controller("node-lifecycle-pod-update", self._process_pod, workers=2)
        pod_update.watch(self.pod_informer, predicates=[_pod_bound])
        # the monitor and tainter read these caches; tie them to a controller so a test harness
        # that runs only these controllers starts the informers too
        monitor.informers.extend([self.node_informer, self.lease_informer, self.pod_informer])
        return [monitor, tainter, node_update, pod_update]

    def now(self) -> float:
        return self.clock.monotonic()

    def _monotonic_of(self, timestamp: str | None) -> float:
        """A ``metav1.Time`` on the monotonic clock (the cluster clock's epoch maps both)."""
        if not timestamp:
            return self.now()
        try:
            moment = parse_time(timestamp)
        except ValueError:
            return self.now()
        return self.now() - (self.clock.now() - moment).total_seconds()

    def _wake_tainter(self) -> None:
        if self._tainter is not None:
            # the informers catch up with the writes that queued the node first
            self._tainter.enqueue(_TAINTING_PASS, self.config.node_eviction_period)

    # -- monitorNodeHealth -----------------------------------------------------------------------

    async def _monitor(self, request: Request) -> Result:
        await self.monitor_node_health()
        return Result(requeue_after=self.config.node_monitor_period)

    def _classify_nodes(
        self, nodes: list[Object]
    ) -> tuple[list[Object], list[Object], list[Object]]:
        added, new_zone_representatives = [], []
        for node in nodes:
            if _name(node) not in self.known_node_set:
                added.append(node)
            elif get_zone_key(node) not in self.zone_states:
                new_zone_representatives.append(node)
        names = {_name(node) for node in nodes}
        deleted = [node for name, node in self.known_node_set.items() if name not in names]
        return added, deleted, new_zone_representatives

    def add_pod_evictor_for_new_zone(self, node: Object) -> None:
        zone = get_zone_key(node)
        if zone not in self.zone_states:
            self.zone_states[zone] = ZoneState.INITIAL
            self.zone_no_execute_tainter[zone] = RateLimitedTimedQueue(
                self.config.eviction_limiter_qps, self.now
            )

    async def monitor_node_health(self) -> None:
        nodes = sorted(self.node_informer.list(), key=_name)
        added, deleted, new_zone_representatives = self._classify_nodes(nodes)
        for node in new_zone_representatives:
            self.add_pod_evictor_for_new_zone(node)
        for node in added:
            name, uid = _name(node), node["metadata"].get("uid", "")
            await record_node_event(
                self.recorder,
                name,
                uid,
                NORMAL,
                "RegisteredNode",
                f"Registered Node {name} in Controller",
            )
            self.known_node_set[name] = node
            self.add_pod_evictor_for_new_zone(node)
            await self.mark_node_as_reachable(node)
        for node in deleted:
            name, uid = _name(node), node["metadata"].get("uid", "")
            await record_node_event(
                self.recorder,
                name,
                uid,
                NORMAL,
                "RemovingNode",
                f"Removing Node {name} from Controller",
            )
            del self.known_node_set[name]
            self.node_health_map.pop(name, None)
            self.nodes_to_retry.discard(name)

        zone_to_node_conditions: dict[str, list[dict[str, Any] | None]] = {}
        for i, cached in enumerate(nodes):
            if i % 100 == 99:
                await trio.lowlevel.checkpoint()  # long passes let other tasks in
            await self._update_node(cached, zone_to_node_conditions)
        await self.handle_disruption(zone_to_node_conditions, nodes)

    async def _update_node(
        self, cached: Object, zone_to_node_conditions: dict[str, list[dict[str, Any] | None]]
    ) -> None:
        node: Object | None = cached  # read-only: copied before any change
        name = _name(cached)
        observed: dict[str, Any] = {}
        current: dict[str, Any] | None = None
        for _ in range(NODE_HEALTH_UPDATE_RETRY):
            assert node is not None
            try:
                _, observed, current = await self.try_update_node_health(node)
                break
            except StatusError as error:
                log.debug("updating health of node %s: %s; retrying", name, error)
                try:
                    node = await self.client.get("nodes", name)
                except StatusError:
                    return  # probably deleted
        else:
            log.warning("skipping node %s: its health could not be updated", name)
            return
        assert node is not None
        labels = node["metadata"].get("labels") or {}
        if LABEL_NODE_DISRUPTION_EXCLUSION not in labels:
            zone_to_node_conditions.setdefault(get_zone_key(node), []).append(current)
        if current is None:
            return
        await self.process_taint_base_eviction(node, observed)
        needs_retry = name in self.nodes_to_retry
        mark = False
        if current.get("status") != "True" and observed.get("status") == "True":
            await record_node_status_change(self.recorder, node, "NodeNotReady")
            mark = True
        elif needs_retry and observed.get("status") != "True":
            mark = True
        if mark:
            pods = self.pod_informer.indexer.by_index(POD_NODE_NAME_INDEX, name)
            errors = await mark_pods_not_ready(self.client, self.recorder, self.clock, pods, name)
            if errors:
                log.warning("marking pods of node %s NotReady: %s; will retry", name, errors[0])
                self.nodes_to_retry.add(name)
                return
        self.nodes_to_retry.discard(name)

    async def try_update_node_health(
        self, node: Object
    ) -> tuple[float, dict[str, Any], dict[str, Any] | None]:
        """``tryUpdateNodeHealth``: the grace period, the Ready condition as observed and as
        it is now (possibly set Unknown here); raises when the status write failed."""
        name = _name(node)
        metadata = node["metadata"]
        # ``node`` may be the informer's (read-only) object: statuses kept in the health map are
        # never changed in place, and the node is copied before the conditions are
        status = node.get("status") or {}
        health = self.node_health_map.get(name)
        current = get_node_condition(node, "Ready")
        if current is None:
            # the kubelet never posted a Ready condition: pretend one from the creation time
            created = metadata.get("creationTimestamp")
            observed = {
                "type": "Ready",
                "status": "Unknown",
                "lastHeartbeatTime": created,
                "lastTransitionTime": created,
            }
            grace = self.config.node_startup_grace_period
            if health is not None:
                health.status = status
            else:
                created_at = self._monotonic_of(created)
                health = NodeHealthData(created_at, created_at, status)
        else:
            observed = dict(current)
            grace = self.config.node_monitor_grace_period
        saved = saved_lease = None
        if health is not None:
            saved = _ready_of(health.status)
            saved_lease = health.lease
        now = self.now()
        if health is None or (saved is None and current is not None):
            health = NodeHealthData(now, now, status)
        elif saved is not None and current is None:
            log.error("the Ready condition was removed from the status of node %s", name)
            health = NodeHealthData(now, now, status)
        elif (
            saved is not None
            and current is not None
            and saved.get("lastHeartbeatTime") != current.get("lastHeartbeatTime")
        ):
            if saved.get("lastTransitionTime") != current.get("lastTransitionTime"):
                transition = now
            else:
                transition = health.ready_transition_timestamp
            health = NodeHealthData(now, transition, status, health.lease)
        # a renewed Lease always counts as a sign of life
        observed_lease = self.lease_informer.get(NODE_LEASE_NAMESPACE, name)
        if observed_lease is not None and (
            saved_lease is None or _renew_time(saved_lease) < _renew_time(observed_lease)
        ):
            health.lease = observed_lease
            health.probe_timestamp = now
        self.node_health_map[name] = health

        if now > health.probe_timestamp + grace:
            timestamp = self.clock.timestamp()
            node = deep_copy(node)
            conditions = node.setdefault("status", {}).setdefault("conditions", [])
            for kind in ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure"):
                condition = get_node_condition(node, kind)
                if condition is None:
                    conditions.append(
                        {
                            "type": kind,
                            "status": "Unknown",
                            "reason": "NodeStatusNeverUpdated",
                            "message": "Kubelet never posted node status.",
                            "lastHeartbeatTime": metadata.get("creationTimestamp"),
                            "lastTransitionTime": timestamp,
                        }
                    )
                elif condition.get("status") != "Unknown":
                    condition["status"] = "Unknown"
                    condition["reason"] = "NodeStatusUnknown"
                    condition["message"] = "Kubelet stopped posting node status."
                    condition["lastTransitionTime"] = timestamp
            current = get_node_condition(node, "Ready")
            if current != observed:
                node.setdefault("apiVersion", "v1")
                node.setdefault("kind", "Node")
                updated = await self.client.update(node, subresource="status")
                self.node_health_map[name] = NodeHealthData(
                    health.probe_timestamp,
                    self.now(),
                    updated.get("status") or {},
                    observed_lease,
                )
                current = get_node_condition(updated, "Ready")
        return grace, observed, current

    async def process_taint_base_eviction(self, node: Object, observed: dict[str, Any]) -> None:
        taints = (node.get("spec") or {}).get("taints")
        status = observed.get("status")
        if status == "False":
            if taint_exists(taints, UNREACHABLE_TAINT):
                # swap straight away: not-ready and unreachable are exclusive, as the condition
                if not await swap_node_controller_taint(
                    self.client, self.clock, [NOT_READY_TAINT], [UNREACHABLE_TAINT], node
                ):
                    log.warning(
                        "failed to swap the unreachable taint of %s to not-ready", _name(node)
                    )
            else:
                self.mark_node_for_tainting(node, "False")
        elif status == "Unknown":
            if taint_exists(taints, NOT_READY_TAINT):
                if not await swap_node_controller_taint(
                    self.client, self.clock, [UNREACHABLE_TAINT], [NOT_READY_TAINT], node
                ):
                    log.warning(
                        "failed to swap the not-ready taint of %s to unreachable", _name(node)
                    )
            else:
                self.mark_node_for_tainting(node, "Unknown")
        elif status == "True":
            await self.mark_node_as_reachable(node)

    def mark_node_for_tainting(self, node: Object, status: str) -> bool:
        name = _name(node)
        tainter = self.zone_no_execute_tainter[get_zone_key(node)]
        taints = (node.get("spec") or {}).get("taints")
        template = NOT_READY_TAINT if status == "False" else UNREACHABLE_TAINT
        if not taint_exists(taints, template):
            tainter.remove(name)  # a fresh outage: queue the node again
        added = tainter.add(name, node["metadata"].get("uid", ""))
        if added:
            self._wake_tainter()
        return added

    async def mark_node_as_reachable(self, node: Object) -> bool:
        """Take the controller's NoExecute taints off; True when the node was queued."""
        if not await remove_taint_off_node(self.client, node, UNREACHABLE_TAINT):
            log.warning("failed to remove the unreachable taint of node %s", _name(node))
            return False
        if not await remove_taint_off_node(self.client, node, NOT_READY_TAINT):
            log.warning("failed to remove the not-ready taint of node %s", _name(node))
            return False
        tainter = self.zone_no_execute_tainter.get(get_zone_key(node))
        return tainter.remove(_name(node)) if tainter is not None else False

    # -- zones ---------------------------------------------------------------------------------

    def compute_zone_state(self, conditions: list[dict[str, Any] | None]) -> tuple[int, ZoneState]:
        """``ComputeZoneState``: the number of not-Ready nodes and the zone's state."""
        ready = sum(1 for c in conditions if c is not None and c.get("status") == "True")
        not_ready = len(conditions) - ready
        if ready == 0 and not_ready > 0:
            return not_ready, ZoneState.FULL_DISRUPTION
        if (
            not_ready > 2
            and not_ready / (not_ready + ready) >= self.config.unhealthy_zone_threshold
        ):
            return not_ready, ZoneState.PARTIAL_DISRUPTION
        return not_ready, ZoneState.NORMAL

    def reduced_qps(self, zone_size: int) -> float:
        """``ReducedQPSFunc``: the secondary rate in a large zone, nothing in a small one."""
        if zone_size > self.config.large_cluster_size_threshold:
            return self.config.secondary_eviction_limiter_qps
        return 0.0

    def healthy_qps(self, zone_size: int) -> float:
        """``HealthyQPSFunc``."""
        return self.config.eviction_limiter_qps

    def set_limiter_in_zone(self, zone: str, zone_size: int, state: ZoneState) -> None:
        tainter = self.zone_no_execute_tainter[zone]
        if state == ZoneState.NORMAL:
            tainter.swap_limiter(self.config.eviction_limiter_qps)
        elif state == ZoneState.PARTIAL_DISRUPTION:
            tainter.swap_limiter(self.reduced_qps(zone_size))
        elif state == ZoneState.FULL_DISRUPTION:
            tainter.swap_limiter(self.healthy_qps(zone_size))
        self._wake_tainter()

    async def handle_disruption(
        self, zone_to_node_conditions: dict[str, list[dict[str, Any] | None]], nodes: list[Object]
    ) -> None:
        new_zone_states: dict[str, ZoneState] = {}
        all_are_fully_disrupted = True
        for zone, conditions in zone_to_node_conditions.items():
            _, state = self.compute_zone_state(conditions)
            if state != ZoneState.FULL_DISRUPTION:
                all_are_fully_disrupted = False
            new_zone_states[zone] = state
            if zone not in self.zone_states:
                log.error("setting the initial state of unseen zone %r", zone)
                self.zone_states[zone] = ZoneState.INITIAL
                self.zone_no_execute_tainter.setdefault(
                    zone, RateLimitedTimedQueue(self.config.eviction_limiter_qps, self.now)
                )
        all_were_fully_disrupted = True
        for zone, state in list(self.zone_states.items()):
            if zone not in zone_to_node_conditions:
                del self.zone_states[zone]
                continue
            if state != ZoneState.FULL_DISRUPTION:
                all_were_fully_disrupted = False
                break
        if all_are_fully_disrupted and all_were_fully_disrupted:
            return
        if all_are_fully_disrupted:
            log.info("all nodes are not Ready: entering master disruption mode")
            for node in nodes:
                await self.mark_node_as_reachable(node)
            for zone in self.zone_states:
                self.zone_no_execute_tainter[zone].swap_limiter(0)
            for zone in self.zone_states:
                self.zone_states[zone] = ZoneState.FULL_DISRUPTION
            return
        if all_were_fully_disrupted:
            log.info("some nodes are Ready: exiting master disruption mode")
            now = self.now()
            for node in nodes:
                health = self.node_health_map.get(_name(node))
                if health is not None:
                    health.probe_timestamp = now
                    health.ready_transition_timestamp = now
            for zone in self.zone_states:
                state = new_zone_states[zone]
                self.set_limiter_in_zone(zone, len(zone_to_node_conditions[zone]), state)
                self.zone_states[zone] = state
            return
        for zone, state in self.zone_states.items():
            new_state = new_zone_states[zone]
            if state == new_state:
                continue
            log.info("zone %r is now in state %s", zone, new_state)
            self.set_limiter_in_zone(zone, len(zone_to_node_conditions[zone]), new_state)
            self.zone_states[zone] = new_state

    # -- doNoExecuteTaintingPass ---------------------------------------------------------------

    async def _tainting_pass(self, request: Request) -> Result | None:
        await self.do_no_execute_tainting_pass()
        waits = [
            wait
            for tainter in self.zone_no_execute_tainter.values()
            if (wait := tainter.next_attempt_in()) is not None
        ]
        if not waits:
            return None
        return Result(requeue_after=max(self.config.node_eviction_period, min(waits)))

    async def do_no_execute_tainting_pass(self) -> None:
        for zone in list(self.zone_no_execute_tainter):
            await self.zone_no_execute_tainter[zone].try_(self._taint_one)

    async def _taint_one(self, value: TimedValue) -> tuple[bool, float]:
        node = self.node_informer.get("", value.value)
        if node is None:
            return True, 0.0  # no longer there
        condition = get_node_condition(node, "Ready")
        if condition is None:
            return False, 0.05
        status = condition.get("status")
        if status == "False":
            taint, opposite = NOT_READY_TAINT, UNREACHABLE_TAINT
        elif status == "Unknown":
            taint, opposite = UNREACHABLE_TAINT, NOT_READY_TAINT
        else:
            return True, 0.0  # ready again: nothing to taint
        done = await swap_node_controller_taint(self.client, self.clock, [taint], [opposite], node)
        return done, 0.0

    # -- doNodeProcessingPassWorker ------------------------------------------------------------

    async def _process_node(self, request: Request) -> Result | None:
        node = self.node_informer.get("", request.name)
        if node is None:
            return None
        if not await self.do_no_schedule_tainting_pass(node):
            return Result(requeue=True)
        await self.reconcile_node_labels(node)
        return None

    async def do_no_schedule_tainting_pass(self, node: Object) -> bool:
        """NoSchedule taints for the node's conditions and cordon; False when the write failed."""
        wanted = []
        for condition in (node.get("status") or {}).get("conditions") or ():
            key = NODE_CONDITION_TO_TAINT_KEY.get((condition.get("type"), condition.get("status")))
            if key is not None:
                wanted.append({"key": key, "effect": NO_SCHEDULE})
        if (node.get("spec") or {}).get("unschedulable"):
            wanted.append({"key": UNSCHEDULABLE, "effect": NO_SCHEDULE})
        current = [
            taint
            for taint in (node.get("spec") or {}).get("taints") or ()
            if taint.get("effect") == NO_SCHEDULE
            and (
                taint.get("key") == UNSCHEDULABLE or taint.get("key") in _TAINT_KEYS_FROM_CONDITIONS
            )
        ]
        to_add, to_remove = taint_set_diff(wanted, current)
        if not to_add and not to_remove:
            return True
        return await swap_node_controller_taint(self.client, self.clock, to_add, to_remove, node)

    async def reconcile_node_labels(self, node: Object) -> None:
        labels = node["metadata"].get("labels") or {}
        patch = {
            secondary: labels[primary]
            for primary, secondary in _LABEL_RECONCILE
            if primary in labels and labels.get(secondary) != labels[primary]
        }
        if patch:
            with contextlib.suppress(NotFound):
                await self.client.patch("nodes", _name(node), {"metadata": {"labels": patch}})

    # -- processPod ----------------------------------------------------------------------------

    async def _process_pod(self, request: Request) -> Result | None:
        pod = self.pod_informer.get(request.namespace, request.name)
        if pod is None:
            return None
        node_name = (pod.get("spec") or {}).get("nodeName") or ""
        health = self.node_health_map.get(node_name)
        if health is None:
            return None  # not seen by the monitor yet, or gone
        if self.node_informer.get("", node_name) is None:
            return Result(requeue=True)
        ready = _ready_of(health.status)
        if ready is None:
            return None
        if ready.get("status") != "True":
            errors = await mark_pods_not_ready(
                self.client, self.recorder, self.clock, [pod], node_name
            )
            if errors:
                return Result(requeue=True)
        return None


def _ready_of(status: dict[str, Any]) -> dict[str, Any] | None:
    for condition in status.get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition
    return None


def _pod_bound(old: Object | None, new: Object) -> bool:
    """``podUpdated``: only a pod newly given a node matters."""
    node = (new.get("spec") or {}).get("nodeName")
    if not node:
        return False
    return old is None or (old.get("spec") or {}).get("nodeName") != node
