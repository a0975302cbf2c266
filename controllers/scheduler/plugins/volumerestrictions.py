"""VolumeRestrictions (PreFilter, Filter): volumes that cannot be shared between pods on a node.

Upstream: ``framework/plugins/volumerestrictions/volume_restrictions.go``. Implemented: the
disk conflicts decided by the pods on the node alone -- the same GCE PD mounted read-write
(or by any pod when either is read-write), the same AWS EBS volume, the same RBD image (same
monitor, pool and image), the same iSCSI IQN/LUN written by both. **Not implemented** (they
need PersistentVolumeClaim and PersistentVolume listers): the ``ReadWriteOncePod`` access-mode
conflict, and the volume plugins of the default profile that read PVs and CSI drivers
(VolumeBinding, VolumeZone, NodeVolumeLimits) -- those are not in this scheduler.
"""

from __future__ import annotations

from typing import Any

from controllers.scheduler.framework.interface import (
    SKIP,
    ActionType,
    ClusterEvent,
    ClusterEventWithHint,
    CycleState,
    EventResource,
    Plugin,
    PreFilterResult,
    Status,
    unschedulable,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo

#: ``ErrReasonDiskConflict``
ERR_REASON_DISK_CONFLICT = "node(s) had no available disk"


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


class VolumeRestrictions(Plugin):
    name = "VolumeRestrictions"
    _KEY = "PreFilterVolumeRestrictions"

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        volumes = [v for v in pod.spec.get("volumes") or () if _restricted(v)]
        if not volumes:
            return None, SKIP
        state[self._KEY] = volumes
        return None, None

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        for volume in state.get(self._KEY, ()):
            for existing in node_info.pods.values():
                if _is_volume_conflict(volume, existing.pod):
                    return unschedulable(ERR_REASON_DISK_CONFLICT)
        return None

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            ClusterEventWithHint(ClusterEvent(EventResource.ASSIGNED_POD, ActionType.DELETE)),
            ClusterEventWithHint(ClusterEvent(EventResource.NODE, ActionType.ADD)),
        ]
