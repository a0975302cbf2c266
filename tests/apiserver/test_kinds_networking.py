"""networking.k8s.io/v1 Ingress and NetworkPolicy, discovery.k8s.io/v1 EndpointSlice and
core/v1 Endpoints through the pipeline."""

from __future__ import annotations

from typing import Any

import pytest

from apiserver.client import InProcessClient
from minikube_py.errors import Invalid


def ingress(name: str = "web", paths: list[dict[str, Any]] | None = None, **spec: Any) -> dict:
    if paths is None:
        paths = [
            {
                "path": "/",
                "pathType": "Prefix",
                "backend": {"service": {"name": "web", "port": {"number": 80}}},
            }
        ]
    body: dict[str, Any] = {"rules": [{"host": "example.com", "http": {"paths": paths}}]}
    body.update(spec)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": name},
        "spec": body,
    }


def netpol(name: str = "deny", **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"podSelector": {}}
    body.update(spec)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name},
        "spec": body,
    }


def slice_(name: str = "web-abc", address_type: str | None = "IPv4", **body: Any) -> dict:
    obj: dict[str, Any] = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": name},
        "endpoints": [{"addresses": ["10.0.0.1"]}],
        "ports": [{"port": 80}],
    }
    if address_type is not None:
        obj["addressType"] = address_type
    obj.update(body)
    return obj


def endpoints(name: str = "web", subsets: list[dict[str, Any]] | None = None) -> dict:
    if subsets is None:
        subsets = [{"addresses": [{"ip": "10.0.0.1"}], "ports": [{"port": 80}]}]
    return {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": name}, "subsets": subsets}


async def invalid(api: InProcessClient, obj: dict[str, Any]) -> str:
    with pytest.raises(Invalid) as info:
        await api.create(obj)
    return info.value.message


# -- Ingress -----------------------------------------------------------------------------------


async def test_ingress_generation_and_status(api: InProcessClient) -> None:
    body = ingress()
    body["status"] = {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}
    created = await api.create(body)
    assert "status" not in created
    assert created["metadata"]["generation"] == 1
    patched = await api.patch("ing", "web", {"spec": {"ingressClassName": "nginx"}})
    assert patched["metadata"]["generation"] == 2


async def test_path_type_is_required(api: InProcessClient) -> None:
    paths = [{"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]
    assert await invalid(api, ingress(paths=paths)) == (
        'Ingress.networking.k8s.io "web" is invalid: spec.rules[0].http.paths[0].pathType: '
        "Required value: pathType must be specified"
    )


async def test_prefix_paths_are_absolute_and_clean(api: InProcessClient) -> None:
    paths = [
        {
            "path": "api//v1",
            "pathType": "Prefix",
            "backend": {"service": {"name": "web", "port": {"number": 80}}},
        }
    ]
    assert await invalid(api, ingress(paths=paths)) == (
        'Ingress.networking.k8s.io "web" is invalid: [spec.rules[0].http.paths[0].path: Invalid '
        'value: "api//v1": must be an absolute path, spec.rules[0].http.paths[0].path: Invalid '
        "value: \"api//v1\": must not contain '//']"
    )


async def test_backend_needs_a_port(api: InProcessClient) -> None:
    paths = [{"path": "/", "pathType": "Exact", "backend": {"service": {"name": "web"}}}]
    assert await invalid(api, ingress(paths=paths)) == (
        'Ingress.networking.k8s.io "web" is invalid: spec.rules[0].http.paths[0].backend: '
        "Required value: port name or number is required"
    )


async def test_rules_or_default_backend(api: InProcessClient) -> None:
    body = ingress()
    del body["spec"]["rules"]
    assert await invalid(api, body) == (
        'Ingress.networking.k8s.io "web" is invalid: spec: Invalid value: '
        "[]networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified"
    )


async def test_hosts_are_dns_names(api: InProcessClient) -> None:
    body = ingress()
    body["spec"]["rules"][0]["host"] = "10.0.0.1"
    assert await invalid(api, body) == (
        'Ingress.networking.k8s.io "web" is invalid: spec.rules[0].host: Invalid value: '
        '"10.0.0.1": must be a DNS name, not an IP address'
    )
    body = ingress("wild")
    body["spec"]["rules"][0]["host"] = "*.example.com"
    assert (await api.create(body))["spec"]["rules"][0]["host"] == "*.example.com"


async def test_class_annotation_must_agree(api: InProcessClient) -> None:
    body = ingress(ingressClassName="nginx")
    body["metadata"]["annotations"] = {"kubernetes.io/ingress.class": "traefik"}
    assert await invalid(api, body) == (
        'Ingress.networking.k8s.io "web" is invalid: annotations.kubernetes.io/ingress.class: '
        'Invalid value: "traefik": must match `ingressClassName` when both are specified'
    )


# -- NetworkPolicy -----------------------------------------------------------------------------


async def test_policy_types_default_from_the_rules(api: InProcessClient) -> None:
    ingress_only = await api.create(netpol())
    assert ingress_only["spec"]["policyTypes"] == ["Ingress"]
    assert ingress_only["metadata"]["generation"] == 1
    both = await api.create(netpol("egress", egress=[{"ports": [{"port": 53}]}]))
    assert both["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert both["spec"]["egress"][0]["ports"] == [{"port": 53, "protocol": "TCP"}]


async def test_policy_ports_and_peers(api: InProcessClient) -> None:
    spec = {
        "ingress": [
            {
                "ports": [{"port": 80, "endPort": 70}],
                "from": [{}, {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16"]}}],
            }
        ]
    }
    assert await invalid(api, netpol(**spec)) == (
        'NetworkPolicy.networking.k8s.io "deny" is invalid: [spec.ingress[0].ports[0].endPort: '
        "Invalid value: 80: must be greater than or equal to `port`, spec.ingress[0].from[0]: "
        "Required value: must specify a peer, spec.ingress[0].from[1].ipBlock.except[0]: "
        'Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`]'
    )


async def test_unknown_policy_type(api: InProcessClient) -> None:
    assert await invalid(api, netpol(policyTypes=["Sideways"])) == (
        'NetworkPolicy.networking.k8s.io "deny" is invalid: spec.policyTypes[0]: Unsupported '
        'value: "Sideways": supported values: "Ingress", "Egress"'
    )


# -- EndpointSlice -----------------------------------------------------------------------------


async def test_slice_defaults_and_generation(api: InProcessClient) -> None:
    created = await api.create(slice_())
    assert created["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]
    assert created["metadata"]["generation"] == 1
    moved = await api.patch(
        "endpointslices", "web-abc", {"endpoints": [{"addresses": ["10.0.0.2"]}]}
    )
    assert moved["metadata"]["generation"] == 2
    labelled = await api.patch("endpointslices", "web-abc", {"metadata": {"labels": {"a": "b"}}})
    assert labelled["metadata"]["generation"] == 3
    annotated = await api.patch(
        "endpointslices", "web-abc", {"metadata": {"annotations": {"a": "b"}}}
    )
    assert annotated["metadata"]["generation"] == 3


async def test_address_type_is_required_and_immutable(api: InProcessClient) -> None:
    assert await invalid(api, slice_(address_type=None)) == (
        'EndpointSlice.discovery.k8s.io "web-abc" is invalid: addressType: Required value'
    )
    assert await invalid(api, slice_(address_type="IP")) == (
        'EndpointSlice.discovery.k8s.io "web-abc" is invalid: addressType: Unsupported value: '
        '"IP": supported values: "FQDN", "IPv4", "IPv6"'
    )
    await api.create(slice_())
    with pytest.raises(Invalid) as info:
        await api.patch(
            "endpointslices",
            "web-abc",
            {"addressType": "FQDN", "endpoints": [{"addresses": ["web.example.com"]}]},
        )
    assert info.value.message == (
        'EndpointSlice.discovery.k8s.io "web-abc" is invalid: addressType: Invalid value: '
        '"FQDN": field is immutable'
    )


async def test_slice_addresses_match_their_type(api: InProcessClient) -> None:
    body = slice_(endpoints=[{"addresses": ["fe80::1", "127.0.0.1"]}, {"addresses": []}])
    assert await invalid(api, body) == (
        'EndpointSlice.discovery.k8s.io "web-abc" is invalid: [endpoints[0].addresses[0]: '
        'Invalid value: "fe80::1": must be a valid IPv4 address, endpoints[0].addresses[0]: '
        'Invalid value: "fe80::1": may not be in the link-local range (169.254.0.0/16, '
        'fe80::/10), endpoints[0].addresses[1]: Invalid value: "127.0.0.1": may not be in the '
        "loopback range (127.0.0.0/8, ::1/128), endpoints[1].addresses: Required value: must "
        "contain at least 1 address]"
    )


async def test_slice_ports_are_unique(api: InProcessClient) -> None:
    body = slice_(ports=[{"name": "http", "port": 80}, {"name": "http", "port": 81}])
    assert await invalid(api, body) == (
        'EndpointSlice.discovery.k8s.io "web-abc" is invalid: ports[1].name: Duplicate value: '
        '"http"'
    )


# -- Endpoints ---------------------------------------------------------------------------------


async def test_endpoints_defaults_and_create_on_update(api: InProcessClient) -> None:
    created = await api.update(endpoints())
    assert created["subsets"][0]["ports"] == [{"port": 80, "protocol": "TCP"}]


async def test_endpoint_subsets(api: InProcessClient) -> None:
    subsets = [
        {"ports": [{"port": 80}]},
        {"addresses": [{"ip": "0.0.0.0"}, {"ip": "nope"}], "ports": [{"port": 80}, {"port": 0}]},
    ]
    assert await invalid(api, endpoints(subsets=subsets)) == (
        'Endpoints "web" is invalid: [subsets[0]: Required value: must specify `addresses` or '
        '`notReadyAddresses`, subsets[1].addresses[0].ip: Invalid value: "0.0.0.0": may not be '
        'unspecified (0.0.0.0), subsets[1].addresses[1].ip: Invalid value: "nope": must be a '
        "valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff), subsets[1].addresses[1].ip: "
        'Invalid value: "nope": must be a valid IP address, subsets[1].ports[0].name: Required '
        "value, subsets[1].ports[1].name: Required value, subsets[1].ports[1].port: Invalid "
        "value: 0: must be between 1 and 65535, inclusive]"
    )
