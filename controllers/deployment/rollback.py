"""Rolling back to a revision through ``deprecated.deployment.rollback.to``.

Upstream: ``pkg/controller/deployment/rollback.go`` (``rollback``, ``rollbackToTemplate``,
``emitRollbackWarningEvent``, ``emitRollbackNormalEvent``,
``updateDeploymentAndClearRollbackTo``, ``getRollbackTo``/``setRollbackTo``).

apps/v1 has no ``spec.rollbackTo``; the old extensions/v1beta1 field survives as the
``deprecated.deployment.rollback.to`` annotation, and the controller still honours it: revision
0 means the previous one. The Deployment's template (minus the pod-template-hash label) and
annotations are copied from the replica set of that revision, the annotation is removed, and the
change rolls out like any other -- the old replica set becomes the new one again, at a new
revision, its former revisions kept in ``revision-history``.

kubectl 1.32's ``rollout undo`` does not use this path: it reads the replica sets itself and
sends a JSON patch of ``/spec/template`` and ``/metadata/annotations`` (the server sees an
ordinary template change). Both end in the same place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from controllers.deployment import util
from controllers.deployment.sync import get_all_replica_sets_and_sync_revision, get_rollback_to
from controllers.runtime.events import NORMAL, WARNING
from minikube_py.objects import Object

if TYPE_CHECKING:
    from controllers.deployment.deployment_controller import DeploymentController


async def rollback(dc: DeploymentController, d: Object, rs_list: list[Object]) -> None:
    """``rollback``: roll back to the asked revision; in any case clear the request."""
    new_rs, all_old = await get_all_replica_sets_and_sync_revision(dc, d, rs_list, True)
    all_rss: list[Object] = [rs for rs in [*all_old, new_rs] if rs is not None]
    to_revision = get_rollback_to(d) or 0
    if to_revision == 0:
        to_revision = util.last_revision(all_rss)
        if to_revision == 0:
            await emit_rollback_warning_event(
                dc, d, util.ROLLBACK_REVISION_NOT_FOUND, "Unable to find last revision."
            )
            await update_deployment_and_clear_rollback_to(dc, d)
            return
    for rs in all_rss:
        if util.revision(rs) == to_revision:
            performed = await rollback_to_template(dc, d, rs)
            if performed:
                await emit_rollback_normal_event(
                    dc, d, f'Rolled back deployment "{util.name(d)}" to revision {to_revision}'
                )
            return
    await emit_rollback_warning_event(
        dc, d, util.ROLLBACK_REVISION_NOT_FOUND, "Unable to find the revision to rollback to."
    )
    await update_deployment_and_clear_rollback_to(dc, d)


async def rollback_to_template(dc: DeploymentController, d: Object, rs: Object) -> bool:
    """``rollbackToTemplate``: take the replica set's template and annotations unless the
    template is already the Deployment's; clear the request either way."""
    performed = False
    if not util.equal_ignore_hash(util.spec(d).get("template"), util.spec(rs).get("template")):
        util.set_from_replica_set_template(d, util.spec(rs).get("template"))
        # the change-cause (and other annotations) of that revision come back with it
        util.set_deployment_annotations_to(d, rs)
        performed = True
    else:
        await emit_rollback_warning_event(
            dc,
            d,
            util.ROLLBACK_TEMPLATE_UNCHANGED,
            "The rollback revision contains the same template as current deployment "
            f'"{util.name(d)}"',
        )
    await update_deployment_and_clear_rollback_to(dc, d)
    return performed


async def emit_rollback_warning_event(
    dc: DeploymentController, d: Object, reason: str, message: str
) -> None:
    await dc.event(d, WARNING, reason, message)


async def emit_rollback_normal_event(dc: DeploymentController, d: Object, message: str) -> None:
    await dc.event(d, NORMAL, util.ROLLBACK_DONE, message)


async def update_deployment_and_clear_rollback_to(dc: DeploymentController, d: Object) -> None:
    """``updateDeploymentAndClearRollbackTo``: an update of the whole Deployment (its template
    may have changed) without the rollback annotation."""
    notes = util.meta(d).get("annotations")
    if isinstance(notes, dict):
        notes.pop(util.DEPRECATED_ROLLBACK_TO, None)
    await dc.client.update(d)
