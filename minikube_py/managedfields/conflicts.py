"""The 409 a server-side apply answers when it would take fields another manager owns.

Upstream builds it in two places: ``sigs.k8s.io/structured-merge-diff/v4/merge/conflict.go``
collects one ``Conflict`` per (manager, path) and
``k8s.io/apimachinery/pkg/util/managedfields/internal/conflict.go`` (``NewConflictError``)
turns them into ``errors.NewApplyConflict``: a ``Conflict`` Status whose message is the
conflict text itself (no ``Operation cannot be fulfilled`` prefix) and whose details hold only
``causes``, one ``FieldManagerConflict`` per path::

    Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .data.k

    Apply failed with 2 conflicts: conflicts with "a" using v1:
    - .data.x
    - .data.y
    conflicts with "b":
    - .spec.replicas

Managers are sorted by identifier in the message; upstream lists causes in Go map order, here
they follow the same sorted order so the error is deterministic.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from minikube_py.errors import Conflict, StatusError
from minikube_py.managedfields.fieldpath import FieldSet, Path, path_string
from minikube_py.managedfields.managers import ManagerEntry, describe_manager

#: ``metav1.CauseTypeFieldManagerConflict``
FIELD_MANAGER_CONFLICT = "FieldManagerConflict"


class ApplyConflict(Conflict):
    """``errors.NewApplyConflict``: 409 ``Conflict`` with per-field causes.

    A :class:`~minikube_py.errors.Conflict`, so ``except Conflict`` catches it; ``conflicts``
    keeps the (manager description, path) pairs for callers that want them.
    """

    def __init__(self, message: str, causes: Sequence[dict[str, str]]) -> None:
        StatusError.__init__(self, message, details={"causes": list(causes)})
        self.conflicts = tuple((c["message"], c["field"]) for c in causes)


def conflict_error(
    conflicts: Mapping[str, FieldSet], managers: Mapping[str, ManagerEntry]
) -> ApplyConflict:
    """``NewConflictError`` for the fields each manager (by identifier) would lose."""
    found: list[tuple[str, Path]] = []
    for key in sorted(conflicts):
        found.extend((key, path) for path in conflicts[key].paths())
    described = {key: describe_manager(managers[key]) for key in conflicts}
    causes = [
        {
            "reason": FIELD_MANAGER_CONFLICT,
            "message": f"conflict with {described[key]}",
            "field": path_string(path),
        }
        for key, path in found
    ]
    return ApplyConflict(_message(found, described), causes)


def _message(found: list[tuple[str, Path]], described: Mapping[str, str]) -> str:
    if len(found) == 1:
        key, path = found[0]
        return f"Apply failed with 1 conflict: conflict with {described[key]}: {path_string(path)}"
    lines: list[str] = []
    current = None
    for key, path in found:
        if key != current:
            lines.append(f"conflicts with {described[key]}:")
            current = key
        lines.append(f"- {path_string(path)}")
    return f"Apply failed with {len(found)} conflicts: " + "\n".join(lines)
