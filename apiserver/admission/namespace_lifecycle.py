"""NamespaceLifecycle: no content in a missing or terminating namespace, and the system
namespaces cannot be deleted (``plugin/pkg/admission/namespace/lifecycle``)."""

from __future__ import annotations

from collections.abc import Callable

from apiserver.admission.chain import Attributes, Operation
from minikube_py.errors import Forbidden, GroupResource, NotFound
from minikube_py.objects import Object

IMMORTAL_NAMESPACES = frozenset({"default", "kube-system", "kube-public"})
_NAMESPACES = GroupResource("", "namespaces")


class NamespaceLifecycle:
    name = "NamespaceLifecycle"
    mutates = False  # its admit does nothing

    def __init__(self, lookup: Callable[[str], Object | None]) -> None:
        self._lookup = lookup

    async def admit(self, attrs: Attributes) -> None:
        return None

    async def validate(self, attrs: Attributes) -> None:
        info = attrs.info
        if (
            attrs.operation is Operation.DELETE
            and info.group == ""
            and info.resource == "namespaces"
            and attrs.name in IMMORTAL_NAMESPACES
        ):
            raise Forbidden(_NAMESPACES, attrs.name, "this namespace may not be deleted")
        # creates of subresources too: a binding or an eviction in a terminating namespace is
        # refused (kubectl drain recognises the message on pods being deleted)
        if attrs.operation is not Operation.CREATE or not info.namespaced:
            return
        namespace = self._lookup(attrs.namespace)
        if namespace is None:
            raise NotFound(_NAMESPACES, attrs.namespace)
        if (namespace.get("status") or {}).get("phase") == "Terminating":
            error = Forbidden(
                GroupResource(info.group, info.resource),
                attrs.name,
                f"unable to create new content in namespace {attrs.namespace} because it is "
                "being terminated",
            )
            assert error.details is not None
            error.details["causes"] = [
                {
                    "reason": "NamespaceTerminating",
                    "message": f"namespace {attrs.namespace} is being terminated",
                    "field": "metadata.namespace",
                }
            ]
            raise error
