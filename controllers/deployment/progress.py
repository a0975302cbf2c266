"""Rollout progress: the Progressing condition, ReplicaFailure, and the progress-deadline check.

Upstream: ``pkg/controller/deployment/progress.go`` (``syncRolloutStatus``,
``getReplicaFailures``, ``requeueStuckDeployment``).

During a rollout (a Deployment with ``progressDeadlineSeconds`` whose last rollout is not
complete) each sync decides the Progressing condition:

* complete (every replica updated, available, observed) -- True/``NewReplicaSetAvailable``,
  ``ReplicaSet "web-5d4f8" has successfully progressed.``;
* progressing (more updated, fewer old, more ready or more available than the status says) --
  True/``ReplicaSetUpdated``, ``ReplicaSet "web-5d4f8" is progressing.``, with a fresh
  ``lastUpdateTime`` (the clock the deadline runs on) and the old ``lastTransitionTime``;
* no progress for more than ``progressDeadlineSeconds`` since that ``lastUpdateTime`` --
  False/``ProgressDeadlineExceeded``, ``ReplicaSet "web-5d4f8" has timed out progressing.``

When nothing changed, the Deployment is requeued for the moment its deadline passes (plus one
second, as upstream, against clock skew), so a stuck rollout times out on time even when no
event arrives: with the default 600 s and a condition last updated at t, the sync at t + 601 s
reports the timeout (upstream's check is strictly after t + 600 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controllers.deployment import util
from controllers.deployment.sync import calculate_status
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.deployment.deployment_controller import DeploymentController


async def sync_rollout_status(
    dc: DeploymentController, all_rss: list[Object | None], new_rs: Object | None, d: Object
) -> None:
    """``syncRolloutStatus``."""
    now = dc.clock.timestamp()
    new_status = calculate_status(all_rss, new_rs, d, now)
    if not util.has_progress_deadline(d):
        util.remove_deployment_condition(new_status, util.PROGRESSING)

    current = util.get_deployment_condition(util.status(d), util.PROGRESSING)
    is_complete_deployment = (
        (new_status.get("replicas") or 0) == (new_status.get("updatedReplicas") or 0)
        and current is not None
        and current.get("reason") == util.NEW_RS_AVAILABLE_REASON
    )
    if util.has_progress_deadline(d) and not is_complete_deployment:
        rs_name = util.name(new_rs) if new_rs is not None else ""
        if util.deployment_complete(d, new_status):
            message = f'Deployment "{util.name(d)}" has successfully progressed.'
            if new_rs is not None:
                message = f'ReplicaSet "{rs_name}" has successfully progressed.'
            util.set_deployment_condition(
                new_status,
                util.new_deployment_condition(
                    util.PROGRESSING, "True", util.NEW_RS_AVAILABLE_REASON, message, now
                ),
            )
        elif util.deployment_progressing(d, new_status):
            message = f'Deployment "{util.name(d)}" is progressing.'
            if new_rs is not None:
                message = f'ReplicaSet "{rs_name}" is progressing.'
            condition = util.new_deployment_condition(
                util.PROGRESSING, "True", util.REPLICA_SET_UPDATED_REASON, message, now
            )
            # Progressing is special: the same reason again still moves lastUpdateTime
            if current is not None:
                if current.get("status") == "True":
                    condition["lastTransitionTime"] = current.get("lastTransitionTime")
                util.remove_deployment_condition(new_status, util.PROGRESSING)
            util.set_deployment_condition(new_status, condition)
        elif util.deployment_timed_out(d, new_status, dc.clock.now()):
            message = f'Deployment "{util.name(d)}" has timed out progressing.'
            if new_rs is not None:
                message = f'ReplicaSet "{rs_name}" has timed out progressing.'
            util.set_deployment_condition(
                new_status,
                util.new_deployment_condition(
                    util.PROGRESSING, "False", util.TIMED_OUT_REASON, message, now
                ),
            )

    failures = get_replica_failures(all_rss, new_rs)
    if failures:
        util.set_deployment_condition(new_status, failures[0])
    else:
        util.remove_deployment_condition(new_status, util.REPLICA_FAILURE)

    if util.status(d) == new_status:
        requeue_stuck_deployment(dc, d, new_status)
        return
    d["status"] = new_status
    await dc.update_status(d)


def get_replica_failures(
    all_rss: list[Object | None], new_rs: Object | None
) -> list[util.Condition]:
    """``getReplicaFailures``: the new replica set's ReplicaFailure first, else any old one's."""
    conditions = [
        util.replica_set_to_deployment_condition(c)
        for c in util.status(new_rs).get("conditions") or ()
        if isinstance(c, dict) and c.get("type") == util.REPLICA_FAILURE
    ]
    if conditions:
        return conditions
    for rs in all_rss:
        if rs is None:
            continue
        conditions.extend(
            util.replica_set_to_deployment_condition(c)
            for c in util.status(rs).get("conditions") or ()
            if isinstance(c, dict) and c.get("type") == util.REPLICA_FAILURE
        )
    return conditions


def requeue_stuck_deployment(
    dc: DeploymentController, d: Object, new_status: dict[str, object]
) -> float:
    """``requeueStuckDeployment``: look again when the progress deadline passes. Returns the
    delay, 0 when requeued (rate-limited) now, -1 when no check is needed."""
    current = util.get_deployment_condition(util.status(d), util.PROGRESSING)
    if not util.has_progress_deadline(d) or current is None:
        return -1
    if util.deployment_complete(d, new_status) or current.get("reason") == util.TIMED_OUT_REASON:
        return -1
    since = util.condition_time(current, "lastUpdateTime")
    if since is None:
        return -1
    after = since.timestamp() + util.progress_deadline_seconds(d) - dc.clock.now().timestamp()
    if after < 1:
        dc.enqueue_rate_limited(d)
        return 0
    dc.enqueue(d, after + 1)
    return after
