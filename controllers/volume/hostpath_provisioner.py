"""minikube's storage provisioner: hostPath volumes for claims of ``k8s.io/minikube-hostpath``.

Upstream: minikube's ``pkg/storage/storage_provisioner.go`` (the ``Provision``/``Delete`` of a
``hostPathProvisioner``) run by ``sig-storage-lib-external-provisioner``'s
``ProvisionController``. A claim is provisioned when the PV controller has handed it to this
provisioner (``volume.kubernetes.io/storage-provisioner``), it has no volume yet, and -- for a
WaitForFirstConsumer class -- the scheduler has selected its node. The PV is
``pvc-<claim uid>``: a ``hostPath`` under ``/tmp/hostpath-provisioner/<namespace>/<claim>``
with the claim's access modes and requested size, the class's reclaim policy and mount
options, ``pv.kubernetes.io/provisioned-by`` and a ``claimRef`` (the PV controller then binds
the claim to it). A Released PV of this provisioner with the Delete policy is deleted.
Nothing is written to disk: the simulated kubelets do not mount volumes.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from controllers.runtime.controller import Controller, Request, Result
from controllers.runtime.events import EventRecorder
from controllers.scheduler.plugins.volumeutil import (
    ANN_SELECTED_NODE,
    WAIT_FOR_FIRST_CONSUMER,
    claim_class,
)
from controllers.volume.pv_controller import ANN_STORAGE_PROVISIONER
from minikube_py.client import Client
from minikube_py.errors import AlreadyExists, NotFound
from minikube_py.informer import SharedInformer
from minikube_py.objects import Object

#: ``provisionerName`` of minikube's storage-provisioner
PROVISIONER_NAME = "k8s.io/minikube-hostpath"
#: the annotation the external provisioner library marks its PVs with
ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
PV_DIR = "/tmp/hostpath-provisioner"


class InformerFactory(Protocol):
    def __call__(self, resource: str) -> SharedInformer: ...


def _meta(obj: Object) -> dict[str, Any]:
    return obj.get("metadata") or {}


class HostPathProvisioner:
    """The provision loop (claims) and the delete loop (volumes) of one provisioner name."""

    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        recorder: EventRecorder,
        *,
        name: str = PROVISIONER_NAME,
    ) -> None:
        self.client = client
        self.recorder = recorder
        self.name = name
        self.claims = informers("persistentvolumeclaims")
        self.volumes = informers("persistentvolumes")
        self.classes = informers("storageclasses")

    def controllers(self, *, name: str = "storage-provisioner") -> list[Controller]:
        claims = Controller(f"{name}-claims", self.sync_claim)
        claims.watch(self.claims)
        claims.informers.append(self.classes)
        volumes = Controller(f"{name}-volumes", self.sync_volume)
        volumes.watch(self.volumes)
        return [claims, volumes]

    def _should_provision(self, claim: Object) -> Object | None:
        """``shouldProvision``: the claim's class, when this provisioner should act now."""
        annotations = _meta(claim).get("annotations") or {}
        if (claim.get("spec") or {}).get("volumeName"):
            return None
        if annotations.get(ANN_STORAGE_PROVISIONER) != self.name:
            return None
        storage_class = self.classes.get("", claim_class(claim))
        if storage_class is None or storage_class.get("provisioner") != self.name:
            return None
        if storage_class.get("volumeBindingMode") == WAIT_FOR_FIRST_CONSUMER and not (
            annotations.get(ANN_SELECTED_NODE)
        ):
            return None
        return storage_class

    async def sync_claim(self, request: Request) -> Result | None:
        """``provisionClaimOperation``: make the claim's PV (once)."""
        claim = self.claims.get(request.namespace, request.name)
        if claim is None:
            return None
        storage_class = self._should_provision(claim)
        if storage_class is None:
            return None
        meta, spec = _meta(claim), claim.get("spec") or {}
        pv_name = f"pvc-{meta.get('uid')}"
        if self.volumes.get("", pv_name) is not None:
            return None
        claim_obj = {**claim, "apiVersion": "v1", "kind": "PersistentVolumeClaim"}
        await self.recorder.event(
            claim_obj,
            "Normal",
            "Provisioning",
            f'External provisioner is provisioning volume for claim "{request}"',
        )
        volume: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {
                "name": pv_name,
                "annotations": {ANN_PROVISIONED_BY: self.name},
            },
            "spec": {
                "accessModes": list(spec.get("accessModes") or ()),
                "capacity": {
                    "storage": ((spec.get("resources") or {}).get("requests") or {}).get(
                        "storage", "0"
                    )
                },
                "hostPath": {"path": f"{PV_DIR}/{meta.get('namespace')}/{meta.get('name')}"},
                "persistentVolumeReclaimPolicy": storage_class.get("reclaimPolicy") or "Delete",
                "storageClassName": claim_class(claim),
                "claimRef": {
                    "kind": "PersistentVolumeClaim",
                    "apiVersion": "v1",
                    "namespace": meta.get("namespace"),
                    "name": meta.get("name"),
                    "uid": meta.get("uid"),
                    "resourceVersion": meta.get("resourceVersion"),
                },
            },
        }
        if spec.get("volumeMode"):
            volume["spec"]["volumeMode"] = spec["volumeMode"]
        if storage_class.get("mountOptions"):
            volume["spec"]["mountOptions"] = list(storage_class["mountOptions"])
        try:
            await self.client.create(volume)
        except AlreadyExists:
            return None
        await self.recorder.event(
            claim_obj,
            "Normal",
            "ProvisioningSucceeded",
            f"Successfully provisioned volume {pv_name}",
        )
        return None

    async def sync_volume(self, request: Request) -> Result | None:
        """``deleteVolumeOperation``: a Released PV of ours with the Delete policy goes."""
        volume = self.volumes.get("", request.name)
        if volume is None:
            return None
        annotations = _meta(volume).get("annotations") or {}
        spec = volume.get("spec") or {}
        if (
            annotations.get(ANN_PROVISIONED_BY) == self.name
            and (volume.get("status") or {}).get("phase") == "Released"
            and spec.get("persistentVolumeReclaimPolicy") == "Delete"
        ):
            with contextlib.suppress(NotFound):
                await self.client.delete("persistentvolumes", request.name)
        return None


__all__ = ["ANN_PROVISIONED_BY", "PROVISIONER_NAME", "HostPathProvisioner"]
