"""Strategy of discovery.k8s.io/v1 EndpointSlice.

Defaults follow ``pkg/apis/discovery/v1/defaults.go`` (a port's ``name`` defaults to ``""`` and
its ``protocol`` to TCP). ``pkg/registry/discovery/endpointslice/strategy.go`` sets generation 1
on create and moves it when anything outside metadata changes, or the labels do (a slice has no
spec). Validation follows ``pkg/apis/discovery/validation/validation.go``: ``addressType`` is
required and immutable, every endpoint has 1-100 addresses of that type, ports are named
uniquely.

A v1 write clears ``endpoints[].deprecatedTopology`` (``dropTopologyOnV1``).
"""

from __future__ import annotations

from typing import Any, Final

from apiserver.registry.kinds._common import (
    dig,
    immutable,
    non_special_ip,
    parse_ip_sloppy,
)
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_dns1123_label, is_dns1123_subdomain, is_qualified_name
from minikube_py.objects import Object
from minikube_py.selectors import validate_labels

ADDRESS_TYPES: Final = ("FQDN", "IPv4", "IPv6")
_DEPRECATED_ADDRESS_TYPES: Final = ("IP",)
_PROTOCOLS: Final = ("SCTP", "TCP", "UDP")
_MAX_TOPOLOGY_LABELS: Final = 16
_MAX_ADDRESSES: Final = 100
_MAX_PORTS: Final = 100
_MAX_ENDPOINTS: Final = 1000


def _validate_address(address: str, address_type: str, path: str) -> list[FieldError]:
    ip = parse_ip_sloppy(address)
    if address_type == "IPv4":
        errors = []
        if ip is None or ip.version != 4:
            errors.append(field.invalid(path, address, "must be a valid IPv4 address"))
        return errors + non_special_ip(path, address)
    if address_type == "IPv6":
        errors = []
        if ip is None or ip.version != 6 or ip.ipv4_mapped is not None:
            errors.append(field.invalid(path, address, "must be a valid IPv6 address"))
        return errors + non_special_ip(path, address)
    if address_type == "FQDN":
        return _fully_qualified_domain_name(address, path)
    if address_type == "IP" and ip is None:
        return [
            field.invalid(
                path, address, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            )
        ]
    return []


def _fully_qualified_domain_name(name: str, path: str) -> list[FieldError]:
    """``IsFullyQualifiedDomainName``."""
    if not name:
        return [field.required(path)]
    name = name.removesuffix(".")
    problems = is_dns1123_subdomain(name)
    if problems:
        return [field.invalid(path, name, ",".join(problems))]
    labels = name.split(".")
    if len(labels) < 2:
        return [
            field.invalid(
                path, name, "should be a domain with at least two segments separated by dots"
            )
        ]
    for label in labels:
        problems = is_dns1123_label(label)
        if problems:
            return [field.invalid(path, label, ",".join(problems))]
    return []


def _validate_endpoints(endpoints: list[Any], address_type: str) -> list[FieldError]:
    """``validateEndpoints``."""
    if len(endpoints) > _MAX_ENDPOINTS:
        return [field.too_many("endpoints", len(endpoints), _MAX_ENDPOINTS)]
    errors: list[FieldError] = []
    for i, endpoint in enumerate(endpoints):
        endpoint = endpoint if isinstance(endpoint, dict) else {}
        at = field.index("endpoints", i)
        addresses = endpoint.get("addresses") or []
        addresses_path = field.child(at, "addresses")
        if not addresses:
            errors.append(field.required(addresses_path, "must contain at least 1 address"))
        elif len(addresses) > _MAX_ADDRESSES:
            errors.append(field.too_many(addresses_path, len(addresses), _MAX_ADDRESSES))
        for j, address in enumerate(addresses):
            if isinstance(address, str):
                errors += _validate_address(address, address_type, field.index(addresses_path, j))
        topology = endpoint.get("deprecatedTopology")
        topology_path = field.child(at, "deprecatedTopology")
        if isinstance(topology, dict):
            if len(topology) > _MAX_TOPOLOGY_LABELS:
                errors.append(field.too_many(topology_path, len(topology), _MAX_TOPOLOGY_LABELS))
            errors += validate_labels(topology, topology_path)
        hostname = endpoint.get("hostname")
        if isinstance(hostname, str):
            errors += [
                field.invalid(field.child(at, "hostname"), hostname, msg)
                for msg in is_dns1123_label(hostname)
            ]
    return errors


def _validate_ports(ports: list[Any]) -> list[FieldError]:
    """``validatePorts``."""
    if len(ports) > _MAX_PORTS:
        return [field.too_many("ports", len(ports), _MAX_PORTS)]
    errors: list[FieldError] = []
    names: set[str] = set()
    for i, port in enumerate(ports):
        port = port if isinstance(port, dict) else {}
        at = field.index("ports", i)
        name = port.get("name") or ""
        if name:
            errors += [
                field.invalid(field.child(at, "name"), name, msg) for msg in is_dns1123_label(name)
            ]
        if name in names:
            errors.append(field.duplicate(field.child(at, "name"), name))
        names.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            errors.append(field.required(field.child(at, "protocol")))
        elif protocol not in _PROTOCOLS:
            errors.append(field.not_supported(field.child(at, "protocol"), protocol, _PROTOCOLS))
        app_protocol = port.get("appProtocol")
        if isinstance(app_protocol, str):
            errors += [
                field.invalid(field.child(at, "appProtocol"), app_protocol, msg)
                for msg in is_qualified_name(app_protocol)
            ]
    return errors


def validate_endpoint_slice(obj: Object, address_types: tuple[str, ...]) -> list[FieldError]:
    """``ValidateEndpointSlice`` (object metadata is validated by the store)."""
    errors: list[FieldError] = []
    address_type = obj.get("addressType") or ""
    if not address_type:
        errors.append(field.required("addressType"))
    elif address_type not in address_types:
        errors.append(field.not_supported("addressType", address_type, sorted(address_types)))
    if isinstance(obj.get("endpoints"), list):
        errors += _validate_endpoints(obj["endpoints"], str(address_type))
    if isinstance(obj.get("ports"), list):
        errors += _validate_ports(obj["ports"])
    return errors


def _drop_topology(obj: Object) -> None:
    """``dropTopologyOnV1``: a v1 write silently clears ``deprecatedTopology``."""
    for endpoint in obj.get("endpoints") or ():
        if isinstance(endpoint, dict):
            endpoint.pop("deprecatedTopology", None)


class EndpointSliceStrategy(Strategy):
    generation = "non-metadata"

    def default(self, obj: Object) -> None:
        for port in obj.get("ports") or ():
            if isinstance(port, dict):
                if port.get("name") is None:
                    port["name"] = ""
                if port.get("protocol") is None:
                    port["protocol"] = "TCP"

    def prepare_for_create(self, obj: Object) -> None:
        _drop_topology(obj)

    def prepare_for_update(self, new: Object, old: Object) -> None:
        """Label changes move the generation too (the store compares the rest)."""
        if dig(new, "metadata", "labels") != dig(old, "metadata", "labels"):
            generation = dig(old, "metadata", "generation") or 0
            new.setdefault("metadata", {})["generation"] = generation + 1
        if new.get("endpoints") != old.get("endpoints"):
            _drop_topology(new)

    def validate(self, obj: Object) -> list[FieldError]:
        return validate_endpoint_slice(obj, ADDRESS_TYPES)

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """The deprecated ``IP`` address type stays valid for slices that already use it."""
        errors = validate_endpoint_slice(new, ADDRESS_TYPES + _DEPRECATED_ADDRESS_TYPES)
        errors += immutable("addressType", new.get("addressType"), old.get("addressType"))
        return errors


__all__ = ["ADDRESS_TYPES", "EndpointSliceStrategy", "validate_endpoint_slice"]
