"""The finalizer helper: "add finalizer / run cleanup / remove finalizer" in one call.

Like kube-rs's ``finalizer()``: a reconciler hands over the object and two callbacks. While
the object lives, the finalizer is added first (before ``apply`` runs, so no resource can be
created that deletion would not clean up); once it is being deleted, ``cleanup`` runs and only
when it succeeds is the finalizer removed, letting the deletion complete. Writes are
conditional on the object's resourceVersion, so a stale view fails with Conflict and the
controller retries.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from controllers.runtime.controller import Result
from minikube_py import objects
from minikube_py.client import Client
from minikube_py.objects import Object

Callback = Callable[[Object], Awaitable[Result | None]]


async def finalize(
    client: Client, obj: Object, finalizer: str, *, apply: Callback, cleanup: Callback
) -> Result | None:
    metadata = obj.get("metadata") or {}
    finalizers = list(metadata.get("finalizers") or ())
    if metadata.get("deletionTimestamp"):
        if finalizer not in finalizers:
            return None  # our cleanup already ran; others hold the object
        result = await cleanup(obj)
        updated = objects.deep_copy(obj)
        updated["metadata"]["finalizers"] = [f for f in finalizers if f != finalizer]
        await client.update(updated)
        return result
    if finalizer not in finalizers:
        updated = objects.deep_copy(obj)
        updated["metadata"]["finalizers"] = [*finalizers, finalizer]
        obj = await client.update(updated)
    return await apply(obj)
