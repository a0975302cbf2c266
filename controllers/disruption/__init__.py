"""The disruption controller (kube-controller-manager's ``disruption`` controller, v1.32).

* :mod:`~controllers.disruption.disruption` -- PodDisruptionBudget status (expected, desired
  and current healthy pods, disruptions allowed, pending evictions, the ``DisruptionAllowed``
  condition) and the reset of stale ``DisruptionTarget`` pod conditions.

Start it with ``DisruptionController(client, informers, recorder, clock).controllers()`` (two
loops: PDBs, and pods with a stale condition).
"""

from controllers.disruption.disruption import COMPONENT, DisruptionController

__all__ = ["COMPONENT", "DisruptionController"]
