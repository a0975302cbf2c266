"""The Deployment controller: turn a Deployment into ReplicaSets, one revision at a time.

Upstream: ``pkg/controller/deployment/deployment_controller.go`` (``DeploymentController``,
``syncDeployment``, ``getReplicaSetsForDeployment``, ``getPodMapForDeployment``, the
Deployment/ReplicaSet/Pod event handlers, ``resolveControllerRef``,
``getDeploymentsForReplicaSet``, ``getDeploymentForPod``).

One sync (:meth:`DeploymentController.sync_deployment`) per Deployment key:

1. read the Deployment from the informer cache (gone: done) and copy it;
2. an empty selector selects everything: warn (``SelectingAll``), record the generation, stop;
3. claim replica sets (:mod:`~controllers.runtime.refmanager`); group the pods by the
   replica set that controls them (for Recreate, the only strategy that reads them);
4. being deleted: only sync the status (:func:`~controllers.deployment.sync.sync_status_only`);
5. record pause/resume in the Progressing condition;
6. paused: :func:`~controllers.deployment.sync.sync` (scale, never roll out);
7. a rollback asked through ``deprecated.deployment.rollback.to``:
   :func:`~controllers.deployment.rollback.rollback`;
8. a scaling event (an active replica set records another desired size): ``sync``;
9. otherwise roll out: :func:`~controllers.deployment.recreate.rollout_recreate` or
   :func:`~controllers.deployment.rolling.rollout_rolling`.

Watches: Deployments map to themselves; a replica set maps to its controlling Deployment
(checked by uid) or, an orphan, to every Deployment whose selector matches it; a deleted pod of
a Recreate Deployment wakes it once the last pod is gone.

Deviations, all deliberate:

* Status writes carry the resourceVersion they got back forward into the rest of the sync
  (upstream drops it, so a sync that writes status twice fails once with a Conflict and retries).
* ``deletePod`` counts the Recreate Deployment's pods from the informer caches, not with a
  ReplicaSet list through the API.
* The ``deployment.kubernetes.io/revision`` annotation rides on the status write, as upstream
  (the apps/v1 Deployment status strategy keeps annotations). Where the server drops annotation
  changes made through ``/status``, :meth:`DeploymentController.update_status` sets it with a
  merge patch of the Deployment instead (which also bumps ``metadata.generation``).
* No ``maxRetries`` drop-out: the runtime retries with backoff until something changes.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from controllers.deployment import util
from controllers.deployment.recreate import rollout_recreate
from controllers.deployment.rollback import rollback
from controllers.deployment.rolling import rollout_rolling
from controllers.deployment.sync import (
    check_paused_conditions,
    get_rollback_to,
    is_scaling_event,
    sync,
    sync_status_only,
)
from controllers.runtime import Controller, Request, Result
from controllers.runtime.events import WARNING, EventRecorder
from controllers.runtime.owners import controller_of
from controllers.runtime.refmanager import (
    ControllerRefManager,
    claim_candidates,
    index_orphans,
    recheck_deletion_timestamp,
)
from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.errors import GroupResource
from minikube_py.informer import (
    OWNER_INDEX,
    DeletedFinalStateUnknown,
    FuncHandler,
    SharedInformer,
)
from minikube_py.objects import Object, deep_copy
from minikube_py.selectors.labels import (
    LabelSelector,
    SelectorParseError,
    from_label_selector,
)

log = logging.getLogger(__name__)

COMPONENT = "deployment-controller"
KIND = "Deployment"
API_VERSION = "apps/v1"
_DEPLOYMENTS = GroupResource("apps", "deployments")


class InformerFactory(Protocol):
    """Where shared informers come from: ``Manager.informer`` or ``ClusterHarness.informer``."""

    def __call__(self, resource: str) -> SharedInformer: ...


def _selector(obj: Object) -> LabelSelector | None:
    try:
        return from_label_selector(util.spec(obj).get("selector"))
    except SelectorParseError:
        return None


def _kinded(d: Object) -> Object:
    return {**d, "apiVersion": API_VERSION, "kind": KIND}


class DeploymentController:
    """The reconciler and its helpers; :meth:`controller` wires it to its informers."""

    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        recorder: EventRecorder,
        clock: ClusterClock,
    ) -> None:
        self.client = client
        self.recorder = recorder
        self.clock = clock
        self.d_informer = informers("deployments")
        self.rs_informer = informers("replicasets")
        index_orphans(self.rs_informer)
        self.pod_informer = informers("pods")
        self._controller: Controller | None = None

    def controller(self, *, name: str = COMPONENT, workers: int = 1) -> Controller:
        controller = Controller(name, self.reconcile, workers=workers)
        self._controller = controller
        controller.watch(self.d_informer)
        self.rs_informer.add_event_handler(
            FuncHandler(self._add_replica_set, self._update_replica_set, self._delete_replica_set)
        )
        self.pod_informer.add_event_handler(FuncHandler(on_delete=self._delete_pod))
        for informer in (self.rs_informer, self.pod_informer):
            if informer not in controller.informers:
                controller.informers.append(informer)
        return controller

    async def reconcile(self, request: Request) -> Result | None:
        await self.sync_deployment(request.namespace, request.name)
        return None

    # -- helpers the phases use -----------------------------------------------------------------

    @staticmethod
    def key(d: Object) -> str:
        metadata = util.meta(d)
        return f"{metadata.get('namespace', '')}/{metadata.get('name', '')}"

    async def event(self, d: Object, kind: str, reason: str, message: str) -> None:
        await self.recorder.event(_kinded(d), kind, reason, message)

    def enqueue(self, d: Object, after: float = 0) -> None:
        if self._controller is not None:
            metadata = util.meta(d)
            self._controller.enqueue(
                Request(metadata.get("namespace", ""), metadata.get("name", "")), after
            )

    def enqueue_rate_limited(self, d: Object) -> None:
        if self._controller is not None:
            metadata = util.meta(d)
            self._controller.queue.add_rate_limited(
                Request(metadata.get("namespace", ""), metadata.get("name", ""))
            )

    async def update_status(self, d: Object) -> Object:
        """``UpdateStatus``; ``d`` takes the new resourceVersion (see the module notes)."""
        written = await self.client.update(_kinded(d), subresource="status")
        wanted = util.annotations(d).get(util.REVISION_ANNOTATION)
        if wanted is not None and util.annotations(written).get(util.REVISION_ANNOTATION) != wanted:
            metadata = util.meta(d)
            written = await self.client.patch(
                "deployments",
                metadata.get("name", ""),
                {"metadata": {"annotations": {util.REVISION_ANNOTATION: wanted}}},
                namespace=metadata.get("namespace", ""),
            )
        d.setdefault("metadata", {})["resourceVersion"] = util.meta(written).get("resourceVersion")
        return written

    # -- syncDeployment -------------------------------------------------------------------------

    async def sync_deployment(self, namespace: str, name: str) -> None:
        cached = self.d_informer.get(namespace, name)
        if cached is None:
            log.debug("deployment %s/%s has been deleted", namespace, name)
            return
        d = _kinded(deep_copy(cached))
        selector_spec = util.spec(d).get("selector")
        if isinstance(selector_spec, dict) and not (
            selector_spec.get("matchLabels") or selector_spec.get("matchExpressions")
        ):
            await self.event(
                d,
                WARNING,
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.",
            )
            generation = util.meta(d).get("generation") or 0
            if util.status_int(d, "observedGeneration") < generation:
                d.setdefault("status", {})["observedGeneration"] = generation
                await self.update_status(d)
            return
        selector = _selector(d)
        if selector is None:
            log.warning("%s/%s: invalid label selector; not syncing", namespace, name)
            return

        rs_list = await self.get_replica_sets_for_deployment(d, selector)

        if util.meta(d).get("deletionTimestamp"):
            await sync_status_only(self, d, rs_list)
            return

        await check_paused_conditions(self, d)

        if util.spec(d).get("paused"):
            await sync(self, d, rs_list)
            return

        # a rollback is not re-entrant: finish it (and clear the request) before anything else
        if get_rollback_to(d) is not None:
            await rollback(self, d, rs_list)
            return

        if await is_scaling_event(self, d, rs_list):
            await sync(self, d, rs_list)
            return

        kind = util.strategy_type(d)
        if kind == util.RECREATE:
            # only Recreate reads the pods (upstream groups them on every sync; a Deployment
            # of 1,000 pods would pay for it on each of its thousands of syncs)
            pod_map = self.get_pod_map_for_deployment(d, selector, rs_list)
            await rollout_recreate(self, d, rs_list, pod_map)
        elif kind == util.ROLLING_UPDATE:
            await rollout_rolling(self, d, rs_list)
        else:
            log.warning("%s/%s: unexpected deployment strategy type: %s", namespace, name, kind)

    async def get_replica_sets_for_deployment(
        self, d: Object, selector: LabelSelector
    ) -> list[Object]:
        """``getReplicaSetsForDeployment``: the replica sets we control, after adopting and
        releasing by selector."""
        rs_list = claim_candidates(self.rs_informer, d)

        can_adopt = recheck_deletion_timestamp(
            self.client, "deployments", _DEPLOYMENTS, "Deployment", d
        )

        async def patch(rs: Object, body: dict[str, Any]) -> object:
            rs_meta = util.meta(rs)
            return await self.client.patch(
                "replicasets",
                rs_meta.get("name", ""),
                body,
                namespace=rs_meta.get("namespace", ""),
                patch_type="strategic",
            )

        # ``ClaimReplicaSets``
        manager = ControllerRefManager(d, selector, can_adopt, patch)
        claimed, error = await manager.claim(rs_list)
        if error is not None:
            raise error
        return claimed

    def get_pod_map_for_deployment(
        self, d: Object, selector: LabelSelector, rs_list: list[Object]
    ) -> dict[str, list[Object]]:
        """``getPodMapForDeployment``: the selected pods by the uid of the replica set (of
        ours) controlling them -- inactive pods too (Recreate must see them)."""
        namespace = util.meta(d).get("namespace", "")
        pod_map: dict[str, list[Object]] = {}
        for rs in rs_list:
            rs_uid = util.uid(rs)
            # the owner index holds the same pods as a namespace-wide list filtered by
            # controller uid, without visiting every pod of the namespace
            pod_map[rs_uid] = [
                pod
                for pod in self.pod_informer.indexer.by_index(OWNER_INDEX, rs_uid)
                if util.meta(pod).get("namespace", "") == namespace
                and (controller_of(pod) or {}).get("uid") == rs_uid
                and selector.matches(util.meta(pod).get("labels") or {})
            ]
        return pod_map

    # -- event handlers -------------------------------------------------------------------------

    def resolve_controller_ref(self, namespace: str, ref: dict[str, Any]) -> Object | None:
        """``resolveControllerRef``: our Deployment of that name *and* uid, or None."""
        if ref.get("kind") != KIND:
            return None
        d = self.d_informer.get(namespace, ref.get("name", ""))
        if d is None or util.uid(d) != ref.get("uid"):
            return None
        return d

    def get_deployments_for_replica_set(self, rs: Object) -> list[Object]:
        """``GetDeploymentsForReplicaSet``: Deployments whose (non-empty) selector matches."""
        labels = util.meta(rs).get("labels")
        if not labels:
            return []
        found = []
        for d in self.d_informer.list(util.meta(rs).get("namespace", "")):
            selector = _selector(d)
            if selector is None or selector.empty() or not selector.matches(labels):
                continue
            found.append(d)
        return found

    def _add_replica_set(self, rs: Object) -> None:
        """``addReplicaSet``."""
        if util.meta(rs).get("deletionTimestamp"):
            self._delete_replica_set(rs)
            return
        ref = controller_of(rs)
        if ref is not None:
            d = self.resolve_controller_ref(util.meta(rs).get("namespace", ""), ref)
            if d is not None:
                self.enqueue(d)
            return
        for d in self.get_deployments_for_replica_set(rs):
            self.enqueue(d)

    def _update_replica_set(self, old: Object, cur: Object) -> None:
        """``updateReplicaSet``."""
        if util.meta(old).get("resourceVersion") == util.meta(cur).get("resourceVersion"):
            return
        namespace = util.meta(cur).get("namespace", "")
        cur_ref, old_ref = controller_of(cur), controller_of(old)
        ref_changed = cur_ref != old_ref
        if ref_changed and old_ref is not None:
            d = self.resolve_controller_ref(namespace, old_ref)
            if d is not None:
                self.enqueue(d)
        if cur_ref is not None:
            d = self.resolve_controller_ref(namespace, cur_ref)
            if d is not None:
                self.enqueue(d)
            return
        if ref_changed or util.meta(cur).get("labels") != util.meta(old).get("labels"):
            for d in self.get_deployments_for_replica_set(cur):
                self.enqueue(d)

    def _delete_replica_set(self, obj: Object | DeletedFinalStateUnknown) -> None:
        """``deleteReplicaSet``: orphans being deleted concern nobody."""
        if isinstance(obj, DeletedFinalStateUnknown):
            obj = obj.obj
        ref = controller_of(obj)
        if ref is None:
            return
        d = self.resolve_controller_ref(util.meta(obj).get("namespace", ""), ref)
        if d is not None:
            self.enqueue(d)

    def get_deployment_for_pod(self, pod: Object) -> Object | None:
        """``getDeploymentForPod``: through the pod's controlling replica set."""
        ref = controller_of(pod)
        if ref is None or ref.get("kind") != "ReplicaSet":
            return None
        namespace = util.meta(pod).get("namespace", "")
        rs = self.rs_informer.get(namespace, ref.get("name", ""))
        if rs is None or util.uid(rs) != ref.get("uid"):
            return None
        rs_ref = controller_of(rs)
        if rs_ref is None:
            return None
        return self.resolve_controller_ref(namespace, rs_ref)

    def _delete_pod(self, obj: Object | DeletedFinalStateUnknown) -> None:
        """``deletePod``: a Recreate Deployment whose last pod is gone can go on."""
        if isinstance(obj, DeletedFinalStateUnknown):
            obj = obj.obj
        d = self.get_deployment_for_pod(obj)
        if d is None or util.strategy_type(d) != util.RECREATE:
            return
        selector = _selector(d)
        if selector is None:
            return
        namespace = util.meta(d).get("namespace", "")
        owned = [
            rs
            for rs in self.rs_informer.list(namespace)
            if (controller_of(rs) or {}).get("uid") == util.uid(d)
        ]
        pod_map = self.get_pod_map_for_deployment(d, selector, owned)
        if not any(pod_map.values()):
            self.enqueue(d)
