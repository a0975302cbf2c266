"""The Endpoints controller (kube-controller-manager's ``endpoint``, v1.32).

After upstream ``pkg/controller/endpoint/endpoints_controller.go``. For every Service with a
selector (and not of type ExternalName) it keeps an Endpoints object of the same name:

* one address per pod that should be in endpoints (not terminal, with an IP, not terminating
  unless ``publishNotReadyAddresses``), with ``nodeName``, a ``targetRef`` to the pod and, when
  the pod's ``subdomain`` names the service, its ``hostname``;
* under ``addresses`` when the pod is Ready (or the service publishes not-ready addresses),
  under ``notReadyAddresses`` otherwise;
* one subset per distinct port set: each service port resolved on each pod by ``targetPort``
  (a number, or a named container port), pods lacking the port left out of it; then
  ``RepackSubsets`` groups addresses by the ports they share;
* labels copied from the service (plus ``service.kubernetes.io/headless`` for a headless one),
  the ``endpoints.kubernetes.io/last-change-trigger-time`` annotation, and past 1000 addresses
  the ``endpoints.kubernetes.io/over-capacity: truncated`` annotation with the addresses cut
  down proportionally (ready ones first).

When the Service goes, so do its Endpoints. At start, Endpoints left without a Service are
found and deleted (``checkLeftoverEndpoints``). The deprecated
``service.alpha.kubernetes.io/tolerate-unready-endpoints`` annotation is not read: v1.32's
controller only honours ``publishNotReadyAddresses``.

Ordering inside subsets follows upstream (addresses by IP, then pod uid); upstream orders ports
and subsets by a hash of their Go representation, which we replace with a plain sort by name,
port and protocol (and subsets by their first address).
"""

from __future__ import annotations

import contextlib
import logging
import math
from typing import Any, Protocol

from controllers.endpoint.utils import (
    IS_HEADLESS_SERVICE,
    LAST_CHANGE_TRIGGER_TIME,
    PortNotFound,
    TriggerTimeTracker,
    find_port,
    format_trigger_time,
    is_ipv6,
    is_pod_ready,
    is_service_ip_set,
    pod_handler,
    pod_ips,
    service_address_families,
    service_selects,
    should_pod_be_in_endpoints,
    should_set_hostname,
)
from controllers.runtime.controller import Controller, Request, Result
from controllers.runtime.events import WARNING, EventRecorder
from minikube_py.client import Client
from minikube_py.errors import Forbidden, NotFound
from minikube_py.informer import DeletedFinalStateUnknown, FuncHandler, SharedInformer
from minikube_py.objects import Object, deep_copy

log = logging.getLogger(__name__)

COMPONENT = "endpoint-controller"
#: ``maxCapacity``: addresses an Endpoints object holds before it is truncated
MAX_CAPACITY = 1000
OVER_CAPACITY = "endpoints.kubernetes.io/over-capacity"
LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader"
_LEFTOVERS = Request("", "")  # the one-off check for Endpoints without a Service

Address = dict[str, Any]
Subset = dict[str, Any]


class InformerFactory(Protocol):
    def __call__(self, resource: str) -> SharedInformer: ...


def _meta(obj: Object) -> dict[str, Any]:
    return obj.get("metadata") or {}


# -- subsets ----------------------------------------------------------------------------------


def pod_to_endpoint_address(service: Object, pod: Object) -> Address | None:
    """``podToEndpointAddressForService``: None when the pod has no IP of the service's family
    (for a headless service without ``ipFamilies``, the family of the pod's IP)."""
    spec = service.get("spec") or {}
    if spec.get("ipFamilies") or is_service_ip_set(service):
        family = service_address_families(service)[0]
    else:
        family = "IPv6" if is_ipv6((pod.get("status") or {}).get("podIP") or "") else "IPv4"
    ip = next((ip for ip in pod_ips(pod) if is_ipv6(ip) == (family == "IPv6")), None)
    if ip is None:
        return None
    metadata = _meta(pod)
    address: Address = {"ip": ip}
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        address["nodeName"] = node
    address["targetRef"] = {
        "kind": "Pod",
        "namespace": metadata.get("namespace", ""),
        "name": metadata.get("name", ""),
        "uid": metadata.get("uid", ""),
    }
    return address


def _port_key(port: dict[str, Any]) -> tuple[Any, ...]:
    return (
        port.get("name", ""),
        port.get("port", 0),
        port.get("protocol", ""),
        port.get("appProtocol"),
    )


def _address_key(address: Address) -> tuple[str, str]:
    return address.get("ip", ""), (address.get("targetRef") or {}).get("uid", "")


def _address_order(address: Address) -> tuple[bytes, str]:
    """``LessEndpointAddress``: by IP (as bytes), then pod uid."""
    return address.get("ip", "").encode(), (address.get("targetRef") or {}).get("uid", "")


def repack_subsets(subsets: list[Subset]) -> list[Subset]:
    """``RepackSubsets``: group addresses by the set of ports they offer (a ready address
    wins over the same address not ready), each subset sorted."""
    all_addresses: dict[tuple[str, str], Address] = {}
    by_port: dict[tuple[Any, ...], tuple[dict[str, Any] | None, dict[tuple[str, str], bool]]] = {}
    for subset in subsets:
        ports = subset.get("ports") or [None]  # None: the no-port sentinel
        for port in ports:
            key = _port_key(port) if port is not None else ("", -1, "", None)
            _, ready_map = by_port.setdefault(key, (port, {}))
            for address in subset.get("addresses") or ():
                all_addresses.setdefault(_address_key(address), address)
                ready_map[_address_key(address)] = True
            for address in subset.get("notReadyAddresses") or ():
                all_addresses.setdefault(_address_key(address), address)
                ready_map.setdefault(_address_key(address), False)
    groups: dict[frozenset[tuple[tuple[str, str], bool]], list[dict[str, Any]]] = {}
    for port, ready_map in by_port.values():
        members = frozenset(ready_map.items())
        ports = groups.setdefault(members, [])
        if port is not None:
            ports.append(port)
    final = []
    for members, ports in groups.items():
        ready = sorted((all_addresses[k] for k, r in members if r), key=_address_order)
        not_ready = sorted((all_addresses[k] for k, r in members if not r), key=_address_order)
        subset: Subset = {}
        if ready:
            subset["addresses"] = ready
        if not_ready:
            subset["notReadyAddresses"] = not_ready
        if ports:
            subset["ports"] = sorted(ports, key=lambda p: tuple(map(str, _port_key(p))))
        final.append(subset)
    final.sort(key=_subset_order)
    return final


def _subset_order(subset: Subset) -> tuple[Any, ...]:
    first = (subset.get("addresses") or subset.get("notReadyAddresses") or [{}])[0]
    ports = [tuple(map(str, _port_key(p))) for p in subset.get("ports") or ()]
    return _address_order(first), ports


def _strip_resource_versions(subsets: list[Subset]) -> list[Subset]:
    """Subsets to compare ignoring the pods' resourceVersions
    (``semanticIgnoreResourceVersion``)."""
    out = deep_copy(subsets)
    for subset in out:
        for key in ("addresses", "notReadyAddresses"):
            for address in subset.get(key) or ():
                (address.get("targetRef") or {}).pop("resourceVersion", None)
    return out


def _count(subsets: list[Subset]) -> int:
    return sum(
        len(s.get("addresses") or ()) + len(s.get("notReadyAddresses") or ()) for s in subsets
    )


def capacity_annotation_set_correctly(annotations: dict[str, str], subsets: list[Subset]) -> bool:
    if _count(subsets) > MAX_CAPACITY:
        return False
    return OVER_CAPACITY not in annotations


def truncate_endpoints(endpoints: Object) -> bool:
    """``truncateEndpoints``: cut to ``MAX_CAPACITY`` addresses, proportionally per subset,
    ready addresses first; True when anything was cut."""
    subsets = endpoints.get("subsets") or []
    total_ready = sum(len(s.get("addresses") or ()) for s in subsets)
    total_not_ready = sum(len(s.get("notReadyAddresses") or ()) for s in subsets)
    if total_ready + total_not_ready <= MAX_CAPACITY:
        return False
    truncate_ready = total_ready > MAX_CAPACITY
    maximum = MAX_CAPACITY if truncate_ready else MAX_CAPACITY - total_ready
    num_total = total_ready if truncate_ready else total_not_ready
    can_be_added = maximum
    for subset in subsets:
        field = "addresses" if truncate_ready else "notReadyAddresses"
        in_subset = len(subset.get(field) or ())
        to_add = min(math.ceil(in_subset / num_total * maximum), can_be_added)
        subset[field] = (subset.get(field) or [])[:to_add]
        if truncate_ready:
            subset.pop("notReadyAddresses", None)
        can_be_added -= len(subset[field])
        if not subset[field]:
            del subset[field]
    return True


def add_endpoint_subset(
    subsets: list[Subset],
    pod: Object,
    address: Address,
    port: dict[str, Any] | None,
    tolerate_unready: bool,
) -> None:
    ports = [port] if port is not None else []
    if tolerate_unready or is_pod_ready(pod):
        subsets.append({"addresses": [address], "ports": ports})
    else:
        subsets.append({"notReadyAddresses": [address], "ports": ports})


def endpoint_port_from_service_port(service_port: dict[str, Any], number: int) -> dict[str, Any]:
    port: dict[str, Any] = {"port": number, "protocol": service_port.get("protocol") or "TCP"}
    if service_port.get("name"):
        port["name"] = service_port["name"]
    if service_port.get("appProtocol"):
        port["appProtocol"] = service_port["appProtocol"]
    return port


class EndpointController:
    def __init__(self, client: Client, informers: InformerFactory, recorder: EventRecorder) -> None:
        self.client = client
        self.recorder = recorder
        self.service_informer = informers("services")
        self.pod_informer = informers("pods")
        self.endpoints_informer = informers("endpoints")
        self.trigger_time_tracker = TriggerTimeTracker()
        #: ``staleEndpointsTracker``: the resourceVersion each Endpoints had before our last
        #: update of it -- seeing it again in the cache means the cache lags behind our write.
        #: Endpoints we created and the cache does not show yet count as stale too.
        self.stale_endpoints: dict[tuple[str, str], str] = {}
        self._controller: Controller | None = None

    def controller(self, *, name: str = COMPONENT, workers: int = 5) -> Controller:
        controller = Controller(name, self.reconcile, workers=workers)
        self._controller = controller
        controller.watch(self.service_informer)
        self.pod_informer.add_event_handler(pod_handler(self.service_informer, self._enqueue))
        self.endpoints_informer.add_event_handler(FuncHandler(on_delete=self._on_endpoints_delete))
        controller.informers.extend([self.pod_informer, self.endpoints_informer])
        controller.enqueue(_LEFTOVERS)
        return controller

    # -- handlers ------------------------------------------------------------------------------

    def _enqueue(self, keys: set[tuple[str, str]]) -> None:
        if self._controller is not None:
            for namespace, name in sorted(keys):
                self._controller.enqueue(Request(namespace, name))

    def _on_endpoints_delete(self, obj: Object | DeletedFinalStateUnknown) -> None:
        endpoints = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        metadata = _meta(endpoints)
        key = (metadata.get("namespace", ""), metadata.get("name", ""))
        self.stale_endpoints.pop(key, None)
        self._enqueue({key})

    def check_leftover_endpoints(self) -> None:
        for endpoints in self.endpoints_informer.list():
            metadata = _meta(endpoints)
            if LEADER_ANNOTATION in (metadata.get("annotations") or {}):
                continue  # leader election records live in Endpoints without a Service
            self._enqueue({(metadata.get("namespace", ""), metadata.get("name", ""))})

    # -- syncService ---------------------------------------------------------------------------

    async def reconcile(self, request: Request) -> Result | None:
        if request == _LEFTOVERS:
            self.check_leftover_endpoints()
            return None
        if not await self.sync_service(request.namespace, request.name):
            return Result(requeue=True)  # the cache lags behind our last write: later
        return None

    def _is_stale(self, namespace: str, name: str, current: Object | None) -> bool:
        stale = self.stale_endpoints.get((namespace, name))
        if stale is None:
            return False
        if current is None:
            return stale == ""  # created by us, not in the cache yet
        if _meta(current).get("resourceVersion") == stale:
            return True
        del self.stale_endpoints[(namespace, name)]
        return False

    async def sync_service(self, namespace: str, name: str) -> bool:
        """Sync one service's Endpoints; False when the cache is too old to decide."""
        service = self.service_informer.get(namespace, name)
        if service is None:
            # the service is gone: so are its endpoints
            with contextlib.suppress(NotFound):
                await self.client.delete("endpoints", name, namespace=namespace)
            self.trigger_time_tracker.delete_service(namespace, name)
            self.stale_endpoints.pop((namespace, name), None)
            return True
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" or not spec.get("selector"):
            return True
        pods = [
            pod
            for pod in self.pod_informer.list(namespace)
            if service_selects(service, _meta(pod).get("labels"))
        ]
        trigger_time = self.trigger_time_tracker.compute_endpoint_last_change_trigger_time(
            namespace, service, pods
        )
        publish_not_ready = bool(spec.get("publishNotReadyAddresses"))
        subsets: list[Subset] = []
        for pod in pods:
            if not should_pod_be_in_endpoints(pod, publish_not_ready):
                continue
            address = pod_to_endpoint_address(service, pod)
            if address is None:
                continue
            if should_set_hostname(pod, service):
                address["hostname"] = pod["spec"]["hostname"]
            service_ports = spec.get("ports") or []
            if not service_ports:
                if spec.get("clusterIP") == "None":  # headless services may have no ports
                    add_endpoint_subset(subsets, pod, address, None, publish_not_ready)
                continue
            for service_port in service_ports:
                try:
                    number = find_port(pod, service_port)
                except PortNotFound:
                    continue
                port = endpoint_port_from_service_port(service_port, number)
                add_endpoint_subset(subsets, pod, address, port, publish_not_ready)
        subsets = repack_subsets(subsets)

        current = self.endpoints_informer.get(namespace, name)
        if self._is_stale(namespace, name, current):
            return False
        create = current is None
        if current is None:
            current = {
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {
                    "name": name,
                    "namespace": namespace,
                    "labels": _meta(service).get("labels"),
                },
            }
        service_labels = _meta(service).get("labels") or {}
        compare_labels = dict(_meta(current).get("labels") or {})
        compare_labels.pop(IS_HEADLESS_SERVICE, None)
        annotations = dict(_meta(current).get("annotations") or {})
        if (
            not create
            and _strip_resource_versions(current.get("subsets") or [])
            == _strip_resource_versions(subsets)
            and compare_labels == service_labels
            and capacity_annotation_set_correctly(annotations, current.get("subsets") or [])
        ):
            return True
        new = deep_copy(current)
        new.setdefault("apiVersion", "v1")
        new.setdefault("kind", "Endpoints")
        new["subsets"] = subsets
        metadata = new["metadata"]
        if trigger_time is not None:
            annotations[LAST_CHANGE_TRIGGER_TIME] = format_trigger_time(trigger_time)
        else:
            annotations.pop(LAST_CHANGE_TRIGGER_TIME, None)
        if truncate_endpoints(new):
            annotations[OVER_CAPACITY] = "truncated"
        else:
            annotations.pop(OVER_CAPACITY, None)
        metadata["annotations"] = annotations
        labels = dict(service_labels)
        if not is_service_ip_set(service):
            labels[IS_HEADLESS_SERVICE] = ""
        metadata["labels"] = labels
        if not new["subsets"]:
            new.pop("subsets")
        try:
            if create:
                await self.client.create(new, namespace=namespace)
                self.stale_endpoints[(namespace, name)] = ""
            else:
                updated = await self.client.update(new)
                old_version = _meta(current).get("resourceVersion", "")
                if _meta(updated).get("resourceVersion") != old_version:
                    self.stale_endpoints[(namespace, name)] = old_version
        except Forbidden as error:
            if create and "NamespaceTerminating" in repr(getattr(error, "details", "")):
                return True  # a terminating namespace takes no new objects: drop the item
            raise
        except Exception as error:
            if create:
                message = f"Failed to create endpoint for service {namespace}/{name}: {error}"
                await self.recorder.event(new, WARNING, "FailedToCreateEndpoint", message)
            else:
                message = f"Failed to update endpoint {namespace}/{name}: {error}"
                await self.recorder.event(new, WARNING, "FailedToUpdateEndpoint", message)
            raise
        return True
