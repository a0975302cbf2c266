"""The Pod and PodTemplate Tables: what ``kubectl get pods`` shows.

Mirrors ``printPod``, ``printPodTemplate``, ``hasPodReadyCondition`` and
``isPodInitializedConditionTrue`` of ``pkg/printers/internalversion/printers.go`` (Kubernetes
v1.32). The STATUS cell is the part worth reading slowly; upstream derives it in this order:

1. ``status.phase``, replaced by ``status.reason`` when set ("Evicted", "NodeLost", ...), and by
   "SchedulingGated" when a ``PodScheduled`` condition carries that reason.
2. Init containers, in order. One that exited 0 is done; a started restartable one (a sidecar,
   ``restartPolicy: Always``) is done and counts toward READY. The first other one decides:
   terminated -> ``Init:<reason>`` (``Init:Signal:N`` / ``Init:ExitCode:N`` without a reason);
   waiting with a reason other than PodInitializing -> ``Init:<reason>``
   (``Init:CrashLoopBackOff``); otherwise ``Init:<index>/<count>``. The pod is then *initializing*.
3. Unless initializing (and not ``Initialized=True``), the app containers, walked from the last
   to the first so the first container's state wins: a waiting reason ("ContainerCreating",
   "CrashLoopBackOff", "ImagePullBackOff"), else a terminated reason ("Completed", "Error",
   "OOMKilled") or ``Signal:N``/``ExitCode:N``; a ready, running container counts toward READY.
   "Completed" with a container still running becomes "Running" (pod Ready) or "NotReady".
4. A pod with a ``deletionTimestamp`` reads "Unknown" if its reason is NodeLost, else
   "Terminating" -- unless its phase is already Succeeded or Failed.

READY is ``ready/total`` where total counts app containers plus sidecars. RESTARTS sums the
restart counts (only the sidecars' among init containers once initialised) and, when some
container restarted, appends how long ago the latest one terminated: ``"3 (5m ago)"``.

Succeeded and Failed pods carry a ``Completed`` row condition, which clients may use to dim them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from apiserver.printers._format import (
    EMPTY,
    NONE,
    format_labels,
    items,
    pod_template_containers,
    sub,
    text,
)
from apiserver.printers._swagger import DOCS
from apiserver.printers.columns import AGE, NAME, Obj, TablePrinter, string
from apiserver.printers.duration import Since, parse_timestamp

_POD_COLUMNS: Final = (
    NAME,
    string("Ready", "The aggregate readiness state of this pod for accepting traffic."),
    string("Status", "The aggregate status of the containers in this pod."),
    string(
        "Restarts",
        "The number of times the containers in this pod have been restarted and when the last "
        "container in this pod has restarted.",
    ),
    AGE,
    string("IP", DOCS["apiv1.PodStatus.podIP"], priority=1),
    string("Node", DOCS["apiv1.PodSpec.nodeName"], priority=1),
    string("Nominated Node", DOCS["apiv1.PodStatus.nominatedNodeName"], priority=1),
    string("Readiness Gates", DOCS["apiv1.PodSpec.readinessGates"], priority=1),
)

_POD_SUCCEEDED: Final = {
    "type": "Completed",
    "status": "True",
    "reason": "Succeeded",
    "message": "The pod has completed successfully.",
}
_POD_FAILED: Final = {
    "type": "Completed",
    "status": "True",
    "reason": "Failed",
    "message": "The pod failed.",
}

#: ``node.NodeUnreachablePodReason`` (pkg/util/node).
_NODE_LOST: Final = "NodeLost"
_TERMINAL_PHASES: Final = frozenset({"Succeeded", "Failed"})


def _finished_at(container_status: Mapping[str, Any]) -> Any:
    """When the container's previous run ended (``lastState.terminated.finishedAt``), or None."""
    last = container_status.get("lastState")
    if not last:
        return None
    terminated = last.get("terminated")
    if terminated is None:
        return None
    return parse_timestamp(terminated.get("finishedAt"))


def _terminated_reason(terminated: Mapping[str, Any], prefix: str) -> str:
    reason = terminated.get("reason")
    if reason:
        return prefix + reason
    signal = terminated.get("signal") or 0
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{terminated.get('exitCode') or 0}"


def _initialized(conditions: list[Any]) -> bool:
    """``isPodInitializedConditionTrue``: the first Initialized condition says True."""
    for condition in conditions:
        if condition.get("type") == "Initialized":
            return condition.get("status") == "True"
    return False


def _ready(conditions: list[Any]) -> bool:
    """``hasPodReadyCondition``: some Ready condition says True."""
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _readiness_gates(spec: Mapping[str, Any], conditions: list[Any]) -> str:
    gates = items(spec, "readinessGates")
    if not gates:
        return NONE
    passed = 0
    for gate in gates:
        wanted = gate.get("conditionType") if isinstance(gate, Mapping) else None
        for condition in conditions:
            if condition.get("type") == wanted:
                if condition.get("status") == "True":
                    passed += 1
                break
    return f"{passed}/{len(gates)}"


def _pod_cells(pod: Obj, since: Since) -> list[Any]:
    meta = pod.get("metadata") or EMPTY
    spec = pod.get("spec") or EMPTY
    status = pod.get("status") or EMPTY
    conditions = status.get("conditions") or []
    init_specs = spec.get("initContainers") or ()

    total = len(spec.get("containers") or ())
    ready = 0
    phase = status.get("phase") or ""
    reason = status.get("reason") or phase
    for condition in conditions:
        if condition.get("type") == "PodScheduled" and condition.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    # name -> restartable (a later duplicate name wins, as in upstream's map)
    sidecar: dict[Any, bool] = {}
    for container in init_specs:
        restartable = container.get("restartPolicy") == "Always"
        sidecar[container.get("name")] = restartable
        if restartable:
            total += 1

    restarts = sidecar_restarts = 0
    last_restart = last_sidecar_restart = None
    initializing = False
    for index, cs in enumerate(status.get("initContainerStatuses") or ()):
        count = cs.get("restartCount") or 0
        restarts += count
        finished = _finished_at(cs)
        if finished is not None and (last_restart is None or finished > last_restart):
            last_restart = finished
        is_sidecar = sidecar.get(cs.get("name"), False)
        if is_sidecar:
            sidecar_restarts += count
            if finished is not None and (
                last_sidecar_restart is None or finished > last_sidecar_restart
            ):
                last_sidecar_restart = finished
        state = cs.get("state") or EMPTY
        terminated = state.get("terminated")
        if terminated is not None and not terminated.get("exitCode"):
            continue
        if is_sidecar and cs.get("started") is True:
            if cs.get("ready"):
                ready += 1
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        else:
            waiting = state.get("waiting")
            waiting_reason = waiting.get("reason") if waiting is not None else None
            if waiting_reason and waiting_reason != "PodInitializing":
                reason = "Init:" + waiting_reason
            else:
                reason = f"Init:{index}/{len(init_specs)}"
        initializing = True
        break

    if not initializing or _initialized(conditions):
        restarts = sidecar_restarts
        last_restart = last_sidecar_restart
        has_running = False
        for cs in reversed(status.get("containerStatuses") or ()):
            restarts += cs.get("restartCount") or 0
            finished = _finished_at(cs)
            if finished is not None and (last_restart is None or finished > last_restart):
                last_restart = finished
            state = cs.get("state") or EMPTY
            waiting = state.get("waiting")
            terminated = state.get("terminated")
            if waiting is not None and waiting.get("reason"):
                reason = waiting["reason"]
            elif terminated is not None:
                reason = _terminated_reason(terminated, "")
            elif cs.get("ready") and state.get("running") is not None:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            reason = "Running" if _ready(conditions) else "NotReady"

    if meta.get("deletionTimestamp"):
        if status.get("reason") == _NODE_LOST:
            reason = "Unknown"
        elif phase not in _TERMINAL_PHASES:
            reason = "Terminating"

    if restarts and last_restart is not None:
        restart_cell = f"{restarts} ({since.age_of(last_restart)} ago)"
    else:
        restart_cell = str(restarts)

    pod_ip = status.get("podIP") or ""
    if not pod_ip:
        pod_ips = status.get("podIPs") or ()
        if pod_ips:
            pod_ip = pod_ips[0].get("ip") or ""
    return [
        meta.get("name") or "",
        f"{ready}/{total}",
        reason,
        restart_cell,
        since.age(meta.get("creationTimestamp")),
        pod_ip or NONE,
        spec.get("nodeName") or NONE,
        status.get("nominatedNodeName") or NONE,
        _readiness_gates(spec, conditions),
    ]


def _pod_conditions(pod: Obj) -> list[dict[str, str]] | None:
    phase = sub(pod, "status").get("phase")
    if phase == "Succeeded":
        return [_POD_SUCCEEDED]
    if phase == "Failed":
        return [_POD_FAILED]
    return None


_POD_TEMPLATE_COLUMNS: Final = (
    NAME,
    string("Containers", "Names of each container in the template."),
    string("Images", "Images referenced by each container in the template."),
    string("Pod Labels", "The labels for the pod template."),
)


def _pod_template_cells(obj: Obj, since: Since) -> list[Any]:
    template = sub(obj, "template")
    names, images = pod_template_containers(template)
    return [
        text(sub(obj, "metadata"), "name"),
        names,
        images,
        format_labels(sub(template, "metadata").get("labels")),
    ]


PRINTERS: Final = {
    ("", "Pod"): TablePrinter(_POD_COLUMNS, _pod_cells, conditions=_pod_conditions),
    ("", "PodTemplate"): TablePrinter(_POD_TEMPLATE_COLUMNS, _pod_template_cells),
}
