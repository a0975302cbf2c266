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
