"""Owner references: controller references, and adopting or releasing dependents.

A dependent has at most one *controller* owner (``controller: true``); the garbage collector
deletes dependents whose owners are gone, and ``blockOwnerDeletion`` makes a foreground
deletion of the owner wait for them (``apimachinery/pkg/apis/meta/v1/controller_ref.go``).
"""

from __future__ import annotations

from typing import Any

from minikube_py.objects import Object


class AlreadyOwned(Exception):
    """The object already has a different controller owner."""


def controller_ref(owner: Object, *, block_owner_deletion: bool = True) -> dict[str, Any]:
    """``metav1.NewControllerRef``."""
    metadata = owner.get("metadata") or {}
    return {
        "apiVersion": owner.get("apiVersion", ""),
        "kind": owner.get("kind", ""),
        "name": metadata.get("name", ""),
        "uid": metadata.get("uid", ""),
        "controller": True,
        "blockOwnerDeletion": block_owner_deletion,
    }


def controller_of(obj: Object) -> dict[str, Any] | None:
    """``metav1.GetControllerOf``."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def is_controlled_by(obj: Object, owner: Object) -> bool:
    ref = controller_of(obj)
    return ref is not None and ref.get("uid") == (owner.get("metadata") or {}).get("uid")


def set_controller_reference(owner: Object, obj: Object) -> None:
    """Make ``owner`` the controller of ``obj`` (in place); refuse to steal it."""
    current = controller_of(obj)
    owner_uid = (owner.get("metadata") or {}).get("uid")
    if current is not None and current.get("uid") != owner_uid:
        raise AlreadyOwned(
            f"Object {obj['metadata'].get('namespace', '')}/{obj['metadata'].get('name')} is "
            f"already owned by another {current.get('kind')} controller {current.get('name')}"
        )
    refs = [
        r
        for r in (obj.setdefault("metadata", {}).get("ownerReferences") or ())
        if r.get("uid") != owner_uid
    ]
    refs.append(controller_ref(owner))
    obj["metadata"]["ownerReferences"] = refs


def release(obj: Object, owner: Object) -> bool:
    """Drop ``owner`` from ``obj``'s owner references (in place); True when it was there."""
    owner_uid = (owner.get("metadata") or {}).get("uid")
    metadata = obj.get("metadata") or {}
    refs = metadata.get("ownerReferences") or []
    kept = [r for r in refs if r.get("uid") != owner_uid]
    if len(kept) == len(refs):
        return False
    if kept:
        metadata["ownerReferences"] = kept
    else:
        metadata.pop("ownerReferences", None)
    return True
