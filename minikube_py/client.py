"""The ``Client`` protocol: how controllers, kubelets, fixtures and scripts talk to a cluster.

Controllers depend on this protocol only (never on ``apiserver``), so the same controller runs
against the in-process client or, one day, over HTTP. Objects are plain dicts; every call
returns a fresh copy the caller may change; failures raise the
:class:`~minikube_py.errors.StatusError` subclass the server's ``Status`` names (``NotFound``,
``Conflict``, ``Invalid``...).

Resources are named as ``kubectl`` names them: a plural (``pods``), a short name (``deploy``), a
kind (``Deployment``), optionally qualified by group (``deployments.apps``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Literal, Protocol

from minikube_py.objects import Object

PatchType = Literal["json", "merge", "strategic", "apply"]


class WatchEvents(Protocol):
    """An open watch: iterate it for ``{"type", "object"}`` events; close it when done."""

    def __aiter__(self) -> AsyncIterator[dict[str, Any]]: ...

    async def __anext__(self) -> dict[str, Any]: ...

    def close(self) -> None: ...

    async def __aenter__(self) -> WatchEvents: ...

    async def __aexit__(self, *exc_info: object) -> None: ...


class Client(Protocol):
    async def get(
        self, resource: str, name: str, *, namespace: str = "", subresource: str = ""
    ) -> Object: ...

    async def list(
        self,
        resource: str,
        *,
        namespace: str = "",
        label_selector: str = "",
        field_selector: str = "",
        limit: int = 0,
        continue_token: str = "",
        resource_version: str = "",
    ) -> Object: ...

    async def create(
        self,
        obj: Object,
        *,
        namespace: str = "",
        dry_run: bool = False,
        resource: str = "",
        name: str = "",
        subresource: str = "",
    ) -> Object:
        """Create ``obj``. With ``subresource`` (``binding``, ``eviction``), post ``obj`` to that
        subresource of the object named by ``resource`` and ``name`` (``name`` defaults to
        ``obj``'s own); the answer is then a ``Success`` Status."""
        ...

    async def bind(
        self, name: str, node: str, *, namespace: str = "", dry_run: bool = False
    ) -> Object:
        """Bind pod ``name`` to ``node`` (``pods/binding``)."""
        ...

    async def evict(
        self,
        name: str,
        *,
        namespace: str = "",
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> Object:
        """Evict pod ``name`` (``pods/eviction``), honouring PodDisruptionBudgets."""
        ...

    async def update(
        self, obj: Object, *, subresource: str = "", dry_run: bool = False
    ) -> Object: ...

    async def patch(
        self,
        resource: str,
        name: str,
        patch: Any,
        *,
        namespace: str = "",
        patch_type: PatchType = "merge",
        subresource: str = "",
        dry_run: bool = False,
        force: bool = False,
    ) -> Object: ...

    async def delete(
        self,
        resource: str,
        name: str,
        *,
        namespace: str = "",
        grace_period_seconds: int | None = None,
        propagation_policy: str | None = None,
        preconditions: dict[str, str] | None = None,
        dry_run: bool = False,
    ) -> Object: ...

    async def logs(
        self,
        name: str,
        *,
        namespace: str = "",
        container: str = "",
        previous: bool = False,
        timestamps: bool = False,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        limit_bytes: int | None = None,
    ) -> str:
        """A container's log so far (``pods/log``); the container defaults to the pod's only
        one."""
        ...

    def follow_logs(
        self,
        name: str,
        *,
        namespace: str = "",
        container: str = "",
        timestamps: bool = False,
        tail_lines: int | None = None,
        since_seconds: int | None = None,
        limit_bytes: int | None = None,
    ) -> AsyncIterator[str]:
        """``kubectl logs -f``: the log as it is written, until the container ends or the
        caller stops iterating."""
        ...

    def watch(
        self,
        resource: str,
        *,
        namespace: str = "",
        name: str = "",
        resource_version: str = "",
        label_selector: str = "",
        field_selector: str = "",
        allow_bookmarks: bool = False,
        timeout_seconds: int | None = None,
        shared_objects: bool = False,
    ) -> WatchEvents:
        """Watch a resource. ``shared_objects``: the caller will not change the objects it
        receives (an informer's cache is read-only), so a client may hand every such watcher
        of the process the same decoded object instead of a copy each; clients that cannot
        share ignore it."""
        ...
