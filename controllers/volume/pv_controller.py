"""The PV controller's binder: claims and volumes reconciled into matching, bound pairs.

Upstream: ``pkg/controller/volume/persistentvolume/pv_controller.go`` (``syncClaim``,
``syncUnboundClaim``, ``syncBoundClaim``, ``syncVolume``, ``bind``, ``bindVolumeToClaim``,
``bindClaimToVolume``, ``unbindVolume``, ``provisionClaim``) and ``index.go``
(``findBestMatchForClaim``). Two loops, as upstream's claim and volume queues; each enqueues
the other side of a binding when it changes, and every object is synced again after 15 s
(upstream's resync: how a claim waiting for a volume finds one created later).

*Claims*. An unbound claim without ``volumeName`` gets the smallest Available PV that fits
(Immediate binding) or the PV the scheduler pre-bound to it (WaitForFirstConsumer); with none,
a WaitForFirstConsumer claim not yet given a node waits ("waiting for first consumer to be
created before binding"), a claim with a class is handed to its external provisioner
(``volume.kubernetes.io/storage-provisioner`` and its beta twin, an ``ExternalProvisioning``
event) and a claim without a class stays Pending ("no persistent volumes available for this
claim and no storage class is set"). A claim naming a volume binds to it unless another claim
holds it. Binding writes, in order: the PV's ``claimRef`` (and ``bound-by-controller``), the
PV's phase Bound, the claim's ``volumeName`` with ``bind-completed`` (and
``bound-by-controller``), the claim's phase Bound with the PV's capacity and access modes. A
bound claim whose PV is gone or bound elsewhere is Lost (``ClaimLost``, ``ClaimMisbound``).

*Volumes*. Without a claimRef (or pre-bound without a uid) a PV is Available; bound to a claim
that is gone (or was re-created) it is Released; bound to a claim bound elsewhere it is
unbound when the controller had bound it; bound both ways it is Bound.

Not implemented: reclaiming Released volumes (Delete/Recycle; only Retain's behaviour --
staying Released -- is real), in-tree provisioning, volume-mode mismatch events, metrics and
the resync. Dynamic provisioning needs an external provisioner, as in a real cluster.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from controllers.runtime.controller import Controller, Request, Result
from controllers.runtime.events import EventRecorder
from controllers.scheduler.plugins.volumeutil import (
    ANN_BIND_COMPLETED,
    ANN_BOUND_BY_CONTROLLER,
    ANN_SELECTED_NODE,
    WAIT_FOR_FIRST_CONSUMER,
    bind_volume_to_claim,
    claim_class,
    find_matching_volume,
    is_volume_bound_to_claim,
)
from minikube_py.client import Client
from minikube_py.informer import SharedInformer
from minikube_py.objects import Object

log = logging.getLogger(__name__)

#: the events' source component
COMPONENT = "persistentvolume-controller"
#: ``--pvclaimbinder-sync-period``: every claim and volume is synced again this often
RESYNC_PERIOD = 15.0
#: ``AnnStorageProvisioner`` and ``AnnBetaStorageProvisioner``
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"


class InformerFactory(Protocol):
    def __call__(self, resource: str) -> SharedInformer: ...


def _meta(obj: Object) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _spec(obj: Object) -> dict[str, Any]:
    return obj.get("spec") or {}


def _phase(obj: Object) -> str:
    return str((obj.get("status") or {}).get("phase") or "")


def _annotated(obj: Object, **annotations: str) -> Object:
    """A copy of ``obj`` with ``annotations`` added (pass annotation keys through ``**{}``)."""
    metadata = dict(_meta(obj))
    metadata["annotations"] = {**(metadata.get("annotations") or {}), **annotations}
    return {**obj, "metadata": metadata}


def _with_kind(obj: Object, kind: str) -> Object:
    return {**obj, "apiVersion": "v1", "kind": kind}


class PersistentVolumeController:
    """``PersistentVolumeController``: the claim loop and the volume loop."""

    def __init__(self, client: Client, informers: InformerFactory, recorder: EventRecorder) -> None:
        self.client = client
        self.recorder = recorder
        self.claims = informers("persistentvolumeclaims")
        self.volumes = informers("persistentvolumes")
        self.classes = informers("storageclasses")
        self._claim_loop: Controller | None = None
        self._volume_loop: Controller | None = None

    def controllers(self, *, name: str = "persistentvolume-binder") -> list[Controller]:
        claims = Controller(f"{name}-claims", self.sync_claim)
        volumes = Controller(f"{name}-volumes", self.sync_volume)
        self._claim_loop, self._volume_loop = claims, volumes
        claims.watch(self.claims)
        claims.watch(self.volumes, _claim_of_volume)
        claims.informers.append(self.classes)
        volumes.watch(self.volumes)
        volumes.watch(self.claims, _volume_of_claim)
        return [claims, volumes]

    # -- claims --------------------------------------------------------------------------------

    async def sync_claim(self, request: Request) -> Result | None:
        """``syncClaim``, then again after the resync period."""
        claim = self.claims.get(request.namespace, request.name)
        if claim is None:
            return None  # its volume's loop releases the volume
        if ANN_BIND_COMPLETED in (_meta(claim).get("annotations") or {}):
            await self._sync_bound_claim(claim)
        else:
            await self._sync_unbound_claim(claim)
        return Result(requeue_after=RESYNC_PERIOD)

    def _is_delay_binding(self, claim: Object) -> bool:
        class_name = claim_class(claim)
        storage_class = self.classes.get("", class_name) if class_name else None
        return storage_class is not None and (
            storage_class.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER
        )

    async def _sync_unbound_claim(self, claim: Object) -> None:
        volume_name = _spec(claim).get("volumeName") or ""
        if not volume_name:
            delayed = self._is_delay_binding(claim)
            volume = find_matching_volume(
                claim, self.volumes.list(), None, set(), delay_binding=delayed
            )
            if volume is not None:
                await self._bind(volume, claim)
                return
            annotations = _meta(claim).get("annotations") or {}
            if delayed and ANN_SELECTED_NODE not in annotations:
                await self._event(
                    claim,
                    "Normal",
                    "WaitForFirstConsumer",
                    "waiting for first consumer to be created before binding",
                )
            elif claim_class(claim):
                claim = await self._provision_claim(claim)
            else:
                await self._event(
                    claim,
                    "Normal",
                    "FailedBinding",
                    "no persistent volumes available for this claim and no storage class is set",
                )
            await self._update_claim_status(claim, "Pending", None)
            return
        volume = self.volumes.get("", volume_name)
        if volume is None:
            await self._update_claim_status(claim, "Pending", None)
            return
        ref = _spec(volume).get("claimRef")
        if not ref or is_volume_bound_to_claim(volume, claim):
            await self._bind(volume, claim)
        elif ANN_BOUND_BY_CONTROLLER not in (_meta(claim).get("annotations") or {}):
            await self._event(
                claim,
                "Warning",
                "FailedBinding",
                f'volume "{volume_name}" already bound to a different claim.',
            )
            await self._update_claim_status(claim, "Pending", None)

    async def _sync_bound_claim(self, claim: Object) -> None:
        volume_name = _spec(claim).get("volumeName") or ""
        if not volume_name:
            await self._lose(
                claim,
                "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!",
            )
            return
        volume = self.volumes.get("", volume_name)
        if volume is None:
            await self._lose(
                claim, "Bound claim has lost its PersistentVolume. Data on the volume is lost!"
            )
        elif not _spec(volume).get("claimRef") or is_volume_bound_to_claim(volume, claim):
            await self._bind(volume, claim)
        else:
            await self._update_claim_status(claim, "Lost", None)
            await self._event(
                claim,
                "Warning",
                "ClaimMisbound",
                "Two claims are bound to the same volume, this one is bound incorrectly",
            )

    async def _lose(self, claim: Object, message: str) -> None:
        if _phase(claim) != "Lost":
            await self._update_claim_status(claim, "Lost", None)
            await self._event(claim, "Warning", "ClaimLost", message)

    async def _provision_claim(self, claim: Object) -> Object:
        """``provisionClaimOperationExternal``: leave the claim to its class's provisioner."""
        class_name = claim_class(claim)
        storage_class = self.classes.get("", class_name)
        if storage_class is None:
            await self._event(
                claim,
                "Warning",
                "ProvisioningFailed",
                f'storageclass.storage.k8s.io "{class_name}" not found',
            )
            return claim
        provisioner = str(storage_class.get("provisioner") or "")
        annotations = _meta(claim).get("annotations") or {}
        if annotations.get(ANN_STORAGE_PROVISIONER) != provisioner:
            claim = await self.client.update(
                _with_kind(
                    _annotated(
                        claim,
                        **{
                            ANN_STORAGE_PROVISIONER: provisioner,
                            ANN_BETA_STORAGE_PROVISIONER: provisioner,
                        },
                    ),
                    "PersistentVolumeClaim",
                )
            )
        await self._event(
            claim,
            "Normal",
            "ExternalProvisioning",
            f"Waiting for a volume to be created either by the external provisioner "
            f"'{provisioner}' or manually by the system administrator. If volume creation is "
            "delayed, please verify that the provisioner is running and correctly registered.",
        )
        return claim

    # -- binding -------------------------------------------------------------------------------

    async def _bind(self, volume: Object, claim: Object) -> None:
        """``bind``: volume to claim, volume Bound, claim to volume, claim Bound."""
        volume = await self._bind_volume_to_claim(volume, claim)
        volume = await self._update_volume_phase(volume, "Bound")
        claim = await self._bind_claim_to_volume(claim, volume)
        await self._update_claim_status(claim, "Bound", volume)

    async def _bind_volume_to_claim(self, volume: Object, claim: Object) -> Object:
        """``bindVolumeToClaim``: write ``GetBindVolumeToClaim``'s PV when it changed."""
        volume, dirty = bind_volume_to_claim(volume, claim)
        if not dirty:
            return volume
        return await self.client.update(_with_kind(volume, "PersistentVolume"))

    async def _bind_claim_to_volume(self, claim: Object, volume: Object) -> Object:
        """``bindClaimToVolume``."""
        volume_name = _meta(volume).get("name", "")
        annotations = dict(_meta(claim).get("annotations") or {})
        dirty = False
        if _spec(claim).get("volumeName") != volume_name:
            claim = {**claim, "spec": {**_spec(claim), "volumeName": volume_name}}
            annotations.setdefault(ANN_BOUND_BY_CONTROLLER, "yes")
            dirty = True
        if ANN_BIND_COMPLETED not in annotations:
            annotations[ANN_BIND_COMPLETED] = "yes"
            dirty = True
        if not dirty:
            return claim
        claim = {**claim, "metadata": {**_meta(claim), "annotations": annotations}}
        return await self.client.update(_with_kind(claim, "PersistentVolumeClaim"))

    async def _update_claim_status(
        self, claim: Object, phase: str, volume: Object | None
    ) -> Object:
        """``updateClaimStatus``: the phase, and a bound claim's capacity and access modes."""
        status = dict(claim.get("status") or {})
        wanted = {"phase": phase}
        if volume is not None:
            wanted["accessModes"] = _spec(volume).get("accessModes") or []
            wanted["capacity"] = _spec(volume).get("capacity") or {}
        if all(status.get(k) == v for k, v in wanted.items()):
            return claim
        status.update(wanted)
        return await self.client.update(
            _with_kind({**claim, "status": status}, "PersistentVolumeClaim"),
            subresource="status",
        )

    async def _update_volume_phase(self, volume: Object, phase: str) -> Object:
        """``updateVolumePhase``."""
        if _phase(volume) == phase:
            return volume
        status = {**(volume.get("status") or {}), "phase": phase}
        return await self.client.update(
            _with_kind({**volume, "status": status}, "PersistentVolume"), subresource="status"
        )

    # -- volumes -------------------------------------------------------------------------------

    async def sync_volume(self, request: Request) -> Result | None:
        """``syncVolume``, then again after the resync period."""
        volume = self.volumes.get("", request.name)
        if volume is None:
            return None
        await self._sync_volume(volume)
        return Result(requeue_after=RESYNC_PERIOD)

    async def _sync_volume(self, volume: Object) -> None:
        ref = _spec(volume).get("claimRef")
        if not ref or not ref.get("uid"):
            await self._update_volume_phase(volume, "Available")  # free, or pre-bound by a user
            return
        claim = self.claims.get(ref.get("namespace") or "", ref.get("name") or "")
        if claim is not None and _meta(claim).get("uid") != ref.get("uid"):
            claim = None  # the claim was deleted and re-created: not ours
        if claim is None:
            if _phase(volume) not in ("Released", "Failed"):
                await self._update_volume_phase(volume, "Released")
            return
        volume_name = _spec(claim).get("volumeName") or ""
        if not volume_name:
            # bound by the scheduler or a provisioner: the claim's loop finishes the binding
            if self._claim_loop is not None:
                self._claim_loop.enqueue(Request(ref.get("namespace") or "", ref.get("name")))
        elif volume_name == _meta(volume).get("name"):
            await self._update_volume_phase(volume, "Bound")
        elif ANN_BOUND_BY_CONTROLLER in (_meta(volume).get("annotations") or {}):
            await self._unbind_volume(volume)

    async def _unbind_volume(self, volume: Object) -> None:
        """``unbindVolume``: forget the claim we bound; a user's pre-binding loses only its
        uid."""
        annotations = dict(_meta(volume).get("annotations") or {})
        spec = dict(_spec(volume))
        if annotations.pop(ANN_BOUND_BY_CONTROLLER, None) is not None:
            spec.pop("claimRef", None)
        else:
            spec["claimRef"] = {**(spec.get("claimRef") or {}), "uid": ""}
        metadata = {**_meta(volume), "annotations": annotations}
        updated = await self.client.update(
            _with_kind({**volume, "metadata": metadata, "spec": spec}, "PersistentVolume")
        )
        await self._update_volume_phase(updated, "Available")

    async def _event(self, obj: Object, kind: str, reason: str, message: str) -> None:
        await self.recorder.event(_with_kind(obj, "PersistentVolumeClaim"), kind, reason, message)


def _claim_of_volume(volume: Object) -> list[Request]:
    ref = _spec(volume).get("claimRef")
    return [Request(ref.get("namespace") or "", ref.get("name") or "")] if ref else []


def _volume_of_claim(claim: Object) -> list[Request]:
    name = _spec(claim).get("volumeName")
    return [Request("", name)] if name else []


__all__ = ["ANN_STORAGE_PROVISIONER", "COMPONENT", "RESYNC_PERIOD", "PersistentVolumeController"]
