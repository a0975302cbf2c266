"""VolumeRestrictions (PreFilter, Filter, AddPod/RemovePod): volumes that cannot be shared.

Upstream: ``framework/plugins/volumerestrictions/volume_restrictions.go`` (v1.32). Two rules:

* *disk conflicts*, decided by the pods on the node alone: the same GCE PD mounted read-write
  (or by any pod when either is read-write), the same AWS EBS volume, the same RBD image (same
  monitor, pool and image), the same iSCSI IQN/LUN written by both -- "node(s) had no
  available disk";
* *ReadWriteOncePod*: a claim with that access mode may be used by one pod in the whole
  cluster. PreFilter counts how many of the pod's RWOP claims some scheduled (or assumed) pod
  already uses (``StorageInfos().IsPVCUsedByPods``, here the nodes' ``pvc_ref_counts``); while
  that count is above zero every node is Unschedulable with "node has pod using
  PersistentVolumeClaim with the same name and ReadWriteOncePod access mode" -- Unschedulable,
  not Unresolvable, because preempting the pod that holds the claim helps: AddPod/RemovePod
  keep the count right in preemption's dry runs.

A claim of the pod that does not exist makes the pod UnschedulableAndUnresolvable with the
API's message (``persistentvolumeclaim "data" not found``) until a PVC event re-queues it.

Divergence: upstream's AddPod/RemovePod match the other pod's claims by name only; here the
namespace must match too (a claim is namespaced, as the PreFilter count is).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    unschedulable,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo
from controllers.scheduler.plugins.volumeutil import (
    READ_WRITE_ONCE_POD,
    access_modes,
    claim_event_hint,
    not_found,
)
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

#: ``ErrReasonDiskConflict``
ERR_REASON_DISK_CONFLICT = "node(s) had no available disk"
#: ``ErrReasonReadWriteOncePodConflict``
ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT = (
    "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
)


def _restricted(volume: dict[str, Any]) -> bool:
    return any(k in volume for k in ("gcePersistentDisk", "awsElasticBlockStore", "rbd", "iscsi"))


def _is_volume_conflict(volume: dict[str, Any], pod: dict[str, Any]) -> bool:
    """``isVolumeConflict``."""
    for existing in (pod.get("spec") or {}).get("volumes") or ():
        if "gcePersistentDisk" in volume and "gcePersistentDisk" in existing:
            disk, other = volume["gcePersistentDisk"], existing["gcePersistentDisk"]
            if disk.get("pdName") == other.get("pdName") and not (
                disk.get("readOnly") and other.get("readOnly")
            ):
                return True
        if (
            "awsElasticBlockStore" in volume
            and "awsElasticBlockStore" in existing
            and volume["awsElasticBlockStore"].get("volumeID")
            == existing["awsElasticBlockStore"].get("volumeID")
        ):
            return True
        if "iscsi" in volume and "iscsi" in existing:
            iscsi, other = volume["iscsi"], existing["iscsi"]
            if (
                iscsi.get("iqn") == other.get("iqn")
                and iscsi.get("lun") == other.get("lun")
                and not (iscsi.get("readOnly") and other.get("readOnly"))
            ):
                return True
        if "rbd" in volume and "rbd" in existing:
            rbd, other = volume["rbd"], existing["rbd"]
            if (
                set(rbd.get("monitors") or ()) & set(other.get("monitors") or ())
                and (rbd.get("pool") or "rbd") == (other.get("pool") or "rbd")
                and rbd.get("image") == other.get("image")
                and not (rbd.get("readOnly") and other.get("readOnly"))
            ):
                return True
    return False


@dataclass(slots=True)
class _PreFilterState:
    """``preFilterState``: the pod's disk volumes to check, its RWOP claims, and how many
    references scheduled pods hold to those claims."""

    disk_volumes: list[dict[str, Any]]
    namespace: str
    read_write_once_pod_claims: frozenset[str]
    conflicting_pvc_ref_count: int

    def conflicts_of(self, other: PodInfo) -> int:
        if other.namespace != self.namespace:
            return 0
        return sum(
            1
            for v in other.spec.get("volumes") or ()
            if (v.get("persistentVolumeClaim") or {}).get("claimName")
            in self.read_write_once_pod_claims
        )

    def clone(self) -> _PreFilterState:
        return _PreFilterState(
            self.disk_volumes,
            self.namespace,
            self.read_write_once_pod_claims,
            self.conflicting_pvc_ref_count,
        )


class VolumeRestrictions(Plugin):
    name = "VolumeRestrictions"
    _KEY = "PreFilterVolumeRestrictions"

    def __init__(self, handle: Framework) -> None:
        self.handle = handle
        self._pvcs = handle.informer("persistentvolumeclaims")

    def _is_pvc_used_by_pods(self, key: str) -> bool:
        """``StorageInfos().IsPVCUsedByPods``: some pod on some node uses the claim."""
        return any(key in n.pvc_ref_counts for n in self.handle.snapshot.node_info_list)

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        volumes = pod.spec.get("volumes") or ()
        disk_volumes = [v for v in volumes if _restricted(v)]
        claims: set[str] = set()
        for volume in volumes:
            claim = volume.get("persistentVolumeClaim")
            if claim is None:
                continue
            name = claim.get("claimName") or ""
            pvc = self._pvcs.get(pod.namespace, name)
            if pvc is None:
                return None, unresolvable(not_found("persistentvolumeclaim", name))
            if READ_WRITE_ONCE_POD in access_modes(pvc):
                claims.add(name)
        conflicts = sum(1 for c in claims if self._is_pvc_used_by_pods(f"{pod.namespace}/{c}"))
        if not disk_volumes and conflicts == 0:
            return None, SKIP
        state[self._KEY] = _PreFilterState(
            disk_volumes, pod.namespace, frozenset(claims), conflicts
        )
        return None, None

    def add_pod(
        self, state: CycleState, pod: PodInfo, pod_to_add: PodInfo, node_info: NodeInfo
    ) -> None:
        s: _PreFilterState = state[self._KEY]
        s.conflicting_pvc_ref_count += s.conflicts_of(pod_to_add)

    def remove_pod(
        self, state: CycleState, pod: PodInfo, pod_to_remove: PodInfo, node_info: NodeInfo
    ) -> None:
        s: _PreFilterState = state[self._KEY]
        s.conflicting_pvc_ref_count -= s.conflicts_of(pod_to_remove)

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        s: _PreFilterState = state[self._KEY]
        for volume in s.disk_volumes:
            for existing in node_info.pods.values():
                if _is_volume_conflict(volume, existing.pod):
                    return unschedulable(ERR_REASON_DISK_CONFLICT)
        if s.conflicting_pvc_ref_count > 0:
            return unschedulable(ERR_REASON_READ_WRITE_ONCE_POD_CONFLICT)
        return None

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            # volumes freed by a deleted pod (``spec.volumes`` never changes: no updates)
            ClusterEventWithHint(
                ClusterEvent(EventResource.ASSIGNED_POD, ActionType.DELETE), _after_pod_deleted
            ),
            ClusterEventWithHint(ClusterEvent(EventResource.NODE, ActionType.ADD)),
            # the claim the pod uses was created (its access modes are needed)
            ClusterEventWithHint(
                ClusterEvent(EventResource.PERSISTENT_VOLUME_CLAIM, ActionType.ADD),
                claim_event_hint(ephemeral=False),
            ),
        ]


def _claim_names(pod: Object) -> set[str]:
    return {
        v["persistentVolumeClaim"].get("claimName") or ""
        for v in (pod.get("spec") or {}).get("volumes") or ()
        if v.get("persistentVolumeClaim") is not None
    }


def _namespace(obj: Object) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def _after_pod_deleted(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """``isSchedulableAfterPodDeleted``: the deleted pod held a disk or a claim this pod
    wants."""
    if old is None or _namespace(old) != _namespace(pod):
        return QueueingHint.QUEUE_SKIP
    if any(
        _restricted(v) and _is_volume_conflict(v, old)
        for v in (pod.get("spec") or {}).get("volumes") or ()
    ):
        return QueueingHint.QUEUE
    if _claim_names(pod) & _claim_names(old):
        return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP
