"""Node helpers shared by the node lifecycle and taint eviction controllers.

After upstream ``pkg/controller/util/node/controller_utils.go`` (``MarkPodsNotReady``,
``RecordNodeEvent``, ``RecordNodeStatusChange``, ``SwapNodeControllerTaint``),
``pkg/util/taints`` (``TaintExists``, ``TaintSetDiff``, ``AddOrUpdateTaint``),
``component-helpers/node/topology`` (``GetZoneKey``) and the core helpers
``TolerationsTolerateTaint`` / ``GetMatchingTolerations``.

Taints are compared by key and effect (``MatchTaint``), so a taint's ``timeAdded`` never makes
two taints different. Node writes go through a plain update retried on conflict with a fresh
read, as upstream's ``AddOrUpdateTaintOnNode`` / ``RemoveTaintOffNode`` do.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from controllers.runtime.events import NORMAL, WARNING, EventRecorder
from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.errors import Conflict, NotFound, StatusError
from minikube_py.objects import Object, deep_copy

log = logging.getLogger(__name__)

Taint = dict[str, Any]
Toleration = dict[str, Any]

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
NO_EXECUTE = "NoExecute"
NO_SCHEDULE = "NoSchedule"

#: ``UnreachableTaintTemplate`` / ``NotReadyTaintTemplate``
UNREACHABLE_TAINT: Taint = {"key": UNREACHABLE, "effect": NO_EXECUTE}
NOT_READY_TAINT: Taint = {"key": NOT_READY, "effect": NO_EXECUTE}

ZONE_LABELS = ("topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone")
REGION_LABELS = ("topology.kubernetes.io/region", "failure-domain.beta.kubernetes.io/region")

#: how many times a node write is retried on conflict (``UpdateTaintBackoff``'s steps)
_RETRIES = 5


# -- node conditions and zones ----------------------------------------------------------------


def get_node_condition(node: Object, kind: str) -> dict[str, Any] | None:
    for condition in (node.get("status") or {}).get("conditions") or ():
        if condition.get("type") == kind:
            return condition
    return None


def get_zone_key(node: Object) -> str:
    """``GetZoneKey``: ``region:\\x00:zone``, or "" when the node has neither label."""
    labels = (node.get("metadata") or {}).get("labels") or {}
    region = next((labels[k] for k in REGION_LABELS if labels.get(k)), "")
    zone = next((labels[k] for k in ZONE_LABELS if labels.get(k)), "")
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"


def node_ref(name: str, uid: str) -> Object:
    """What node events point at (``RecordNodeEvent``'s ObjectReference)."""
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "uid": uid}}


async def record_node_event(
    recorder: EventRecorder, name: str, uid: str, kind: str, reason: str, message: str
) -> None:
    await recorder.event(node_ref(name, uid), kind, reason, message)


async def record_node_status_change(recorder: EventRecorder, node: Object, status: str) -> None:
    """``RecordNodeStatusChange``: ``Node <name> status is now: <status>``."""
    metadata = node.get("metadata") or {}
    name = metadata.get("name", "")
    await recorder.event(
        node_ref(name, metadata.get("uid", "")),
        NORMAL,
        status,
        f"Node {name} status is now: {status}",
    )


# -- taints and tolerations -------------------------------------------------------------------


def match_taint(a: Taint, b: Taint) -> bool:
    """``Taint.MatchTaint``: same key and effect."""
    return a.get("key") == b.get("key") and a.get("effect") == b.get("effect")


def taint_exists(taints: Iterable[Taint] | None, taint: Taint) -> bool:
    return any(match_taint(t, taint) for t in taints or ())


def taint_set_diff(wanted: list[Taint], current: list[Taint]) -> tuple[list[Taint], list[Taint]]:
    """``TaintSetDiff``: what to add to ``current`` and what to remove from it."""
    to_add = [t for t in wanted if not taint_exists(current, t)]
    to_remove = [t for t in current if not taint_exists(wanted, t)]
    return to_add, to_remove


def toleration_tolerates(toleration: Toleration, taint: Taint) -> bool:
    """``Toleration.ToleratesTaint``."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    operator = toleration.get("operator") or "Equal"
    if operator == "Exists":
        return True
    if operator == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def get_matching_tolerations(
    taints: list[Taint], tolerations: list[Toleration]
) -> tuple[bool, list[Toleration]]:
    """``GetMatchingTolerations``: whether every taint is tolerated, and the tolerations that
    tolerate one (the first matching toleration of each taint)."""
    if not taints:
        return True, []
    if not tolerations:
        return False, []
    used: list[Toleration] = []
    for taint in taints:
        for toleration in tolerations:
            if toleration_tolerates(toleration, taint):
                used.append(toleration)
                break
        else:
            return False, []
    return True, used


def get_min_toleration_time(tolerations: list[Toleration]) -> float:
    """``getMinTolerationTime``: the smallest ``tolerationSeconds`` (at least 0); -1 when
    every toleration lasts for ever."""
    minimum = -1.0
    for toleration in tolerations:
        seconds = toleration.get("tolerationSeconds")
        if seconds is None:
            continue
        seconds = max(0, int(seconds))
        if minimum < 0 or seconds < minimum:
            minimum = float(seconds)
    return minimum


def get_no_execute_taints(node: Object) -> list[Taint]:
    return [
        t for t in (node.get("spec") or {}).get("taints") or () if t.get("effect") == NO_EXECUTE
    ]


# -- node writes ------------------------------------------------------------------------------


async def _update_taints(
    client: Client, node: Object, to_add: list[Taint], to_remove: list[Taint]
) -> bool:
    """Add (or replace) and remove taints on the node; True when the node now has them."""
    name = node["metadata"]["name"]
    current = node
    for attempt in range(_RETRIES):
        if attempt:
            try:
                current = await client.get("nodes", name)
            except NotFound:
                return False
        taints = list((current.get("spec") or {}).get("taints") or ())
        new = [t for t in taints if not any(match_taint(t, r) for r in to_remove)]
        for taint in to_add:
            existing = next((t for t in new if match_taint(t, taint)), None)
            if existing is not None and existing.get("value", "") == taint.get("value", ""):
                continue  # already there: keep its timeAdded
            new = [t for t in new if not match_taint(t, taint)] + [taint]
        if new == taints:
            return True
        updated = deep_copy(current)
        spec = updated.setdefault("spec", {})
        if new:
            spec["taints"] = new
        else:
            spec.pop("taints", None)
        try:
            await client.update(updated)
            return True
        except Conflict:
            continue
        except NotFound:
            return False
    return False


async def swap_node_controller_taint(
    client: Client,
    clock: ClusterClock,
    to_add: list[Taint],
    to_remove: list[Taint],
    node: Object,
) -> bool:
    """``SwapNodeControllerTaint``: add ``to_add`` (stamped ``timeAdded`` now) and remove
    ``to_remove`` in one write; False when it failed."""
    now = clock.timestamp()
    stamped = [{**taint, "timeAdded": now} for taint in to_add]
    try:
        return await _update_taints(client, node, stamped, to_remove)
    except StatusError as error:
        log.warning("failed to swap taints of node %s: %s", node["metadata"]["name"], error)
        return False


async def remove_taint_off_node(client: Client, node: Object, taint: Taint) -> bool:
    """``RemoveTaintOffNode``: True when the node is without the taint afterwards."""
    if not taint_exists((node.get("spec") or {}).get("taints"), taint):
        return True
    return await _update_taints(client, node, [], [taint])


# -- pods -------------------------------------------------------------------------------------


async def mark_pods_not_ready(
    client: Client,
    recorder: EventRecorder,
    clock: ClusterClock,
    pods: Iterable[Object],
    node_name: str,
) -> list[StatusError]:
    """``MarkPodsNotReady``: set each pod's Ready condition False (a ``NodeNotReady`` warning
    event on each pod changed); returns the errors (a pod gone is not one)."""
    errors: list[StatusError] = []
    for cached in pods:
        if (cached.get("spec") or {}).get("nodeName") != node_name:
            continue
        pod = deep_copy(cached)
        conditions = (pod.get("status") or {}).get("conditions") or []
        for condition in conditions:
            if condition.get("type") != "Ready":
                continue
            if condition.get("status") == "False":
                break  # UpdatePodCondition: nothing changes
            condition["status"] = "False"
            condition["lastTransitionTime"] = clock.timestamp()
            pod.setdefault("apiVersion", "v1")
            pod.setdefault("kind", "Pod")
            try:
                await client.update(pod, subresource="status")
            except NotFound:
                break
            except StatusError as error:
                errors.append(error)
                break
            await recorder.event(pod, WARNING, "NodeNotReady", "Node is not ready")
            break
    return errors
