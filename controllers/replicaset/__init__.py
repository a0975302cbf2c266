"""The ReplicaSet controller (kube-controller-manager's ``replicaset`` controller, v1.32).

* :mod:`~controllers.replicaset.replica_set` -- the controller: sync, manage replicas, handlers;
* :mod:`~controllers.replicaset.replica_set_utils` -- status and the ReplicaFailure condition;
* :mod:`~controllers.replicaset.expectations` -- what a sync still waits to observe;
* :mod:`~controllers.replicaset.controller_utils` -- pod readiness, deletion ranking, slow start;
* :mod:`~controllers.replicaset.pod_control` -- pod writes and their Events;
* adopting and releasing pods: :mod:`controllers.runtime.refmanager`.

Start it with ``ReplicaSetController(client, informers, recorder, clock).controller()``.
"""

from controllers.replicaset.replica_set import COMPONENT, ReplicaSetController

__all__ = ["COMPONENT", "ReplicaSetController"]
