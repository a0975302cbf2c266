"""The ``/scale`` subresource: an ``autoscaling/v1 Scale`` view of a workload's replicas."""

from __future__ import annotations

from typing import Any

from minikube_py.objects import Object
from minikube_py.selectors import SelectorParseError, from_label_selector


def scale_of(obj: Object) -> Object:
    """The Scale a GET of ``.../<name>/scale`` answers with."""
    metadata = obj.get("metadata") or {}
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    scale_meta = {
        key: metadata[key]
        for key in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        if key in metadata
    }
    scale_status: dict[str, Any] = {"replicas": status.get("replicas", 0)}
    selector = spec.get("selector")
    if selector is not None:
        try:
            rendered = str(from_label_selector(selector))
        except SelectorParseError:
            rendered = ""
        if rendered:
            scale_status["selector"] = rendered
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": scale_meta,
        "spec": {"replicas": spec.get("replicas", 0)},
        "status": scale_status,
    }
