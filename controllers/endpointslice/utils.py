"""Building EndpointSlices (upstream ``staging/src/k8s.io/endpointslice/utils.go``,
``endpointset.go`` and ``endpointslice_tracker.go``).

* :func:`pod_to_endpoint` -- a pod as a ``discovery.k8s.io/v1`` endpoint: its address of the
  slice's family, ``conditions`` (``ready`` only when serving and not terminating, or always
  with ``publishNotReadyAddresses``; ``serving`` = pod Ready; ``terminating``), ``nodeName``,
  ``zone`` from the node's ``topology.kubernetes.io/zone`` label, ``targetRef``, ``hostname``;
* :func:`get_endpoint_ports` -- the service's ports resolved on a pod; pods with the same
  resolved ports share slices (:func:`port_map_key`);
* :class:`EndpointSet` -- desired endpoints by their identity (``hashEndpoint``: addresses,
  hostname and the pod's namespace/name), in insertion order so runs replay;
* :func:`new_endpoint_slice`, :func:`set_endpoint_slice_labels` -- metadata of a slice;
* :class:`EndpointSliceTracker` -- the generations this controller last wrote per slice, so a
  sync on a stale informer cache waits instead of creating duplicates.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from controllers.endpoint.utils import (
    IS_HEADLESS_SERVICE,
    PortNotFound,
    find_port,
    is_ipv6,
    is_pod_ready,
    is_service_ip_set,
    pod_ips,
    should_set_hostname,
)
from minikube_py.objects import Object

LABEL_SERVICE_NAME = "kubernetes.io/service-name"
LABEL_MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
CONTROLLER_NAME = "endpointslice-controller.k8s.io"
ZONE_LABEL = "topology.kubernetes.io/zone"
_RESERVED_LABELS = frozenset((LABEL_SERVICE_NAME, LABEL_MANAGED_BY, IS_HEADLESS_SERVICE))
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

Endpoint = dict[str, Any]
PortMapKey = tuple[tuple[Any, ...], ...]


def _meta(obj: Object) -> dict[str, Any]:
    return obj.get("metadata") or {}


def get_endpoint_addresses(pod: Object, address_type: str) -> list[str]:
    """The pod's first IP of the slice's family."""
    for ip in pod_ips(pod):
        if is_ipv6(ip) == (address_type == "IPv6"):
            return [ip]
    return []


def pod_to_endpoint(
    pod: Object, node: Object | None, service: Object, address_type: str
) -> Endpoint:
    serving = is_pod_ready(pod)
    terminating = bool(_meta(pod).get("deletionTimestamp"))
    # for compatibility, never ready while terminating unless not-ready addresses are published
    ready = bool((service.get("spec") or {}).get("publishNotReadyAddresses")) or (
        serving and not terminating
    )
    metadata = _meta(pod)
    endpoint: Endpoint = {
        "addresses": get_endpoint_addresses(pod, address_type),
        "conditions": {"ready": ready, "serving": serving, "terminating": terminating},
        "targetRef": {
            "kind": "Pod",
            "namespace": metadata.get("namespace", ""),
            "name": metadata.get("name", ""),
            "uid": metadata.get("uid", ""),
        },
    }
    node_name = (pod.get("spec") or {}).get("nodeName")
    if node_name:
        endpoint["nodeName"] = node_name
    zone = (_meta(node).get("labels") or {}).get(ZONE_LABEL) if node is not None else None
    if zone:
        endpoint["zone"] = zone
    if should_set_hostname(pod, service):
        endpoint["hostname"] = pod["spec"]["hostname"]
    return endpoint


def get_endpoint_ports(service: Object, pod: Object) -> list[dict[str, Any]]:
    ports = []
    for service_port in (service.get("spec") or {}).get("ports") or ():
        try:
            number = find_port(pod, service_port)
        except PortNotFound:
            continue
        port: dict[str, Any] = {
            "name": service_port.get("name") or "",
            "port": number,
            "protocol": service_port.get("protocol") or "TCP",
        }
        if service_port.get("appProtocol"):
            port["appProtocol"] = service_port["appProtocol"]
        ports.append(port)
    return ports


def port_map_key(ports: list[dict[str, Any]] | None) -> PortMapKey:
    """``NewPortMapKey``: the same key for the same set of ports, whatever their order."""
    return tuple(
        sorted(
            (
                p.get("name") or "",
                p.get("port") or 0,
                p.get("protocol") or "TCP",
                p.get("appProtocol") or "",
            )
            for p in ports or ()
        )
    )


def endpoint_key(endpoint: Endpoint) -> tuple[Any, ...]:
    """``hashEndpoint``: what makes two endpoints the same one."""
    ref = endpoint.get("targetRef") or {}
    return (
        tuple(sorted(endpoint.get("addresses") or ())),
        endpoint.get("hostname") or "",
        ref.get("namespace", ""),
        ref.get("name", ""),
    )


def endpoints_equal_beyond_hash(a: Endpoint, b: Endpoint) -> bool:
    """Whether two endpoints of one identity carry the same data (pod resourceVersions aside;
    hints are reconciled on their own, as upstream's ``endpointsEqualBeyondHash`` leaves them
    out)."""

    def comparable(endpoint: Endpoint) -> Endpoint:
        ref = dict(endpoint.get("targetRef") or {})
        ref.pop("resourceVersion", None)
        return {
            "conditions": endpoint.get("conditions") or {},
            "nodeName": endpoint.get("nodeName"),
            "zone": endpoint.get("zone"),
            "targetRef": ref,
        }

    return comparable(a) == comparable(b)


class EndpointSet:
    """Endpoints by identity, popped in the order they were inserted."""

    def __init__(self) -> None:
        self._items: dict[tuple[Any, ...], Endpoint] = {}

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self._items.values())

    def insert(self, endpoint: Endpoint) -> None:
        self._items[endpoint_key(endpoint)] = endpoint

    def get(self, endpoint: Endpoint) -> Endpoint | None:
        return self._items.get(endpoint_key(endpoint))

    def delete(self, endpoint: Endpoint) -> None:
        self._items.pop(endpoint_key(endpoint), None)

    def pop_any(self) -> Endpoint:
        key = next(iter(self._items))
        return self._items.pop(key)


def endpoint_slice_prefix(service_name: str) -> str:
    """``getEndpointSlicePrefix``: ``<service>-``, or ``slice-`` if that is no valid name."""
    prefix = f"{service_name}-"
    probe = prefix + "a" * 5  # what the generated name would look like
    if len(probe) > 253 or not _DNS_SUBDOMAIN.match(probe):
        return "slice-"
    return prefix


def owned_by(slice_: Object, service: Object) -> bool:
    uid = _meta(service).get("uid")
    return any(
        ref.get("uid") == uid and ref.get("kind") == "Service" and ref.get("apiVersion") == "v1"
        for ref in _meta(slice_).get("ownerReferences") or ()
    )


def set_endpoint_slice_labels(slice_: Object, service: Object) -> tuple[dict[str, str], bool]:
    """``setEndpointSliceLabels``: the service's labels (less the reserved ones), the service
    name, the managing controller and, for a headless service, the headless label; and
    whether that differs from the slice's labels now."""
    current = _meta(slice_).get("labels") or {}
    labels = {
        k: v for k, v in (_meta(service).get("labels") or {}).items() if k not in _RESERVED_LABELS
    }
    labels[LABEL_SERVICE_NAME] = _meta(service).get("name", "")
    labels[LABEL_MANAGED_BY] = CONTROLLER_NAME
    if not is_service_ip_set(service):
        labels[IS_HEADLESS_SERVICE] = ""
    return labels, labels != current


def new_endpoint_slice(service: Object, ports: list[dict[str, Any]], address_type: str) -> Object:
    metadata = _meta(service)
    slice_: Object = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "generateName": endpoint_slice_prefix(metadata.get("name", "")),
            "namespace": metadata.get("namespace", ""),
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "Service",
                    "name": metadata.get("name", ""),
                    "uid": metadata.get("uid", ""),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "labels": {},
        },
        "addressType": address_type,
        "endpoints": [],
        "ports": ports,
    }
    slice_["metadata"]["labels"], _ = set_endpoint_slice_labels(slice_, service)
    return slice_


#: a generation meaning "deleted by us; should not be seen again"
DELETION_EXPECTED = -1


class EndpointSliceTracker:
    """``EndpointSliceTracker``: per service, slice uid -> the generation we last wrote."""

    def __init__(self) -> None:
        self.generations: dict[tuple[str, str], dict[str, int]] = {}

    @staticmethod
    def _service_key(slice_: Object) -> tuple[str, str]:
        metadata = _meta(slice_)
        return metadata.get("namespace", ""), (metadata.get("labels") or {}).get(
            LABEL_SERVICE_NAME, ""
        )

    def update(self, slice_: Object) -> None:
        metadata = _meta(slice_)
        self.generations.setdefault(self._service_key(slice_), {})[metadata.get("uid", "")] = int(
            metadata.get("generation") or 0
        )

    def expect_deletion(self, slice_: Object) -> None:
        self.generations.setdefault(self._service_key(slice_), {})[_meta(slice_).get("uid", "")] = (
            DELETION_EXPECTED
        )

    def should_sync(self, slice_: Object) -> bool:
        """True unless the slice is exactly what we last wrote."""
        known = self.generations.get(self._service_key(slice_), {})
        generation = known.get(_meta(slice_).get("uid", ""))
        return generation is None or generation != int(_meta(slice_).get("generation") or 0)

    def handle_deletion(self, slice_: Object) -> bool:
        """Forget a deleted slice; True when the deletion was not ours (a resync is due)."""
        known = self.generations.get(self._service_key(slice_), {})
        generation = known.pop(_meta(slice_).get("uid", ""), None)
        return generation != DELETION_EXPECTED

    def stale_slices(self, namespace: str, name: str, slices: list[Object]) -> bool:
        """Whether the informer has yet to show what we wrote for this service."""
        known = self.generations.get((namespace, name), {})
        provided = set()
        for slice_ in slices:
            uid = _meta(slice_).get("uid", "")
            provided.add(uid)
            generation = known.get(uid)
            if generation is not None and (
                generation == DELETION_EXPECTED
                or generation > int(_meta(slice_).get("generation") or 0)
            ):
                return True
        return any(g != DELETION_EXPECTED and uid not in provided for uid, g in known.items())

    def delete_service(self, namespace: str, name: str) -> None:
        self.generations.pop((namespace, name), None)
