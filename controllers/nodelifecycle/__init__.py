"""The node lifecycle controller (kube-controller-manager's ``nodelifecycle``, v1.32).

* :mod:`~controllers.nodelifecycle.node_lifecycle_controller` -- node health, zone states,
  NoExecute and NoSchedule taints, pods marked NotReady;
* :mod:`~controllers.nodelifecycle.rate_limited_queue` -- the per-zone, token-bucket tainting
  queue;
* :mod:`~controllers.nodelifecycle.node_util` -- taints, tolerations, node events, pod writes
  (shared with :mod:`controllers.tainteviction`).

Start it with ``NodeLifecycleController(client, informers, recorder, clock).controllers()``.
"""

from controllers.nodelifecycle.node_lifecycle_controller import (
    COMPONENT,
    NodeLifecycleConfig,
    NodeLifecycleController,
    ZoneState,
)

__all__ = ["COMPONENT", "NodeLifecycleConfig", "NodeLifecycleController", "ZoneState"]
