"""Strategy of core/v1 Endpoints.

Endpoints may be created by PUT (``AllowCreateOnUpdate``, as the endpoints controller writes
them). Ports default to TCP (``SetDefaults_Endpoints``). Validation follows
``validateEndpointSubsets`` in ``pkg/apis/core/validation``: each subset has addresses (ready or
not), every address is an IP that is not unspecified, loopback or link-local, and ports are
named when there are several.
"""

from __future__ import annotations

from typing import Any, Final

from apiserver.registry.kinds._common import (
    dig,
    non_special_ip,
    parse_ip_sloppy,
    port_num_errors,
)
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_dns1123_label, is_dns1123_subdomain, is_qualified_name
from minikube_py.objects import Object

_PROTOCOLS: Final = ("SCTP", "TCP", "UDP")


def _validate_address(address: Any, path: str) -> list[FieldError]:
    """``validateEndpointAddress``."""
    address = address if isinstance(address, dict) else {}
    ip = str(address.get("ip") or "")
    ip_path = field.child(path, "ip")
    errors: list[FieldError] = []
    if parse_ip_sloppy(ip) is None:
        errors.append(
            field.invalid(
                ip_path, ip, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
            )
        )
    hostname = address.get("hostname") or ""
    if hostname:
        errors += [
            field.invalid(field.child(path, "hostname"), hostname, msg)
            for msg in is_dns1123_label(hostname)
        ]
    node = address.get("nodeName")
    if isinstance(node, str):
        errors += [
            field.invalid(field.child(path, "nodeName"), node, msg)
            for msg in is_dns1123_subdomain(node)
        ]
    return errors + non_special_ip(ip_path, ip)


def _validate_port(port: Any, require_name: bool, path: str) -> list[FieldError]:
    """``validateEndpointPort``."""
    port = port if isinstance(port, dict) else {}
    errors: list[FieldError] = []
    name = port.get("name") or ""
    if require_name and not name:
        errors.append(field.required(field.child(path, "name")))
    elif name:
        errors += [
            field.invalid(field.child(path, "name"), name, msg) for msg in is_dns1123_label(name)
        ]
    number = port.get("port", 0)
    errors += [
        field.invalid(field.child(path, "port"), number, msg) for msg in port_num_errors(number)
    ]
    protocol = port.get("protocol") or ""
    if not protocol:
        errors.append(field.required(field.child(path, "protocol")))
    elif protocol not in _PROTOCOLS:
        errors.append(field.not_supported(field.child(path, "protocol"), protocol, _PROTOCOLS))
    app_protocol = port.get("appProtocol")
    if isinstance(app_protocol, str):
        errors += [
            field.invalid(field.child(path, "appProtocol"), app_protocol, msg)
            for msg in is_qualified_name(app_protocol)
        ]
    return errors


def validate_subsets(subsets: Any) -> list[FieldError]:
    """``validateEndpointSubsets``."""
    errors: list[FieldError] = []
    for i, subset in enumerate(subsets if isinstance(subsets, list) else ()):
        subset = subset if isinstance(subset, dict) else {}
        at = field.index("subsets", i)
        ready, not_ready = subset.get("addresses") or [], subset.get("notReadyAddresses") or []
        if not ready and not not_ready:
            errors.append(field.required(at, "must specify `addresses` or `notReadyAddresses`"))
        for key, addresses in (("addresses", ready), ("notReadyAddresses", not_ready)):
            for j, address in enumerate(addresses):
                errors += _validate_address(address, field.index(field.child(at, key), j))
        ports = subset.get("ports") or []
        for j, port in enumerate(ports):
            errors += _validate_port(port, len(ports) > 1, field.index(field.child(at, "ports"), j))
    return errors


class EndpointsStrategy(Strategy):
    allow_create_on_update = True

    def default(self, obj: Object) -> None:
        for subset in obj.get("subsets") or ():
            for port in dig(subset, "ports") or ():
                if isinstance(port, dict) and not port.get("protocol"):
                    port["protocol"] = "TCP"

    def validate(self, obj: Object) -> list[FieldError]:
        return validate_subsets(obj.get("subsets"))


__all__ = ["EndpointsStrategy", "validate_subsets"]
