"""Tables of the remaining built-in groups: disruption budgets, priorities, leases, autoscaling,
runtime classes and dynamic resource allocation.

Mirrors ``printPodDisruptionBudget``, ``printPriorityClass``, ``printLease``,
``printLeaseCandidate``, ``printRuntimeClass``, ``printHorizontalPodAutoscaler``
(``formatHPAMetrics``), ``printScale``, ``printDeviceClass``, ``printResourceClaim``
(``resourceClaimState``), ``printResourceClaimTemplate`` and ``printResourceSlice`` of
``pkg/printers/internalversion/printers.go`` (Kubernetes v1.32).

HorizontalPodAutoscalers are printed from their internal (v2) shape. An autoscaling/v1 object
is read the way its conversion presents it: ``targetCPUUtilizationPercentage`` becomes a CPU
utilization metric and ``currentCPUUtilizationPercentage`` its current value. Quantities print
as served; a missing one prints "<nil>", as Go prints a nil ``*Quantity``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from apiserver.printers._format import NONE, UNSET, items, number, sub, text
from apiserver.printers._swagger import DOCS
from apiserver.printers.columns import (
    AGE,
    NAME,
    Column,
    Obj,
    TablePrinter,
    boolean,
    integer,
    string,
)
from apiserver.printers.duration import Since


def _name(obj: Obj) -> str:
    return text(sub(obj, "metadata"), "name")


def _age(obj: Obj, since: Since) -> str:
    return since.age(sub(obj, "metadata").get("creationTimestamp"))


# -- PodDisruptionBudget -----------------------------------------------------------------------

_PDB_COLUMNS: Final = (
    NAME,
    string("Min Available", "The minimum number of pods that must be available."),
    string("Max Unavailable", "The maximum number of pods that may be unavailable."),
    integer("Allowed Disruptions", "Calculated number of pods that may be disrupted at this time."),
    AGE,
)


def _int_or_string(value: object) -> str:
    """``(*intstr.IntOrString).String()``, or "N/A" for a nil one."""
    return "N/A" if value is None else str(value)


def _pdb_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    return [
        _name(obj),
        _int_or_string(spec.get("minAvailable")),
        _int_or_string(spec.get("maxUnavailable")),
        number(sub(obj, "status"), "disruptionsAllowed"),
        _age(obj, since),
    ]


# -- PriorityClass, RuntimeClass ---------------------------------------------------------------

_PRIORITY_CLASS_COLUMNS: Final = (
    NAME,
    integer("Value", DOCS["schedulingv1.PriorityClass.value"]),
    boolean("Global-Default", DOCS["schedulingv1.PriorityClass.globalDefault"]),
    AGE,
    # not marked priority 1 upstream, though the cell is only filled when printing wide
    string("PreemptionPolicy", DOCS["schedulingv1.PriorityClass.preemptionPolicy"]),
)


def _priority_class_cells(obj: Obj, since: Since) -> list[Any]:
    return [
        _name(obj),
        number(obj, "value"),
        obj.get("globalDefault") is True,
        _age(obj, since),
        text(obj, "preemptionPolicy"),
    ]


_RUNTIME_CLASS_COLUMNS: Final = (
    NAME,
    string("Handler", DOCS["metav1.ObjectMeta.handler"]),
    AGE,
)


def _runtime_class_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), text(obj, "handler"), _age(obj, since)]


# -- Lease, LeaseCandidate ---------------------------------------------------------------------

_LEASE_COLUMNS: Final = (
    NAME,
    string("Holder", DOCS["coordinationv1.LeaseSpec.holderIdentity"]),
    AGE,
)


def _lease_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), text(sub(obj, "spec"), "holderIdentity"), _age(obj, since)]


_LEASE_CANDIDATE_COLUMNS: Final = (
    NAME,
    string("LeaseName", DOCS["coordinationv1alpha2.LeaseCandidateSpec.leaseName"]),
    string("BinaryVersion", DOCS["metav1.ObjectMeta.binaryVersion"]),
    string("EmulationVersion", DOCS["metav1.ObjectMeta.emulationVersion"]),
    AGE,
)


def _lease_candidate_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    return [
        _name(obj),
        text(spec, "leaseName"),
        text(spec, "binaryVersion"),
        text(spec, "emulationVersion"),
        _age(obj, since),
    ]


# -- HorizontalPodAutoscaler, Scale ------------------------------------------------------------

_HPA_COLUMNS: Final = (
    NAME,
    string("Reference", DOCS["autoscalingv2beta1.HorizontalPodAutoscalerSpec.scaleTargetRef"]),
    string("Targets", DOCS["autoscalingv2beta1.HorizontalPodAutoscalerSpec.metrics"]),
    string("MinPods", DOCS["autoscalingv2beta1.HorizontalPodAutoscalerSpec.minReplicas"]),
    string("MaxPods", DOCS["autoscalingv2beta1.HorizontalPodAutoscalerSpec.maxReplicas"]),
    string("Replicas", DOCS["autoscalingv2beta1.HorizontalPodAutoscalerStatus.currentReplicas"]),
    AGE,
)

_UNKNOWN: Final = "<unknown>"
_MAX_METRICS: Final = 2


def _quantity(value: object) -> str:
    """``(*resource.Quantity).String()``: the served quantity, "<nil>" for a nil pointer."""
    return "<nil>" if value is None else str(value)


def _v1_metrics(spec: Mapping[str, Any], status: Mapping[str, Any]) -> tuple[list[Any], list[Any]]:
    """The metrics an autoscaling/v1 HPA converts to: at most one CPU utilization metric."""
    specs: list[Any] = []
    statuses: list[Any] = []
    target = spec.get("targetCPUUtilizationPercentage")
    if target is not None:
        specs.append(
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"averageUtilization": target}},
            }
        )
    current = status.get("currentCPUUtilizationPercentage")
    if current is not None:
        statuses.append(
            {
                "type": "Resource",
                "resource": {"name": "cpu", "current": {"averageUtilization": current}},
            }
        )
    return specs, statuses


def _observed(status: Mapping[str, Any] | None, source: str) -> Mapping[str, Any] | None:
    """``statuses[i].<Source>`` when the i-th status exists and sets it (a non-nil pointer)."""
    if status is None:
        return None
    observed = status.get(source)
    return observed if isinstance(observed, Mapping) else None


def _averaged(source: str, spec: Mapping[str, Any], status: Mapping[str, Any] | None) -> str:
    """An External or Object metric: ``current/target``, "(avg)" when the target is an average."""
    target = sub(sub(spec, source), "target")
    observed = _observed(status, source)
    if target.get("averageValue") is not None:
        current = _UNKNOWN
        if observed is not None and sub(observed, "current").get("averageValue") is not None:
            current = _quantity(sub(observed, "current").get("averageValue"))
        return f"{current}/{_quantity(target.get('averageValue'))} (avg)"
    current = _UNKNOWN
    if observed is not None:
        current = _quantity(sub(observed, "current").get("value"))
    return f"{current}/{_quantity(target.get('value'))}"


def _resource(source: str, spec: Mapping[str, Any], status: Mapping[str, Any] | None) -> str:
    """A Resource or ContainerResource metric: ``name: current/target``."""
    metric = sub(spec, source)
    target = sub(metric, "target")
    observed = _observed(status, source)
    if target.get("averageValue") is not None:
        current = _UNKNOWN
        if observed is not None:
            current = _quantity(sub(observed, "current").get("averageValue"))
        return f"{text(metric, 'name')}: {current}/{_quantity(target.get('averageValue'))}"
    current = _UNKNOWN
    if observed is not None and sub(observed, "current").get("averageUtilization") is not None:
        current = f"{sub(observed, 'current')['averageUtilization']}%"
    utilization = target.get("averageUtilization")
    wanted = "<auto>" if utilization is None else f"{utilization}%"
    return f"{text(metric, 'name')}: {current}/{wanted}"


def _hpa_metrics(specs: list[Any], statuses: list[Any]) -> str:
    """``formatHPAMetrics``: the first two metrics as ``current/target``, then "+ N more..."."""
    if not specs:
        return NONE
    shown: list[str] = []
    for index, spec in enumerate(specs):
        spec = spec if isinstance(spec, Mapping) else {}
        status = statuses[index] if index < len(statuses) else None
        status = status if isinstance(status, Mapping) else None
        metric_type = spec.get("type")
        if metric_type == "External":
            shown.append(_averaged("external", spec, status))
        elif metric_type == "Object":
            shown.append(_averaged("object", spec, status))
        elif metric_type == "Pods":
            current = _UNKNOWN
            observed = _observed(status, "pods")
            if observed is not None:
                current = _quantity(sub(observed, "current").get("averageValue"))
            target = sub(sub(spec, "pods"), "target").get("averageValue")
            shown.append(f"{current}/{_quantity(target)}")
        elif metric_type == "Resource":
            shown.append(_resource("resource", spec, status))
        elif metric_type == "ContainerResource":
            shown.append(_resource("containerResource", spec, status))
        else:
            shown.append("<unknown type>")
    count = len(shown)
    if count > _MAX_METRICS:
        return f"{', '.join(shown[:_MAX_METRICS])} + {count - _MAX_METRICS} more..."
    return ", ".join(shown)


def _hpa_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    status = sub(obj, "status")
    if "metrics" not in spec and (
        obj.get("apiVersion") == "autoscaling/v1" or "targetCPUUtilizationPercentage" in spec
    ):
        specs, statuses = _v1_metrics(spec, status)
    else:
        specs, statuses = items(spec, "metrics"), items(status, "currentMetrics")
    target = sub(spec, "scaleTargetRef")
    min_replicas = spec.get("minReplicas")
    return [
        _name(obj),
        f"{text(target, 'kind')}/{text(target, 'name')}",
        _hpa_metrics(specs, statuses),
        UNSET if min_replicas is None else str(min_replicas),
        number(spec, "maxReplicas"),
        number(status, "currentReplicas"),
        _age(obj, since),
    ]


_SCALE_COLUMNS: Final = (
    Column("Name", "string", DOCS["metav1.ObjectMeta.name"]),  # no "name" format upstream
    integer("Desired", DOCS["autoscalingv1.ScaleSpec.replicas"]),
    integer("Available", DOCS["autoscalingv1.ScaleStatus.replicas"]),
    AGE,
)


def _scale_cells(obj: Obj, since: Since) -> list[Any]:
    return [
        _name(obj),
        number(sub(obj, "spec"), "replicas"),
        number(sub(obj, "status"), "replicas"),
        _age(obj, since),
    ]


# -- resource.k8s.io ---------------------------------------------------------------------------

_NAME_AGE_COLUMNS: Final = (NAME, AGE)


def _name_age_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), _age(obj, since)]


_RESOURCE_CLAIM_COLUMNS: Final = (
    NAME,
    string("State", "A summary of the current state (allocated, pending, reserved, etc.)."),
    AGE,
)


def _resource_claim_cells(obj: Obj, since: Since) -> list[Any]:
    deleted = bool(sub(obj, "metadata").get("deletionTimestamp"))
    status = sub(obj, "status")
    states = ["deleted"] if deleted else []
    if status.get("allocation") is None:
        if not deleted:
            states.append("pending")
    else:
        states.append("allocated")
        if items(status, "reservedFor"):
            states.append("reserved")
    return [_name(obj), ",".join(states), _age(obj, since)]


_RESOURCE_SLICE_COLUMNS: Final = (
    NAME,
    string("Node", DOCS["resourceapi.ResourceSliceSpec.nodeName"]),
    string("Driver", DOCS["resourceapi.ResourceSliceSpec.driver"]),
    string("Pool", DOCS["resourceapi.ResourcePool.name"]),
    AGE,
)


def _resource_slice_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    return [
        _name(obj),
        text(spec, "nodeName"),
        text(spec, "driver"),
        text(sub(spec, "pool"), "name"),
        _age(obj, since),
    ]


PRINTERS: Final = {
    ("policy", "PodDisruptionBudget"): TablePrinter(_PDB_COLUMNS, _pdb_cells),
    ("scheduling.k8s.io", "PriorityClass"): TablePrinter(
        _PRIORITY_CLASS_COLUMNS, _priority_class_cells
    ),
    ("node.k8s.io", "RuntimeClass"): TablePrinter(_RUNTIME_CLASS_COLUMNS, _runtime_class_cells),
    ("coordination.k8s.io", "Lease"): TablePrinter(_LEASE_COLUMNS, _lease_cells),
    ("coordination.k8s.io", "LeaseCandidate"): TablePrinter(
        _LEASE_CANDIDATE_COLUMNS, _lease_candidate_cells
    ),
    ("autoscaling", "HorizontalPodAutoscaler"): TablePrinter(_HPA_COLUMNS, _hpa_cells),
    ("autoscaling", "Scale"): TablePrinter(_SCALE_COLUMNS, _scale_cells),
    ("resource.k8s.io", "DeviceClass"): TablePrinter(_NAME_AGE_COLUMNS, _name_age_cells),
    ("resource.k8s.io", "ResourceClaim"): TablePrinter(
        _RESOURCE_CLAIM_COLUMNS, _resource_claim_cells
    ),
    ("resource.k8s.io", "ResourceClaimTemplate"): TablePrinter(_NAME_AGE_COLUMNS, _name_age_cells),
    ("resource.k8s.io", "ResourceSlice"): TablePrinter(
        _RESOURCE_SLICE_COLUMNS, _resource_slice_cells
    ),
}
