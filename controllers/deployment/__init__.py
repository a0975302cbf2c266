"""The Deployment controller (kube-controller-manager's ``deployment`` controller, v1.32).

One module per phase of the upstream algorithm, names kept recognisable:

* :mod:`~controllers.deployment.deployment_controller` -- wiring, handlers, ``sync_deployment``;
* :mod:`~controllers.deployment.sync` -- revisions, the new replica set, proportional scaling,
  cleanup, status;
* :mod:`~controllers.deployment.rolling` -- the RollingUpdate strategy;
* :mod:`~controllers.deployment.recreate` -- the Recreate strategy;
* :mod:`~controllers.deployment.progress` -- the Progressing condition and the deadline check;
* :mod:`~controllers.deployment.rollback` -- ``deprecated.deployment.rollback.to``;
* :mod:`~controllers.deployment.util` -- ``deployment_util.go``: annotations, conditions,
  fenceposts, hashing, proportions.

Start it with ``DeploymentController(client, informers, recorder, clock).controller()``.
"""

from controllers.deployment.deployment_controller import COMPONENT, DeploymentController

__all__ = ["COMPONENT", "DeploymentController"]
