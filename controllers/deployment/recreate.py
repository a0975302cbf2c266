"""The Recreate strategy: every old pod is gone before the first new one is created.

Upstream: ``pkg/controller/deployment/recreate.go`` (``rolloutRecreate``,
``scaleDownOldReplicaSetsForRecreate``, ``oldPodsRunning``,
``scaleUpNewReplicaSetForRecreate``).

1. scale every active old replica set to zero (and report);
2. wait while any old replica set still counts pods in its status, or any pod of an old replica
   set is not Succeeded/Failed -- terminating pods included: Recreate promises no overlap, so a
   pod still shutting down blocks the new ones (the pod-deletion handler wakes the Deployment
   once the last one is gone);
3. only then create the new replica set, already at full size, and scale it to ``replicas``;
4. clean up old revisions once complete; sync the rollout status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controllers.deployment import util
from controllers.deployment.progress import sync_rollout_status
from controllers.deployment.sync import (
    cleanup_deployment,
    get_all_replica_sets_and_sync_revision,
    scale_replica_set_and_record_event,
)
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.deployment.deployment_controller import DeploymentController


async def rollout_recreate(
    dc: DeploymentController,
    d: Object,
    rs_list: list[Object],
    pod_map: dict[str, list[Object]],
) -> None:
    """``rolloutRecreate``."""
    # no new replica set yet: it must not scale up before the old ones are down
    new_rs, old_rss = await get_all_replica_sets_and_sync_revision(dc, d, rs_list, False)
    all_rss: list[Object | None] = [*old_rss, new_rs]
    active_old = util.filter_active_replica_sets(old_rss)

    if await scale_down_old_replica_sets_for_recreate(dc, active_old, d):
        await sync_rollout_status(dc, all_rss, new_rs, d)
        return

    if old_pods_running(new_rs, old_rss, pod_map):
        await sync_rollout_status(dc, all_rss, new_rs, d)
        return

    if new_rs is None:
        new_rs, old_rss = await get_all_replica_sets_and_sync_revision(dc, d, rs_list, True)
        all_rss = [*old_rss, new_rs]
    if new_rs is not None:
        await scale_up_new_replica_set_for_recreate(dc, new_rs, d)

    if util.deployment_complete(d, util.status(d)):
        await cleanup_deployment(dc, old_rss, d)

    await sync_rollout_status(dc, all_rss, new_rs, d)


async def scale_down_old_replica_sets_for_recreate(
    dc: DeploymentController, old_rss: list[Object], d: Object
) -> bool:
    """``scaleDownOldReplicaSetsForRecreate``: every active old replica set to zero."""
    scaled = False
    for i, rs in enumerate(old_rss):
        if util.replicas(rs) == 0:
            continue
        scaled_rs, updated = await scale_replica_set_and_record_event(dc, rs, 0, d)
        if scaled_rs:
            old_rss[i] = updated
            scaled = True
    return scaled


def old_pods_running(
    new_rs: Object | None, old_rss: list[Object], pod_map: dict[str, list[Object]]
) -> bool:
    """``oldPodsRunning``: an old replica set reports pods, or a pod of one is not finished."""
    if util.get_actual_replica_count_for_replica_sets(old_rss) > 0:
        return True
    new_uid = util.uid(new_rs) if new_rs is not None else None
    for rs_uid, pods in pod_map.items():
        if rs_uid == new_uid:
            continue
        for pod in pods:
            if util.status(pod).get("phase") in ("Failed", "Succeeded"):
                continue
            return True  # running, pending, unknown: it might still run
    return False


async def scale_up_new_replica_set_for_recreate(
    dc: DeploymentController, new_rs: Object, d: Object
) -> bool:
    """``scaleUpNewReplicaSetForRecreate``."""
    scaled, _ = await scale_replica_set_and_record_event(dc, new_rs, util.replicas(d), d)
    return scaled
