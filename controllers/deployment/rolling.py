"""The RollingUpdate strategy: surge the new replica set, drain the old ones, within bounds.

Upstream: ``pkg/controller/deployment/rolling.go`` (``rolloutRolling``,
``reconcileNewReplicaSet``, ``reconcileOldReplicaSets``, ``cleanupUnhealthyReplicas``,
``scaleDownOldReplicaSetsForRollingUpdate``).

One sync does one step and reports it:

1. scale the new replica set up as far as ``replicas + maxSurge`` (summed over every replica
   set's ``spec.replicas``) allows, never beyond ``replicas``; or, if it is too big, down;
2. otherwise scale old replica sets down: first their *unhealthy* replicas (not available:
   deleting them cannot lower availability), then healthy ones -- but only as far as keeps
   ``replicas - maxUnavailable`` available, counting the new replica set's unavailable pods
   against the budget (``maxScaledDown = allPods - minAvailable - newRSUnavailable``);
3. once the rollout is complete, clean up old revisions beyond ``revisionHistoryLimit``;
4. sync the rollout status (:mod:`~controllers.deployment.progress`).

Worked example (10 replicas, maxSurge 3, maxUnavailable 2, every old pod available): the new
replica set starts at 3 (13 in all); old can go to 8 (13 - 8 - 3 new unavailable = 2); as new
pods become available, old shrinks and new grows, never above 13 pods nor below 8 available.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from controllers.deployment import util
from controllers.deployment.progress import sync_rollout_status
from controllers.deployment.sync import (
    cleanup_deployment,
    get_all_replica_sets_and_sync_revision,
    scale_replica_set_and_record_event,
)
from minikube_py.errors import StatusError
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.deployment.deployment_controller import DeploymentController

log = logging.getLogger(__name__)


class InvalidScaleRequest(Exception):
    """A computed scale-down that would grow a replica set (upstream's "invalid request")."""


async def rollout_rolling(dc: DeploymentController, d: Object, rs_list: list[Object]) -> None:
    """``rolloutRolling``."""
    new_rs, old_rss = await get_all_replica_sets_and_sync_revision(dc, d, rs_list, True)
    if new_rs is None:  # cannot happen once created; keep the type checker honest
        return
    all_rss: list[Object | None] = [*old_rss, new_rs]

    if await reconcile_new_replica_set(dc, all_rss, new_rs, d):
        await sync_rollout_status(dc, all_rss, new_rs, d)
        return

    if await reconcile_old_replica_sets(
        dc, all_rss, util.filter_active_replica_sets(old_rss), new_rs, d
    ):
        await sync_rollout_status(dc, all_rss, new_rs, d)
        return

    if util.deployment_complete(d, util.status(d)):
        await cleanup_deployment(dc, old_rss, d)

    await sync_rollout_status(dc, all_rss, new_rs, d)


async def reconcile_new_replica_set(
    dc: DeploymentController, all_rss: list[Object | None], new_rs: Object, d: Object
) -> bool:
    """``reconcileNewReplicaSet``: True when the new replica set was scaled."""
    desired = util.replicas(d)
    if util.replicas(new_rs) == desired:
        return False
    if util.replicas(new_rs) > desired:
        scaled, _ = await scale_replica_set_and_record_event(dc, new_rs, desired, d)
        return scaled
    new_replicas = util.new_rs_new_replicas(d, all_rss, new_rs)
    scaled, _ = await scale_replica_set_and_record_event(dc, new_rs, new_replicas, d)
    return scaled


async def reconcile_old_replica_sets(
    dc: DeploymentController,
    all_rss: list[Object | None],
    old_rss: list[Object],
    new_rs: Object,
    d: Object,
) -> bool:
    """``reconcileOldReplicaSets``: True when an old replica set was scaled down."""
    old_pods = util.get_replica_count_for_replica_sets(old_rss)
    if old_pods == 0:
        return False  # nothing left to scale down
    all_pods = util.get_replica_count_for_replica_sets(all_rss)
    min_available = util.replicas(d) - util.max_unavailable(d)
    new_rs_unavailable = util.replicas(new_rs) - util.status_int(new_rs, "availableReplicas")
    max_scaled_down = all_pods - min_available - new_rs_unavailable
    if max_scaled_down <= 0:
        return False

    # unhealthy replicas first: otherwise they block the rollout until it times out. As
    # upstream, a failure here ends the step quietly (the status sync still runs; the next
    # event brings another try).
    try:
        old_rss, cleanup_count = await cleanup_unhealthy_replicas(dc, old_rss, d, max_scaled_down)
    except (StatusError, InvalidScaleRequest) as error:
        log.debug("%s: cleaning up unhealthy replicas: %s", dc.key(d), error)
        return False

    # then healthy ones, as far as maxUnavailable allows
    all_rss = [*old_rss, new_rs]
    try:
        scaled_down = await scale_down_old_replica_sets_for_rolling_update(dc, all_rss, old_rss, d)
    except (StatusError, InvalidScaleRequest) as error:
        log.debug("%s: scaling down old replica sets: %s", dc.key(d), error)
        return False
    return cleanup_count + scaled_down > 0


async def cleanup_unhealthy_replicas(
    dc: DeploymentController, old_rss: list[Object], d: Object, max_cleanup_count: int
) -> tuple[list[Object], int]:
    """``cleanupUnhealthyReplicas``: scale old replica sets down by their unavailable
    replicas, oldest first, at most ``max_cleanup_count`` in all. The ReplicaSet controller
    deletes not-ready, unscheduled and pending pods first, so availability does not drop."""
    old_rss = util.sort_by_creation_timestamp(old_rss)
    total_scaled_down = 0
    for i, target in enumerate(old_rss):
        if total_scaled_down >= max_cleanup_count:
            break
        size = util.replicas(target)
        if size == 0:
            continue
        available = util.status_int(target, "availableReplicas")
        if size == available:
            continue  # no unhealthy replicas
        scaled_down_count = min(max_cleanup_count - total_scaled_down, size - available)
        new_count = size - scaled_down_count
        if new_count > size:
            # a stale status can report more available replicas than the spec asks for
            raise InvalidScaleRequest(
                f"when cleaning up unhealthy replicas, got invalid request to scale down "
                f"{util.meta(target).get('namespace')}/{util.name(target)} {size} -> {new_count}"
            )
        _, updated = await scale_replica_set_and_record_event(dc, target, new_count, d)
        total_scaled_down += scaled_down_count
        old_rss[i] = updated
    return old_rss, total_scaled_down


async def scale_down_old_replica_sets_for_rolling_update(
    dc: DeploymentController, all_rss: list[Object | None], old_rss: list[Object], d: Object
) -> int:
    """``scaleDownOldReplicaSetsForRollingUpdate``: scale old replica sets down, oldest first,
    by as many as are available above ``replicas - maxUnavailable``."""
    min_available = util.replicas(d) - util.max_unavailable(d)
    available = util.get_available_replica_count_for_replica_sets(all_rss)
    if available <= min_available:
        return 0
    total_scaled_down = 0
    total_to_scale_down = available - min_available
    for target in util.sort_by_creation_timestamp(old_rss):
        if total_scaled_down >= total_to_scale_down:
            break
        size = util.replicas(target)
        if size == 0:
            continue
        count = min(size, total_to_scale_down - total_scaled_down)
        await scale_replica_set_and_record_event(dc, target, size - count, d)
        total_scaled_down += count
    return total_scaled_down
