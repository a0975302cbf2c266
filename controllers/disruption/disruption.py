"""The disruption controller: keep every PodDisruptionBudget's status true to its pods.

Upstream: ``pkg/controller/disruption/disruption.go`` (``DisruptionController``, ``sync``,
``trySync``, ``getExpectedPodCount``, ``getExpectedScale``, the finders, ``countHealthyPods``,
``buildDisruptedPodMap``, ``updatePdbStatus``, ``failSafe``, ``syncStalePodDisruption``) and
``component-helpers/apps/poddisruptionbudget`` (the ``DisruptionAllowed`` condition).

One sync (:meth:`DisruptionController.sync`) per PDB key:

1. the pods its selector matches in its namespace (a null selector matches none, an empty one
   all), terminating pods included;
2. ``expectedPods`` and ``desiredHealthy``: with ``maxUnavailable``, or a percentage
   ``minAvailable``, the expected count is the summed scale of the pods' controllers
   (Deployment through its ReplicaSet, ReplicaSet, StatefulSet, or any kind's ``/scale``) and
   the percentage is rounded up; with an integer ``minAvailable`` it is the number of pods.
   Pods without a controller are reported (``UnmanagedPods``) and left out of the scale;
   a pod whose controller cannot be found fails the sync;
3. ``disruptedPods``: evictions the API server approved whose pods are not yet terminating are
   kept for :data:`DELETION_TIMEOUT` (two minutes) after the eviction, then dropped (the pod
   was not deleted after all, ``NotDeleted``); the PDB is synced again when the first one
   expires;
4. ``currentHealthy``: Ready pods neither terminating nor recently disrupted;
5. ``disruptionsAllowed = currentHealthy - desiredHealthy`` (never negative, 0 while no pod is
   expected), ``observedGeneration``, and the ``DisruptionAllowed`` condition
   (``SufficientPods``/``InsufficientPods``) -- written only when something changed. A sync
   that fails for another reason than a conflict falls back to ``failSafe``: no disruption
   allowed, condition ``SyncFailed`` with the error.

A second loop resets a pod's ``DisruptionTarget=True`` condition to False when the pod was not
deleted within two minutes of getting it (``syncStalePodDisruption``), unless the kubelet set
it or the pod has finished.

Left out: ReplicationControllers (not served here; their pods are found through ``/scale`` if
that ever changes) and metrics.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from controllers.runtime import Controller, Request, Result
from controllers.runtime.conditions import find_condition, set_condition
from controllers.runtime.events import NORMAL, WARNING, EventRecorder
from controllers.runtime.owners import controller_of
from minikube_py.client import Client
from minikube_py.clock import ClusterClock, parse_time
from minikube_py.errors import Conflict, NotFound, StatusError
from minikube_py.informer import DeletedFinalStateUnknown, FuncHandler, SharedInformer
from minikube_py.objects import Object
from minikube_py.selectors.labels import SelectorParseError, from_label_selector

log = logging.getLogger(__name__)

COMPONENT = "controllermanager"
#: How long an approved eviction keeps its pod out of ``currentHealthy`` (``DeletionTimeout``).
DELETION_TIMEOUT = timedelta(minutes=2)
#: How long a pod may keep a ``DisruptionTarget`` condition without being deleted.
STALE_POD_DISRUPTION_TIMEOUT = timedelta(minutes=2)
DISRUPTION_ALLOWED = "DisruptionAllowed"
SUFFICIENT_PODS = "SufficientPods"
INSUFFICIENT_PODS = "InsufficientPods"
SYNC_FAILED = "SyncFailed"
_POD_REASON_TERMINATION_BY_KUBELET = "TerminationByKubelet"


class InformerFactory(Protocol):
    def __call__(self, resource: str) -> SharedInformer: ...


class ExpectedCountError(Exception):
    """The expected number of pods cannot be computed (a controller missing, a bad value)."""


def _meta(obj: Object) -> dict[str, Any]:
    return obj.get("metadata") or {}


def _is_pod_ready(pod: Object) -> bool:
    condition = find_condition((pod.get("status") or {}).get("conditions"), "Ready")
    return condition is not None and condition.get("status") == "True"


def _group_of(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def scaled_value(value: int | str, total: int, *, round_up: bool) -> int:
    """``intstr.GetScaledValueFromIntOrPercent``."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.endswith("%"):
        try:
            percent = int(value[:-1])
        except ValueError:
            raise ExpectedCountError(
                f'invalid value for IntOrString: invalid value "{value}"'
            ) from None
        scaled = percent * total / 100
        return math.ceil(scaled) if round_up else math.floor(scaled)
    raise ExpectedCountError(f'invalid value for IntOrString: invalid value "{value}"')


class DisruptionController:
    """The reconciler; :meth:`controllers` wires it to its informers."""

    def __init__(
        self,
        client: Client,
        informers: InformerFactory,
        recorder: EventRecorder,
        clock: ClusterClock,
        *,
        stale_pod_disruption_timeout: timedelta = STALE_POD_DISRUPTION_TIMEOUT,
    ) -> None:
        self.client = client
        self.recorder = recorder
        self.clock = clock
        self.stale_pod_disruption_timeout = stale_pod_disruption_timeout
        self.pdb_informer = informers("poddisruptionbudgets")
        self.pod_informer = informers("pods")
        self.rs_informer = informers("replicasets")
        self.deployment_informer = informers("deployments")
        self.sts_informer = informers("statefulsets")
        self._stale: Controller | None = None
        self._pending_events: list[tuple[Object, str, str, str]] = []

    def controllers(self, *, name: str = "disruption") -> list[Controller]:
        """The PDB loop and the stale-``DisruptionTarget`` loop, ready for a manager."""
        pdbs = Controller(name, self.reconcile)
        pdbs.watch(self.pdb_informer)
        pdbs.watch(self.pod_informer, self._pdb_requests)
        stale = Controller(f"{name}-stale-pod-disruption", self.reconcile_stale_pod)
        self._stale = stale  # before the handler: a synced informer replays its pods at once
        # every other informer is read in syncs; registering them keeps the manager syncing
        # their caches before either loop starts
        for informer in (self.rs_informer, self.deployment_informer, self.sts_informer):
            pdbs.informers.append(informer)
        self.pod_informer.add_event_handler(
            FuncHandler(on_add=self._check_stale, on_update=lambda _, pod: self._check_stale(pod))
        )
        stale.informers.append(self.pod_informer)
        return [pdbs, stale]

    # -- event handlers ------------------------------------------------------------------------

    def _pdb_requests(self, pod: Object) -> list[Request]:
        """``getPdbForPod``: the PDB a pod event concerns (the first by name when several
        match, with a ``MultiplePodDisruptionBudgets`` warning on the pod)."""
        pdbs = self.pdbs_for_pod(pod)
        if not pdbs:
            return []
        if len(pdbs) > 1:
            metadata = _meta(pod)
            message = (
                f'Pod "{metadata.get("namespace", "")}"/"{metadata.get("name", "")}" matches '
                f'multiple PodDisruptionBudgets.  Chose "{_meta(pdbs[0])["name"]}" arbitrarily.'
            )
            self._spawn_event(
                {**pod, "apiVersion": "v1", "kind": "Pod"},
                WARNING,
                "MultiplePodDisruptionBudgets",
                message,
            )
        metadata = _meta(pdbs[0])
        return [Request(metadata.get("namespace", ""), metadata["name"])]

    def pdbs_for_pod(self, pod: Object) -> list[Object]:
        """``GetPodPodDisruptionBudgets``: a pod without labels has none."""
        labels = _meta(pod).get("labels") or {}
        if not labels:
            return []
        matching = []
        for pdb in self.pdb_informer.list(_meta(pod).get("namespace", "")):
            try:
                selector = from_label_selector((pdb.get("spec") or {}).get("selector"))
            except SelectorParseError:
                continue
            if selector.matches(labels):
                matching.append(pdb)
        return sorted(matching, key=lambda p: _meta(p).get("name", ""))

    def _check_stale(self, pod: Object | DeletedFinalStateUnknown) -> None:
        if isinstance(pod, DeletedFinalStateUnknown) or self._stale is None:
            return
        stale, clean_after = self.has_stale_disruption_condition(pod)
        if stale:
            metadata = _meta(pod)
            self._stale.enqueue(
                Request(metadata.get("namespace", ""), metadata["name"]), clean_after
            )

    def _spawn_event(self, obj: Object, kind: str, reason: str, message: str) -> None:
        """Events from a handler are recorded by the next sync (handlers cannot await)."""
        self._pending_events.append((obj, kind, reason, message))

    async def _flush_events(self) -> None:
        pending, self._pending_events = self._pending_events, []
        for obj, kind, reason, message in pending:
            await self.recorder.event(obj, kind, reason, message)

    # -- sync ----------------------------------------------------------------------------------

    async def reconcile(self, request: Request) -> Result | None:
        await self._flush_events()
        return await self.sync(request.namespace, request.name)

    async def sync(self, namespace: str, name: str) -> Result | None:
        cached = self.pdb_informer.get(namespace, name)
        if cached is None:
            return None
        pdb = {**cached, "apiVersion": "policy/v1", "kind": "PodDisruptionBudget"}
        try:
            return await self.try_sync(pdb)
        except Conflict:
            raise
        except (StatusError, ExpectedCountError, SelectorParseError) as error:
            log.info("failed to sync PDB %s/%s: %s", namespace, name, error)
            await self.fail_safe(pdb, str(error))
            return None

    async def try_sync(self, pdb: Object) -> Result | None:
        pods = self.pods_for_pdb(pdb)
        if not pods:
            await self.recorder.event(pdb, NORMAL, "NoPods", "No matching pods found")
        try:
            expected, desired, unmanaged = await self.expected_pod_count(pdb, pods)
        except (ExpectedCountError, StatusError) as error:
            await self.recorder.event(
                pdb,
                WARNING,
                "CalculateExpectedPodCountFailed",
                f"Failed to calculate the number of expected pods: {error}",
            )
            raise
        if unmanaged:
            selector = (pdb.get("spec") or {}).get("selector")
            await self.recorder.event(
                pdb,
                WARNING,
                "UnmanagedPods",
                f"Pods selected by this PodDisruptionBudget (selector: {_go_selector(selector)}) "
                "were found to be unmanaged. As a result, the status of the PDB cannot be "
                "calculated correctly, which may result in undefined behavior. To account for "
                'these pods please set ".spec.minAvailable" field of the PDB to an integer value.',
            )
        now = self.clock.now()
        disrupted, recheck = await self.build_disrupted_pod_map(pods, pdb, now)
        healthy = count_healthy_pods(pods, disrupted, now)
        await self.update_pdb_status(pdb, healthy, desired, expected, disrupted)
        if recheck is not None:
            delay = (recheck - now).total_seconds()
            # due now: back off as upstream's rate-limited recheck does, or virtual time
            # would never reach the expiry
            return Result(requeue=True) if delay <= 0 else Result(requeue_after=delay)
        return None

    def pods_for_pdb(self, pdb: Object) -> list[Object]:
        selector = from_label_selector((pdb.get("spec") or {}).get("selector"))
        return [
            pod
            for pod in self.pod_informer.list(_meta(pdb).get("namespace", ""))
            if selector.matches(_meta(pod).get("labels") or {})
        ]

    async def expected_pod_count(
        self, pdb: Object, pods: list[Object]
    ) -> tuple[int, int, list[str]]:
        """``getExpectedPodCount``: (expectedPods, desiredHealthy, unmanaged pod names)."""
        spec = pdb.get("spec") or {}
        max_unavailable, min_available = spec.get("maxUnavailable"), spec.get("minAvailable")
        if max_unavailable is not None:
            expected, unmanaged = await self.expected_scale(pods)
            desired = max(0, expected - scaled_value(max_unavailable, expected, round_up=True))
            return expected, desired, unmanaged
        if min_available is not None:
            if isinstance(min_available, int):
                return len(pods), min_available, []
            expected, unmanaged = await self.expected_scale(pods)
            return expected, scaled_value(min_available, expected, round_up=True), unmanaged
        return 0, 0, []

    async def expected_scale(self, pods: list[Object]) -> tuple[int, list[str]]:
        """``getExpectedScale``: the summed scale of the pods' controllers, each counted
        once; pods without a controller are returned by name."""
        scales: dict[str, int] = {}
        unmanaged: list[str] = []
        for pod in pods:
            ref = controller_of(pod)
            if ref is None:
                unmanaged.append(_meta(pod).get("name", ""))
                continue
            if ref.get("uid") in scales:
                continue
            namespace = _meta(pod).get("namespace", "")
            for finder in (self._deployment, self._replica_set, self._stateful_set, self._scale):
                found = await finder(ref, namespace)
                if found is not None:
                    scales[found[0]] = found[1]
                    break
            else:
                raise ExpectedCountError(f'found no controllers for pod "{_meta(pod)["name"]}"')
        return sum(scales.values()), unmanaged

    # -- finders (``getPodDeployment``, ``getPodReplicaSet``, ...) ----------------------------

    def _owned(
        self, informer: SharedInformer, ref: dict[str, Any], namespace: str
    ) -> Object | None:
        obj = informer.get(namespace, ref.get("name", ""))
        if obj is None or _meta(obj).get("uid") != ref.get("uid"):
            return None
        return obj

    async def _replica_set(self, ref: dict[str, Any], namespace: str) -> tuple[str, int] | None:
        if ref.get("kind") != "ReplicaSet" or _group_of(ref.get("apiVersion", "")) not in (
            "apps",
            "extensions",
        ):
            return None
        rs = self._owned(self.rs_informer, ref, namespace)
        if rs is None:
            return None
        owner = controller_of(rs)
        if owner is not None and owner.get("kind") == "Deployment":
            return None  # the Deployment's scale counts
        return _meta(rs)["uid"], _replicas(rs)

    async def _deployment(self, ref: dict[str, Any], namespace: str) -> tuple[str, int] | None:
        if ref.get("kind") != "ReplicaSet" or _group_of(ref.get("apiVersion", "")) not in (
            "apps",
            "extensions",
        ):
            return None
        rs = self._owned(self.rs_informer, ref, namespace)
        if rs is None:
            return None
        owner = controller_of(rs)
        if (
            owner is None
            or owner.get("kind") != "Deployment"
            or _group_of(owner.get("apiVersion", "")) not in ("apps", "extensions")
        ):
            return None
        deployment = self._owned(self.deployment_informer, owner, namespace)
        if deployment is None:
            return None
        return _meta(deployment)["uid"], _replicas(deployment)

    async def _stateful_set(self, ref: dict[str, Any], namespace: str) -> tuple[str, int] | None:
        if ref.get("kind") != "StatefulSet" or _group_of(ref.get("apiVersion", "")) != "apps":
            return None
        sts = self._owned(self.sts_informer, ref, namespace)
        if sts is None:
            return None
        return _meta(sts)["uid"], _replicas(sts)

    async def _scale(self, ref: dict[str, Any], namespace: str) -> tuple[str, int] | None:
        """``getScaleController``: any other kind, through its ``/scale`` subresource."""
        group = _group_of(ref.get("apiVersion", ""))
        kind = str(ref.get("kind", ""))
        resource = f"{kind.lower()}.{group}" if group else kind.lower()
        try:
            scale = await self.client.get(
                resource, ref.get("name", ""), namespace=namespace, subresource="scale"
            )
        except NotFound as error:
            details = error.details or {}
            if not details.get("name"):
                raise ExpectedCountError(
                    f'no matches for kind "{kind}" in group "{group}"'
                ) from None
            try:
                await self.client.get(resource, ref.get("name", ""), namespace=namespace)
            except NotFound:
                return None  # the controller is gone
            raise ExpectedCountError(
                f"{kind.lower()}s{'.' + group if group else ''} does not implement the scale "
                "subresource"
            ) from None
        if _meta(scale).get("uid") != ref.get("uid"):
            return None
        return _meta(scale)["uid"], int((scale.get("spec") or {}).get("replicas") or 0)

    # -- status --------------------------------------------------------------------------------

    async def build_disrupted_pod_map(
        self, pods: list[Object], pdb: Object, now: datetime
    ) -> tuple[dict[str, str], datetime | None]:
        """``buildDisruptedPodMap``: the still-pending evictions, and when the first expires."""
        disrupted = (pdb.get("status") or {}).get("disruptedPods") or {}
        result: dict[str, str] = {}
        recheck: datetime | None = None
        for pod in pods:
            metadata = _meta(pod)
            if metadata.get("deletionTimestamp"):
                continue
            stamp = disrupted.get(metadata.get("name"))
            if stamp is None:
                continue
            expected_deletion = parse_time(stamp) + DELETION_TIMEOUT
            if expected_deletion < now:
                namespace = _meta(pdb).get("namespace", "")
                # upstream prints the namespace twice (pdb.Namespace, pdb.Namespace)
                await self.recorder.event(
                    {**pod, "apiVersion": "v1", "kind": "Pod"},
                    WARNING,
                    "NotDeleted",
                    f"Pod was expected by PDB {namespace}/{namespace} to be deleted but it wasn't",
                )
            else:
                if recheck is None or expected_deletion < recheck:
                    recheck = expected_deletion
                result[metadata["name"]] = stamp
        return result, recheck

    async def update_pdb_status(
        self,
        pdb: Object,
        current_healthy: int,
        desired_healthy: int,
        expected: int,
        disrupted: dict[str, str],
    ) -> None:
        allowed = current_healthy - desired_healthy
        if expected <= 0 or allowed <= 0:
            allowed = 0
        status = pdb.get("status") or {}
        generation = _meta(pdb).get("generation") or 0
        if (
            status.get("currentHealthy", 0) == current_healthy
            and status.get("desiredHealthy", 0) == desired_healthy
            and status.get("expectedPods", 0) == expected
            and status.get("disruptionsAllowed", 0) == allowed
            and (status.get("disruptedPods") or {}) == disrupted
            and status.get("observedGeneration", 0) == generation
            and conditions_are_up_to_date(pdb)
        ):
            return
        new_status: dict[str, Any] = {
            "observedGeneration": generation,
            "disruptionsAllowed": allowed,
            "currentHealthy": current_healthy,
            "desiredHealthy": desired_healthy,
            "expectedPods": expected,
            "conditions": [dict(c) for c in status.get("conditions") or ()],
        }
        if disrupted:
            new_status["disruptedPods"] = disrupted
        update_disruption_allowed_condition(new_status, self.clock.timestamp())
        await self._write_status({**pdb, "status": new_status})

    async def fail_safe(self, pdb: Object, error: str) -> None:
        """Allow no disruption when the status cannot be computed (``failSafe``)."""
        status = dict(pdb.get("status") or {})
        status["disruptionsAllowed"] = 0
        conditions = [dict(c) for c in status.get("conditions") or ()]
        set_condition(
            conditions,
            DISRUPTION_ALLOWED,
            "False",
            reason=SYNC_FAILED,
            message=error,
            now=self.clock.timestamp(),
            observed_generation=status.get("observedGeneration", 0),
        )
        status["conditions"] = conditions
        await self._write_status({**pdb, "status": status})

    async def _write_status(self, pdb: Object) -> None:
        await self.client.update(pdb, subresource="status")

    # -- stale DisruptionTarget conditions -----------------------------------------------------

    def has_stale_disruption_condition(self, pod: Object) -> tuple[bool, float]:
        """``nonTerminatingPodHasStaleDisruptionCondition``: (stale?, seconds to wait)."""
        if _meta(pod).get("deletionTimestamp"):
            return False, 0.0
        status = pod.get("status") or {}
        condition = find_condition(status.get("conditions"), "DisruptionTarget")
        if (
            condition is None
            or condition.get("status") != "True"
            or condition.get("reason") == _POD_REASON_TERMINATION_BY_KUBELET
            or status.get("phase") in ("Succeeded", "Failed")
        ):
            return False, 0.0
        since = condition.get("lastTransitionTime")
        elapsed = (self.clock.now() - parse_time(since)).total_seconds() if since else float("inf")
        return True, max(0.0, self.stale_pod_disruption_timeout.total_seconds() - elapsed)

    async def reconcile_stale_pod(self, request: Request) -> Result | None:
        """``syncStalePodDisruption``: reset the condition to False once it is stale."""
        pod = self.pod_informer.get(request.namespace, request.name)
        if pod is None:
            return None
        stale, clean_after = self.has_stale_disruption_condition(pod)
        if not stale:
            return None
        if clean_after > 0:
            return Result(requeue_after=clean_after)
        new = {**pod, "apiVersion": "v1", "kind": "Pod"}
        status = dict(pod.get("status") or {})
        conditions = [dict(c) for c in status.get("conditions") or ()]
        for condition in conditions:
            if condition.get("type") == "DisruptionTarget":
                # podutil.UpdatePodCondition: a new status, a new transition time; reason and
                # message go with the old condition
                condition.clear()
                condition.update(
                    {
                        "type": "DisruptionTarget",
                        "status": "False",
                        "lastProbeTime": None,
                        "lastTransitionTime": self.clock.timestamp(),
                    }
                )
        status["conditions"] = conditions
        new["status"] = status
        await self.client.update(new, subresource="status")
        return None


def _replicas(obj: Object) -> int:
    replicas = (obj.get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def count_healthy_pods(pods: Iterable[Object], disrupted: dict[str, str], now: datetime) -> int:
    """``countHealthyPods``: Ready pods, not terminating, not disrupted in the last two
    minutes."""
    healthy = 0
    for pod in pods:
        metadata = _meta(pod)
        if metadata.get("deletionTimestamp"):
            continue
        stamp = disrupted.get(metadata.get("name", ""))
        if stamp is not None and parse_time(stamp) + DELETION_TIMEOUT > now:
            continue
        if _is_pod_ready(pod):
            healthy += 1
    return healthy


def update_disruption_allowed_condition(status: dict[str, Any], now: str) -> None:
    """``pdbhelper.UpdateDisruptionAllowedCondition`` on a status being written."""
    conditions = status.setdefault("conditions", [])
    allowed = status.get("disruptionsAllowed", 0) > 0
    set_condition(
        conditions,
        DISRUPTION_ALLOWED,
        "True" if allowed else "False",
        reason=SUFFICIENT_PODS if allowed else INSUFFICIENT_PODS,
        now=now,
        observed_generation=status.get("observedGeneration", 0),
    )


def conditions_are_up_to_date(pdb: Object) -> bool:
    """``pdbhelper.ConditionsAreUpToDate``."""
    status = pdb.get("status") or {}
    condition = find_condition(status.get("conditions"), DISRUPTION_ALLOWED)
    if condition is None:
        return False
    if status.get("observedGeneration", 0) != (_meta(pdb).get("generation") or 0):
        return False
    if status.get("disruptionsAllowed", 0) > 0:
        return condition.get("status") == "True" and condition.get("reason") == SUFFICIENT_PODS
    return condition.get("status") == "False" and condition.get("reason") == INSUFFICIENT_PODS


def _go_selector(selector: Any) -> str:
    """A ``*metav1.LabelSelector`` as ``%v`` prints it (``&LabelSelector{MatchLabels:...}``)."""
    if selector is None:
        return "nil"
    labels = selector.get("matchLabels") or {}
    rendered = "".join(f"{k}: {labels[k]}," for k in sorted(labels))
    expressions = selector.get("matchExpressions") or []
    exprs = "".join(
        f"LabelSelectorRequirement{{Key:{e.get('key', '')},Operator:{e.get('operator', '')},"
        f"Values:[{' '.join(e.get('values') or [])}],}},"
        for e in expressions
    )
    return (
        f"&LabelSelector{{MatchLabels:map[string]string{{{rendered}}},"
        f"MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}"
    )


__all__ = [
    "COMPONENT",
    "DELETION_TIMEOUT",
    "DisruptionController",
    "count_healthy_pods",
    "scaled_value",
]
