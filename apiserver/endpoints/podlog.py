"""``GET .../pods/NAME/log``: validate against the Pod, then read from the node's log source.

Upstream (``pkg/registry/core/pod/rest/log.go`` and ``LogLocation`` in
``pkg/registry/core/pod/strategy.go``) validates the ``PodLogOptions`` (422 ``Invalid`` for a
negative ``tailLines``, a ``limitBytes`` or ``sinceSeconds`` below 1, or both ``sinceSeconds``
and ``sinceTime``), resolves the container -- the only one when none is named (400 ``a container
name must be specified for pod P, choose one of: [a b] or one of the init containers: [i]``
otherwise), a named one must exist (400 ``container c is not valid for pod p``) -- and proxies
to the kubelet of the pod's node. A pod not yet on a node has no log location: the answer is an
empty ``204``. The ``kubectl.kubernetes.io/default-container`` annotation is kubectl's business
(it names the container before asking), not the server's.

Here the kubelet is a :class:`~minikube_py.podlogs.LogSource` the cluster assembly plugs into
:class:`~apiserver.endpoints.server.APIServer` (``log_source``). Without one, the answer is the
one a kubelet gives for a container it has no log for (``pkg/kubelet/kubelet_pods.go``,
``validateContainerLogStatus``) read from the pod's status: ``container "c" in pod "p" is
waiting to start: ContainerCreating`` (400) while it waits, an empty log once it runs.

The answer is a :class:`PodLogStream`, not a JSON body: the HTTP edge sends its chunks as they
come (``kubectl logs -f``) as ``text/plain``; the in-process client joins or iterates them.
Query parameters are decoded as upstream's parameter codec does: a boolean is true unless it is
``0`` or ``false`` (any case); integers as ``strconv.ParseInt``.
"""

from __future__ import annotations

import math
import re
from collections.abc import AsyncIterator
from datetime import datetime
from typing import TYPE_CHECKING

from apiserver.endpoints import request as rq
from apiserver.registry.store import RegistryStore
from minikube_py import field
from minikube_py.clock import parse_time
from minikube_py.errors import BadRequest, GroupKind, Invalid
from minikube_py.field import FieldError, go_quote
from minikube_py.objects import Object
from minikube_py.podlogs import LogOptions, check_container_log_status

if TYPE_CHECKING:
    from apiserver.endpoints.server import APIServer

_NEGATIVE = "must be greater than or equal to 0"
_NOT_POSITIVE = "must be greater than 0"
_GO_INT = re.compile(r"[+-]?[0-9]+")


class PodLogStream:
    """A container's log as it is read: ``chunks`` (None: no log location, an empty 204)."""

    content_type = "text/plain"

    def __init__(self, chunks: AsyncIterator[bytes] | None, *, follow: bool = False) -> None:
        self.chunks = chunks
        self.follow = follow

    async def read(self) -> bytes:
        """The whole log (up to the end of the source's iterator)."""
        if self.chunks is None:
            return b""
        return b"".join([chunk async for chunk in self.chunks])


async def pod_log(server: APIServer, request: rq.Request, store: RegistryStore) -> PodLogStream:
    """Serve ``pods/log``: options, Pod, container, then the log source."""
    query = request.query
    tail_lines = _int64(query, "tailLines")
    limit_bytes = _int64(query, "limitBytes")
    since_seconds = _int64(query, "sinceSeconds")
    since_time = query.get("sinceTime") or None
    errors: list[FieldError] = []
    if tail_lines is not None and tail_lines < 0:
        errors.append(field.invalid("tailLines", tail_lines, _NEGATIVE))
    if limit_bytes is not None and limit_bytes < 1:
        errors.append(field.invalid("limitBytes", limit_bytes, _NOT_POSITIVE))
    if since_seconds is not None and since_time is not None:
        errors.append(
            field.forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified")
        )
    elif since_seconds is not None and since_seconds < 1:
        errors.append(field.invalid("sinceSeconds", since_seconds, _NOT_POSITIVE))
    if errors:
        raise Invalid(GroupKind("", "PodLogOptions"), request.name, errors)
    if since_time is not None:
        since_seconds = _seconds_since(since_time, server.clock.now())

    pod = store.get(request.namespace, request.name)
    container = _container(pod, request.name, query.get("container", ""))
    if not (pod.get("spec") or {}).get("nodeName"):
        return PodLogStream(None)
    options = LogOptions(
        container=container,
        follow=_bool(query, "follow"),
        previous=_bool(query, "previous"),
        timestamps=_bool(query, "timestamps"),
        tail_lines=tail_lines,
        since_seconds=since_seconds,
        limit_bytes=limit_bytes,
    )
    source = server.log_source
    if source is None:
        check_container_log_status(pod, container, previous=options.previous)
        return PodLogStream(_empty(), follow=options.follow)
    return PodLogStream(source.logs(pod, options), follow=options.follow)


def _container(pod: Object, name: str, container: str) -> str:
    """``LogLocation``'s container resolution."""
    spec = pod.get("spec") or {}
    containers = [c.get("name", "") for c in spec.get("containers") or ()]
    init = [c.get("name", "") for c in spec.get("initContainers") or ()]
    ephemeral = [c.get("name", "") for c in spec.get("ephemeralContainers") or ()]
    if not container:
        if len(containers) == 1:
            return containers[0]
        if not containers:
            raise BadRequest(f"a container name must be specified for pod {name}")
        message = (
            f"a container name must be specified for pod {name}, choose one of: "
            f"[{' '.join(containers)}]"
        )
        if init:
            message += f" or one of the init containers: [{' '.join(init)}]"
        raise BadRequest(message)
    if container not in (*containers, *init, *ephemeral):
        raise BadRequest(f"container {container} is not valid for pod {name}")
    return container


async def _empty() -> AsyncIterator[bytes]:
    return
    yield b""  # pragma: no cover - makes this an async generator


def _bool(query: dict[str, str], name: str) -> bool:
    """``Convert_Slice_string_To_bool``: present and not ``0``/``false`` means true."""
    if name not in query:
        return False
    value = query[name]
    return not (value == "0" or value.lower() == "false")


def _int64(query: dict[str, str], name: str) -> int | None:
    value = query.get(name)
    if value is None:
        return None
    if _GO_INT.fullmatch(value) is None:
        raise BadRequest(f"strconv.ParseInt: parsing {go_quote(value)}: invalid syntax")
    number = int(value, 10)
    if not -(2**63) <= number < 2**63:
        raise BadRequest(f"strconv.ParseInt: parsing {go_quote(value)}: value out of range")
    return number


def _seconds_since(since_time: str, now: datetime) -> int:
    """``sinceTime`` as the whole seconds (at least 1) a source's ``since_seconds`` takes."""
    try:
        moment = parse_time(since_time)
    except ValueError:
        raise BadRequest(
            f'parsing time {go_quote(since_time)} as "2006-01-02T15:04:05Z07:00": cannot parse'
        ) from None
    return max(1, math.ceil((now - moment).total_seconds()))


__all__ = ["PodLogStream", "check_container_log_status", "pod_log"]
