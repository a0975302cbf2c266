"""The taint eviction controller (kube-controller-manager's ``taint-eviction-controller``):
deletes pods from nodes with NoExecute taints they do not tolerate (or no longer tolerate).

Start it with ``TaintEvictionController(client, informers, recorder, clock).controllers()``.
"""

from controllers.tainteviction.taint_eviction import COMPONENT, TaintEvictionController

__all__ = ["COMPONENT", "TaintEvictionController"]
