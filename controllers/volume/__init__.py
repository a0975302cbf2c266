"""Volumes: the PersistentVolume controller and minikube's hostPath storage provisioner.

* :mod:`.pv_controller` (kube-controller-manager's ``persistentvolume-binder``) binds claims
  to volumes as upstream's ``pkg/controller/volume/persistentvolume/pv_controller.go`` does,
  and finishes the bindings the scheduler's VolumeBinding plugin starts (a PV's
  ``claimRef``), so that the pod's PreBind sees its claims Bound. Start it with
  ``PersistentVolumeController(client, informers, recorder).controllers()``.
* :mod:`.hostpath_provisioner` (minikube's ``storage-provisioner`` addon) makes a hostPath PV
  for each claim of the ``k8s.io/minikube-hostpath`` provisioner -- what minikube's default
  ``standard`` StorageClass names. Start it with
  ``HostPathProvisioner(client, informers, recorder).controllers()``.
"""

from controllers.volume.hostpath_provisioner import PROVISIONER_NAME, HostPathProvisioner
from controllers.volume.pv_controller import COMPONENT, PersistentVolumeController

__all__ = ["COMPONENT", "PROVISIONER_NAME", "HostPathProvisioner", "PersistentVolumeController"]
