"""Pod writes on behalf of a controller, with the Events ``kubectl describe`` shows.

Upstream: ``pkg/controller/controller_utils.go`` (``RealPodControl``: ``CreatePods``,
``DeletePod``, ``PatchPod``; ``GetPodFromTemplate``; the ``SuccessfulCreate``,
``FailedCreate``, ``SuccessfulDelete``, ``FailedDelete`` reasons and their message wording).

A pod made from a template carries the template's labels, annotations, finalizers and spec,
``generateName: <controller>-`` and the controller reference given. Events go on the
controller object: ``Created pod: <name>`` / ``Error creating: <err>`` and
``Deleted pod: <name>`` / ``Error deleting: <err>``. No Warning is recorded when the namespace
is terminating (the ``NamespaceTerminating`` cause), as upstream.

Left out: the "unable to create pods, no labels" guard -- API validation already demands that
a ReplicaSet's selector match its template's labels, so the template always has some.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from controllers.runtime.events import NORMAL, WARNING, EventRecorder
from minikube_py import objects
from minikube_py.client import Client
from minikube_py.errors import NotFound, StatusError
from minikube_py.objects import Object

#: ``v1.NamespaceTerminatingCause``
NAMESPACE_TERMINATING_CAUSE = "NamespaceTerminating"
_MAX_NAME_LENGTH = 253


class Reason(StrEnum):
    """Event reasons of ``controller_utils.go``."""

    SUCCESSFUL_CREATE = "SuccessfulCreate"
    FAILED_CREATE = "FailedCreate"
    SUCCESSFUL_DELETE = "SuccessfulDelete"
    FAILED_DELETE = "FailedDelete"


def has_status_cause(error: StatusError, cause: str) -> bool:
    """``apierrors.HasStatusCause``."""
    return any(c.get("type") == cause for c in (error.details or {}).get("causes") or ())


def get_pods_prefix(controller_name: str) -> str:
    """``getPodsPrefix``: ``<name>-``, or the bare name when that would be too long."""
    prefix = f"{controller_name}-"
    return prefix if len(prefix) <= _MAX_NAME_LENGTH else controller_name


def get_pod_from_template(
    template: dict[str, Any], parent: Object, controller_ref: dict[str, Any] | None
) -> Object:
    """``GetPodFromTemplate``."""
    template_meta = template.get("metadata") or {}
    parent_meta = parent.get("metadata") or {}
    metadata: dict[str, Any] = {
        "generateName": get_pods_prefix(parent_meta.get("name", "")),
        "namespace": parent_meta.get("namespace", ""),
    }
    for field in ("labels", "annotations", "finalizers"):
        if template_meta.get(field):
            metadata[field] = objects.deep_copy(template_meta[field])
    if controller_ref is not None:
        metadata["ownerReferences"] = [dict(controller_ref)]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": objects.deep_copy(template.get("spec") or {}),
    }


class PodControl:
    """``RealPodControl``: pod writes through the Client, recorded as Events on the parent."""

    def __init__(self, client: Client, recorder: EventRecorder) -> None:
        self.client = client
        self.recorder = recorder

    async def create_pods(
        self,
        namespace: str,
        template: dict[str, Any],
        parent: Object,
        controller_ref: dict[str, Any] | None,
    ) -> Object:
        """``CreatePods``; raises the API's error after recording ``FailedCreate``."""
        pod = get_pod_from_template(template, parent, controller_ref)
        try:
            created = await self.client.create(pod, namespace=namespace)
        except StatusError as error:
            if not has_status_cause(error, NAMESPACE_TERMINATING_CAUSE):
                await self.recorder.event(
                    parent, WARNING, Reason.FAILED_CREATE, f"Error creating: {error.message}"
                )
            raise
        name = created["metadata"]["name"]
        await self.recorder.event(parent, NORMAL, Reason.SUCCESSFUL_CREATE, f"Created pod: {name}")
        return created

    async def delete_pod(self, namespace: str, name: str, parent: Object) -> None:
        """``DeletePod``; NotFound is raised as is, other errors after ``FailedDelete``."""
        try:
            await self.client.delete("pods", name, namespace=namespace)
        except NotFound:
            raise
        except StatusError as error:
            await self.recorder.event(
                parent, WARNING, Reason.FAILED_DELETE, f"Error deleting: {error.message}"
            )
            raise
        await self.recorder.event(parent, NORMAL, Reason.SUCCESSFUL_DELETE, f"Deleted pod: {name}")

    async def patch_pod(self, namespace: str, name: str, patch: dict[str, Any]) -> Object:
        """``PatchPod``: a strategic merge patch."""
        return await self.client.patch(
            "pods", name, patch, namespace=namespace, patch_type="strategic"
        )
