"""The in-process client: the :class:`minikube_py.client.Client` protocol over the pipeline.

It builds the same :class:`~apiserver.endpoints.request.Request` the HTTP front builds and hands
it to :meth:`APIServer.handle`, so authorization, admission, defaulting, validation,
resourceVersion checks and watch notification all apply; only HTTP encoding is skipped.
Failures raise the StatusError subclass named by the Status the server answered with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from apiserver.endpoints import request as rq
from apiserver.endpoints.podlog import PodLogStream
from apiserver.endpoints.server import APIServer
from apiserver.endpoints.watch import WatchStream
from apiserver.registry.catalog import ResourceInfo
from minikube_py import objects
from minikube_py.client import PatchType
from minikube_py.errors import BadRequest, GroupResource, NotFound, from_status
from minikube_py.objects import Object

_PATCH_CONTENT_TYPES = {
    "json": rq.JSON_PATCH,
    "merge": rq.MERGE_PATCH,
    "strategic": rq.STRATEGIC_MERGE_PATCH,
    "apply": rq.APPLY_PATCH,
}


class InProcessClient:
    """A :class:`minikube_py.client.Client` bound to one user of one API server."""

    def __init__(
        self,
        server: APIServer,
        *,
        user: rq.UserInfo | None = None,
        user_agent: str = "minikube-py",
        field_manager: str = "",
    ) -> None:
        self.server = server
        self.user = user if user is not None else rq.UserInfo()
        self.user_agent = user_agent
        self.field_manager = field_manager

    # -- resolution ----------------------------------------------------------------------------

    def resource(self, name: str) -> ResourceInfo:
        """Resolve ``pods``, ``po``, ``Pod``, ``deployments.apps``... as kubectl does."""
        found = self.server.catalog.resolve(name)
        if not found:
            raise NotFound(GroupResource("", name), "")
        return found[0]

    def _for_object(self, obj: Object) -> ResourceInfo:
        if not isinstance(obj, dict):
            raise BadRequest("an object must be a JSON object")
        group, version = objects.split_api_version(str(obj.get("apiVersion", "")))
        kind = str(obj.get("kind", ""))
        info = self.server.catalog.for_kind(group, version, kind)
        if info is None:
            # a client-side failure (client-go's NoKindMatchError), not a 404 from the server
            raise BadRequest(
                f'no matches for kind "{kind}" in version "{obj.get("apiVersion", "")}"'
            )
        return info

    def _request(self, verb: str, info: ResourceInfo, **parts: Any) -> rq.Request:
        query: dict[str, str] = {}
        raw = parts.pop("query", None)
        if raw:
            for key, value in raw.items():
                if value not in (None, "", False):  # unset (0 == False: a zero limit too)
                    query[key] = "true" if value is True else str(value)
        if not info.namespaced:
            parts["namespace"] = ""
        return rq.Request(
            verb=verb,
            group=info.group,
            version=info.version,
            resource=info.resource,
            query=query,
            user=self.user,
            user_agent=self.user_agent,
            **parts,
        )

    async def _call(self, request: rq.Request) -> Any:
        response = await self.server.handle(request)
        if response.code >= 400:
            raise from_status(response.body)
        return response.body

    # -- verbs ---------------------------------------------------------------------------------

    async def get(
        self, resource: str, name: str, *, namespace: str = "", subresource: str = ""
    ) -> Object:
        info = self.resource(resource)
        return await self._call(
            self._request(
                "get",
                info,
                name=name,
                namespace=namespace or "default",
                subresource=subresource,
            )
        )

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
    ) -> Object:
        info = self.resource(resource)
        query = {
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "limit": limit or None,
            "continue": continue_token,
            "resourceVersion": resource_version,
        }
        return await self._call(self._request("list", info, namespace=namespace, query=query))

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
        """Create ``obj``; with ``subresource``, post it to a subresource of the object
        ``resource``/``name`` (``name`` defaults to ``obj``'s), as the scheduler binds a pod:
        ``create(binding, resource="pods", subresource="binding")``. Subresources answer a
        ``Success`` Status."""
        if not isinstance(obj, dict):
            raise BadRequest("an object must be a JSON object")
        metadata = obj.get("metadata") or {}
        namespace = namespace or metadata.get("namespace") or "default"
        if subresource:
            if not resource:
                raise BadRequest("creating a subresource needs the resource of its parent")
            info = self.resource(resource)
            parts: dict[str, Any] = {
                "name": name or metadata.get("name", ""),
                "subresource": subresource,
            }
        else:
            info = self.resource(resource) if resource else self._for_object(obj)
            parts = {}
        request = self._request(
            "create",
            info,
            namespace=namespace,
            body=obj,
            query={"dryRun": "All" if dry_run else None, "fieldManager": self.field_manager},
            **parts,
        )
        return await self._call(request)

    async def bind(
        self, name: str, node: str, *, namespace: str = "", dry_run: bool = False
    ) -> Object:
        """Bind a pod to a node through ``pods/binding``, as kube-scheduler does."""
        namespace = namespace or "default"
        binding = {
            "apiVersion": "v1",
            "kind": "Binding",
            "metadata": {"name": name, "namespace": namespace},
            "target": {"apiVersion": "v1", "kind": "Node", "name": node},
        }
        return await self.create(
            binding, namespace=namespace, dry_run=dry_run, resource="pods", subresource="binding"
        )

    async def evict(
        self,
        name: str,
        *,
        namespace: str = "",
        grace_period_seconds: int | None = None,
        dry_run: bool = False,
    ) -> Object:
        """Evict a pod through ``pods/eviction`` (``policy/v1 Eviction``), as ``kubectl drain``
        does: refused with ``TooManyRequests`` while a PodDisruptionBudget forbids it."""
        namespace = namespace or "default"
        eviction: dict[str, Any] = {
            "apiVersion": "policy/v1",
            "kind": "Eviction",
            "metadata": {"name": name, "namespace": namespace},
        }
        if grace_period_seconds is not None:
            eviction["deleteOptions"] = {"gracePeriodSeconds": grace_period_seconds}
        return await self.create(
            eviction,
            namespace=namespace,
            dry_run=dry_run,
            resource="pods",
            subresource="eviction",
        )

    async def update(self, obj: Object, *, subresource: str = "", dry_run: bool = False) -> Object:
        info = self._for_object(obj)
        metadata = obj.get("metadata") or {}
        request = self._request(
            "update",
            info,
            namespace=metadata.get("namespace") or "default",
            name=metadata.get("name", ""),
            subresource=subresource,
            body=obj,
            query={"dryRun": "All" if dry_run else None, "fieldManager": self.field_manager},
        )
        return await self._call(request)

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
    ) -> Object:
        info = self.resource(resource)
        request = self._request(
            "patch",
            info,
            namespace=namespace or "default",
            name=name,
            subresource=subresource,
            body=objects.deep_copy(patch),
            content_type=_PATCH_CONTENT_TYPES[patch_type],
            query={
                "dryRun": "All" if dry_run else None,
                "fieldManager": self.field_manager,
                "force": force,
            },
        )
        return await self._call(request)

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
    ) -> Object:
        info = self.resource(resource)
        body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if grace_period_seconds is not None:
            body["gracePeriodSeconds"] = grace_period_seconds
        if propagation_policy is not None:
            body["propagationPolicy"] = propagation_policy
        if preconditions:
            body["preconditions"] = dict(preconditions)
        if dry_run:
            body["dryRun"] = ["All"]
        request = self._request(
            "delete", info, namespace=namespace or "default", name=name, body=body
        )
        return await self._call(request)

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
        """A container's log so far (``GET .../pods/NAME/log``), as ``kubectl logs`` prints it."""
        stream = await self._log_stream(
            name,
            namespace=namespace,
            container=container,
            follow=False,
            previous=previous,
            timestamps=timestamps,
            tail_lines=tail_lines,
            since_seconds=since_seconds,
            limit_bytes=limit_bytes,
        )
        return (await stream.read()).decode("utf-8", errors="replace")

    async def follow_logs(
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
        """``kubectl logs -f``: chunks of whole lines as the container writes them, until it
        ends or the caller stops iterating. Refusals raise at the first iteration."""
        stream = await self._log_stream(
            name,
            namespace=namespace,
            container=container,
            follow=True,
            previous=False,
            timestamps=timestamps,
            tail_lines=tail_lines,
            since_seconds=since_seconds,
            limit_bytes=limit_bytes,
        )
        chunks = stream.chunks
        if chunks is None:
            return
        try:
            async for chunk in chunks:
                yield chunk.decode("utf-8", errors="replace")
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()

    async def _log_stream(
        self, name: str, *, namespace: str, follow: bool, **options: Any
    ) -> PodLogStream:
        query = {
            "container": options["container"],
            "follow": follow,
            "previous": options["previous"],
            "timestamps": options["timestamps"],
            "tailLines": options["tail_lines"],
            "sinceSeconds": options["since_seconds"],
            "limitBytes": options["limit_bytes"],
        }
        request = self._request(
            "get",
            self.resource("pods"),
            namespace=namespace or "default",
            name=name,
            subresource="log",
            query=query,
        )
        stream = await self._call(request)
        assert isinstance(stream, PodLogStream)
        return stream

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
    ) -> WatchStream:
        info = self.resource(resource)
        query = {
            "watch": True,
            "resourceVersion": resource_version,
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
            "allowWatchBookmarks": allow_bookmarks,
            "timeoutSeconds": timeout_seconds,
        }
        return self.server.watch(
            self._request("watch", info, namespace=namespace, name=name, query=query),
            shared=shared_objects,
        )
