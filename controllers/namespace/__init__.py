"""The namespace controller (kube-controller-manager's ``namespace`` controller).

Deleting a namespace makes it ``Terminating``; this controller then deletes every object in
it, waits for what finalizers or grace periods hold, reports progress in the namespace's
``status.conditions`` (``NamespaceContentRemaining``, ``NamespaceFinalizersRemaining``...) and,
once the namespace is empty, removes the ``kubernetes`` finalizer through the ``finalize``
subresource so that the API server deletes it.

Modules follow upstream's (``pkg/controller/namespace``): :mod:`.namespace_controller`
(``namespace_controller.go``), :mod:`.namespaced_resources_deleter`
(``deletion/namespaced_resources_deleter.go``) and :mod:`.status_condition_utils`
(``deletion/status_condition_utils.go``).
"""

from controllers.namespace.namespace_controller import COMPONENT, NamespaceController
from controllers.namespace.namespaced_resources_deleter import (
    DEFAULT_NAMESPACED_RESOURCES,
    FINALIZER_KUBERNETES,
    NamespacedResourcesDeleter,
    ResourcesRemainingError,
)

__all__ = [
    "COMPONENT",
    "DEFAULT_NAMESPACED_RESOURCES",
    "FINALIZER_KUBERNETES",
    "NamespaceController",
    "NamespacedResourcesDeleter",
    "ResourcesRemainingError",
]
