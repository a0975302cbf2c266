"""Claiming ReplicaSets for a Deployment: adopt matching orphans, release owned ones that stopped
matching.

Upstream: ``pkg/controller/controller_ref_manager.go`` (``ReplicaSetControllerRefManager``:
``ClaimReplicaSets``, ``AdoptReplicaSet``, ``ReleaseReplicaSet``; ``BaseControllerRefManager``
``ClaimObject``; ``RecheckDeletionTimestamp``) and ``RealRSControl.PatchReplicaSet``.

The rules are the pods' (see :mod:`controllers.replicaset.ref_manager`): a replica set owned by
another controller is left alone; one owned by us stays ours while it matches the selector and
is released (our ownerReference deleted by uid) when it stops matching, unless the Deployment
is being deleted; an orphan that matches, lives in our namespace and is not being deleted is
adopted -- after one fresh read of the Deployment confirms it is still the same object and not
being deleted. Every patch is a strategic merge patch carrying the replica set's uid, so it
fails rather than touch a replica set recreated under the same name.

Errors are collected: the claimed replica sets are returned with the first error, which the
sync returns (upstream aggregates them and abandons the sync the same way).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence

from controllers.runtime.owners import controller_of, controller_ref
from minikube_py.client import Client
from minikube_py.errors import Invalid, NotFound, StatusError
from minikube_py.objects import Object
from minikube_py.selectors.labels import LabelSelector


class ReplicaSetControllerRefManager:
    def __init__(
        self,
        client: Client,
        controller: Object,
        selector: LabelSelector,
        can_adopt: Callable[[], Awaitable[None]],
    ) -> None:
        self.client = client
        self.controller = controller
        self.selector = selector
        self._can_adopt = can_adopt
        self._checked = False
        self._can_adopt_error: StatusError | None = None

    @property
    def _meta(self) -> dict:
        return self.controller.get("metadata") or {}

    async def can_adopt(self) -> None:
        """``CanAdopt``: asked once per claim; the same error every time after."""
        if not self._checked:
            self._checked = True
            try:
                await self._can_adopt()
            except StatusError as error:
                self._can_adopt_error = error
        if self._can_adopt_error is not None:
            raise self._can_adopt_error

    async def claim_replica_sets(
        self, sets: Sequence[Object]
    ) -> tuple[list[Object], StatusError | None]:
        """``ClaimReplicaSets``."""
        claimed: list[Object] = []
        first_error: StatusError | None = None
        for rs in sets:
            try:
                if await self._claim_object(rs):
                    claimed.append(rs)
            except StatusError as error:
                first_error = first_error or error
        return claimed, first_error

    def _match(self, rs: Object) -> bool:
        return self.selector.matches((rs.get("metadata") or {}).get("labels") or {})

    async def _claim_object(self, rs: Object) -> bool:
        """``ClaimObject``."""
        rs_meta = rs.get("metadata") or {}
        ref = controller_of(rs)
        if ref is not None:
            if ref.get("uid") != self._meta.get("uid"):
                return False  # someone else's
            if self._match(rs):
                return True
            if self._meta.get("deletionTimestamp"):
                return False  # being deleted: do not release
            with contextlib.suppress(NotFound):
                await self.release_replica_set(rs)
            return False
        if self._meta.get("deletionTimestamp") or not self._match(rs):
            return False
        if rs_meta.get("deletionTimestamp"):
            return False
        if self._meta.get("namespace") != rs_meta.get("namespace"):
            return False
        try:
            await self.adopt_replica_set(rs)
        except NotFound:
            return False
        return True

    async def adopt_replica_set(self, rs: Object) -> None:
        """``AdoptReplicaSet``: patch in a controller reference to the Deployment."""
        await self.can_adopt()
        rs_meta = rs.get("metadata") or {}
        patch = {
            "metadata": {
                "ownerReferences": [controller_ref(self.controller)],
                "uid": rs_meta.get("uid", ""),
            }
        }
        await self.client.patch(
            "replicasets",
            rs_meta.get("name", ""),
            patch,
            namespace=rs_meta.get("namespace", ""),
            patch_type="strategic",
        )

    async def release_replica_set(self, rs: Object) -> None:
        """``ReleaseReplicaSet``: delete our ownerReference by uid."""
        rs_meta = rs.get("metadata") or {}
        patch = {
            "metadata": {
                "ownerReferences": [{"$patch": "delete", "uid": self._meta.get("uid", "")}],
                "uid": rs_meta.get("uid", ""),
            }
        }
        try:
            await self.client.patch(
                "replicasets",
                rs_meta.get("name", ""),
                patch,
                namespace=rs_meta.get("namespace", ""),
                patch_type="strategic",
            )
        except Invalid:
            return  # the reference is already gone, or the uid changed
