"""More of ``ValidatePodSpec`` (``pkg/apis/core/validation/validation.go``): container names,
ports, resources and volume mounts, and the pod's volumes -- the mistakes people make in
manifests, refused with upstream's field paths and messages.

Covered: container names are DNS-1123 labels (unique across containers and init containers);
``containerPort`` / ``hostPort`` in 1..65535 and ``protocol`` one of SCTP, TCP, UDP; each
resource request at most its limit (equal to it for extended resources, which cannot be
overcommitted); volume names are DNS-1123 labels and unique; a volume mount names a volume of
the pod and has a ``mountPath``. Not covered (yet): volume sources, env var names and sources,
security contexts, lifecycle handlers, resource names, and the many rules beyond these.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from minikube_py import field
from minikube_py.field import FieldError
from minikube_py.names import is_dns1123_label, is_dns1123_label_ok
from minikube_py.quantity import canonical_quantity, parse_quantity

_PROTOCOLS = ["SCTP", "TCP", "UDP"]
_RANGE = "must be between 1 and 65535, inclusive"
_PROTOCOL_SET = frozenset({None, *_PROTOCOLS})
_STANDARD_RESOURCES = frozenset({"cpu", "memory", "ephemeral-storage", "storage"})


def validate_volumes(volumes: Any, path: str) -> tuple[set[str], list[FieldError]]:
    """``ValidateVolumes`` (names only): the volume names, and the errors."""
    names: set[str] = set()
    errors: list[FieldError] = []
    if not isinstance(volumes, list):
        return names, errors
    for i, volume in enumerate(volumes):
        if not isinstance(volume, dict):
            continue
        name = volume.get("name")
        if not name:
            errors.append(field.required(field.child(field.index(path, i), "name"), ""))
            continue
        if not isinstance(name, str):
            continue
        if not is_dns1123_label_ok(name):  # (generated names: kept out of the names memo)
            name_path = field.child(field.index(path, i), "name")
            errors.extend(field.invalid(name_path, name, m) for m in is_dns1123_label(name))
        if name in names:
            errors.append(field.duplicate(field.child(field.index(path, i), "name"), name))
        names.add(name)
    return names, errors


def is_dns1123_label_ok_cached(value: str) -> bool:
    """Container names repeat (every pod of a template): the memoised check."""
    return not is_dns1123_label(value)


def container_is_sound(container: dict[str, Any], volumes: set[str]) -> bool:
    """The usual answer of :func:`validate_container` (nothing wrong), in one pass without
    building anything: every create of a pod passes here."""
    name = container.get("name")
    if type(name) is str and name and not is_dns1123_label_ok_cached(name):
        return False
    for port in container.get("ports") or ():
        if type(port) is not dict:
            continue
        number = port.get("containerPort")
        if type(number) is not int or not 0 < number < 65536:
            return False
        host = port.get("hostPort")
        if host is not None and (type(host) is not int or not 0 <= host < 65536):
            return False
        if port.get("protocol") not in _PROTOCOL_SET:
            return False
    resources = container.get("resources")
    if resources:
        requests, limits = resources.get("requests"), resources.get("limits")
        if requests and limits and type(requests) is dict and type(limits) is dict:
            for resource, request in requests.items():
                limit = limits.get(resource)
                if limit is None or request == limit:
                    continue
                if type(request) is not str or type(limit) is not str:
                    return False  # numbers: the full check decides
                if _request_problem(resource, request, limit) is not None:
                    return False
    for mount in container.get("volumeMounts") or ():
        if type(mount) is dict and (mount.get("name") not in volumes or not mount.get("mountPath")):
            return False
    return True


def validate_container(
    container: dict[str, Any], path: Callable[[], str], volumes: set[str]
) -> list[FieldError]:
    """Name syntax, ports, resources and volume mounts of one container; ``path`` makes its
    field path, called only when there is something to report (every create passes here)."""
    if container_is_sound(container, volumes):
        return []
    errors: list[FieldError] = []
    name = container.get("name")
    if isinstance(name, str) and name:
        messages = is_dns1123_label(name)
        if messages:
            errors.extend(field.invalid(field.child(path(), "name"), name, m) for m in messages)
    ports = container.get("ports")
    if ports:
        errors.extend(_ports(ports, lambda: field.child(path(), "ports")))
    resources = container.get("resources")
    if resources:
        errors.extend(_resources(resources, lambda: field.child(path(), "resources")))
    mounts = container.get("volumeMounts")
    if mounts:
        errors.extend(_volume_mounts(mounts, lambda: field.child(path(), "volumeMounts"), volumes))
    return errors


def _port_ok(value: Any, *, zero_ok: bool) -> bool:
    if not isinstance(value, int) or isinstance(value, bool):
        return True  # not a number: the schema check reports it
    return (zero_ok and value == 0) or 1 <= value <= 65535


def _ports(ports: Any, path: Callable[[], str]) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, port in enumerate(ports if isinstance(ports, list) else ()):
        if not isinstance(port, dict):
            continue
        container_port, host_port = port.get("containerPort"), port.get("hostPort")
        protocol = port.get("protocol")
        if (
            container_port is not None
            and _port_ok(container_port, zero_ok=False)
            and _port_ok(host_port, zero_ok=True)
            and protocol in (None, *_PROTOCOLS)
        ):
            continue  # the usual case: no paths to build
        at = field.index(path(), i)
        if container_port is None:
            errors.append(field.required(field.child(at, "containerPort"), ""))
        elif not _port_ok(container_port, zero_ok=False):
            errors.append(field.invalid(field.child(at, "containerPort"), container_port, _RANGE))
        if not _port_ok(host_port, zero_ok=True):
            errors.append(field.invalid(field.child(at, "hostPort"), host_port, _RANGE))
        if protocol not in (None, *_PROTOCOLS):
            errors.append(field.not_supported(field.child(at, "protocol"), protocol, _PROTOCOLS))
    return errors


def _resources(resources: Any, path: Callable[[], str]) -> list[FieldError]:
    """``ValidateResourceRequirements``: each request at most its limit."""
    if not isinstance(resources, dict):
        return []
    requests, limits = resources.get("requests"), resources.get("limits")
    if not isinstance(requests, dict) or not isinstance(limits, dict):
        return []
    errors: list[FieldError] = []
    for resource in sorted(requests):
        limit = limits.get(resource)
        request = requests[resource]
        if limit is None or request == limit:
            continue  # the usual cases (or none at all)
        if isinstance(request, str) and isinstance(limit, str):
            problem = _request_problem(resource, request, limit)
        else:
            problem = _request_problem.__wrapped__(resource, request, limit)
        if problem is not None:
            shown, message = problem
            errors.append(field.invalid(field.child(path(), "requests"), shown, message))
    return errors


@lru_cache(maxsize=1024)
def _request_problem(resource: str, request: Any, limit: Any) -> tuple[str, str] | None:
    """What is wrong with ``request`` against ``limit`` (the shown request and the message),
    or None; remembered, as a ReplicaSet's pods all carry the same few pairs."""
    wanted, allowed = parse_quantity(request), parse_quantity(limit)
    if wanted is None or allowed is None:
        return None  # malformed quantities are the schema check's to report
    overcommit = resource in _STANDARD_RESOURCES or resource.startswith("hugepages-")
    if not overcommit and wanted != allowed:
        rule = "must be equal to"
    elif wanted > allowed:
        rule = "must be less than or equal to"
    else:
        return None
    message = f"{rule} {resource} limit of {canonical_quantity(limit)}"
    return canonical_quantity(request), message


def _volume_mounts(mounts: Any, path: Callable[[], str], volumes: set[str]) -> list[FieldError]:
    errors: list[FieldError] = []
    for i, mount in enumerate(mounts if isinstance(mounts, list) else ()):
        if not isinstance(mount, dict):
            continue
        name = mount.get("name")
        if name and name in volumes and mount.get("mountPath"):
            continue
        at = field.index(path(), i)
        if not name:
            errors.append(field.required(field.child(at, "name"), ""))
        elif name not in volumes:
            errors.append(field.not_found(field.child(at, "name"), name))
        if not mount.get("mountPath"):
            errors.append(field.required(field.child(at, "mountPath"), ""))
    return errors
