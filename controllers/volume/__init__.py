"""The PersistentVolume controller (kube-controller-manager's ``persistentvolume-binder``).

:mod:`.pv_controller` binds claims to volumes as upstream's
``pkg/controller/volume/persistentvolume/pv_controller.go`` does, and finishes the bindings the
scheduler's VolumeBinding plugin starts (a PV's ``claimRef``) so that the pod's PreBind sees
its claims Bound. Start it with
``PersistentVolumeController(client, informers, recorder).controllers()``.
"""

from controllers.volume.pv_controller import COMPONENT, PersistentVolumeController

__all__ = ["COMPONENT", "PersistentVolumeController"]
