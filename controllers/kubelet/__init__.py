"""Simulated kubelets: nodes that register, heartbeat and run their pods on the cluster clock.

* :class:`NodePool` / :class:`NodeConfig` / :class:`PodBehavior` / :class:`ProbeScript`
  (``config``) -- what a node registers and how its pods behave (seeded delays, crashes,
  failures, what applications answer to probes; per-pod overrides by
  ``sim.minikube-py.dev/<field>`` annotations);
* :class:`NodeAgent` (``agent``) -- one kubelet: Node, Lease, status, pod workers (``pods``)
  with their containers (``containers``) and probe workers (``probes``);
* :class:`NodeSet` (``nodeset``) -- many agents on one shared pod informer, with node operations
  (add, kill, restart, partition, heal) and the cluster's container log source.
"""

from controllers.kubelet.agent import NodeAgent
from controllers.kubelet.config import (
    ANNOTATION_PREFIX,
    Distribution,
    NodeConfig,
    NodePool,
    PodBehavior,
    ProbeScript,
)
from controllers.kubelet.nodeset import NodeSet

__all__ = [
    "ANNOTATION_PREFIX",
    "Distribution",
    "NodeAgent",
    "NodeConfig",
    "NodePool",
    "NodeSet",
    "PodBehavior",
    "ProbeScript",
]
