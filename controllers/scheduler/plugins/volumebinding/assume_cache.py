"""The assume cache: an informer's objects, overlaid by the versions the scheduler assumed.

Upstream: ``framework/plugins/volumebinding/assume_cache.go`` and
``pkg/scheduler/util/assumecache`` (``AssumeCache``, ``PVAssumeCache``, ``PVCAssumeCache``).
Reserve *assumes* the PV bound to a claim (or the claim annotated with its selected node)
before any API write, so that the next pod's cycle already sees the volume taken; PreBind then
writes it, and Unreserve *restores* what the API server said.

Worked example (resourceVersions in brackets): the informer holds ``pv1[5]``; Reserve assumes
``pv1[5]`` with a ``claimRef`` -- :meth:`get` returns the assumed copy, :meth:`get_api` the
informer's. The informer then delivers ``pv1[5]`` again (a resync): the assumption stays (not
newer). It delivers ``pv1[6]`` (our own write, or anyone's): the assumption is dropped, the API
object wins, exactly as upstream's cache replaces ``latestObj`` only with a newer version. A
deletion drops it too.

Here the informer's store is the "API object" and only assumptions are kept apart, so there is
no second copy of every PV.
"""

from __future__ import annotations

from collections.abc import Callable

from minikube_py.informer import DeletedFinalStateUnknown, FuncHandler, SharedInformer
from minikube_py.objects import Object


def _version(obj: Object) -> int:
    try:
        return int((obj.get("metadata") or {}).get("resourceVersion") or 0)
    except ValueError:
        return 0


def _key(obj: Object) -> str:
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace") or ""
    name = metadata.get("name", "")
    return f"{namespace}/{name}" if namespace else name


class AssumeError(Exception):
    """``Assume`` of an object the cache does not have, or of an older version."""


class AssumeCache:
    """``AssumeCache`` over one shared informer; keys are ``namespace/name`` or ``name``."""

    def __init__(self, informer: SharedInformer, description: str) -> None:
        self.informer = informer
        self.description = description
        self._assumed: dict[str, Object] = {}
        informer.add_event_handler(FuncHandler(self._on_change, self._on_update, self._on_delete))

    # -- informer events -------------------------------------------------------------------

    def _on_change(self, obj: Object) -> None:
        key = _key(obj)
        assumed = self._assumed.get(key)
        if assumed is not None and _version(obj) > _version(assumed):
            del self._assumed[key]

    def _on_update(self, old: Object, new: Object) -> None:
        self._on_change(new)

    def _on_delete(self, obj: Object | DeletedFinalStateUnknown) -> None:
        gone = obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj
        self._assumed.pop(_key(gone), None)

    # -- reads -------------------------------------------------------------------------------

    def _api(self, key: str) -> Object | None:
        namespace, _, name = key.rpartition("/")
        return self.informer.get(namespace, name)

    def get(self, key: str) -> Object | None:
        """``Get``: the assumed version, else the API object."""
        assumed = self._assumed.get(key)
        return assumed if assumed is not None else self._api(key)

    def get_api(self, key: str) -> Object | None:
        """``GetAPIObj``: what the API server last said."""
        return self._api(key)

    def list(self, keep: Callable[[Object], bool] | None = None) -> list[Object]:
        """``List``: the latest version of every object (that ``keep`` accepts)."""
        objects = []
        for obj in self.informer.list():
            latest = self._assumed.get(_key(obj), obj)
            if keep is None or keep(latest):
                objects.append(latest)
        return objects

    # -- assumptions ---------------------------------------------------------------------------

    def assume(self, obj: Object) -> None:
        """``Assume``: take ``obj`` as the latest version until the API says otherwise."""
        key = _key(obj)
        stored = self.get(key)
        if stored is None:
            raise AssumeError(f'{self.description} "{key}" not found')
        if _version(obj) < _version(stored):
            raise AssumeError(
                f'{self.description} "{key}" is out of sync (stored: {_version(stored)}, '
                f"assume: {_version(obj)})"
            )
        self._assumed[key] = obj

    def restore(self, key: str) -> None:
        """``Restore``: forget the assumption, back to the API object."""
        self._assumed.pop(key, None)

    def is_assumed(self, key: str) -> bool:
        return key in self._assumed


__all__ = ["AssumeCache", "AssumeError"]
