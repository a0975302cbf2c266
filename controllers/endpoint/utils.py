"""What the Endpoints and EndpointSlice controllers share (upstream
``staging/src/k8s.io/endpointslice/util`` and ``trigger_time_tracker.go``, ``pkg/api/v1/pod``'s
``FindPort``).

* which pods belong in endpoints at all (``ShouldPodBeInEndpoints``), when an address carries
  the pod's hostname (``ShouldSetHostname``), which port a service port means on a pod
  (``FindPort``: a number, or a named container port of the same protocol);
* which services a pod change concerns (``GetPodServiceMemberships``,
  ``GetServicesToUpdateOnPodChange``);
* :class:`TriggerTimeTracker` -- the ``endpoints.kubernetes.io/last-change-trigger-time``
  annotation: the earliest trigger (a pod's Ready transition, the service's creation) that
  changed since the last sync.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from minikube_py.clock import format_time, parse_time
from minikube_py.informer import DeletedFinalStateUnknown, FuncHandler, SharedInformer
from minikube_py.objects import Object
from minikube_py.selectors.labels import selector_from_set

LAST_CHANGE_TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"
IS_HEADLESS_SERVICE = "service.kubernetes.io/headless"


class PortNotFound(LookupError):
    pass


def _meta(obj: Object) -> dict[str, Any]:
    return obj.get("metadata") or {}


def is_pod_ready(pod: Object) -> bool:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition.get("status") == "True"
    return False


def is_pod_terminal(pod: Object) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def should_pod_be_in_endpoints(pod: Object, include_terminating: bool) -> bool:
    """``ShouldPodBeInEndpoints``: not terminal, has an IP, and (unless asked) not being
    deleted."""
    if is_pod_terminal(pod):
        return False
    status = pod.get("status") or {}
    if not status.get("podIP") and not status.get("podIPs"):
        return False
    return include_terminating or not _meta(pod).get("deletionTimestamp")


def should_set_hostname(pod: Object, service: Object) -> bool:
    spec = pod.get("spec") or {}
    return (
        bool(spec.get("hostname"))
        and spec.get("subdomain") == _meta(service).get("name")
        and _meta(service).get("namespace") == _meta(pod).get("namespace")
    )


def find_port(pod: Object, service_port: dict[str, Any]) -> int:
    """``FindPort``: the pod's port for ``service_port``'s ``targetPort``."""
    target = service_port.get("targetPort")
    if target is None or target == "":
        target = service_port.get("port")
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = service_port.get("protocol") or "TCP"
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or ())
    # sidecars (restartable init containers) serve too
    containers += [
        c for c in spec.get("initContainers") or () if c.get("restartPolicy") == "Always"
    ]
    for container in containers:
        for port in container.get("ports") or ():
            if port.get("name") == target and (port.get("protocol") or "TCP") == protocol:
                return int(port["containerPort"])
    raise PortNotFound(f"no suitable port for manifest: {_meta(pod).get('uid', '')}")


def is_service_ip_set(service: Object) -> bool:
    cluster_ip = (service.get("spec") or {}).get("clusterIP") or ""
    return cluster_ip not in ("", "None")


def is_ipv6(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).version == 6
    except ValueError:
        return False


def pod_ips(pod: Object) -> list[str]:
    status = pod.get("status") or {}
    ips = [entry.get("ip", "") for entry in status.get("podIPs") or () if entry.get("ip")]
    if not ips and status.get("podIP"):
        ips = [status["podIP"]]
    return ips


def service_address_families(service: Object) -> list[str]:
    """The service's IP families (``IPv4``/``IPv6``); a service without any is IPv4 unless its
    cluster IP says otherwise."""
    spec = service.get("spec") or {}
    families = [f for f in spec.get("ipFamilies") or () if f in ("IPv4", "IPv6")]
    if families:
        return families
    if is_service_ip_set(service):
        return ["IPv6" if is_ipv6(spec["clusterIP"]) else "IPv4"]
    return ["IPv4"]


# -- service membership -----------------------------------------------------------------------


def service_selects(service: Object, labels: dict[str, str] | None) -> bool:
    selector = (service.get("spec") or {}).get("selector")
    if not selector:
        return False  # services without a selector get no endpoints from these controllers
    return selector_from_set(selector).matches(labels or {})


def get_pod_service_memberships(services: SharedInformer, pod: Object) -> set[tuple[str, str]]:
    namespace = _meta(pod).get("namespace", "")
    labels = _meta(pod).get("labels") or {}
    return {
        (namespace, _meta(service).get("name", ""))
        for service in services.list(namespace)
        if service_selects(service, labels)
    }


def _endpoint_relevant(pod: Object) -> tuple[Any, ...]:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    return (
        _meta(pod).get("deletionTimestamp"),
        is_pod_ready(pod),
        status.get("phase"),
        tuple(pod_ips(pod)),
        spec.get("nodeName"),
        spec.get("hostname"),
        spec.get("subdomain"),
        repr(spec.get("containers")),
        repr(spec.get("initContainers")),
        repr(pod_ready_condition_time(pod)),
    )


def pod_ready_condition_time(pod: Object) -> str | None:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return condition.get("lastTransitionTime")
    return None


def get_services_to_update_on_pod_change(
    services: SharedInformer, old: Object | None, new: Object
) -> set[tuple[str, str]]:
    """``GetServicesToUpdateOnPodChange``: nothing when nothing that matters changed; both
    the old and the new services when the labels changed."""
    if old is None:
        return get_pod_service_memberships(services, new)
    if _meta(old).get("resourceVersion") == _meta(new).get("resourceVersion"):
        return set()
    labels_changed = _meta(old).get("labels") != _meta(new).get("labels")
    if not labels_changed and _endpoint_relevant(old) == _endpoint_relevant(new):
        return set()
    members = get_pod_service_memberships(services, new)
    if labels_changed:
        members |= get_pod_service_memberships(services, old)
    return members


def pod_handler(
    services: SharedInformer, enqueue: Callable[[set[tuple[str, str]]], None]
) -> FuncHandler:
    """The pod event handlers both controllers register (``addPod``/``updatePod``/
    ``deletePod``): enqueue the services a pod change concerns."""

    def on_add(pod: Object) -> None:
        enqueue(get_services_to_update_on_pod_change(services, None, pod))

    def on_update(old: Object, new: Object) -> None:
        enqueue(get_services_to_update_on_pod_change(services, old, new))

    def on_delete(obj: Object | DeletedFinalStateUnknown) -> None:
        pod = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        enqueue(get_services_to_update_on_pod_change(services, None, pod))

    return FuncHandler(on_add, on_update, on_delete)


# -- the trigger time tracker -----------------------------------------------------------------


@dataclass
class _ServiceState:
    pod_trigger_times: dict[str, datetime] = field(default_factory=dict)
    last_service_trigger_time: datetime | None = None


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return parse_time(text)
    except ValueError:
        return None


def _min(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b < a else a


class TriggerTimeTracker:
    """``TriggerTimeTracker``: per service, the trigger times seen at the last sync."""

    def __init__(self) -> None:
        self.service_states: dict[tuple[str, str], _ServiceState] = {}

    def compute_endpoint_last_change_trigger_time(
        self, namespace: str, service: Object, pods: Iterable[Object]
    ) -> datetime | None:
        """The time to export (None: no annotation)."""
        key = (namespace, _meta(service).get("name", ""))
        state = self.service_states.get(key)
        was_known = state is not None
        state = state or _ServiceState()
        new = _ServiceState()
        min_changed: datetime | None = None
        for pod in pods:
            trigger = _parse(pod_ready_condition_time(pod))
            if trigger is None:
                continue
            name = _meta(pod).get("name", "")
            new.pod_trigger_times[name] = trigger
            before = state.pod_trigger_times.get(name)
            if before is None or trigger > before:
                min_changed = _min(min_changed, trigger)
        service_trigger = _parse(_meta(service).get("creationTimestamp"))
        if service_trigger is not None and (
            state.last_service_trigger_time is None
            or service_trigger > state.last_service_trigger_time
        ):
            min_changed = _min(min_changed, service_trigger)
        new.last_service_trigger_time = service_trigger
        self.service_states[key] = new
        if not was_known:
            return service_trigger  # a new service: its creation
        return min_changed

    def delete_service(self, namespace: str, name: str) -> None:
        self.service_states.pop((namespace, name), None)


def format_trigger_time(moment: datetime) -> str:
    """``RFC3339Nano`` of a whole-second time is plain RFC 3339."""
    if moment.microsecond:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%f").rstrip("0") + "Z"
    return format_time(moment)
