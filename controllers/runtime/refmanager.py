"""Claiming dependents by selector: adopt matching orphans, release owned ones that stop matching.

Upstream: ``pkg/controller/controller_ref_manager.go`` (``BaseControllerRefManager.ClaimObject``,
``CanAdopt``, ``RecheckDeletionTimestamp``) -- the rules every controller that owns objects by
a label selector follows (ReplicaSets owning pods, Deployments owning ReplicaSets). For each
candidate, :meth:`ControllerRefManager.claim` decides:

* controlled by someone else -- not ours, left alone;
* controlled by us and matching the selector -- ours;
* controlled by us but no longer matching -- released (our ownerReference deleted by uid),
  unless the controller is being deleted;
* an orphan that matches, is not being deleted, lives in the controller's namespace, while the
  controller is not being deleted -- adopted (a controller ownerReference patched in), but only
  after a fresh read of the controller confirms it is the same object and not being deleted
  (``can_adopt``, asked once per claim: ``sync.Once`` upstream).

Both patches are strategic merge patches carrying the dependent's uid, so they fail rather than
touch an object recreated under the same name. A dependent that is gone (NotFound) is simply
not claimed; a release the API finds ``Invalid`` (the reference is already gone) is ignored as
upstream. Other errors are collected: the claimed objects come back with the first of them.

How a patch is sent is the one thing that differs per kind (the pod control records events on
failures), so it is passed in.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from controllers.runtime.owners import controller_of, controller_ref
from minikube_py.client import Client
from minikube_py.errors import Conflict, GroupResource, Invalid, NotFound, StatusError
from minikube_py.informer import OWNER_INDEX, SharedInformer, key_of
from minikube_py.objects import Object
from minikube_py.selectors.labels import LabelSelector

#: sends a strategic merge patch to one dependent: ``patch(dependent, body)``
Patcher = Callable[[Object, dict[str, Any]], Awaitable[object]]


def recheck_deletion_timestamp(
    client: Client, resource: str, group_resource: GroupResource, kind: str, controller: Object
) -> Callable[[], Awaitable[None]]:
    """``RecheckDeletionTimestamp``: the ``can_adopt`` check -- a fresh read of ``controller``
    (a ``resource``, e.g. ``"replicasets"``) must find the same object (uid), not being
    deleted; otherwise a Conflict, worded as upstream's."""
    metadata = controller.get("metadata") or {}
    namespace, name = metadata.get("namespace", ""), metadata.get("name", "")

    async def can_adopt() -> None:
        fresh = await client.get(resource, name, namespace=namespace)
        fresh_meta = fresh.get("metadata") or {}
        if fresh_meta.get("uid") != metadata.get("uid"):
            raise Conflict(
                group_resource,
                name,
                f"original {kind} {namespace}/{name} is gone: got uid {fresh_meta.get('uid')}, "
                f"wanted {metadata.get('uid')}",
            )
        if fresh_meta.get("deletionTimestamp"):
            raise Conflict(
                group_resource,
                name,
                f"{namespace}/{name} has just been deleted at {fresh_meta['deletionTimestamp']}",
            )

    return can_adopt


#: informer index: an object without a controller, by namespace (what a controller may adopt)
ORPHAN_INDEX = "orphans"


def _orphan_index(obj: Object) -> list[str]:
    if controller_of(obj) is not None:
        return []
    return [(obj.get("metadata") or {}).get("namespace", "")]


def index_orphans(informer: SharedInformer) -> None:
    """Give ``informer`` the orphan index :func:`claim_candidates` reads (once per informer)."""
    if ORPHAN_INDEX not in informer.indexer.index_names():
        informer.add_indexer(ORPHAN_INDEX, _orphan_index)


def claim_candidates(informer: SharedInformer, controller: Object) -> list[Object]:
    """The dependents a claim can act on: those ``controller`` owns and its namespace's orphans,
    in key order.

    Upstream lists the whole namespace and lets ``ClaimObject`` skip what another controller
    owns; the two indexes give the same claims in the same order without visiting every object
    of the namespace on each sync. ``informer`` needs :func:`index_orphans`.
    """
    metadata = controller.get("metadata") or {}
    namespace = metadata.get("namespace", "")
    indexer = informer.indexer
    owned = indexer.by_index(OWNER_INDEX, metadata.get("uid", ""))
    candidates = {
        key_of(o): o for o in owned if (o.get("metadata") or {}).get("namespace") == namespace
    }
    candidates.update((key_of(o), o) for o in indexer.by_index(ORPHAN_INDEX, namespace))
    return [candidates[key] for key in sorted(candidates)]


class ControllerRefManager:
    def __init__(
        self,
        controller: Object,
        selector: LabelSelector,
        can_adopt: Callable[[], Awaitable[None]],
        patch: Patcher,
    ) -> None:
        self.controller = controller
        self.selector = selector
        self._can_adopt = can_adopt
        self._patch = patch
        self._can_adopt_checked = False
        self._can_adopt_error: StatusError | None = None

    @property
    def _meta(self) -> dict:
        return self.controller.get("metadata") or {}

    async def can_adopt(self) -> None:
        """``CanAdopt``: checked once; raises the same error every time after."""
        if not self._can_adopt_checked:
            self._can_adopt_checked = True
            try:
                await self._can_adopt()
            except StatusError as error:
                self._can_adopt_error = error
        if self._can_adopt_error is not None:
            raise self._can_adopt_error

    async def claim(self, objects: Sequence[Object]) -> tuple[list[Object], StatusError | None]:
        """The objects that are ours after adopting and releasing; with the first error."""
        claimed: list[Object] = []
        first_error: StatusError | None = None
        uid = self._meta.get("uid")
        matches = self.selector.matches
        for obj in objects:
            # the usual case, decided without a coroutine: ours and still selected (the same
            # answer _claim_object gives; it handles everything else)
            ref = controller_of(obj)
            if ref is not None:
                if ref.get("uid") != uid:
                    continue  # owned by someone else
                if matches((obj.get("metadata") or {}).get("labels") or {}):
                    claimed.append(obj)
                    continue
            try:
                if await self._claim_object(obj):
                    claimed.append(obj)
            except StatusError as error:
                first_error = first_error or error
        return claimed, first_error

    def _match(self, obj: Object) -> bool:
        return self.selector.matches((obj.get("metadata") or {}).get("labels") or {})

    async def _claim_object(self, obj: Object) -> bool:
        """``ClaimObject``."""
        obj_meta = obj.get("metadata") or {}
        ref = controller_of(obj)
        if ref is not None:
            if ref.get("uid") != self._meta.get("uid"):
                return False  # owned by someone else
            if self._match(obj):
                return True
            if self._meta.get("deletionTimestamp"):
                return False  # being deleted: do not release
            with contextlib.suppress(NotFound):  # gone already
                await self.release(obj)
            return False
        # an orphan
        if self._meta.get("deletionTimestamp") or not self._match(obj):
            return False
        if obj_meta.get("deletionTimestamp"):
            return False  # being deleted: adopting it would not help
        namespace = self._meta.get("namespace", "")
        if namespace and namespace != obj_meta.get("namespace"):
            return False
        try:
            await self.adopt(obj)
        except NotFound:
            return False
        return True

    async def adopt(self, obj: Object) -> None:
        """``AdoptPod``/``AdoptReplicaSet``: patch in a controller reference to us."""
        await self.can_adopt()
        uid = (obj.get("metadata") or {}).get("uid", "")
        await self._patch(
            obj, {"metadata": {"ownerReferences": [controller_ref(self.controller)], "uid": uid}}
        )

    async def release(self, obj: Object) -> None:
        """``ReleasePod``/``ReleaseReplicaSet``: delete our ownerReference by uid."""
        uid = (obj.get("metadata") or {}).get("uid", "")
        ours = {"$patch": "delete", "uid": self._meta.get("uid", "")}
        try:
            await self._patch(obj, {"metadata": {"ownerReferences": [ours], "uid": uid}})
        except Invalid:
            return  # the reference is already gone, or the uid changed: nothing to release
