"""ReplicaSet status: what ``kubectl get rs`` and the Deployment controller read.

Upstream: ``pkg/controller/replicaset/replica_set_utils.go`` (``calculateStatus``,
``updateReplicaSetStatus``, ``NewReplicaSetCondition``, ``GetCondition``, ``SetCondition``,
``RemoveCondition``).

* ``replicas`` -- active pods the ReplicaSet owns;
* ``fullyLabeledReplicas`` -- of those, pods carrying every label of the template;
* ``readyReplicas`` -- pods whose Ready condition is True;
* ``availableReplicas`` -- ready pods that have been ready for more than ``minReadySeconds``
  (measured from the Ready condition's ``lastTransitionTime`` on the cluster clock);
* ``observedGeneration`` -- the generation these numbers answer;
* the ``ReplicaFailure`` condition -- True with reason ``FailedCreate`` / ``FailedDelete`` and the
  error's message while the last sync's creations or deletions were refused; removed after a
  sync that managed replicas without error.

The status is written through the ``status`` subresource only when one of these changed, with
one retry on a fresh read (``statusUpdateRetries``).

Note: as upstream, a condition of the same status and reason is kept as it is -- its message
is not refreshed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from controllers.replicaset.controller_utils import is_pod_available, is_pod_ready
from minikube_py import objects
from minikube_py.client import Client
from minikube_py.errors import StatusError
from minikube_py.objects import Object
from minikube_py.selectors.labels import selector_from_set

#: ``apps.ReplicaSetReplicaFailure``
REPLICA_FAILURE = "ReplicaFailure"
#: ``statusUpdateRetries``
STATUS_UPDATE_RETRIES = 1

Condition = dict[str, Any]


def new_replica_set_condition(
    kind: str, status: str, reason: str, message: str, now: str
) -> Condition:
    return {
        "type": kind,
        "status": status,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def get_condition(status: dict[str, Any], kind: str) -> Condition | None:
    for condition in status.get("conditions") or ():
        if condition.get("type") == kind:
            return condition
    return None


def set_condition(status: dict[str, Any], condition: Condition) -> None:
    """``SetCondition``: replace the condition of its type unless status and reason are
    unchanged."""
    current = get_condition(status, condition["type"])
    if (
        current is not None
        and current.get("status") == condition["status"]
        and current.get("reason") == condition["reason"]
    ):
        return
    kept = [c for c in status.get("conditions") or () if c.get("type") != condition["type"]]
    status["conditions"] = [*kept, condition]


def remove_condition(status: dict[str, Any], kind: str) -> None:
    kept = [c for c in status.get("conditions") or () if c.get("type") != kind]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def calculate_status(
    rs: Object,
    filtered_pods: list[Object],
    manage_replicas_error: StatusError | None,
    *,
    now: datetime,
    timestamp: str,
) -> dict[str, Any]:
    """``calculateStatus``."""
    spec = rs.get("spec") or {}
    new_status: dict[str, Any] = objects.deep_copy(rs.get("status") or {})
    template_labels = selector_from_set(
        ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    )
    min_ready_seconds = spec.get("minReadySeconds") or 0
    fully_labeled = ready = available = 0
    for pod in filtered_pods:
        if template_labels.matches((pod.get("metadata") or {}).get("labels") or {}):
            fully_labeled += 1
        if is_pod_ready(pod):
            ready += 1
            if is_pod_available(pod, min_ready_seconds, now):
                available += 1
    failure = get_condition(rs.get("status") or {}, REPLICA_FAILURE)
    if manage_replicas_error is not None and failure is None:
        diff = len(filtered_pods) - replicas_of(rs)
        reason = "FailedCreate" if diff < 0 else "FailedDelete" if diff > 0 else ""
        condition = new_replica_set_condition(
            REPLICA_FAILURE, "True", reason, manage_replicas_error.message, timestamp
        )
        set_condition(new_status, condition)
    elif manage_replicas_error is None and failure is not None:
        remove_condition(new_status, REPLICA_FAILURE)
    new_status["replicas"] = len(filtered_pods)
    new_status["fullyLabeledReplicas"] = fully_labeled
    new_status["readyReplicas"] = ready
    new_status["availableReplicas"] = available
    return new_status


def replicas_of(rs: Object) -> int:
    """``*rs.Spec.Replicas`` (the API defaults it to 1)."""
    replicas = (rs.get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


_COUNTS = ("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas")


async def update_replica_set_status(
    client: Client, rs: Object, new_status: dict[str, Any]
) -> Object:
    """``updateReplicaSetStatus``: write ``new_status`` unless nothing changed."""
    status = rs.get("status") or {}
    generation = (rs.get("metadata") or {}).get("generation") or 0
    if (
        all((status.get(k) or 0) == (new_status.get(k) or 0) for k in _COUNTS)
        and generation == (status.get("observedGeneration") or 0)
        and (status.get("conditions") or []) == (new_status.get("conditions") or [])
    ):
        return rs
    # the generation acted on, so a retry does not claim to have seen a newer spec
    new_status["observedGeneration"] = generation
    current = rs
    attempt = 0
    while True:
        updated = {**current, "status": new_status}
        try:
            return await client.update(updated, subresource="status")
        except StatusError:
            if attempt >= STATUS_UPDATE_RETRIES:
                raise
        attempt += 1
        metadata = rs.get("metadata") or {}
        fresh = await client.get(
            "replicasets", metadata.get("name", ""), namespace=metadata.get("namespace", "")
        )
        current = {**fresh, "apiVersion": "apps/v1", "kind": "ReplicaSet"}
