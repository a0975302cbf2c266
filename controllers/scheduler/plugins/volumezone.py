"""VolumeZone (PreFilter, Filter): a pod goes where the zones of its bound volumes are.

Upstream: ``framework/plugins/volumezone/volume_zone.go`` (v1.32). PreFilter reads, for each
claim of the pod, the bound PersistentVolume's topology labels -- ``topology.kubernetes.io/
zone`` and ``/region`` and their deprecated ``failure-domain.beta.kubernetes.io`` forms, a
value possibly naming several zones joined by ``__`` -- and skips the plugin when there are
none. A claim not yet bound is fine when its StorageClass binds WaitForFirstConsumer (the
volume will be made where the pod goes); otherwise, and for missing objects, the pod is
UnschedulableAndUnresolvable with upstream's message.

Filter: a node with none of those labels accepts the pod (a single-zone cluster); otherwise
each volume label must be on the node (a beta key may match the node's GA key) with one of the
volume's values, or the node is UnschedulableAndUnresolvable: "node(s) had no available volume
zone". Only claims are considered (not inline volumes), as upstream.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from controllers.scheduler.framework.interface import (
    SKIP,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    CycleState,
    EventResource,
    Plugin,
    PreFilterResult,
    QueueingHint,
    Status,
    unresolvable,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo
from controllers.scheduler.plugins.volumeutil import (
    WAIT_FOR_FIRST_CONSUMER,
    VolumeListers,
    claim_class,
    claim_event_hint,
    not_found,
)
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

#: ``ErrReasonConflict``
ERR_REASON_CONFLICT = "node(s) had no available volume zone"
LABEL_FAILURE_DOMAIN_BETA_ZONE = "failure-domain.beta.kubernetes.io/zone"
LABEL_FAILURE_DOMAIN_BETA_REGION = "failure-domain.beta.kubernetes.io/region"
LABEL_TOPOLOGY_ZONE = "topology.kubernetes.io/zone"
LABEL_TOPOLOGY_REGION = "topology.kubernetes.io/region"
#: ``topologyLabels``, in upstream's order
TOPOLOGY_LABELS = (
    LABEL_FAILURE_DOMAIN_BETA_ZONE,
    LABEL_FAILURE_DOMAIN_BETA_REGION,
    LABEL_TOPOLOGY_ZONE,
    LABEL_TOPOLOGY_REGION,
)
_TO_GA = {
    LABEL_FAILURE_DOMAIN_BETA_ZONE: LABEL_TOPOLOGY_ZONE,
    LABEL_FAILURE_DOMAIN_BETA_REGION: LABEL_TOPOLOGY_REGION,
}
#: ``volumehelpers.LabelMultiZoneDelimiter``
MULTI_ZONE_DELIMITER = "__"


@dataclass(frozen=True, slots=True)
class PVTopology:
    """``pvTopology``: one topology label of a PV and the values it allows."""

    pv_name: str
    key: str
    values: frozenset[str]


def pv_topologies(pv: Object) -> list[PVTopology]:
    """``getPVTopologies``: the PV's topology labels (``LabelZonesToSet`` splits on ``__``;
    a value with an empty zone in it is ignored, as upstream ignores unparsable labels)."""
    metadata = pv.get("metadata") or {}
    labels = metadata.get("labels") or {}
    topologies: list[PVTopology] = []
    for key in TOPOLOGY_LABELS:
        value = labels.get(key)
        if value is None:
            continue
        zones = [z.strip() for z in str(value).split(MULTI_ZONE_DELIMITER)]
        if any(not z for z in zones):
            continue
        topologies.append(PVTopology(metadata.get("name", ""), key, frozenset(zones)))
    return topologies


class VolumeZone(Plugin):
    name = "VolumeZone"
    _KEY = "PreFilterVolumeZone"

    def __init__(self, handle: Framework) -> None:
        self.listers = VolumeListers(handle)

    def _pv_topologies_of_pod(self, pod: PodInfo) -> tuple[list[PVTopology], Status | None]:
        """``getPVbyPod``."""
        topologies: list[PVTopology] = []
        for volume in pod.spec.get("volumes") or ():
            claim = volume.get("persistentVolumeClaim")
            if claim is None:
                continue
            claim_name = claim.get("claimName") or ""
            if not claim_name:
                return [], unresolvable("PersistentVolumeClaim had no name")
            pvc = self.listers.pvc(pod.namespace, claim_name)
            if pvc is None:
                return [], unresolvable(not_found("persistentvolumeclaim", claim_name))
            pv_name = (pvc.get("spec") or {}).get("volumeName") or ""
            if not pv_name:
                class_name = claim_class(pvc)
                if not class_name:
                    return [], unresolvable(
                        "PersistentVolumeClaim had no pv name and storageClass name"
                    )
                storage_class = self.listers.storage_class(class_name)
                if storage_class is None:
                    return [], unresolvable(not_found("storageclass.storage.k8s.io", class_name))
                mode = storage_class.get("volumeBindingMode")
                if mode is None:
                    return [], unresolvable(
                        f'VolumeBindingMode not set for StorageClass "{class_name}"'
                    )
                if mode == WAIT_FOR_FIRST_CONSUMER:
                    continue  # an unbound volume: made where the pod goes
                return [], unresolvable("PersistentVolume had no name")
            pv = self.listers.pv(pv_name)
            if pv is None:
                return [], unresolvable(not_found("persistentvolume", pv_name))
            topologies.extend(pv_topologies(pv))
        return topologies, None

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        topologies, status = self._pv_topologies_of_pod(pod)
        if status is not None:
            return None, status
        if not topologies:
            return None, SKIP
        state[self._KEY] = topologies
        return None, None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if not pod.spec.get("volumes"):
            return None
        topologies: list[PVTopology] = state[self._KEY]
        labels = node_info.labels
        if not any(key in labels for key in TOPOLOGY_LABELS):
            return None  # a node without zones: a single-zone cluster
        for topology in topologies:
            value = labels.get(topology.key)
            if value is None:
                value = labels.get(_TO_GA.get(topology.key, topology.key))
            if value is None or value not in topology.values:
                return unresolvable(ERR_REASON_CONFLICT)
        return None

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            # a new WaitForFirstConsumer class (the binding mode never changes: no updates)
            ClusterEventWithHint(
                ClusterEvent(EventResource.STORAGE_CLASS, ActionType.ADD), _after_class_added
            ),
            ClusterEventWithHint(
                ClusterEvent(EventResource.NODE, ActionType.ADD | ActionType.UPDATE_NODE_LABEL)
            ),
            ClusterEventWithHint(
                ClusterEvent(
                    EventResource.PERSISTENT_VOLUME_CLAIM, ActionType.ADD | ActionType.UPDATE
                ),
                claim_event_hint(ephemeral=False),
            ),
            ClusterEventWithHint(
                ClusterEvent(EventResource.PERSISTENT_VOLUME, ActionType.ADD | ActionType.UPDATE),
                _after_volume_change,
            ),
        ]


def _after_class_added(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """``isSchedulableAfterStorageClassAdded``: only a WaitForFirstConsumer class helps."""
    if new is not None and new.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER:
        return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP


def _after_volume_change(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """``isSchedulableAfterPersistentVolumeChange``: a new PV, or changed topology labels."""
    if old is None or new is None:
        return QueueingHint.QUEUE
    if pv_topologies(old) != pv_topologies(new):
        return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP


__all__ = ["ERR_REASON_CONFLICT", "TOPOLOGY_LABELS", "PVTopology", "VolumeZone", "pv_topologies"]
