"""Tables of networking.k8s.io and discovery.k8s.io: Ingresses, policies, slices, CIDRs.

Mirrors ``printIngress`` (``formatHosts``, ``formatPorts``,
``ingressLoadBalancerStatusStringer``), ``printIngressClass``, ``printNetworkPolicy``,
``printServiceCIDR``, ``printIPAddress`` and ``printEndpointSlice`` (``formatDiscoveryPorts``,
``formatDiscoveryEndpoints``) of ``pkg/printers/internalversion/printers.go`` (Kubernetes
v1.32). Lists of hosts, ports and addresses show the first three and then "+ N more...".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from apiserver.printers._format import (
    NONE,
    format_label_selector,
    items,
    list_with_more,
    load_balancer_addresses,
    sub,
    text,
)
from apiserver.printers._swagger import DOCS
from apiserver.printers.columns import AGE, NAME, Obj, TablePrinter, string
from apiserver.printers.duration import Since

_MAX_SHOWN: Final = 3


def _name(obj: Obj) -> str:
    return text(sub(obj, "metadata"), "name")


def _age(obj: Obj, since: Since) -> str:
    return since.age(sub(obj, "metadata").get("creationTimestamp"))


_INGRESS_COLUMNS: Final = (
    NAME,
    string(
        "Class",
        "The name of the IngressClass resource that should be used for additional configuration",
    ),
    string("Hosts", "Hosts that incoming requests are matched against before the ingress rule"),
    string("Address", "Address is a list containing ingress points for the load-balancer"),
    string("Ports", "Ports of TLS configurations that open"),
    AGE,
)


def _format_hosts(rules: list[Any]) -> str:
    """``formatHosts``: the first three non-empty hosts, "*" when no rule names one."""
    shown: list[str] = []
    more = False
    for rule in rules:
        if len(shown) == _MAX_SHOWN:
            more = True
        host = text(rule, "host") if isinstance(rule, Mapping) else ""
        if not more and host:
            shown.append(host)
    if not shown:
        return "*"
    joined = ",".join(shown)
    if more:
        return f"{joined} + {len(rules) - _MAX_SHOWN} more..."
    return joined


def _ingress_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    class_name = spec.get("ingressClassName")
    return [
        _name(obj),
        NONE if class_name is None else str(class_name),
        _format_hosts(items(spec, "rules")),
        load_balancer_addresses(sub(sub(obj, "status"), "loadBalancer")),
        "80, 443" if items(spec, "tls") else "80",
        _age(obj, since),
    ]


_INGRESS_CLASS_COLUMNS: Final = (
    NAME,
    string("Controller", "Controller that is responsible for handling this class"),
    string("Parameters", "A reference to a resource with additional parameters"),
    AGE,
)


def _ingress_class_cells(obj: Obj, since: Since) -> list[Any]:
    spec = sub(obj, "spec")
    params = spec.get("parameters")
    parameters = NONE
    if isinstance(params, Mapping):
        parameters = text(params, "kind")
        if params.get("apiGroup") is not None:
            parameters += "." + text(params, "apiGroup")
        parameters += "/" + text(params, "name")
    return [_name(obj), text(spec, "controller"), parameters, _age(obj, since)]


_NETWORK_POLICY_COLUMNS: Final = (
    NAME,
    string("Pod-Selector", DOCS["extensionsv1beta1.NetworkPolicySpec.podSelector"]),
    AGE,
)


def _network_policy_cells(obj: Obj, since: Since) -> list[Any]:
    # podSelector is a struct, not a pointer: absent means empty, which prints "<none>"
    selector = sub(obj, "spec").get("podSelector") or {}
    return [_name(obj), format_label_selector(selector), _age(obj, since)]


_SERVICE_CIDR_COLUMNS: Final = (
    NAME,
    string("CIDRs", DOCS["networkingv1beta1.ServiceCIDRSpec.cidrs"]),
    AGE,
)


def _service_cidr_cells(obj: Obj, since: Since) -> list[Any]:
    cidrs = ",".join(str(c) for c in items(sub(obj, "spec"), "cidrs"))
    return [_name(obj), cidrs, _age(obj, since)]


_IP_ADDRESS_COLUMNS: Final = (
    NAME,
    string("ParentRef", DOCS["networkingv1beta1.IPAddressSpec.parentRef"]),
)


def _ip_address_cells(obj: Obj, since: Since) -> list[Any]:
    # upstream's row carries an age the column list does not define; kept for fidelity
    ref = sub(obj, "spec").get("parentRef")
    parent = NONE
    if isinstance(ref, Mapping):
        group, resource = text(ref, "group"), text(ref, "resource")
        parent = (f"{resource}.{group}" if group else resource).lower()
        if text(ref, "namespace"):
            parent += "/" + text(ref, "namespace")
        parent += "/" + text(ref, "name")
    return [_name(obj), parent, _age(obj, since)]


_ENDPOINT_SLICE_COLUMNS: Final = (
    NAME,
    string("AddressType", DOCS["discoveryv1beta1.EndpointSlice.addressType"]),
    string("Ports", DOCS["discoveryv1beta1.EndpointSlice.ports"]),
    string("Endpoints", DOCS["discoveryv1beta1.EndpointSlice.endpoints"]),
    AGE,
)


def _discovery_ports(ports: list[Any]) -> str:
    shown: list[str] = []
    more = False
    for port in ports:
        if len(shown) < _MAX_SHOWN:
            port = port if isinstance(port, Mapping) else {}
            if port.get("port") is not None:
                shown.append(str(port["port"]))
            elif port.get("name") is not None:
                shown.append(str(port["name"]))
            else:
                shown.append("*")
        elif len(shown) == _MAX_SHOWN:
            more = True
    return list_with_more(shown, more, len(ports), _MAX_SHOWN)


def _discovery_endpoints(endpoints: list[Any]) -> str:
    shown: list[str] = []
    more = False
    count = 0
    for endpoint in endpoints:
        for address in items(endpoint, "addresses") if isinstance(endpoint, Mapping) else ():
            if len(shown) < _MAX_SHOWN:
                shown.append(str(address))
            elif len(shown) == _MAX_SHOWN:
                more = True
            count += 1
    return list_with_more(shown, more, count, _MAX_SHOWN)


def _endpoint_slice_cells(obj: Obj, since: Since) -> list[Any]:
    return [
        _name(obj),
        text(obj, "addressType"),
        _discovery_ports(items(obj, "ports")),
        _discovery_endpoints(items(obj, "endpoints")),
        _age(obj, since),
    ]


PRINTERS: Final = {
    ("networking.k8s.io", "Ingress"): TablePrinter(_INGRESS_COLUMNS, _ingress_cells),
    ("networking.k8s.io", "IngressClass"): TablePrinter(
        _INGRESS_CLASS_COLUMNS, _ingress_class_cells
    ),
    ("networking.k8s.io", "NetworkPolicy"): TablePrinter(
        _NETWORK_POLICY_COLUMNS, _network_policy_cells
    ),
    ("networking.k8s.io", "ServiceCIDR"): TablePrinter(_SERVICE_CIDR_COLUMNS, _service_cidr_cells),
    ("networking.k8s.io", "IPAddress"): TablePrinter(_IP_ADDRESS_COLUMNS, _ip_address_cells),
    ("discovery.k8s.io", "EndpointSlice"): TablePrinter(
        _ENDPOINT_SLICE_COLUMNS, _endpoint_slice_cells
    ),
}
