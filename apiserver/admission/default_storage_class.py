"""DefaultStorageClass: a PersistentVolumeClaim created without a class gets the default one.

Upstream: ``plugin/pkg/admission/storage/storageclass/setdefault/admission.go`` and
``pkg/volume/util/storageclass.go`` (``GetDefaultClass``). On create of a claim (not a
subresource) whose ``spec.storageClassName`` is unset -- absent or null; an empty string asks
for "no class" and is left alone -- and which has no beta ``volume.beta.kubernetes.io/
storage-class`` annotation, the plugin sets the name of the default StorageClass: one annotated
``storageclass.kubernetes.io/is-default-class: "true"`` (or the beta annotation). With several
defaults the newest wins, ties by name; with none the claim is left as it is (the PV
controller assigns a default later, when one appears).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from apiserver.admission.chain import Attributes, Operation
from minikube_py.objects import Object

IS_DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class"
BETA_IS_DEFAULT_CLASS = "storageclass.beta.kubernetes.io/is-default-class"
BETA_STORAGE_CLASS = "volume.beta.kubernetes.io/storage-class"


def is_default_class(storage_class: Object) -> bool:
    """``IsDefaultAnnotation``: either annotation set to ``"true"``."""
    annotations = (storage_class.get("metadata") or {}).get("annotations") or {}
    return annotations.get(IS_DEFAULT_CLASS) == "true" or (
        annotations.get(BETA_IS_DEFAULT_CLASS) == "true"
    )


def default_class(classes: Iterable[Object]) -> Object | None:
    """``GetDefaultClass``: the newest default class (ties: the first name), or None."""
    defaults = [c for c in classes if is_default_class(c)]
    if not defaults:
        return None
    # newest first: creationTimestamps are RFC 3339 in UTC, so they sort as strings
    defaults.sort(key=lambda c: (c.get("metadata") or {}).get("name", ""))
    defaults.sort(
        key=lambda c: (c.get("metadata") or {}).get("creationTimestamp", ""), reverse=True
    )
    return defaults[0]


class DefaultStorageClass:
    name = "DefaultStorageClass"
    validates = False  # its validate does nothing

    def __init__(self, list_classes: Callable[[], list[Object]]) -> None:
        self._list_classes = list_classes

    async def admit(self, attrs: Attributes) -> None:
        info = attrs.info
        if attrs.operation is not Operation.CREATE or info.group:
            return
        if info.resource != "persistentvolumeclaims" or attrs.subresource:
            return
        claim = attrs.obj
        if not isinstance(claim, dict):
            return
        spec = claim.get("spec")
        if not isinstance(spec, dict) or spec.get("storageClassName") is not None:
            return
        annotations = (claim.get("metadata") or {}).get("annotations") or {}
        if BETA_STORAGE_CLASS in annotations:
            return
        chosen = default_class(self._list_classes())
        if chosen is not None:
            spec["storageClassName"] = (chosen.get("metadata") or {}).get("name", "")

    async def validate(self, attrs: Attributes) -> None:
        return None
