"""NodeVolumeLimits (PreFilter, Filter): no more CSI volumes on a node than its driver allows.

Upstream: ``framework/plugins/nodevolumelimits/csi.go`` and ``utils.go`` (v1.32, the CSI
plugin; the per-cloud in-tree limit plugins are gone). The limits are the node's
``attachable-volumes-*`` allocatable scalars, overridden per driver by the CSINode's
``spec.drivers[].allocatable.count`` (key ``attachable-volumes-csi-<driver>``, hashed when too
long, ``GetCSIAttachLimitKey``). A volume counts as ``<driver>/<volumeHandle>``: the bound
PV's CSI source, or -- for a claim not bound yet -- its StorageClass's provisioner with a
per-claim handle (a random prefix, so such a claim is counted once per claim). A volume used by
several pods of the node counts once. Filter: the new volumes of each driver plus those already
attached exceed the limit -> "node(s) exceed max volume count" (Unschedulable: preemption of
a pod holding volumes may help).

A claim of the new pod that does not exist makes it UnschedulableAndUnresolvable (``looking up
PVC ns/name: persistentvolumeclaim "name" not found``); claims of pods already on the node that
cannot be read are not counted.

Not implemented: CSI migration of in-tree volumes (AWS EBS, GCE PD, Azure Disk, Cinder,
Portworx): upstream translates such inline volumes and PVs into their CSI driver's volume when
the node's CSINode lists the plugin in ``storage.alpha.kubernetes.io/migrated-plugins``; here
they are not counted.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

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
    unschedulable,
)
from controllers.scheduler.framework.types import NodeInfo, PodInfo
from controllers.scheduler.plugins.volumeutil import (
    VolumeListers,
    claim_class,
    claim_event_hint,
    claim_name,
    not_found,
    volume_is_for_pod,
)
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.scheduler.framework.runtime import Framework

#: ``ErrReasonMaxVolumeCountExceeded``
ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED = "node(s) exceed max volume count"
#: ``v1.ResourceAttachableVolumesPrefix`` and ``volumeutil.CSIAttachLimitPrefix``
ATTACHABLE_VOLUMES_PREFIX = "attachable-volumes-"
CSI_ATTACH_LIMIT_PREFIX = "attachable-volumes-csi-"
#: ``ResourceNameLengthLimit``
_RESOURCE_NAME_LENGTH_LIMIT = 63


def csi_attach_limit_key(driver: str) -> str:
    """``GetCSIAttachLimitKey``: the resource name of a driver's attach limit."""
    if len(CSI_ATTACH_LIMIT_PREFIX) + len(driver) >= _RESOURCE_NAME_LENGTH_LIMIT:
        digest = hashlib.sha1(driver.encode(), usedforsecurity=False).hexdigest()[:16]
        return CSI_ATTACH_LIMIT_PREFIX + driver[:23] + digest
    return CSI_ATTACH_LIMIT_PREFIX + driver


class _LookupError(Exception):
    """A claim of the new pod cannot be read (upstream's error from
    ``filterAttachableVolumes``)."""

    def __init__(self, message: str, *, not_found: bool) -> None:
        super().__init__(message)
        self.not_found = not_found


class CSILimits(Plugin):
    name = "NodeVolumeLimits"

    def __init__(self, handle: Framework) -> None:
        self.listers = VolumeListers(handle)
        #: ``randomVolumeIDPrefix``: from the cluster's seeded generator
        self._random_prefix = f"{handle.clock.rng.getrandbits(128):032x}"

    def pre_filter(
        self, state: CycleState, pod: PodInfo
    ) -> tuple[PreFilterResult | None, Status | None]:
        for volume in pod.spec.get("volumes") or ():
            if volume.get("persistentVolumeClaim") is not None or volume.get("ephemeral"):
                return None, None
        return None, SKIP

    def filter(self, state: CycleState, pod: PodInfo, node_info: NodeInfo) -> Status | None:
        if not pod.spec.get("volumes"):
            return None
        csi_node = self.listers.csi_node(node_info.name)
        new_volumes: dict[str, str] = {}
        try:
            self._attachable_volumes(pod.pod, new_volumes, new_pod=True)
        except _LookupError as error:
            if error.not_found:
                return unresolvable(str(error))
            return Status(Code.ERROR, str(error))
        if not new_volumes:
            return None
        limits = volume_limits(node_info, csi_node)
        if not limits:
            return None
        attached: dict[str, str] = {}
        for existing in node_info.pods.values():
            self._attachable_volumes(existing.pod, attached, new_pod=False)
        attached_count: dict[str, int] = {}
        for unique_name, limit_key in attached.items():
            new_volumes.pop(unique_name, None)  # one volume, several pods: counted once
            attached_count[limit_key] = attached_count.get(limit_key, 0) + 1
        new_count: dict[str, int] = {}
        for limit_key in new_volumes.values():
            new_count[limit_key] = new_count.get(limit_key, 0) + 1
        for limit_key, count in new_count.items():
            limit = limits.get(limit_key)
            if limit is not None and attached_count.get(limit_key, 0) + count > limit:
                return unschedulable(ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED)
        return None

    def _attachable_volumes(self, pod: Object, result: dict[str, str], *, new_pod: bool) -> None:
        """``filterAttachableVolumes``: ``result[driver/handle] = limit key`` for each CSI
        volume of the pod's claims."""
        metadata = pod.get("metadata") or {}
        namespace = metadata.get("namespace", "")
        for volume in (pod.get("spec") or {}).get("volumes") or ():
            claim = claim_name(pod, volume)
            if claim is None:
                continue  # inline volumes: CSI migration is not implemented
            name, ephemeral = claim
            if not name:
                raise _LookupError("PersistentVolumeClaim had no name", not_found=False)
            pvc = self.listers.pvc(namespace, name)
            if pvc is None:
                if new_pod:
                    raise _LookupError(
                        f"looking up PVC {namespace}/{name}: "
                        + not_found("persistentvolumeclaim", name),
                        not_found=True,
                    )
                continue
            if ephemeral:
                problem = volume_is_for_pod(pod, pvc)
                if problem is not None:
                    raise _LookupError(problem, not_found=False)
            driver, handle = self._csi_driver_info(pvc)
            if driver and handle:
                result[f"{driver}/{handle}"] = csi_attach_limit_key(driver)

    def _csi_driver_info(self, pvc: Object) -> tuple[str, str]:
        """``getCSIDriverInfo``: the bound PV's CSI driver and handle, else the class's."""
        pv_name = (pvc.get("spec") or {}).get("volumeName") or ""
        pv = self.listers.pv(pv_name) if pv_name else None
        if pv is None:
            return self._csi_driver_info_from_class(pvc)
        csi = (pv.get("spec") or {}).get("csi")
        if csi is None:
            return "", ""  # an in-tree volume (CSI migration is not implemented)
        return str(csi.get("driver") or ""), str(csi.get("volumeHandle") or "")

    def _csi_driver_info_from_class(self, pvc: Object) -> tuple[str, str]:
        """``getCSIDriverInfoFromSC``: the provisioner, and a handle unique to the claim."""
        class_name = claim_class(pvc)
        storage_class = self.listers.storage_class(class_name) if class_name else None
        if storage_class is None:
            return "", ""
        metadata = pvc.get("metadata") or {}
        handle = f"{self._random_prefix}-{metadata.get('namespace')}/{metadata.get('name')}"
        return str(storage_class.get("provisioner") or ""), handle

    def events_to_register(self) -> list[ClusterEventWithHint]:
        return [
            # any new CSINode may raise a limit (no hint, as upstream)
            ClusterEventWithHint(ClusterEvent(EventResource.CSI_NODE, ActionType.ADD)),
            ClusterEventWithHint(
                ClusterEvent(EventResource.ASSIGNED_POD, ActionType.DELETE), _after_pod_deleted
            ),
            ClusterEventWithHint(
                ClusterEvent(EventResource.PERSISTENT_VOLUME_CLAIM, ActionType.ADD),
                claim_event_hint(ephemeral=True),
            ),
        ]


def volume_limits(node_info: NodeInfo, csi_node: Object | None) -> dict[str, int]:
    """``getVolumeLimits``: the node's attachable-volume scalars, then the CSINode's counts."""
    limits = {
        name: amount
        for name, amount in node_info.allocatable.scalar.items()
        if name.startswith(ATTACHABLE_VOLUMES_PREFIX)
    }
    for driver in ((csi_node or {}).get("spec") or {}).get("drivers") or ():
        count = (driver.get("allocatable") or {}).get("count")
        if count is not None:
            limits[csi_attach_limit_key(str(driver.get("name") or ""))] = int(count)
    return limits


def _after_pod_deleted(pod: Object, old: Object | None, new: Object | None) -> QueueingHint:
    """``isSchedulableAfterPodDeleted``: a bound pod that had claims."""
    if old is None or not (old.get("spec") or {}).get("nodeName"):
        return QueueingHint.QUEUE_SKIP
    for volume in (old.get("spec") or {}).get("volumes") or ():
        if claim_name(old, volume) is not None:
            return QueueingHint.QUEUE
    return QueueingHint.QUEUE_SKIP


__all__ = [
    "ERR_REASON_MAX_VOLUME_COUNT_EXCEEDED",
    "CSILimits",
    "csi_attach_limit_key",
    "volume_limits",
]
