"""Deleting everything in a terminating namespace, then finalizing it.

Upstream ``pkg/controller/namespace/deletion/namespaced_resources_deleter.go``.
:meth:`NamespacedResourcesDeleter.delete` is upstream's ``Delete``: read the namespace; if it is
being deleted, make sure its phase is ``Terminating``; delete every object of every namespaced
resource in it (:meth:`delete_all_content`, each object with ``propagationPolicy:
Background``); report progress in the namespace's conditions; and when nothing is left, remove
the ``kubernetes`` token from ``spec.finalizers`` through the ``finalize`` subresource (the API
server then deletes the namespace once no finalizer of either kind remains).

What remains decides when to look again, as upstream: pods still terminating -> their longest
grace period (counted from the namespace's deletion); objects held by finalizers -> 15 s
(``finalizerEstimateSeconds``). A positive estimate is :class:`ResourcesRemainingError`.

Differences: our Client has no ``deletecollection`` and no discovery, so objects are listed and
deleted one by one (upstream's fallback ``deleteEachItem``) and the resources are a list given
to the deleter; a resource the server does not serve (404 or 405 on list) is skipped, as
upstream's operation cache skips it. The discovery and group-version conditions therefore
always read "ok".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from controllers.namespace.status_condition_utils import (
    AllGVRDeletionMetadata,
    NamespaceConditionUpdater,
)
from minikube_py import objects
from minikube_py.client import Client
from minikube_py.clock import ClusterClock, parse_time
from minikube_py.errors import Conflict, GroupResource, MethodNotSupported, NotFound, StatusError
from minikube_py.objects import Object

log = logging.getLogger(__name__)

#: the finalizer token of the namespace controller in ``spec.finalizers``
FINALIZER_KUBERNETES = "kubernetes"
#: assumed time for finalizers on remaining items to complete (``finalizerEstimateSeconds``)
FINALIZER_ESTIMATE_SECONDS = 15

#: Every namespaced built-in resource the server serves.
DEFAULT_NAMESPACED_RESOURCES: tuple[GroupResource, ...] = (
    GroupResource("", "pods"),
    GroupResource("", "services"),
    GroupResource("", "endpoints"),
    GroupResource("", "configmaps"),
    GroupResource("", "secrets"),
    GroupResource("", "serviceaccounts"),
    GroupResource("", "events"),
    GroupResource("", "persistentvolumeclaims"),
    GroupResource("", "resourcequotas"),
    GroupResource("", "limitranges"),
    GroupResource("apps", "deployments"),
    GroupResource("apps", "replicasets"),
    GroupResource("apps", "statefulsets"),
    GroupResource("apps", "daemonsets"),
    GroupResource("apps", "controllerrevisions"),
    GroupResource("batch", "jobs"),
    GroupResource("batch", "cronjobs"),
    GroupResource("coordination.k8s.io", "leases"),
    GroupResource("events.k8s.io", "events"),
    GroupResource("discovery.k8s.io", "endpointslices"),
    GroupResource("policy", "poddisruptionbudgets"),
    GroupResource("networking.k8s.io", "networkpolicies"),
    GroupResource("networking.k8s.io", "ingresses"),
    GroupResource("rbac.authorization.k8s.io", "roles"),
    GroupResource("rbac.authorization.k8s.io", "rolebindings"),
)

#: Where the resource list comes from: a list, or a coroutine standing in for discovery
#: (its failure is reported as ``NamespaceDeletionDiscoveryFailure``).
DiscoverResources = Callable[[], Awaitable[Sequence[GroupResource]]]


class ResourcesRemainingError(Exception):
    """Content remains; look again in about ``estimate`` seconds."""

    def __init__(self, estimate: int) -> None:
        super().__init__(
            f"some content remains in the namespace, estimate {estimate} seconds before it is "
            "removed"
        )
        self.estimate = estimate


class ContentRemainsError(Exception):
    """``unexpected items still remain in namespace``: no finalizer and no grace period
    explains them (retried with backoff)."""


def _client_name(gr: GroupResource) -> str:
    return f"{gr.resource}.{gr.group}" if gr.group else gr.resource


def finalized(namespace: Object) -> bool:
    """``finalized``: ``spec.finalizers`` is empty."""
    return not (namespace.get("spec") or {}).get("finalizers")


class NamespacedResourcesDeleter:
    def __init__(
        self,
        client: Client,
        clock: ClusterClock,
        *,
        resources: Sequence[GroupResource] | DiscoverResources = DEFAULT_NAMESPACED_RESOURCES,
        finalizer_token: str = FINALIZER_KUBERNETES,
    ) -> None:
        self.client = client
        self.clock = clock
        self.resources = resources
        self.finalizer_token = finalizer_token
        #: (verb, resource) the server refused with 404/405 (``operationNotSupportedCache``)
        self._not_supported: set[tuple[str, GroupResource]] = set()

    async def delete(self, name: str) -> None:
        """``Delete``; raises :class:`ResourcesRemainingError` while content remains."""
        try:
            namespace = await self.client.get("namespaces", name)
        except NotFound:
            return
        if not namespace["metadata"].get("deletionTimestamp"):
            return
        try:
            namespace = await self._retry_on_conflict(namespace, self._update_namespace_status)
        except NotFound:
            return
        if not namespace["metadata"].get("deletionTimestamp"):
            return
        if finalized(namespace):
            return
        estimate = await self.delete_all_content(namespace)
        if estimate > 0:
            raise ResourcesRemainingError(estimate)
        try:
            await self._retry_on_conflict(namespace, self._finalize_namespace)
        except NotFound:
            return

    # -- the namespace -------------------------------------------------------------------------

    async def _retry_on_conflict(
        self, namespace: Object, update: Callable[[Object], Awaitable[Object]]
    ) -> Object:
        """``retryOnConflictError``: on a conflict, read again (the uid must not change)."""
        latest = namespace
        while True:
            try:
                return await update(latest)
            except Conflict:
                previous = latest
                latest = await self.client.get("namespaces", previous["metadata"]["name"])
                if latest["metadata"].get("uid") != previous["metadata"].get("uid"):
                    raise StatusError("namespace uid has changed across retries") from None

    async def _update_namespace_status(self, namespace: Object) -> Object:
        """``updateNamespaceStatusFunc``: phase ``Terminating``."""
        if (
            not namespace["metadata"].get("deletionTimestamp")
            or (namespace.get("status") or {}).get("phase") == "Terminating"
        ):
            return namespace
        updated = objects.deep_copy(namespace)
        updated.setdefault("status", {})["phase"] = "Terminating"
        return await self.client.update(updated, subresource="status")

    async def _finalize_namespace(self, namespace: Object) -> Object:
        """``finalizeNamespace``: our token out of ``spec.finalizers``."""
        updated = objects.deep_copy(namespace)
        kept = sorted(
            {f for f in (namespace.get("spec") or {}).get("finalizers") or () if f}
            - {self.finalizer_token}
        )
        updated.setdefault("spec", {})["finalizers"] = kept
        try:
            return await self.client.update(updated, subresource="finalize")
        except NotFound:
            return namespace  # removed already

    # -- the content ---------------------------------------------------------------------------

    async def delete_all_content(self, namespace: Object) -> int:
        """``deleteAllContent``: delete everything, record conditions; the estimate of
        seconds until what remains is gone. Raises the first API error after the
        conditions are written."""
        name = namespace["metadata"]["name"]
        deleted_at = parse_time(namespace["metadata"]["deletionTimestamp"])
        now = self.clock.timestamp()
        updater = NamespaceConditionUpdater()
        errors: list[Exception] = []
        resources: Sequence[GroupResource] = ()
        if callable(self.resources):
            try:
                resources = await self.resources()
            except StatusError as error:
                errors.append(error)
                updater.process_discover_resources_err(error, now)
        else:
            resources = self.resources
        totals = AllGVRDeletionMetadata()
        estimate = 0
        for gr in resources:
            try:
                gvr_estimate, remaining, finalizers = await self.delete_all_content_for_resource(
                    gr, name, deleted_at.timestamp()
                )
            except (StatusError, ContentRemainsError) as error:
                errors.append(error)
                updater.process_delete_content_err(error)
                continue
            estimate = max(estimate, gvr_estimate)
            if remaining:
                totals.gvr_to_num_remaining[gr] = remaining
                for finalizer, count in finalizers.items():
                    if count:
                        totals.finalizers_to_num_remaining[finalizer] = (
                            totals.finalizers_to_num_remaining.get(finalizer, 0) + count
                        )
        updater.process_content_totals(totals, now)
        if updater.update(namespace, now):
            try:
                await self.client.update(namespace, subresource="status")
            except StatusError as error:
                log.warning("couldn't update status condition for namespace %s: %s", name, error)
        if errors:
            raise errors[0]
        return estimate

    async def delete_all_content_for_resource(
        self, gr: GroupResource, namespace: str, deleted_at: float
    ) -> tuple[int, int, dict[str, int]]:
        """``deleteAllContentForGroupVersionResource``: (estimate, how many remain, how many
        each finalizer holds)."""
        estimate = await self._estimate_graceful_termination(gr, namespace, deleted_at)
        await self._delete_each_item(gr, namespace)
        items = await self._list_collection(gr, namespace)
        if not items:
            return 0, 0, {}
        finalizers: dict[str, int] = {}
        for item in items:
            for finalizer in item["metadata"].get("finalizers") or ():
                finalizers[finalizer] = finalizers.get(finalizer, 0) + 1
        if estimate:
            return estimate, len(items), finalizers
        if finalizers:
            return FINALIZER_ESTIMATE_SECONDS, len(items), finalizers
        raise ContentRemainsError(
            f"unexpected items still remain in namespace: {namespace} for gvr: {gr}"
        )

    async def _list_collection(self, gr: GroupResource, namespace: str) -> list[Object]:
        """``listCollection``; a resource the server refuses to list is skipped from then on."""
        if ("list", gr) in self._not_supported:
            return []
        try:
            listed = await self.client.list(_client_name(gr), namespace=namespace)
        except (NotFound, MethodNotSupported):
            self._not_supported.add(("list", gr))
            return []
        items: list[Object] = listed.get("items") or []
        return items

    async def _delete_each_item(self, gr: GroupResource, namespace: str) -> None:
        """``deleteEachItem``: every object, with ``propagationPolicy: Background``."""
        for item in await self._list_collection(gr, namespace):
            try:
                await self.client.delete(
                    _client_name(gr),
                    item["metadata"]["name"],
                    namespace=namespace,
                    propagation_policy="Background",
                )
            except (NotFound, MethodNotSupported):
                continue

    async def _estimate_graceful_termination(
        self, gr: GroupResource, namespace: str, deleted_at: float
    ) -> int:
        """``estimateGracefulTermination``: only pods have one -- the longest grace period of
        a pod not yet finished, less the time since the namespace's deletion."""
        if gr != GroupResource("", "pods"):
            return 0
        estimate = 0
        for pod in await self._list_collection(gr, namespace):
            phase = (pod.get("status") or {}).get("phase")
            if phase in ("Succeeded", "Failed"):
                continue
            grace: Any = (pod.get("spec") or {}).get("terminationGracePeriodSeconds")
            if isinstance(grace, int) and grace > estimate:
                estimate = grace
        elapsed = self.clock.now().timestamp() - deleted_at
        if elapsed >= estimate:
            return 0
        return estimate
