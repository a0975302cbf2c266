"""Services: defaults, cluster IP and node port allocation, and the rules that go with them.

kube-apiserver's service REST storage (``pkg/registry/core/service/storage``) allocates a
cluster IP from the service CIDR (default ``10.96.0.0/12``; the first address belongs to the
``kubernetes`` Service) and node ports from ``30000-32767`` when a Service is created, keeps
them immutable, and frees them when it is deleted. Here the allocated set is derived from the
Services in the store at allocation time, so it is always consistent with them (also after a
restart) and freeing is implicit in deletion; choice among free values uses the cluster's seeded
generator.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from apiserver.registry.objectmeta import FIELD_IMMUTABLE
from apiserver.registry.strategy import Strategy
from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_dns1035_label
from minikube_py.objects import Object

DEFAULT_SERVICE_CIDR = "10.96.0.0/12"
NODE_PORT_RANGE = (30000, 32767)
_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]


def _name_is_dns1035(name: str, prefix: bool) -> list[str]:
    if prefix and len(name) > 1 and name.endswith("-"):
        name = name[:-1] + "a"
    return is_dns1035_label(name)


class ServiceStrategy(Strategy):
    has_status = True
    return_deleted_object = True
    name_validator = staticmethod(_name_is_dns1035)

    def default(self, obj: Object) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        kind = spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        for port in spec.get("ports") or ():
            if isinstance(port, dict):
                port.setdefault("protocol", "TCP")
                if "port" in port:
                    port.setdefault("targetPort", port["port"])
        if kind != "ExternalName":
            spec.setdefault("internalTrafficPolicy", "Cluster")
        if kind in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
        if kind == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)

    def initial_status(self, obj: Object) -> dict[str, Any]:
        return {"loadBalancer": {}}

    def validate(self, obj: Object) -> list[FieldError]:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return [field.required("spec", "")]
        errors: list[FieldError] = []
        kind = spec.get("type")
        if kind not in _TYPES:
            errors.append(field.not_supported("spec.type", kind, _TYPES))
        ports = spec.get("ports") or []
        if kind != "ExternalName" and not ports and spec.get("clusterIP") != "None":
            errors.append(field.required("spec.ports", ""))
        names: set[str] = set()
        for i, port in enumerate(ports):
            at = field.index("spec.ports", i)
            if not isinstance(port, dict):
                errors.append(field.invalid(at, port, "must be an object"))
                continue
            number = port.get("port")
            if not isinstance(number, int) or not 1 <= number <= 65535:
                errors.append(
                    field.invalid(
                        field.child(at, "port"), number, "must be between 1 and 65535, inclusive"
                    )
                )
            if len(ports) > 1 and not port.get("name"):
                errors.append(field.required(field.child(at, "name"), ""))
            elif port.get("name") in names:
                errors.append(field.duplicate(field.child(at, "name"), port.get("name")))
            names.add(port.get("name"))
        if kind == "ExternalName" and not spec.get("externalName"):
            errors.append(field.required("spec.externalName", ""))
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        errors = self.validate(new)
        old_ip = (old.get("spec") or {}).get("clusterIP")
        new_ip = (new.get("spec") or {}).get("clusterIP")
        if old_ip and (new.get("spec") or {}).get("type") != "ExternalName" and new_ip != old_ip:
            errors.append(field.invalid("spec.clusterIPs[0]", [new_ip or ""], FIELD_IMMUTABLE))
        return errors

    def prepare_for_update(self, new: Object, old: Object) -> None:
        super().prepare_for_update(new, old)
        spec, old_spec = new.get("spec"), old.get("spec") or {}
        if not isinstance(spec, dict) or spec.get("type") == "ExternalName":
            return
        # an update that leaves the allocated values out keeps them (as kubectl apply does)
        for key in ("clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"):
            if key not in spec and key in old_spec:
                spec[key] = old_spec[key]
        old_ports = {p.get("port"): p for p in old_spec.get("ports") or () if isinstance(p, dict)}
        for port in spec.get("ports") or ():
            if isinstance(port, dict) and "nodePort" not in port:
                previous = old_ports.get(port.get("port"))
                if previous is not None and "nodePort" in previous:
                    port["nodePort"] = previous["nodePort"]


class ServiceAllocator:
    """Cluster IPs and node ports, derived from the Services that exist."""

    def __init__(self, cidr: str = DEFAULT_SERVICE_CIDR) -> None:
        self.network = ipaddress.ip_network(cidr)
        #: The address the ``kubernetes`` Service gets.
        self.api_ip = str(self.network.network_address + 1)

    def allocate(self, spec: dict[str, Any], services: list[Object], rng: Any) -> list[FieldError]:
        """Fill in ``clusterIP(s)``, IP families and node ports; return field errors for
        requested values that are taken or out of range."""
        kind = spec.get("type", "ClusterIP")
        if kind == "ExternalName":
            return []
        taken_ips = {(s.get("spec") or {}).get("clusterIP") for s in services}
        errors: list[FieldError] = []
        requested = spec.get("clusterIP") or ((spec.get("clusterIPs") or [None])[0])
        if requested == "None":
            spec["clusterIP"] = "None"
            spec["clusterIPs"] = ["None"]
        elif requested:
            try:
                address = ipaddress.ip_address(requested)
            except ValueError:
                return [
                    field.invalid("spec.clusterIPs[0]", requested, "must be a valid IP address")
                ]
            if address not in self.network or address == self.network.network_address:
                errors.append(
                    field.invalid(
                        "spec.clusterIPs",
                        [requested],
                        f"failed to allocate IP {requested}: the provided IP ({requested}) is "
                        f"not in the valid range. The range of valid IPs is {self.network}",
                    )
                )
            elif requested in taken_ips:
                errors.append(
                    field.invalid(
                        "spec.clusterIPs",
                        [requested],
                        f"failed to allocate IP {requested}: provided IP is already allocated",
                    )
                )
            spec["clusterIP"] = requested
            spec["clusterIPs"] = [requested]
        else:
            size = self.network.num_addresses
            base = int(self.network.network_address)
            for _ in range(64):
                candidate = str(ipaddress.ip_address(base + rng.randrange(2, size - 1)))
                if candidate not in taken_ips:
                    break
            else:
                candidate = next(
                    (
                        str(ipaddress.ip_address(base + offset))
                        for offset in range(2, size - 1)
                        if str(ipaddress.ip_address(base + offset)) not in taken_ips
                    ),
                    "",
                )
                if not candidate:
                    return [field.invalid("spec.clusterIPs", [], "range is full")]
            spec["clusterIP"] = candidate
            spec["clusterIPs"] = [candidate]
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        if kind in ("NodePort", "LoadBalancer"):
            errors += self._node_ports(spec, services, rng)
        return errors

    def _node_ports(
        self, spec: dict[str, Any], services: list[Object], rng: Any
    ) -> list[FieldError]:
        low, high = NODE_PORT_RANGE
        taken = {
            p.get("nodePort")
            for s in services
            for p in (s.get("spec") or {}).get("ports") or ()
            if isinstance(p, dict)
        }
        errors: list[FieldError] = []
        for i, port in enumerate(spec.get("ports") or ()):
            if not isinstance(port, dict):
                continue
            wanted = port.get("nodePort")
            if wanted:
                if not low <= wanted <= high:
                    errors.append(
                        field.invalid(
                            field.child(field.index("spec.ports", i), "nodePort"),
                            wanted,
                            f"provided port is not in the valid range. The range of valid ports "
                            f"is {low}-{high}",
                        )
                    )
                elif wanted in taken:
                    errors.append(
                        field.invalid(
                            field.child(field.index("spec.ports", i), "nodePort"),
                            wanted,
                            "provided port is already allocated",
                        )
                    )
                taken.add(wanted)
                continue
            for _ in range(1000):
                candidate = rng.randint(low, high)
                if candidate not in taken:
                    break
            port["nodePort"] = candidate
            taken.add(candidate)
        return errors
