"""VolumeBinding (PreFilter, Filter, Reserve/Unreserve, PreBind): claims bound with the pod.

Upstream: ``framework/plugins/volumebinding/volume_binding.go`` (v1.32). PreFilter skips pods
without claims and rejects, UnschedulableAndUnresolvable, a pod with a missing, lost or
deleting claim (the API's message) or with an unbound claim of Immediate binding ("pod has
unbound immediate PersistentVolumeClaims": the PV controller must bind it first; a PVC event
re-queues the pod); bound local PVs narrow the nodes to those they name (a PreFilterResult).
Filter asks the binder (:mod:`.binder`) about this node and rejects it,
UnschedulableAndUnresolvable, with every reason that applies. Reserve assumes the chosen
node's bindings; PreBind writes them and waits for the PV controller; Unreserve reverts.

No Score: upstream scores only with the ``VolumeCapacityPriority`` gate (alpha, off in v1.32;
``StorageCapacityScoring`` replaced it in v1.33), so PreScore always skips -- and a plugin
without ``score`` here needs no weight in the default profile.

Arguments: ``{"bindTimeoutSeconds": 600}`` (``VolumeBindingArgs``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from controllers.scheduler.framework.interface import (
    SKIP,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    Code,
    CycleState,
    EventResource,
    Plugin,
    PreFilterResult,
    QueueingHint,
    Status,
    unresolvable,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo
from controllers.scheduler.plugins.volumebinding.binder import (
    DEFAULT_BIND_TIMEOUT_SECONDS,
    BindingError,
    PodVolumeClaims,
    PodVolumes,
    VolumeBinder,
    volume_limit,
)
from controllers.scheduler.plugins.volumeutil import (
    claim_event_hint,
    claim_name,
    volume_is_for_pod,
)
from minikube_py.objects import Object
from minikube_py.quantity import value as quantity_value

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

#: the PreFilter message for Immediate claims the PV controller has not bound
ERR_REASON_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
#: ``v1.MigratedPluginsAnnotationKey``
MIGRATED_PLUGINS_ANNOTATION = "storage.alpha.kubernetes.io/migrated-plugins"


@dataclass(slots=True)
class _StateData:
    """``stateData``: shared by the cycle's clones, as upstream's ``Clone`` returns itself."""

    claims: PodVolumeClaims | None = None
    pod_volumes_by_node: dict[str, PodVolumes] = field(default_factory=dict)
    all_bound: bool = False

    def clone(self) -> _StateData:
        return self


class VolumeBinding(Plugin):
    name = "VolumeBinding"
    _KEY = "VolumeBinding"

    def __init__(self, args: dict[str, Any], handle: Framework) -> None:
        timeout = args.get("bindTimeoutSeconds", DEFAULT_BIND_TIMEOUT_SECONDS)
        if not isinstance(timeout, int) or timeout < 0:
            raise ValueError(f"VolumeBinding: bindTimeoutSeconds must be >= 0, got {timeout!r}")
        self.binder = VolumeBinder(handle, float(timeout))

    def _pod_has_pvcs(self, pod: PodInfo) -> tuple[bool, str | None]:
        """``podHasPVCs``: whether the pod uses claims, and why it cannot yet."""
        has_pvc = False
        for volume in pod.spec.get("volumes") or ():
            claim = claim_name(pod.pod, volume)
            if claim is None:
                continue
            has_pvc = True
            name, ephemeral = claim
            pvc = self.binder.listers.pvc(pod.namespace, name)
            if pvc is None:
                if ephemeral:
                    return True, (
                        "waiting for ephemeral volume controller to create the "
                        f'persistentvolumeclaim "{name}"'
                    )
                return True, f'persistentvolumeclaim "{name}" not found'
            if (pvc.get("status") or {}).get("phase") == "Lost":
                volume_name = (pvc.get("spec") or {}).get("volumeName") or ""
                return True, (
                    f'persistentvolumeclaim "{name}" bound to non-existent persistentvolume '
                    f'"{volume_name}"'
                )
            if (pvc.get("metadata") or {}).get("deletionTimestamp"):
                return True, f'persistentvolumeclaim "{name}" is being deleted'
            if ephemeral:
                problem = volume_is_for_pod(pod.pod, pvc)
                if problem is not None:
                    return True, problem
        return has_pvc, None

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        has_pvc, problem = self._pod_has_pvcs(pod)
        if problem is not None:
            return None, unresolvable(problem)
        if not has_pvc:
            state[self._KEY] = _StateData()
            return None, SKIP
        try:
            claims = self.binder.get_pod_volume_claims(pod.pod)
        except BindingError as error:
            return None, Status(Code.ERROR, str(error))
        if claims.unbound_claims_immediate:
            return None, unresolvable(ERR_REASON_UNBOUND_IMMEDIATE)
        state[self._KEY] = _StateData(claims)
        eligible = self.binder.get_eligible_nodes(claims.bound_claims)
        return (PreFilterResult(eligible) if eligible is not None else None), None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        data: _StateData = state[self._KEY]
        assert data.claims is not None
        try:
            volumes, reasons = self.binder.find_pod_volumes(
                pod.pod, data.claims, node_info.name, node_info.labels
            )
        except BindingError as error:
            return Status(Code.ERROR, str(error))
        if reasons:
            return unresolvable(*reasons)
        data.pod_volumes_by_node[node_info.name] = volumes
        return None

    def reserve(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        data: _StateData = state[self._KEY]
        volumes = data.pod_volumes_by_node.get(node_name)
        if volumes is None:  # no claims
            data.all_bound = True
            return None
        try:
            data.all_bound = self.binder.assume_pod_volumes(pod.pod, node_name, volumes)
        except BindingError as error:
            return Status(Code.ERROR, str(error))
        return None

    def unreserve(self, state: CycleState, pod: PodInfo, node_name: str) -> None:
        data: _StateData | None = state.get(self._KEY)
        volumes = data.pod_volumes_by_node.get(node_name) if data is not None else None
        if volumes is not None:
            self.binder.revert_assumed_pod_volumes(volumes)

    async def pre_bind(self, state: CycleState, pod: PodInfo, node_name: str) -> Status | None:
        data: _StateData = state[self._KEY]
        if data.all_bound:
            return None
        volumes = data.pod_volumes_by_node.get(node_name)
        if volumes is None:
            return Status(Code.ERROR, f'no pod volumes found for node "{node_name}"')
        try:
            await self.binder.bind_pod_volumes(pod.pod, node_name, volumes)
        except BindingError as error:
            return Status(Code.ERROR, str(error))
        return None

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            # a missing or mis-configured class (allowedTopologies) may be fixed
            ClusterEventWithHint(
                ClusterEvent(EventResource.STORAGE_CLASS, ActionType.ADD | ActionType.UPDATE),
                _after_class_change,
            ),
            # claims and volumes are what gets bound: any change may help
            ClusterEventWithHint(
                ClusterEvent(
                    EventResource.PERSISTENT_VOLUME_CLAIM, ActionType.ADD | ActionType.UPDATE
                ),
                claim_event_hint(ephemeral=True),
            ),
            ClusterEventWithHint(
                ClusterEvent(EventResource.PERSISTENT_VOLUME, ActionType.ADD | ActionType.UPDATE)
            ),
            # node labels decide PV node affinity and allowed topologies
            ClusterEventWithHint(
                ClusterEvent(EventResource.NODE, ActionType.ADD | ActionType.UPDATE_NODE_LABEL)
            ),
            ClusterEventWithHint(
                ClusterEvent(EventResource.CSI_NODE, ActionType.ADD | ActionType.UPDATE),
                _after_csi_node_change,
            ),
            # storage capacity: a driver stops tracking it, or there is more room
            ClusterEventWithHint(
                ClusterEvent(EventResource.CSI_DRIVER, ActionType.UPDATE), _after_driver_change
            ),
            ClusterEventWithHint(
                ClusterEvent(
                    EventResource.CSI_STORAGE_CAPACITY, ActionType.ADD | ActionType.UPDATE
                ),
                _after_capacity_change,
            ),
        ]


def _after_class_change(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """``isSchedulableAfterStorageClassChange``: a new class, or new allowed topologies."""
    if old is None or new is None:
        return QueueingHint.QUEUE
    if old.get("allowedTopologies") != new.get("allowedTopologies"):
        return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP


def _after_csi_node_change(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """``isSchedulableAfterCSINodeChange``: a new CSINode, or changed migrated plugins."""
    if old is None or new is None:
        return QueueingHint.QUEUE
    before = ((old.get("metadata") or {}).get("annotations") or {}).get(MIGRATED_PLUGINS_ANNOTATION)
    after = ((new.get("metadata") or {}).get("annotations") or {}).get(MIGRATED_PLUGINS_ANNOTATION)
    return QueueingHint.QUEUE if before != after else QueueingHint.QUEUE_SKIP


def _after_driver_change(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """``isSchedulableAfterCSIDriverChange``: storage capacity tracking turned off for a
    driver of the pod's inline CSI volumes."""
    if old is None or new is None:
        return QueueingHint.QUEUE
    name = (new.get("metadata") or {}).get("name")
    for volume in (pod.get("spec") or {}).get("volumes") or ():
        if (volume.get("csi") or {}).get("driver") != name:
            continue
        if (old.get("spec") or {}).get("storageCapacity") and not (new.get("spec") or {}).get(
            "storageCapacity"
        ):
            return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP


def _after_capacity_change(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """``isSchedulableAfterCSIStorageCapacityChange``: a new capacity, or a larger limit."""
    if old is None or new is None:
        return QueueingHint.QUEUE
    before, after = volume_limit(old), volume_limit(new)
    if after is not None and (before is None or quantity_value(after) > quantity_value(before)):
        return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP


__all__ = ["ERR_REASON_UNBOUND_IMMEDIATE", "VolumeBinding"]
