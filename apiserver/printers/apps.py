"""Tables of the apps group: Deployments, ReplicaSets, StatefulSets, DaemonSets, revisions.

Mirrors ``printDeployment``, ``printReplicaSet``, ``printStatefulSet``, ``printDaemonSet`` and
``printControllerRevision`` of ``pkg/printers/internalversion/printers.go`` (Kubernetes v1.32).

Two selector renderings coexist upstream and are kept apart here: Deployments print
``LabelSelectorAsSelector(selector).String()`` (empty for a null or empty selector,
"<invalid>" when it does not convert), the others ``metav1.FormatLabelSelector`` ("<none>" for
empty, "<error>" when it does not convert).

``spec.replicas`` is read as the internal types hold it: an absent value is 0 (the v1 default
of 1 is applied on write, before anything is printed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from apiserver.printers._format import (
    NONE,
    format_label_selector,
    format_labels,
    format_resource_name,
    group_of,
    items,
    number,
    pod_template_containers,
    selector_string,
    sub,
    text,
)
from apiserver.printers._swagger import DOCS
from apiserver.printers.columns import (
    AGE,
    CONTAINERS_WIDE,
    IMAGES_WIDE,
    NAME,
    Obj,
    TablePrinter,
    integer,
    string,
)
from apiserver.printers.duration import Since


def _name(obj: Obj) -> str:
    return text(sub(obj, "metadata"), "name")


def _age(obj: Obj, since: Since) -> str:
    return since.age(sub(obj, "metadata").get("creationTimestamp"))


_READY_PODS: Final = "Number of the pod with ready state"

_DEPLOYMENT_COLUMNS: Final = (
    NAME,
    string("Ready", _READY_PODS),
    string("Up-to-date", DOCS["extensionsv1beta1.DeploymentStatus.updatedReplicas"]),
    string("Available", DOCS["extensionsv1beta1.DeploymentStatus.availableReplicas"]),
    AGE,
    CONTAINERS_WIDE,
    IMAGES_WIDE,
    string("Selector", DOCS["extensionsv1beta1.DeploymentSpec.selector"], priority=1),
)


def _deployment_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    status = sub(obj, "status")
    names, images = pod_template_containers(sub(spec, "template"))
    selector = selector_string(spec.get("selector"))
    return [
        _name(obj),
        f"{number(status, 'readyReplicas')}/{number(spec, 'replicas')}",
        number(status, "updatedReplicas"),
        number(status, "availableReplicas"),
        _age(obj, since),
        names,
        images,
        "<invalid>" if selector is None else selector,
    ]


_REPLICA_SET_COLUMNS: Final = (
    NAME,
    integer("Desired", DOCS["extensionsv1beta1.ReplicaSetSpec.replicas"]),
    integer("Current", DOCS["extensionsv1beta1.ReplicaSetStatus.replicas"]),
    integer("Ready", DOCS["extensionsv1beta1.ReplicaSetStatus.readyReplicas"]),
    AGE,
    CONTAINERS_WIDE,
    IMAGES_WIDE,
    string("Selector", DOCS["extensionsv1beta1.ReplicaSetSpec.selector"], priority=1),
)


def _replica_set_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    status = sub(obj, "status")
    names, images = pod_template_containers(sub(spec, "template"))
    return [
        _name(obj),
        number(spec, "replicas"),
        number(status, "replicas"),
        number(status, "readyReplicas"),
        _age(obj, since),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


_STATEFUL_SET_COLUMNS: Final = (
    NAME,
    string("Ready", _READY_PODS),
    AGE,
    CONTAINERS_WIDE,
    IMAGES_WIDE,
)


def _stateful_set_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    names, images = pod_template_containers(sub(spec, "template"))
    return [
        _name(obj),
        f"{number(sub(obj, 'status'), 'readyReplicas')}/{number(spec, 'replicas')}",
        _age(obj, since),
        names,
        images,
    ]


_DAEMON_SET_COLUMNS: Final = (
    NAME,
    integer("Desired", DOCS["extensionsv1beta1.DaemonSetStatus.desiredNumberScheduled"]),
    integer("Current", DOCS["extensionsv1beta1.DaemonSetStatus.currentNumberScheduled"]),
    integer("Ready", DOCS["extensionsv1beta1.DaemonSetStatus.numberReady"]),
    integer("Up-to-date", DOCS["extensionsv1beta1.DaemonSetStatus.updatedNumberScheduled"]),
    integer("Available", DOCS["extensionsv1beta1.DaemonSetStatus.numberAvailable"]),
    string("Node Selector", DOCS["apiv1.PodSpec.nodeSelector"]),
    AGE,
    CONTAINERS_WIDE,
    IMAGES_WIDE,
    string("Selector", DOCS["extensionsv1beta1.DaemonSetSpec.selector"], priority=1),
)


def _daemon_set_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    status = sub(obj, "status")
    template = sub(spec, "template")
    names, images = pod_template_containers(template)
    return [
        _name(obj),
        number(status, "desiredNumberScheduled"),
        number(status, "currentNumberScheduled"),
        number(status, "numberReady"),
        number(status, "updatedNumberScheduled"),
        number(status, "numberAvailable"),
        format_labels(sub(template, "spec").get("nodeSelector")),
        _age(obj, since),
        names,
        images,
        format_label_selector(spec.get("selector")),
    ]


_CONTROLLER_REVISION_COLUMNS: Final = (
    NAME,
    string("Controller", "Controller of the object"),
    string("Revision", DOCS["appsv1beta1.ControllerRevision.revision"]),
    AGE,
)


def _controller_of(obj: Obj) -> str:
    """``metav1.GetControllerOf`` formatted as ``kind.group/name``, or "<none>"."""
    for ref in items(sub(obj, "metadata"), "ownerReferences"):
        if isinstance(ref, Mapping) and ref.get("controller") is True:
            group = group_of(text(ref, "apiVersion"))
            if group is None:  # upstream fails the request on an unparsable apiVersion
                return text(ref, "name")
            return format_resource_name(group, text(ref, "kind"), text(ref, "name"))
    return NONE


def _controller_revision_cells(obj: Obj, since: Since) -> list[Any]:
    return [_name(obj), _controller_of(obj), number(obj, "revision"), _age(obj, since)]


PRINTERS: Final = {
    ("apps", "Deployment"): TablePrinter(_DEPLOYMENT_COLUMNS, _deployment_cells),
    ("apps", "ReplicaSet"): TablePrinter(_REPLICA_SET_COLUMNS, _replica_set_cells),
    ("apps", "StatefulSet"): TablePrinter(_STATEFUL_SET_COLUMNS, _stateful_set_cells),
    ("apps", "DaemonSet"): TablePrinter(_DAEMON_SET_COLUMNS, _daemon_set_cells),
    ("apps", "ControllerRevision"): TablePrinter(
        _CONTROLLER_REVISION_COLUMNS, _controller_revision_cells
    ),
}
