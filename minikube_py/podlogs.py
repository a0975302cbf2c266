"""Container logs: the contract between the API server's ``pods/log`` and the nodes that run pods.

On a real cluster kube-apiserver answers ``GET .../pods/NAME/log`` by proxying to the kubelet of
the pod's node, which reads the container runtime's log files. Here the API server (which may not
import ``controllers``) validates the request against the Pod -- the container name, defaulting
to the only container -- and then asks a :class:`LogSource` that the cluster assembly plugs in;
the simulated kubelets implement it. The source raises a
:class:`~minikube_py.errors.StatusError` with the kubelet's own message when the logs cannot be
read (``container "c" in pod "p" is waiting to start: ContainerCreating`` is a ``BadRequest``).

:class:`LogOptions` carries the query parameters of ``PodLogOptions`` (``follow``, ``previous``,
``timestamps``, ``tailLines``, ``sinceSeconds``, ``limitBytes``). With ``follow`` the iterator
stays open and yields new lines as the container writes them, ending when the container
terminates or the caller stops reading.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

import msgspec

from minikube_py.errors import BadRequest
from minikube_py.field import go_quote
from minikube_py.objects import Object


class LogOptions(msgspec.Struct, frozen=True, kw_only=True):
    """``PodLogOptions``, already validated (the container is resolved)."""

    container: str
    follow: bool = False
    previous: bool = False
    timestamps: bool = False
    tail_lines: int | None = None
    since_seconds: int | None = None
    limit_bytes: int | None = None


class LogSource(Protocol):
    def logs(self, pod: Object, options: LogOptions) -> AsyncIterator[bytes]:
        """The container's log, as chunks of whole lines (each ending with ``\\n``)."""
        ...


def check_container_log_status(pod: Object, container: str, *, previous: bool = False) -> None:
    """Refuse as a kubelet does a container whose log cannot be read yet
    (``validateContainerLogStatus``); return when it has one."""
    status = pod.get("status") or {}
    name, pod_name = go_quote(container), go_quote(pod["metadata"]["name"])
    found = None
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for candidate in status.get(key) or ():
            if isinstance(candidate, dict) and candidate.get("name") == container:
                found = candidate
                break
        if found is not None:
            break
    if found is None:
        # nothing reported yet: the kubelet is still creating it
        raise BadRequest(
            f"container {name} in pod {pod_name} is waiting to start: ContainerCreating"
        )
    state = found.get("state") or {}
    last = (found.get("lastState") or {}).get("terminated")
    waiting, running, terminated = (
        state.get("waiting"),
        state.get("running"),
        state.get("terminated"),
    )
    if previous:
        if not last or not last.get("containerID"):
            raise BadRequest(f"previous terminated container {name} in pod {pod_name} not found")
        return
    if running is not None:
        return
    if terminated is not None:
        if terminated.get("containerID") or (last and last.get("containerID")):
            return
        raise BadRequest(f"container {name} in pod {pod_name} is terminated")
    if last is not None:
        if last.get("containerID"):
            return
        raise BadRequest(f"container {name} in pod {pod_name} is terminated")
    if waiting is not None:
        reason = waiting.get("reason") or ""
        if reason == "ErrImagePull":
            reason = "image can't be pulled"
        elif reason == "ImagePullBackOff":
            reason = "trying and failing to pull image"
        raise BadRequest(f"container {name} in pod {pod_name} is waiting to start: {reason}")
    raise BadRequest(f"container {name} in pod {pod_name} is waiting to start - no logs yet")
