"""Strategies of networking.k8s.io/v1: Ingress and NetworkPolicy.

Defaults follow ``pkg/apis/networking/v1/defaults.go``: a NetworkPolicy without
``policyTypes`` gets ``[Ingress]`` (plus ``Egress`` when it has egress rules) and its ports
default to TCP; an Ingress path's ``pathType`` is *not* defaulted in v1 and is required. Both
kinds move ``generation`` with the spec; an Ingress's status is its own subresource (NetworkPolicy
has no status in v1.32). Validation follows ``pkg/apis/networking/validation/validation.go``.

Not here: the ``AllowInvalid*`` leniencies for objects stored by older releases (invalid TLS
secret names, wildcard-host rules, CIDRs), and Ingress status validation.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Final

from apiserver.registry.kinds._common import (
    dig,
    is_int,
    parse_ip_sloppy,
    port_name_errors,
    port_num_errors,
)
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import (
    is_dns1035_label,
    is_dns1123_subdomain,
    is_valid_path_segment_name,
)
from minikube_py.objects import Object
from minikube_py.selectors import validate_label_selector

_PATH_TYPES: Final = ("Exact", "ImplementationSpecific", "Prefix")
_INVALID_PATH_SEQUENCES: Final = ("//", "/./", "/../", "%2f", "%2F")
_INVALID_PATH_SUFFIXES: Final = ("/..", "/.")
_INGRESS_CLASS_ANNOTATION: Final = "kubernetes.io/ingress.class"
_PROTOCOLS: Final = ("TCP", "UDP", "SCTP")
_POLICY_TYPES: Final = ("Ingress", "Egress")
_WILDCARD_FMT: Final = r"\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
_WILDCARD_ERROR: Final = (
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
    "which must consist of lower case alphanumeric characters, '-' or '.' and end with an "
    "alphanumeric character"
)


def _is_wildcard_dns1123_subdomain(value: str) -> list[str]:
    """``IsWildcardDNS1123Subdomain``."""
    errors = []
    if len(value.encode()) > 253:
        errors.append("must be no more than 253 characters")
    if not value.startswith("*.") or is_dns1123_subdomain(value[2:]):
        errors.append(
            f"{_WILDCARD_ERROR} (e.g. '*.example.com', regex used for validation is "
            f"'{_WILDCARD_FMT}')"
        )
    return errors


def _validate_host(host: str, path: str) -> list[FieldError]:
    errors: list[FieldError] = []
    if parse_ip_sloppy(host) is not None:
        errors.append(field.invalid(path, host, "must be a DNS name, not an IP address"))
    check = _is_wildcard_dns1123_subdomain if "*" in host else is_dns1123_subdomain
    errors += [field.invalid(path, host, msg) for msg in check(host)]
    return errors


def _validate_backend(backend: Any, path: str) -> list[FieldError]:
    """``validateIngressBackend``: exactly one of a service (name and port) or a resource."""
    backend = backend if isinstance(backend, dict) else {}
    resource, service = backend.get("resource"), backend.get("service")
    if resource is not None and service is not None:
        return [field.invalid(path, "", "cannot set both resource and service backends")]
    if isinstance(resource, dict):
        return _validate_typed_reference(resource, field.child(path, "resource"))
    if not isinstance(service, dict):
        return [field.invalid(path, "", "resource or service backend is required")]
    errors: list[FieldError] = []
    name = service.get("name") or ""
    name_path = f"{path}.service.name"
    if not name:
        errors.append(field.required(name_path))
    else:
        errors += [field.invalid(name_path, name, msg) for msg in is_dns1035_label(name)]
    port = service.get("port") if isinstance(service.get("port"), dict) else {}
    port_name, number = port.get("name") or "", port.get("number") or 0
    if port_name and number:
        errors.append(field.invalid(path, "", "cannot set both port name & port number"))
    elif port_name:
        errors += [
            field.invalid(f"{path}.service.port.name", port_name, msg)
            for msg in port_name_errors(port_name)
        ]
    elif number:
        errors += [
            field.invalid(f"{path}.service.port.number", number, msg)
            for msg in port_num_errors(number)
        ]
    else:
        errors.append(field.required(path, "port name or number is required"))
    return errors


def _validate_typed_reference(ref: dict[str, Any], path: str) -> list[FieldError]:
    """``validateIngressTypedLocalObjectReference``."""
    errors: list[FieldError] = []
    group = ref.get("apiGroup")
    if isinstance(group, str):
        errors += [
            field.invalid(field.child(path, "apiGroup"), group, msg)
            for msg in is_dns1123_subdomain(group)
        ]
    for key, word in (("kind", "kind"), ("name", "name")):
        value = ref.get(key) or ""
        if not value:
            errors.append(field.required(field.child(path, key), f"{word} is required"))
        else:
            errors += [
                field.invalid(field.child(path, key), value, msg)
                for msg in is_valid_path_segment_name(value)
            ]
    return errors


def _validate_http_path(http_path: dict[str, Any], path: str) -> list[FieldError]:
    """``validateHTTPIngressPath``."""
    path_type = http_path.get("pathType")
    if path_type is None:
        return [field.required(field.child(path, "pathType"), "pathType must be specified")]
    value = http_path.get("path") or ""
    value_path = field.child(path, "path")
    errors: list[FieldError] = []
    if path_type in ("Exact", "Prefix"):
        if not value.startswith("/"):
            errors.append(field.invalid(value_path, value, "must be an absolute path"))
        if value:
            errors += [
                field.invalid(value_path, value, f"must not contain '{seq}'")
                for seq in _INVALID_PATH_SEQUENCES
                if seq in value
            ]
            errors += [
                field.invalid(value_path, value, f"cannot end with '{suffix}'")
                for suffix in _INVALID_PATH_SUFFIXES
                if value.endswith(suffix)
            ]
    elif path_type == "ImplementationSpecific":
        if value and not value.startswith("/"):
            errors.append(field.invalid(value_path, value, "must be an absolute path"))
    else:
        errors.append(field.not_supported(field.child(path, "pathType"), path_type, _PATH_TYPES))
    errors += _validate_backend(http_path.get("backend"), field.child(path, "backend"))
    return errors


def _validate_rules(rules: list[Any]) -> list[FieldError]:
    """``validateIngressRules``."""
    errors: list[FieldError] = []
    for i, rule in enumerate(rules):
        rule = rule if isinstance(rule, dict) else {}
        rule_path = field.index("spec.rules", i)
        host = rule.get("host") or ""
        if host:
            errors += _validate_host(host, field.child(rule_path, "host"))
        http = rule.get("http")
        if isinstance(http, dict):
            paths = http.get("paths") or []
            paths_path = f"{rule_path}.http.paths"
            if not paths:
                errors.append(field.required(paths_path))
            for j, http_path in enumerate(paths):
                if isinstance(http_path, dict):
                    errors += _validate_http_path(http_path, field.index(paths_path, j))
    return errors


def _validate_tls(tls: list[Any]) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, entry in enumerate(tls):
        entry = entry if isinstance(entry, dict) else {}
        entry_path = field.index("spec.tls", i)
        for j, host in enumerate(entry.get("hosts") or ()):
            check = _is_wildcard_dns1123_subdomain if "*" in host else is_dns1123_subdomain
            at = field.index(field.child(entry_path, "hosts"), j)
            errors += [field.invalid(at, host, msg) for msg in check(host)]
        secret = entry.get("secretName") or ""
        if secret:
            errors += [
                field.invalid(field.child(entry_path, "secretName"), secret, msg)
                for msg in is_dns1123_subdomain(secret)
            ]
    return errors


def validate_ingress_spec(spec: Any) -> list[FieldError]:
    """``ValidateIngressSpec``."""
    spec = spec if isinstance(spec, dict) else {}
    rules, default_backend = spec.get("rules"), spec.get("defaultBackend")
    errors: list[FieldError] = []
    if not rules and default_backend is None:
        errors.append(
            field.invalid(
                "spec",
                None,
                "either `defaultBackend` or `rules` must be specified",
                rendered="[]networking.IngressRule{}"
                if isinstance(rules, list)
                else "[]networking.IngressRule(nil)",
            )
        )
    if default_backend is not None:
        errors += _validate_backend(default_backend, "spec.defaultBackend")
    if isinstance(rules, list) and rules:
        errors += _validate_rules(rules)
    if isinstance(spec.get("tls"), list):
        errors += _validate_tls(spec["tls"])
    class_name = spec.get("ingressClassName")
    if isinstance(class_name, str):
        errors += [
            field.invalid("spec.ingressClassName", class_name, msg)
            for msg in is_dns1123_subdomain(class_name)
        ]
    return errors


class IngressStrategy(Strategy):
    has_status = True
    generation = "spec"

    def validate(self, obj: Object) -> list[FieldError]:
        """``ValidateIngressCreate``: the spec, and the legacy class annotation agrees."""
        errors = validate_ingress_spec(obj.get("spec"))
        annotations = dig(obj, "metadata", "annotations") or {}
        class_name = dig(obj, "spec", "ingressClassName")
        annotated = annotations.get(_INGRESS_CLASS_ANNOTATION)
        if annotated is not None and class_name is not None and annotated != class_name:
            errors.append(
                field.invalid(
                    f"annotations.{_INGRESS_CLASS_ANNOTATION}",
                    annotated,
                    "must match `ingressClassName` when both are specified",
                )
            )
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        return validate_ingress_spec(new.get("spec"))


# -- NetworkPolicy -----------------------------------------------------------------------------


def _validate_policy_port(port: dict[str, Any], path: str) -> list[FieldError]:
    """``ValidateNetworkPolicyPort``."""
    errors: list[FieldError] = []
    protocol = port.get("protocol")
    if protocol is not None and protocol not in _PROTOCOLS:
        errors.append(field.not_supported(field.child(path, "protocol"), protocol, _PROTOCOLS))
    number, end = port.get("port"), port.get("endPort")
    port_path, end_path = field.child(path, "port"), field.child(path, "endPort")
    if number is None:
        if end is not None:
            errors.append(
                field.invalid(end_path, end, "may not be specified when `port` is not specified")
            )
    elif is_int(number):
        errors += [field.invalid(port_path, number, msg) for msg in port_num_errors(number)]
        if end is not None:
            if is_int(end) and end < number:
                errors.append(
                    field.invalid(end_path, number, "must be greater than or equal to `port`")
                )
            errors += [field.invalid(end_path, end, msg) for msg in port_num_errors(end)]
    else:
        if end is not None:
            errors.append(
                field.invalid(end_path, end, "may not be specified when `port` is non-numeric")
            )
        errors += [
            field.invalid(port_path, str(number), msg) for msg in port_name_errors(str(number))
        ]
    return errors


def _validate_ip_block(block: dict[str, Any], path: str) -> list[FieldError]:
    """``ValidateIPBlock``: a CIDR, and exceptions strictly inside it."""
    cidr = block.get("cidr") or ""
    if not cidr:
        return [field.required(field.child(path, "cidr"))]
    network = _parse_cidr(cidr)
    if network is None:
        return [
            field.invalid(
                field.child(path, "cidr"),
                cidr,
                "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)",
            )
        ]
    errors: list[FieldError] = []
    for i, text in enumerate(block.get("except") or ()):
        at = field.index(field.child(path, "except"), i)
        inner = _parse_cidr(text)
        if inner is None:
            errors.append(
                field.invalid(
                    at, text, "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"
                )
            )
            continue
        contained = inner.version == network.version and inner.network_address in network
        if not contained or network.prefixlen >= inner.prefixlen:
            errors.append(field.invalid(at, text, "must be a strict subset of `cidr`"))
    return errors


def _parse_cidr(text: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """``ParseCIDRSloppy``: host bits may be set."""
    if not isinstance(text, str) or "/" not in text:
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _validate_peer(peer: dict[str, Any], path: str) -> list[FieldError]:
    """``ValidateNetworkPolicyPeer``: one kind of peer, or pod and namespace selectors."""
    errors: list[FieldError] = []
    count = 0
    for key in ("podSelector", "namespaceSelector"):
        if isinstance(peer.get(key), dict):
            count += 1
            errors += validate_label_selector(peer[key], field.child(path, key))
    if isinstance(peer.get("ipBlock"), dict):
        count += 1
        errors += _validate_ip_block(peer["ipBlock"], field.child(path, "ipBlock"))
    if count == 0:
        errors.append(field.required(path, "must specify a peer"))
    elif count > 1 and peer.get("ipBlock") is not None:
        errors.append(field.forbidden(path, "may not specify both ipBlock and another peer"))
    return errors


def validate_network_policy_spec(spec: Any) -> list[FieldError]:
    """``ValidateNetworkPolicySpec``."""
    spec = spec if isinstance(spec, dict) else {}
    errors: list[FieldError] = []
    selector = spec.get("podSelector")
    if isinstance(selector, dict):
        errors += validate_label_selector(selector, "spec.podSelector")
    for direction, peers_key in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or ()):
            rule = rule if isinstance(rule, dict) else {}
            rule_path = field.index(f"spec.{direction}", i)
            for j, port in enumerate(rule.get("ports") or ()):
                if isinstance(port, dict):
                    errors += _validate_policy_port(port, f"{rule_path}.ports[{j}]")
            for j, peer in enumerate(rule.get(peers_key) or ()):
                if isinstance(peer, dict):
                    errors += _validate_peer(peer, f"{rule_path}.{peers_key}[{j}]")
    types = spec.get("policyTypes") or []
    if len(types) > len(_POLICY_TYPES):
        shown = "[]networking.PolicyType{" + ", ".join(f'"{t}"' for t in types) + "}"
        errors.append(
            field.invalid(
                "spec.policyTypes",
                None,
                "may not specify more than two policyTypes",
                rendered=shown,
            )
        )
        return errors
    for i, policy_type in enumerate(types):
        if policy_type not in _POLICY_TYPES:
            errors.append(
                field.not_supported(field.index("spec.policyTypes", i), policy_type, _POLICY_TYPES)
            )
    return errors


class NetworkPolicyStrategy(Strategy):
    generation = "spec"

    def default(self, obj: Object) -> None:
        """``SetDefaults_NetworkPolicy`` and ``SetDefaults_NetworkPolicyPort``."""
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        if not spec.get("policyTypes"):
            spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
        for direction in ("ingress", "egress"):
            for rule in spec.get(direction) or ():
                for port in dig(rule, "ports") or ():
                    if isinstance(port, dict) and port.get("protocol") is None:
                        port["protocol"] = "TCP"

    def validate(self, obj: Object) -> list[FieldError]:
        return validate_network_policy_spec(obj.get("spec"))


__all__ = [
    "IngressStrategy",
    "NetworkPolicyStrategy",
    "validate_ingress_spec",
    "validate_network_policy_spec",
]
