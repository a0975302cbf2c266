"""The collector's API calls: get, delete, patch owner references, remove a finalizer.

Upstream ``pkg/controller/garbagecollector/operations.go`` and ``patch.go``. Every write is
conditional: deletes carry a uid precondition (and a resourceVersion one, relaxed when only
unrelated fields moved, as upstream's ``deleteObject`` does); owner-reference patches are
JSON merge patches carrying ``metadata.resourceVersion`` (upstream's fallback
``deleteOwnerRefJSONMergePatch`` / ``unblockOwnerReferencesJSONMergePatch``; it tries a
strategic merge patch first, which needs no read). A conflict surfaces as an API error and the
worker retries with backoff.
"""

from __future__ import annotations

from collections.abc import Callable

from controllers.garbagecollector.graph import ObjectReference, OwnerReference
from controllers.garbagecollector.restmapper import APIResource, RESTMapper
from minikube_py.client import Client
from minikube_py.errors import Conflict, NotFound
from minikube_py.objects import Object


class Operations:
    def __init__(self, client: Client, mapper: RESTMapper) -> None:
        self.client = client
        self.mapper = mapper

    def api_resource(self, api_version: str, kind: str) -> APIResource:
        """``apiResource``."""
        return self.mapper.resource_for(api_version, kind)

    async def get_object(self, item: ObjectReference) -> Object:
        """``getObject``: the live object (a ``NotFound`` when it is not there)."""
        resource = self.api_resource(item.api_version, item.kind)
        return await self.client.get(
            resource.client_name, item.name, namespace=_namespace(resource, item.namespace)
        )

    async def delete_object(
        self,
        item: ObjectReference,
        resource_version: str,
        owners_at_resource_version: list[OwnerReference],
        policy: str,
    ) -> None:
        """``deleteObject``: delete ``item`` if it is still the object the decision was made
        on; when only fields other than its owner references changed, decide again at once."""
        resource = self.api_resource(item.api_version, item.kind)
        namespace = _namespace(resource, item.namespace)
        preconditions = {"uid": item.uid}
        if resource_version:
            preconditions["resourceVersion"] = resource_version
        try:
            await self.client.delete(
                resource.client_name,
                item.name,
                namespace=namespace,
                propagation_policy=policy,
                preconditions=preconditions,
            )
        except Conflict:
            if not resource_version:
                raise
            try:
                live = await self.client.get(resource.client_name, item.name, namespace=namespace)
            except NotFound:
                return  # what we wanted to delete is gone
            live_meta = live.get("metadata") or {}
            if (
                live_meta.get("uid") == item.uid
                and live_meta.get("resourceVersion") != resource_version
                and (live_meta.get("ownerReferences") or []) == owners_at_resource_version
            ):
                await self.delete_object(
                    item, live_meta["resourceVersion"], owners_at_resource_version, policy
                )
                return
            raise

    async def patch_owner_references(
        self,
        item: ObjectReference,
        compute: Callable[[list[OwnerReference]], list[OwnerReference]],
    ) -> Object | None:
        """Rewrite ``item``'s owner references with ``compute`` (a JSON merge patch at the
        resourceVersion read); None when the object is gone."""
        resource = self.api_resource(item.api_version, item.kind)
        namespace = _namespace(resource, item.namespace)
        try:
            live = await self.client.get(resource.client_name, item.name, namespace=namespace)
        except NotFound:
            return None
        metadata = live.get("metadata") or {}
        if metadata.get("uid") != item.uid:
            return None  # another object of the same name: ours is gone
        refs = list(metadata.get("ownerReferences") or ())
        wanted = compute(refs)
        if wanted == refs:
            return live
        patch = {
            "metadata": {
                "ownerReferences": wanted or None,
                "uid": item.uid,
                "resourceVersion": metadata.get("resourceVersion"),
            }
        }
        try:
            return await self.client.patch(
                resource.client_name, item.name, patch, namespace=namespace, patch_type="merge"
            )
        except NotFound:
            return None

    async def delete_owner_references(self, item: ObjectReference, uids: list[str]) -> None:
        """``deleteOwnerRefJSONMergePatch``: drop the references to ``uids``."""
        drop = set(uids)
        await self.patch_owner_references(
            item, lambda refs: [r for r in refs if r.get("uid") not in drop]
        )

    async def unblock_owner_references(self, item: ObjectReference) -> None:
        """``unblockOwnerReferencesJSONMergePatch``: every ``blockOwnerDeletion`` false."""
        await self.patch_owner_references(
            item,
            lambda refs: [
                {**r, "blockOwnerDeletion": False} if r.get("blockOwnerDeletion") else r
                for r in refs
            ],
        )

    async def remove_finalizer(self, owner: ObjectReference, finalizer: str) -> None:
        """``removeFinalizer``: read, drop ``finalizer``, patch at that resourceVersion; again
        on conflict (``retry.RetryOnConflict``)."""
        resource = self.api_resource(owner.api_version, owner.kind)
        namespace = _namespace(resource, owner.namespace)
        for attempt in range(5):
            try:
                live = await self.client.get(resource.client_name, owner.name, namespace=namespace)
            except NotFound:
                return
            metadata = live.get("metadata") or {}
            if metadata.get("uid") != owner.uid:
                return
            finalizers = list(metadata.get("finalizers") or ())
            if finalizer not in finalizers:
                return
            kept = [f for f in finalizers if f != finalizer]
            patch = {
                "metadata": {
                    "finalizers": kept or None,
                    "resourceVersion": metadata.get("resourceVersion"),
                }
            }
            try:
                await self.client.patch(
                    resource.client_name, owner.name, patch, namespace=namespace
                )
                return
            except NotFound:
                return
            except Conflict:
                if attempt == 4:
                    raise


def _namespace(resource: APIResource, namespace: str) -> str:
    """``resourceDefaultNamespace``: cluster-scoped objects have none."""
    return namespace if resource.namespaced else ""
