"""The EndpointSlice controller (kube-controller-manager's ``endpointslice``, v1.32).

After upstream ``pkg/controller/endpointslice/endpointslice_controller.go``. For every Service
with a selector (not ExternalName) it keeps ``discovery.k8s.io/v1`` EndpointSlices labelled
``kubernetes.io/service-name=<service>`` and
``endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io``, named from
``generateName: <service>-`` and owned by the Service (the garbage collector removes them with
it). The writes are the :class:`~controllers.endpointslice.reconciler.Reconciler`'s.

It re-syncs a service when the service changes, when a pod it selects (or selected) changes in
a way endpoints show, and when one of its slices is changed or deleted by someone else -- the
:class:`~controllers.endpointslice.utils.EndpointSliceTracker` recognises our own writes, and
holds a sync back (retried with backoff) while the informer has not yet shown them, so a
quick second sync cannot create duplicate slices. Slices being deleted are ignored. Hints for
``trafficDistribution: PreferClose`` are set (:mod:`.trafficdist`); topology-aware hints
(``service.kubernetes.io/topology-mode: Auto``) are not computed.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from controllers.endpoint.utils import (
    TriggerTimeTracker,
    pod_handler,
    service_selects,
)
from controllers.endpointslice.reconciler import MAX_ENDPOINTS_PER_SLICE, NodeNotFound, Reconciler
from controllers.endpointslice.utils import (
    CONTROLLER_NAME,
    LABEL_MANAGED_BY,
    LABEL_SERVICE_NAME,
    EndpointSliceTracker,
)
from controllers.runtime.controller import Controller, Request, Result
from minikube_py.client import Client
from minikube_py.informer import DeletedFinalStateUnknown, FuncHandler, SharedInformer
from minikube_py.objects import Object

log = logging.getLogger(__name__)

COMPONENT = "endpointslice-controller"


class InformerFactory(Protocol):
    def __call__(self, resource: str) -> SharedInformer: ...


def _meta(obj: Object) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _managed_service(slice_: Object) -> tuple[str, str] | None:
    labels = _meta(slice_).get("labels") or {}
    if labels.get(LABEL_MANAGED_BY) != CONTROLLER_NAME or not labels.get(LABEL_SERVICE_NAME):
        return None
    return _meta(slice_).get("namespace", ""), labels[LABEL_SERVICE_NAME]


class EndpointSliceController:
    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        *,
        max_endpoints_per_slice: int = MAX_ENDPOINTS_PER_SLICE,
    ) -> None:
        self.client = client
        self.service_informer = informers("services")
        self.pod_informer = informers("pods")
        self.node_informer = informers("nodes")
        self.slice_informer = informers("endpointslices")
        self.tracker = EndpointSliceTracker()
        self.trigger_time_tracker = TriggerTimeTracker()
        self.reconciler = Reconciler(
            client,
            self.node_informer,
            self.tracker,
            max_endpoints_per_slice=max_endpoints_per_slice,
        )
        self._controller: Controller | None = None

    def controller(self, *, name: str = COMPONENT, workers: int = 5) -> Controller:
        controller = Controller(name, self.reconcile, workers=workers)
        self._controller = controller
        controller.watch(self.service_informer)
        self.pod_informer.add_event_handler(pod_handler(self.service_informer, self._enqueue))
        self.slice_informer.add_event_handler(
            FuncHandler(self._on_slice_add, self._on_slice_update, self._on_slice_delete)
        )
        controller.informers.extend([self.pod_informer, self.node_informer, self.slice_informer])
        return controller

    # -- handlers ------------------------------------------------------------------------------

    def _enqueue(self, keys: set[tuple[str, str]]) -> None:
        if self._controller is not None:
            for namespace, name in sorted(keys):
                self._controller.enqueue(Request(namespace, name))

    def _on_slice_add(self, slice_: Object) -> None:
        service = _managed_service(slice_)
        if service is not None and self.tracker.should_sync(slice_):
            self._enqueue({service})

    def _on_slice_update(self, old: Object, new: Object) -> None:
        # a slice that changed hands or services concerns both services
        keys = {k for k in (_managed_service(old), _managed_service(new)) if k is not None}
        if keys and (
            _managed_service(old) != _managed_service(new) or self.tracker.should_sync(new)
        ):
            self._enqueue(keys)

    def _on_slice_delete(self, obj: Object | DeletedFinalStateUnknown) -> None:
        slice_ = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        service = _managed_service(slice_)
        if service is not None and self.tracker.handle_deletion(slice_):
            self._enqueue({service})

    # -- syncService ---------------------------------------------------------------------------

    async def reconcile(self, request: Request) -> Result | None:
        try:
            synced = await self.sync_service(request.namespace, request.name)
        except NodeNotFound as error:
            log.info("%s", error)
            return Result(requeue=True)
        return None if synced else Result(requeue=True)

    async def sync_service(self, namespace: str, name: str) -> bool:
        """Sync one service; False when the slice cache is stale (try again later)."""
        service = self.service_informer.get(namespace, name)
        if service is None:
            # the garbage collector deletes the slices through their owner reference
            self.trigger_time_tracker.delete_service(namespace, name)
            self.tracker.delete_service(namespace, name)
            return True
        spec = service.get("spec") or {}
        if spec.get("type") == "ExternalName" or not spec.get("selector"):
            return True
        pods = [
            pod
            for pod in self.pod_informer.list(namespace)
            if service_selects(service, _meta(pod).get("labels"))
        ]
        slices = [
            s
            for s in self.slice_informer.list(namespace)
            if _managed_service(s) == (namespace, name) and not _meta(s).get("deletionTimestamp")
        ]
        if self.tracker.stale_slices(namespace, name, slices):
            log.debug("the EndpointSlice cache of %s/%s is out of date", namespace, name)
            return False
        trigger_time = self.trigger_time_tracker.compute_endpoint_last_change_trigger_time(
            namespace, service, pods
        )
        await self.reconciler.reconcile(service, pods, slices, trigger_time)
        return True
