"""Claiming pods: adopt matching orphans, release owned pods that stopped matching.

Upstream: ``pkg/controller/controller_ref_manager.go`` (``BaseControllerRefManager.ClaimObject``,
``PodControllerRefManager.ClaimPods``/``AdoptPod``/``ReleasePod``,
``RecheckDeletionTimestamp``).

For each pod, :meth:`PodControllerRefManager.claim_pods` decides:

* controlled by someone else -- not ours, left alone;
* controlled by us and matching the selector -- ours;
* controlled by us but no longer matching -- released (our ownerReference removed), unless the
  controller is being deleted;
* an orphan that matches, is not being deleted, lives in the controller's namespace, while the
  controller is not being deleted -- adopted (a controller ownerReference patched in), but only
  after a fresh read of the controller confirms it is the same object (same uid) and not being
  deleted (``canAdopt``, asked once per claim).

Both patches are strategic merge patches carrying the pod's uid, so they fail rather than touch
a pod recreated under the same name. A pod that is gone (NotFound) is simply not claimed; a
release that the API finds ``Invalid`` (the reference is already gone) is ignored as upstream.
Other errors are collected; the claimed pods are returned with the first of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence

from controllers.replicaset.pod_control import PodControl
from controllers.runtime.owners import controller_of, controller_ref
from minikube_py.errors import Invalid, NotFound, StatusError
from minikube_py.objects import Object
from minikube_py.selectors.labels import LabelSelector


class PodControllerRefManager:
    def __init__(
        self,
        pod_control: PodControl,
        controller: Object,
        selector: LabelSelector,
        can_adopt: Callable[[], Awaitable[None]],
    ) -> None:
        self.pod_control = pod_control
        self.controller = controller
        self.selector = selector
        self._can_adopt = can_adopt
        self._can_adopt_error: StatusError | None = None
        self._can_adopt_checked = False

    @property
    def _meta(self) -> dict:
        return self.controller.get("metadata") or {}

    async def can_adopt(self) -> None:
        """``CanAdopt``: checked once (``sync.Once``); raises the same error every time."""
        if not self._can_adopt_checked:
            self._can_adopt_checked = True
            try:
                await self._can_adopt()
            except StatusError as error:
                self._can_adopt_error = error
        if self._can_adopt_error is not None:
            raise self._can_adopt_error

    async def claim_pods(self, pods: Sequence[Object]) -> tuple[list[Object], StatusError | None]:
        claimed: list[Object] = []
        first_error: StatusError | None = None
        for pod in pods:
            try:
                if await self._claim_object(pod):
                    claimed.append(pod)
            except StatusError as error:
                first_error = first_error or error
        return claimed, first_error

    def _match(self, pod: Object) -> bool:
        return self.selector.matches((pod.get("metadata") or {}).get("labels") or {})

    async def _claim_object(self, pod: Object) -> bool:
        """``ClaimObject``."""
        pod_meta = pod.get("metadata") or {}
        ref = controller_of(pod)
        if ref is not None:
            if ref.get("uid") != self._meta.get("uid"):
                return False  # owned by someone else
            if self._match(pod):
                return True
            if self._meta.get("deletionTimestamp"):
                return False  # being deleted: do not release
            with contextlib.suppress(NotFound):  # gone already
                await self.release_pod(pod)
            return False
        # an orphan
        if self._meta.get("deletionTimestamp") or not self._match(pod):
            return False
        if pod_meta.get("deletionTimestamp"):
            return False  # being deleted: adopting it would not help
        namespace = self._meta.get("namespace", "")
        if namespace and namespace != pod_meta.get("namespace"):
            return False
        try:
            await self.adopt_pod(pod)
        except NotFound:
            return False
        return True

    async def adopt_pod(self, pod: Object) -> None:
        """``AdoptPod``: patch in a controller reference to us (after ``can_adopt``)."""
        await self.can_adopt()
        pod_meta = pod.get("metadata") or {}
        patch = {
            "metadata": {
                "ownerReferences": [controller_ref(self.controller)],
                "uid": pod_meta.get("uid", ""),
            }
        }
        await self.pod_control.patch_pod(pod_meta.get("namespace", ""), pod_meta["name"], patch)

    async def release_pod(self, pod: Object) -> None:
        """``ReleasePod``: delete our ownerReference by uid."""
        pod_meta = pod.get("metadata") or {}
        patch = {
            "metadata": {
                "ownerReferences": [{"$patch": "delete", "uid": self._meta.get("uid", "")}],
                "uid": pod_meta.get("uid", ""),
            }
        }
        try:
            await self.pod_control.patch_pod(pod_meta.get("namespace", ""), pod_meta["name"], patch)
        except Invalid:
            # the pod no longer has the reference, or its uid changed: nothing to release
            return
