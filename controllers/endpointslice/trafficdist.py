"""Traffic distribution hints on EndpointSlices (``spec.trafficDistribution``, v1.32 beta, on).

Upstream: ``k8s.io/endpointslice/trafficdist/trafficdist.go`` (``ReconcileHints``). For a
Service with ``trafficDistribution: PreferClose`` every endpoint with a zone gets the hint
``forZones: [{name: <its zone>}]`` (one without a zone gets none); for any other Service the
hints are removed. Slices about to be created or updated get the hints set; an unchanged slice
whose hints are not what they should be is copied and updated too.

Services annotated ``service.kubernetes.io/topology-mode: Auto`` ask for topology-aware hints
instead (allocations proportional to each zone's CPU, ``topologycache``): those are **not
computed here**, and the slices of such a Service keep whatever hints they have.
"""

from __future__ import annotations

from typing import Any

from minikube_py.objects import Object, deep_copy

PREFER_CLOSE = "PreferClose"
TOPOLOGY_MODE_ANNOTATION = "service.kubernetes.io/topology-mode"
#: ``service.kubernetes.io/topology-aware-hints``, the deprecated spelling
TOPOLOGY_HINTS_ANNOTATION = "service.kubernetes.io/topology-aware-hints"


def topology_hints_requested(service: Object) -> bool:
    """``hintsEnabled``: the topology-mode (or the older topology-aware-hints) annotation is
    set to Auto (or auto)."""
    annotations = (service.get("metadata") or {}).get("annotations") or {}
    value = annotations.get(TOPOLOGY_MODE_ANNOTATION)
    if value is None:
        value = annotations.get(TOPOLOGY_HINTS_ANNOTATION)
    return value in ("Auto", "auto")


def _wanted_hints(endpoint: dict[str, Any], prefer_close: bool) -> dict[str, Any] | None:
    zone = endpoint.get("zone")
    if not prefer_close or not zone:
        return None
    return {"forZones": [{"name": zone}]}


def _needs_update(slice_: Object, prefer_close: bool) -> bool:
    return any(
        endpoint.get("hints") != _wanted_hints(endpoint, prefer_close)
        for endpoint in slice_.get("endpoints") or ()
    )


def _update(slice_: Object, prefer_close: bool) -> None:
    for endpoint in slice_.get("endpoints") or ():
        hints = _wanted_hints(endpoint, prefer_close)
        if hints is None:
            endpoint.pop("hints", None)
        else:
            endpoint["hints"] = hints


def reconcile_hints(
    service: Object, to_create: list[Object], to_update: list[Object], unchanged: list[Object]
) -> list[Object]:
    """``ReconcileHints``: set the hints on the slices being written (in place: they are the
    reconciler's own copies) and return the unchanged slices that need an update for their
    hints, as copies (``unchanged`` holds informer objects, which are read-only)."""
    prefer_close = (service.get("spec") or {}).get("trafficDistribution") == PREFER_CLOSE
    for slice_ in (*to_create, *to_update):
        _update(slice_, prefer_close)
    moved = []
    for slice_ in unchanged:
        if _needs_update(slice_, prefer_close):
            copy = deep_copy(slice_)
            _update(copy, prefer_close)
            moved.append(copy)
    return moved
