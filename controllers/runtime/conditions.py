"""Status conditions with upstream's rules (``apimachinery/pkg/api/meta/conditions.go``).

``lastTransitionTime`` moves only when ``status`` changes -- not when the reason or message do --
and ``observedGeneration`` records which ``metadata.generation`` the condition describes.
"""

from __future__ import annotations

from typing import Any

Condition = dict[str, Any]


def find_condition(conditions: list[Condition] | None, kind: str) -> Condition | None:
    for condition in conditions or ():
        if condition.get("type") == kind:
            return condition
    return None


def is_true(conditions: list[Condition] | None, kind: str) -> bool:
    condition = find_condition(conditions, kind)
    return condition is not None and condition.get("status") == "True"


def set_condition(
    conditions: list[Condition],
    kind: str,
    status: str,
    *,
    reason: str,
    message: str = "",
    now: str,
    observed_generation: int | None = None,
) -> bool:
    """Set a condition in place (``meta.SetStatusCondition``); True when anything changed."""
    if status not in ("True", "False", "Unknown"):
        raise ValueError(f"condition status must be True, False or Unknown, not {status!r}")
    existing = find_condition(conditions, kind)
    wanted: Condition = {"type": kind, "status": status, "reason": reason, "message": message}
    if observed_generation is not None:
        wanted["observedGeneration"] = observed_generation
    if existing is None:
        wanted["lastTransitionTime"] = now
        conditions.append(wanted)
        return True
    changed = False
    if existing.get("status") != status:
        existing["status"] = status
        existing["lastTransitionTime"] = now
        changed = True
    for key in ("reason", "message", "observedGeneration"):
        if key in wanted and existing.get(key) != wanted[key]:
            existing[key] = wanted[key]
            changed = True
    return changed


def remove_condition(conditions: list[Condition], kind: str) -> bool:
    for i, condition in enumerate(conditions):
        if condition.get("type") == kind:
            del conditions[i]
            return True
    return False
