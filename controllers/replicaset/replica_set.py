"""The ReplicaSet controller: keep ``spec.replicas`` pods running for every ReplicaSet.

Upstream: ``pkg/controller/replicaset/replica_set.go`` (``ReplicaSetController``,
``syncReplicaSet``, ``manageReplicas``, ``claimPods``, ``getPodsToDelete``,
``getPodsRankedByRelatedPodsOnSameNode``, ``getIndirectlyRelatedPods``, the pod and
ReplicaSet event handlers, ``getPodReplicaSets``, ``resolveControllerRef``).

One sync (:meth:`ReplicaSetController.sync_replica_set`) per ReplicaSet key:

1. read the ReplicaSet from the informer cache (gone: forget its expectations, done);
2. note whether its expectations are satisfied -- if its own creations or deletions are still
   in flight, this sync only updates status;
3. take the active pods of its namespace and claim them (adopt matching orphans, release owned
   pods that stopped matching; :mod:`~controllers.runtime.refmanager`);
4. unless the ReplicaSet is being deleted, :meth:`~ReplicaSetController.manage_replicas`:
   create the missing pods in slow-start batches (1, 2, 4, ...; at most ``burst_replicas``
   per sync; stop at the first refusal) or delete the surplus, chosen by upstream's ranking
   (:class:`~controllers.replicaset.controller_utils.ActivePodsWithRanks`), co-location counted
   over the pods of every ReplicaSet with the same controller (a Deployment's);
5. compute and write the status (:mod:`~controllers.replicaset.replica_set_utils`); requeue
   after ``minReadySeconds`` while pods are ready but not yet available;
6. return the error of step 4, if any, so the runtime retries with backoff.

Watches: ReplicaSets map to themselves; pods map to their controlling ReplicaSet (checked by
uid), or -- orphans -- to every ReplicaSet of the namespace whose selector matches them, so one
of them can adopt. The pod handlers also feed the expectations: an add observes a creation, a
delete (or a pod that starts terminating) observes a deletion.

Left out: metrics (``reportSortingDeletionAgeRatioMetric``), the ``ReplicationController``
variant (the same code upstream with another GVK), ``updateRS``'s uid-change check (a
ReplicaSet recreated under the same name between two events keeps the old expectations until
they are fulfilled or expire), and the ``DeploymentPodReplacementPolicy`` terminating-replicas
count (not in v1.32). Orphan pods are mapped to candidate ReplicaSets on every event, not only
when their labels or controller reference changed -- extra syncs, same outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol

import trio

from controllers.replicaset.controller_utils import (
    SLOW_START_INITIAL_BATCH_SIZE,
    ActivePodsWithRanks,
    filter_active_pods,
    is_pod_active,
    is_pod_ready,
    pod_key,
    slow_start_batch,
)
from controllers.replicaset.expectations import (
    ControllerExpectations,
    UIDTrackingControllerExpectations,
)
from controllers.replicaset.pod_control import (
    NAMESPACE_TERMINATING_CAUSE,
    PodControl,
    has_status_cause,
)
from controllers.replicaset.replica_set_utils import (
    calculate_status,
    replicas_of,
    update_replica_set_status,
)
from controllers.runtime import Controller, Request, Result
from controllers.runtime.events import EventRecorder
from controllers.runtime.owners import controller_of, controller_ref
from controllers.runtime.refmanager import (
    ControllerRefManager,
    claim_candidates,
    index_orphans,
    recheck_deletion_timestamp,
)
from minikube_py.client import Client
from minikube_py.clock import ClusterClock
from minikube_py.errors import GroupResource, NotFound, StatusError
from minikube_py.informer import (
    DeletedFinalStateUnknown,
    FuncHandler,
    SharedInformer,
)
from minikube_py.objects import Object
from minikube_py.selectors.labels import (
    LabelSelector,
    SelectorParseError,
    from_label_selector,
)

log = logging.getLogger(__name__)

COMPONENT = "replicaset-controller"
#: ``BurstReplicas``: at most this many creations or deletions per sync
BURST_REPLICAS = 500
KIND = "ReplicaSet"
API_VERSION = "apps/v1"
_REPLICASETS = GroupResource("apps", "replicasets")


class InformerFactory(Protocol):
    """Where shared informers come from: ``Manager.informer`` or ``ClusterHarness.informer``."""

    def __call__(self, resource: str) -> SharedInformer: ...


def _meta(obj: Object) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _key(obj: Object) -> str:
    metadata = _meta(obj)
    return f"{metadata.get('namespace', '')}/{metadata.get('name', '')}"


def _replica_set(obj: Object) -> Object:
    """A cached ReplicaSet with the apiVersion and kind that list items lack (needed for owner
    references, Events and writes)."""
    return {**obj, "apiVersion": API_VERSION, "kind": KIND}


def _selector(rs: Object) -> LabelSelector | None:
    try:
        return from_label_selector((rs.get("spec") or {}).get("selector"))
    except SelectorParseError:
        return None


def _with_message(error: StatusError, message: str) -> StatusError:
    """The same API error (class, code, reason) with another message (Go's ``%v`` wrapping)."""
    wrapped = type(error).__new__(type(error))
    StatusError.__init__(
        wrapped, message, code=error.code, reason=error.reason, details=error.details
    )
    return wrapped


class ReplicaSetController:
    """The reconciler; :meth:`controller` wires it to its informers."""

    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        recorder: EventRecorder,
        clock: ClusterClock,
        *,
        burst_replicas: int = BURST_REPLICAS,
    ) -> None:
        self.client = client
        self.clock = clock
        self.burst_replicas = burst_replicas
        self.pod_control = PodControl(client, recorder)
        self.rs_informer = informers("replicasets")
        self.pod_informer = informers("pods")
        index_orphans(self.pod_informer)
        self.expectations = UIDTrackingControllerExpectations(
            ControllerExpectations(clock.monotonic)
        )
        self._controller: Controller | None = None

    def controller(self, *, name: str = COMPONENT, workers: int = 1) -> Controller:
        controller = Controller(name, self.reconcile, workers=workers)
        self._controller = controller
        controller.watch(self.rs_informer)
        # expectations first, then the enqueue: both run before any worker can
        self.rs_informer.add_event_handler(FuncHandler(on_delete=self._delete_rs))
        self.pod_informer.add_event_handler(
            FuncHandler(self._add_pod, self._update_pod, self._delete_pod)
        )
        controller.watch(self.pod_informer, self._pod_requests)
        return controller

    async def reconcile(self, request: Request) -> Result | None:
        return await self.sync_replica_set(f"{request.namespace}/{request.name}")

    # -- syncReplicaSet ------------------------------------------------------------------------

    async def sync_replica_set(self, key: str) -> Result | None:
        namespace, _, name = key.partition("/")
        cached = self.rs_informer.get(namespace, name)
        if cached is None:
            self.expectations.delete_expectations(key)
            return None
        rs = _replica_set(cached)
        rs_needs_sync = self.expectations.satisfied_expectations(key)
        selector = _selector(rs)
        if selector is None:
            log.warning("%s: invalid selector; not syncing", key)
            return None
        filtered = filter_active_pods(claim_candidates(self.pod_informer, rs))
        filtered = await self.claim_pods(rs, selector, filtered)
        manage_error: StatusError | None = None
        if rs_needs_sync and not _meta(rs).get("deletionTimestamp"):
            manage_error = await self.manage_replicas(filtered, rs)
        new_status = calculate_status(
            rs, filtered, manage_error, now=self.clock.now(), timestamp=self.clock.timestamp()
        )
        updated = await update_replica_set_status(self.client, rs, new_status)
        if manage_error is not None:
            raise manage_error
        spec = updated.get("spec") or {}
        status = updated.get("status") or {}
        min_ready = spec.get("minReadySeconds") or 0
        replicas = replicas_of(updated)
        if (
            min_ready > 0
            and (status.get("readyReplicas") or 0) == replicas
            and (status.get("availableReplicas") or 0) != replicas
        ):
            # a last line of defence: look again once the ready pods can be available
            return Result(requeue_after=float(min_ready))
        return None

    async def claim_pods(
        self, rs: Object, selector: LabelSelector, pods: Sequence[Object]
    ) -> list[Object]:
        """``claimPods``; raises the first error after claiming what it could."""
        can_adopt = recheck_deletion_timestamp(self.client, "replicasets", _REPLICASETS, KIND, rs)

        async def patch(pod: Object, body: dict[str, Any]) -> object:
            pod_meta = _meta(pod)
            return await self.pod_control.patch_pod(
                pod_meta.get("namespace", ""), pod_meta["name"], body
            )

        manager = ControllerRefManager(rs, selector, can_adopt, patch)
        claimed, error = await manager.claim(pods)
        if error is not None:
            raise error
        return claimed

    # -- manageReplicas ------------------------------------------------------------------------

    async def manage_replicas(self, filtered: list[Object], rs: Object) -> StatusError | None:
        """``manageReplicas``: create or delete pods; returns the error to report, if any."""
        diff = len(filtered) - replicas_of(rs)
        key = _key(rs)
        namespace = _meta(rs).get("namespace", "")
        if diff < 0:
            diff = min(-diff, self.burst_replicas)
            # expect before creating: the add events may arrive before create returns
            self.expectations.expect_creations(key, diff)
            log.debug("%s: too few replicas, creating %d", key, diff)
            template = (rs.get("spec") or {}).get("template") or {}
            ref = controller_ref(rs)

            async def create() -> None:
                try:
                    await self.pod_control.create_pods(namespace, template, rs, ref)
                except StatusError as error:
                    if has_status_cause(error, NAMESPACE_TERMINATING_CAUSE):
                        return  # a terminating namespace takes no pods: not worth retrying
                    raise

            successes, error = await slow_start_batch(diff, SLOW_START_INITIAL_BATCH_SIZE, create)
            # the pods never created will never be observed
            for _ in range(diff - successes):
                self.expectations.creation_observed(key)
            return error
        if diff > 0:
            diff = min(diff, self.burst_replicas)
            log.debug("%s: too many replicas, deleting %d", key, diff)
            related = self.get_indirectly_related_pods(rs)
            to_delete = get_pods_to_delete(filtered, related, diff, self.clock)
            # expect first: the delete events may arrive before delete returns
            self.expectations.expect_deletions(key, [pod_key(p) for p in to_delete])
            errors: list[StatusError] = []

            async def delete(pod: Object) -> None:
                name = _meta(pod)["name"]
                try:
                    await self.pod_control.delete_pod(namespace, name, rs)
                except StatusError as error:
                    # never to be observed: lower the expectation now
                    self.expectations.deletion_observed(key, pod_key(pod))
                    if not isinstance(error, NotFound):
                        errors.append(_with_message(error, f"unable to delete pods: {error}"))

            async with trio.open_nursery() as nursery:
                for pod in to_delete:
                    nursery.start_soon(delete, pod)
            return errors[0] if errors else None
        return None

    def get_replica_sets_with_same_controller(self, rs: Object) -> list[Object]:
        ref = controller_of(rs)
        if ref is None:
            return []
        namespace = _meta(rs).get("namespace", "")
        return [
            other
            for other in self.rs_informer.list(namespace)
            if (controller_of(other) or {}).get("uid") == ref.get("uid")
        ]

    def get_indirectly_related_pods(self, rs: Object) -> list[Object]:
        """``getIndirectlyRelatedPods``: the pods of every ReplicaSet sharing our controller."""
        related: list[Object] = []
        seen: set[str] = set()
        for other in self.get_replica_sets_with_same_controller(rs):
            selector = _selector(other)
            if selector is None:
                continue
            for pod in self.pod_informer.list(_meta(other).get("namespace", "")):
                uid = _meta(pod).get("uid", "")
                if uid in seen or not selector.matches(_meta(pod).get("labels") or {}):
                    continue
                seen.add(uid)
                related.append(pod)
        return related

    # -- event handlers ------------------------------------------------------------------------

    def _enqueue(self, rs: Object, after: float = 0) -> None:
        if self._controller is not None:
            metadata = _meta(rs)
            self._controller.enqueue(
                Request(metadata.get("namespace", ""), metadata["name"]), after
            )

    def _delete_rs(self, obj: Object | DeletedFinalStateUnknown) -> None:
        """``deleteRS``: forget the expectations (the enqueue comes from the watch)."""
        if isinstance(obj, DeletedFinalStateUnknown):
            obj = obj.obj
        self.expectations.delete_expectations(_key(obj))

    def resolve_controller_ref(self, namespace: str, ref: dict[str, Any]) -> Object | None:
        """``resolveControllerRef``: our ReplicaSet of that name *and* uid, or None."""
        if ref.get("kind") != KIND:
            return None
        rs = self.rs_informer.get(namespace, ref.get("name", ""))
        if rs is None or _meta(rs).get("uid") != ref.get("uid"):
            return None
        return rs

    def get_pod_replica_sets(self, pod: Object) -> list[Object]:
        """``GetPodReplicaSets``: ReplicaSets of the pod's namespace whose selector matches."""
        labels = _meta(pod).get("labels")
        if not labels:
            return []
        found = []
        for rs in self.rs_informer.list(_meta(pod).get("namespace", "")):
            selector = _selector(rs)
            if selector is None or selector.empty() or not selector.matches(labels):
                continue
            found.append(rs)
        return found

    def _pod_requests(self, pod: Object) -> list[Request]:
        """A pod -> its controlling ReplicaSet, or (an orphan) every one that could adopt it."""
        namespace = _meta(pod).get("namespace", "")
        ref = controller_of(pod)
        if ref is not None:
            rs = self.resolve_controller_ref(namespace, ref)
            return [] if rs is None else [Request(namespace, _meta(rs)["name"])]
        return [Request(namespace, _meta(rs)["name"]) for rs in self.get_pod_replica_sets(pod)]

    def _add_pod(self, pod: Object) -> None:
        """``addPod``: observe a creation."""
        if _meta(pod).get("deletionTimestamp"):
            # seen for the first time already terminating: not a creation we wait for
            self._delete_pod(pod)
            return
        ref = controller_of(pod)
        if ref is None:
            return
        rs = self.resolve_controller_ref(_meta(pod).get("namespace", ""), ref)
        if rs is not None:
            self.expectations.creation_observed(_key(rs))

    def _update_pod(self, old: Object, cur: Object) -> None:
        """``updatePod``: a pod starting to terminate counts as deleted; a pod turning ready
        wakes its ReplicaSet again once it can be available."""
        if _meta(old).get("resourceVersion") == _meta(cur).get("resourceVersion"):
            return
        if _meta(cur).get("deletionTimestamp"):
            self._delete_pod(cur)
            if _meta(cur).get("labels") != _meta(old).get("labels"):
                self._delete_pod(old)
            return
        namespace = _meta(cur).get("namespace", "")
        ref, old_ref = controller_of(cur), controller_of(old)
        if ref != old_ref and old_ref is not None:
            # the reference changed (released, or replaced): the old owner must look again
            previous = self.resolve_controller_ref(namespace, old_ref)
            if previous is not None:
                self._enqueue(previous)
        if ref is None:
            return
        rs = self.resolve_controller_ref(namespace, ref)
        if rs is None:
            return
        min_ready = (rs.get("spec") or {}).get("minReadySeconds") or 0
        if not is_pod_ready(old) and is_pod_ready(cur) and min_ready > 0:
            self._enqueue(rs, float(min_ready) + 1)

    def _delete_pod(self, obj: Object | DeletedFinalStateUnknown) -> None:
        """``deletePod``: observe a deletion (only an expected one counts)."""
        if isinstance(obj, DeletedFinalStateUnknown):
            obj = obj.obj
        ref = controller_of(obj)
        if ref is None:
            return
        namespace = _meta(obj).get("namespace", "")
        rs = self.resolve_controller_ref(namespace, ref)
        if rs is None:
            return
        self.expectations.deletion_observed(_key(rs), pod_key(obj))
        self._enqueue(rs)


def get_pods_to_delete(
    filtered: list[Object], related: list[Object], diff: int, clock: ClusterClock
) -> list[Object]:
    """``getPodsToDelete``: the ``diff`` pods to delete first (all of them: no sorting)."""
    if diff < len(filtered):
        ranked = get_pods_ranked_by_related_pods_on_same_node(filtered, related, clock)
        ranked.sort()
        filtered = ranked.pods
    return filtered[:diff]


def get_pods_ranked_by_related_pods_on_same_node(
    pods_to_rank: list[Object], related: list[Object], clock: ClusterClock
) -> ActivePodsWithRanks:
    """Rank each pod by how many active related pods share its node."""
    on_node: dict[str, int] = {}
    for pod in related:
        if is_pod_active(pod):
            node = (pod.get("spec") or {}).get("nodeName") or ""
            on_node[node] = on_node.get(node, 0) + 1
    ranks = [on_node.get((p.get("spec") or {}).get("nodeName") or "", 0) for p in pods_to_rank]
    return ActivePodsWithRanks(list(pods_to_rank), ranks, clock.now())
