"""Syncing a Deployment outside a rollout: revisions, the new replica set, scaling, cleanup,
status.

Upstream: ``pkg/controller/deployment/sync.go`` (``syncStatusOnly``, ``sync``,
``checkPausedConditions``, ``getAllReplicaSetsAndSyncRevision``, ``getNewReplicaSet``,
``scale``, ``scaleReplicaSetAndRecordEvent``, ``scaleReplicaSet``, ``cleanupDeployment``,
``syncDeploymentStatus``, ``calculateStatus``, ``isScalingEvent``).

* :func:`get_new_replica_set` finds the replica set whose template is the Deployment's (the
  *new* one), raises its revision above every old one (keeping ``revision-history`` when an
  old template comes back), or -- when asked -- creates it as ``<deployment>-<hash>`` with the
  ``pod-template-hash`` label in its labels, selector and template, ``minReadySeconds``, the
  Deployment's annotations and the size :func:`~controllers.deployment.util.new_rs_new_replicas`
  allows. A name taken by a replica set with another template is a hash collision: the
  Deployment's ``status.collisionCount`` goes up and the next sync hashes differently.
* :func:`scale` is *proportional scaling*: when a Deployment is resized while several replica
  sets have pods, the difference is shared out in proportion to each one's size (recorded in
  its ``max-replicas`` annotation), largest first, the rounding leftover to the first.
* :func:`cleanup_deployment` deletes the oldest fully scaled-down replica sets beyond
  ``revisionHistoryLimit``.

Every ``ScalingReplicaSet`` Event reads as v1.32's: ``Scaled up replica set web-5d4f8 from 1
to 3`` (``from 0 to N`` when the replica set is created).
"""

from __future__ import annotations

import contextlib
import logging
from typing import TYPE_CHECKING, Any

from controllers.deployment import util
from controllers.runtime.events import NORMAL, WARNING
from controllers.runtime.owners import controller_of, controller_ref
from minikube_py.errors import AlreadyExists, NotFound, StatusError
from minikube_py.objects import Object, deep_copy

if TYPE_CHECKING:
    from controllers.deployment.deployment_controller import DeploymentController

log = logging.getLogger(__name__)

SCALING_REPLICA_SET = "ScalingReplicaSet"
NAMESPACE_TERMINATING_CAUSE = "NamespaceTerminating"


async def sync_status_only(dc: DeploymentController, d: Object, rs_list: list[Object]) -> None:
    """``syncStatusOnly``: a Deployment being deleted only has its status brought up to date."""
    new_rs, old_rss = await get_all_replica_sets_and_sync_revision(dc, d, rs_list, False)
    await sync_deployment_status(dc, [*old_rss, new_rs], new_rs, d)


async def sync(dc: DeploymentController, d: Object, rs_list: list[Object]) -> None:
    """``sync``: scaling events and paused Deployments -- resize, never roll out."""
    new_rs, old_rss = await get_all_replica_sets_and_sync_revision(dc, d, rs_list, False)
    await scale(dc, d, new_rs, old_rss)
    if util.spec(d).get("paused") and get_rollback_to(d) is None:
        await cleanup_deployment(dc, old_rss, d)
    await sync_deployment_status(dc, [*old_rss, new_rs], new_rs, d)


async def check_paused_conditions(dc: DeploymentController, d: Object) -> None:
    """``checkPausedConditions``: Progressing becomes Unknown/DeploymentPaused while paused and
    Unknown/DeploymentResumed on resume, so time spent paused never counts against the
    progress deadline."""
    if not util.has_progress_deadline(d):
        return
    d_status = d.setdefault("status", {})
    condition = util.get_deployment_condition(d_status, util.PROGRESSING)
    if condition is not None and condition.get("reason") == util.TIMED_OUT_REASON:
        return  # a reported lack of progress is not overwritten
    paused_exists = condition is not None and condition.get("reason") == util.PAUSED_DEPLOY_REASON
    paused = bool(util.spec(d).get("paused"))
    now = dc.clock.timestamp()
    if paused and not paused_exists:
        new = util.new_deployment_condition(
            util.PROGRESSING, "Unknown", util.PAUSED_DEPLOY_REASON, "Deployment is paused", now
        )
    elif not paused and paused_exists:
        new = util.new_deployment_condition(
            util.PROGRESSING, "Unknown", util.RESUMED_DEPLOY_REASON, "Deployment is resumed", now
        )
    else:
        return
    util.set_deployment_condition(d_status, new)
    await dc.update_status(d)


async def get_all_replica_sets_and_sync_revision(
    dc: DeploymentController, d: Object, rs_list: list[Object], create_if_not_existed: bool
) -> tuple[Object | None, list[Object]]:
    """``getAllReplicaSetsAndSyncRevision``: (the new replica set or None, all old ones)."""
    _, all_old = util.find_old_replica_sets(d, rs_list)
    new_rs = await get_new_replica_set(dc, d, rs_list, all_old, create_if_not_existed)
    return new_rs, all_old


def _kinded(rs: Object) -> Object:
    return {**rs, "apiVersion": "apps/v1", "kind": "ReplicaSet"}


async def get_new_replica_set(
    dc: DeploymentController,
    d: Object,
    rs_list: list[Object],
    old_rss: list[Object],
    create_if_not_existed: bool,
) -> Object | None:
    """``getNewReplicaSet``."""
    existing = util.find_new_replica_set(d, rs_list)
    new_revision = str(util.max_revision(old_rss) + 1)
    d_status = d.setdefault("status", {})
    now = dc.clock.timestamp()

    if existing is not None:
        rs_copy = _kinded(deep_copy(existing))
        annotations_updated = util.set_new_replica_set_annotations(
            d, rs_copy, new_revision, True, util.MAX_REV_HISTORY_LENGTH_IN_CHARS
        )
        min_ready = util.min_ready_seconds(d)
        if annotations_updated or util.min_ready_seconds(rs_copy) != min_ready:
            rs_copy.setdefault("spec", {})["minReadySeconds"] = min_ready
            return _kinded(await dc.client.update(rs_copy))
        needs_update = util.set_deployment_revision(
            d, util.annotations(rs_copy).get(util.REVISION_ANNOTATION, "")
        )
        condition = util.get_deployment_condition(d_status, util.PROGRESSING)
        if util.has_progress_deadline(d) and condition is None:
            message = f'Found new replica set "{util.name(rs_copy)}"'
            util.set_deployment_condition(
                d_status,
                util.new_deployment_condition(
                    util.PROGRESSING, "True", util.FOUND_NEW_RS_REASON, message, now
                ),
            )
            needs_update = True
        if needs_update:
            await dc.update_status(d)
        return rs_copy

    if not create_if_not_existed:
        return None

    d_meta = util.meta(d)
    template = util.spec(d).get("template")
    template = deep_copy(template) if isinstance(template, dict) else {}
    collision_count = d_status.get("collisionCount")
    if not isinstance(collision_count, int) or isinstance(collision_count, bool):
        collision_count = None
    pod_template_hash = util.compute_hash(template, collision_count)
    template_meta = template.get("metadata")
    if not isinstance(template_meta, dict):
        template_meta = template["metadata"] = {}
    labels = template_meta.get("labels")
    labels = {**(labels if isinstance(labels, dict) else {})}
    labels[util.POD_TEMPLATE_HASH_LABEL] = pod_template_hash
    template_meta["labels"] = labels
    selector = util.spec(d).get("selector")
    selector = deep_copy(selector) if isinstance(selector, dict) else {}
    match_labels = selector.get("matchLabels")
    selector["matchLabels"] = {
        **(match_labels if isinstance(match_labels, dict) else {}),
        util.POD_TEMPLATE_HASH_LABEL: pod_template_hash,
    }
    new_rs: Object = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            # deterministic, so that a create is idempotent
            "name": f"{d_meta.get('name', '')}-{pod_template_hash}",
            "namespace": d_meta.get("namespace", ""),
            "ownerReferences": [controller_ref(d)],
            "labels": dict(labels),
        },
        "spec": {
            "replicas": 0,
            "minReadySeconds": util.min_ready_seconds(d),
            "selector": selector,
            "template": template,
        },
    }
    new_replicas = util.new_rs_new_replicas(d, [*old_rss, new_rs], new_rs)
    new_rs["spec"]["replicas"] = new_replicas
    util.set_new_replica_set_annotations(
        d, new_rs, new_revision, False, util.MAX_REV_HISTORY_LENGTH_IN_CHARS
    )
    already_exists = False
    try:
        created = _kinded(await dc.client.create(new_rs, namespace=d_meta.get("namespace", "")))
    except AlreadyExists:
        # a slow cache, or a hash collision
        already_exists = True
        rs = dc.rs_informer.get(d_meta.get("namespace", ""), new_rs["metadata"]["name"])
        if rs is None:
            raise
        ref = controller_of(rs)
        if (
            ref is not None
            and ref.get("uid") == d_meta.get("uid")
            and util.equal_ignore_hash(util.spec(d).get("template"), util.spec(rs).get("template"))
        ):
            created = _kinded(deep_copy(rs))
        else:
            previous = collision_count or 0
            d_status["collisionCount"] = previous + 1
            try:
                await dc.update_status(d)
            except StatusError:
                pass
            else:
                log.info(
                    "found a hash collision for deployment %s - bumping collisionCount %d->%d",
                    dc.key(d),
                    previous,
                    previous + 1,
                )
            raise
    except StatusError as error:
        if _has_cause(error, NAMESPACE_TERMINATING_CAUSE):
            raise
        message = (
            f'Failed to create new replica set "{new_rs["metadata"]["name"]}": {error.message}'
        )
        if util.has_progress_deadline(d):
            util.set_deployment_condition(
                d_status,
                util.new_deployment_condition(
                    util.PROGRESSING, "False", util.FAILED_RS_CREATE_REASON, message, now
                ),
            )
            with contextlib.suppress(StatusError):  # the bigger problem is reported below
                await dc.update_status(d)
        await dc.event(d, WARNING, util.FAILED_RS_CREATE_REASON, message)
        raise
    if not already_exists and new_replicas > 0:
        await dc.event(
            d,
            NORMAL,
            SCALING_REPLICA_SET,
            f"Scaled up replica set {util.name(created)} from 0 to {new_replicas}",
        )
    needs_update = util.set_deployment_revision(d, new_revision)
    if not already_exists and util.has_progress_deadline(d):
        message = f'Created new replica set "{util.name(created)}"'
        util.set_deployment_condition(
            d_status,
            util.new_deployment_condition(
                util.PROGRESSING, "True", util.NEW_REPLICA_SET_REASON, message, now
            ),
        )
        needs_update = True
    if needs_update:
        await dc.update_status(d)
    return created


def _has_cause(error: StatusError, cause: str) -> bool:
    return any(c.get("type") == cause for c in (error.details or {}).get("causes") or ())


async def scale(
    dc: DeploymentController, d: Object, new_rs: Object | None, old_rss: list[Object]
) -> None:
    """``scale``: resize the Deployment's replica sets, proportionally when several are
    active, so that a resize never hastens (or slows) a rollout."""
    active_or_latest = util.find_active_or_latest(new_rs, old_rss)
    desired = util.replicas(d)
    if active_or_latest is not None:
        if util.replicas(active_or_latest) == desired:
            return
        await scale_replica_set_and_record_event(dc, active_or_latest, desired, d)
        return

    # the new replica set is saturated: the old ones should be fully scaled down (this handles
    # adoption during a saturated new replica set)
    if util.is_saturated(d, new_rs):
        for old in util.filter_active_replica_sets(old_rss):
            await scale_replica_set_and_record_event(dc, old, 0, d)
        return

    # several replica sets have pods and the new one is not saturated: share the change out
    if not util.is_rolling_update(d):
        return
    all_rss = util.filter_active_replica_sets([*old_rss, new_rs])
    all_replicas = util.get_replica_count_for_replica_sets(all_rss)
    allowed_size = desired + util.max_surge(d) if desired > 0 else 0
    to_add = allowed_size - all_replicas
    operation = ""
    if to_add > 0:
        all_rss = util.sort_by_size_newer(all_rss)
        operation = "up"
    elif to_add < 0:
        all_rss = util.sort_by_size_older(all_rss)
        operation = "down"
    added = 0
    sizes: dict[str, int] = {}
    for rs in all_rss:
        if to_add != 0:
            proportion = util.get_proportion(rs, d, to_add, added)
            sizes[util.name(rs)] = util.replicas(rs) + proportion
            added += proportion
        else:
            sizes[util.name(rs)] = util.replicas(rs)
    for i, rs in enumerate(all_rss):
        if i == 0 and to_add != 0:
            # leftovers go to the largest replica set
            sizes[util.name(rs)] = max(sizes[util.name(rs)] + to_add - added, 0)
        await scale_replica_set(dc, rs, sizes[util.name(rs)], d, operation)


async def scale_replica_set_and_record_event(
    dc: DeploymentController, rs: Object, new_scale: int, d: Object
) -> tuple[bool, Object]:
    """``scaleReplicaSetAndRecordEvent``: (scaled, the replica set as written)."""
    if util.replicas(rs) == new_scale:
        return False, rs
    operation = "up" if util.replicas(rs) < new_scale else "down"
    return await scale_replica_set(dc, rs, new_scale, d, operation)


async def scale_replica_set(
    dc: DeploymentController, rs: Object, new_scale: int, d: Object, operation: str
) -> tuple[bool, Object]:
    """``scaleReplicaSet``: write the size and the desired/max annotations; record
    ``ScalingReplicaSet`` when the size changed."""
    size_needs_update = util.replicas(rs) != new_scale
    desired = util.replicas(d)
    maximum = desired + util.max_surge(d)
    if not size_needs_update and not util.replicas_annotations_need_update(rs, desired, maximum):
        return False, rs
    old_scale = util.replicas(rs)
    rs_copy = _kinded(deep_copy(rs))
    rs_copy.setdefault("spec", {})["replicas"] = new_scale
    util.set_replicas_annotations(rs_copy, desired, maximum)
    written = _kinded(await dc.client.update(rs_copy))
    if size_needs_update:
        await dc.event(
            d,
            NORMAL,
            SCALING_REPLICA_SET,
            f"Scaled {operation} replica set {util.name(written)} from {old_scale} to {new_scale}",
        )
    return size_needs_update, written


async def cleanup_deployment(dc: DeploymentController, old_rss: list[Object], d: Object) -> None:
    """``cleanupDeployment``: keep the newest ``revisionHistoryLimit`` old replica sets; delete
    older ones that are fully scaled down and observed so."""
    if not util.has_revision_history_limit(d):
        return
    limit = util.spec(d).get("revisionHistoryLimit") or 0
    cleanable = [
        rs for rs in old_rss if rs is not None and not util.meta(rs).get("deletionTimestamp")
    ]
    diff = len(cleanable) - limit
    if diff <= 0:
        return
    for rs in util.sort_by_revision(cleanable)[:diff]:
        if (
            util.status_int(rs, "replicas") != 0
            or util.replicas(rs) != 0
            or (util.meta(rs).get("generation") or 0) > util.status_int(rs, "observedGeneration")
            or util.meta(rs).get("deletionTimestamp")
        ):
            continue
        log.debug("%s: cleaning up replica set %s", dc.key(d), util.name(rs))
        with contextlib.suppress(NotFound):
            await dc.client.delete(
                "replicasets", util.name(rs), namespace=util.meta(rs).get("namespace", "")
            )


async def sync_deployment_status(
    dc: DeploymentController, all_rss: list[Object | None], new_rs: Object | None, d: Object
) -> None:
    """``syncDeploymentStatus``: write the status when it changed."""
    new_status = calculate_status(all_rss, new_rs, d, dc.clock.timestamp())
    if util.status(d) == new_status:
        return
    d["status"] = new_status
    await dc.update_status(d)


def calculate_status(
    all_rss: list[Object | None], new_rs: Object | None, d: Object, now: str
) -> dict[str, Any]:
    """``calculateStatus``: counts from the replica sets' statuses and the Available
    condition (at least ``replicas - maxUnavailable`` available)."""
    available = util.get_available_replica_count_for_replica_sets(all_rss)
    total = util.get_replica_count_for_replica_sets(all_rss)
    unavailable = max(total - available, 0)
    old = util.status(d)
    new_status: dict[str, Any] = {
        "observedGeneration": util.meta(d).get("generation") or 0,
        "replicas": util.get_actual_replica_count_for_replica_sets(all_rss),
        "updatedReplicas": util.get_actual_replica_count_for_replica_sets([new_rs]),
        "readyReplicas": util.get_ready_replica_count_for_replica_sets(all_rss),
        "availableReplicas": available,
        "unavailableReplicas": unavailable,
    }
    if old.get("collisionCount") is not None:
        new_status["collisionCount"] = old["collisionCount"]
    # Go omits zero counts (omitempty): keep the object as a real server would show it
    for key in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
        if not new_status[key]:
            del new_status[key]
    if not new_status["unavailableReplicas"]:
        del new_status["unavailableReplicas"]
    conditions = [dict(c) for c in old.get("conditions") or () if isinstance(c, dict)]
    if conditions:
        new_status["conditions"] = conditions
    if available >= util.replicas(d) - util.max_unavailable(d):
        condition = util.new_deployment_condition(
            util.AVAILABLE,
            "True",
            util.MINIMUM_REPLICAS_AVAILABLE,
            "Deployment has minimum availability.",
            now,
        )
    else:
        condition = util.new_deployment_condition(
            util.AVAILABLE,
            "False",
            util.MINIMUM_REPLICAS_UNAVAILABLE,
            "Deployment does not have minimum availability.",
            now,
        )
    util.set_deployment_condition(new_status, condition)
    return new_status


async def is_scaling_event(dc: DeploymentController, d: Object, rs_list: list[Object]) -> bool:
    """``isScalingEvent``: an active replica set records a different desired size."""
    new_rs, old_rss = await get_all_replica_sets_and_sync_revision(dc, d, rs_list, False)
    for rs in util.filter_active_replica_sets([*old_rss, new_rs]):
        desired = util.get_desired_replicas_annotation(rs)
        if desired is None:
            continue
        if desired != util.replicas(d):
            return True
    return False


def get_rollback_to(d: Object) -> int | None:
    """``getRollbackTo``: the revision asked for by ``deprecated.deployment.rollback.to``
    (what apps/v1 keeps of extensions/v1beta1's ``spec.rollbackTo``); None when absent or not
    a number."""
    text = util.annotations(d).get(util.DEPRECATED_ROLLBACK_TO)
    if not text:
        return None
    return util.parse_go_int(text)
