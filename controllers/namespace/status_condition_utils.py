"""The namespace's deletion conditions, as upstream reports them.

Upstream ``pkg/controller/namespace/deletion/status_condition_utils.go``. Every pass of the
deleter sets all five condition types: ``True`` with a failure reason when something is wrong
or left, else ``False`` with the "ok" reason and message below. ``lastTransitionTime`` moves
only when the status does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from minikube_py.errors import GroupResource

NAMESPACE_DELETION_DISCOVERY_FAILURE = "NamespaceDeletionDiscoveryFailure"
NAMESPACE_DELETION_GV_PARSING_FAILURE = "NamespaceDeletionGroupVersionParsingFailure"
NAMESPACE_DELETION_CONTENT_FAILURE = "NamespaceDeletionContentFailure"
NAMESPACE_CONTENT_REMAINING = "NamespaceContentRemaining"
NAMESPACE_FINALIZERS_REMAINING = "NamespaceFinalizersRemaining"

#: the condition types the deleter maintains, in upstream's order
CONDITION_TYPES = (
    NAMESPACE_DELETION_DISCOVERY_FAILURE,
    NAMESPACE_DELETION_GV_PARSING_FAILURE,
    NAMESPACE_DELETION_CONTENT_FAILURE,
    NAMESPACE_CONTENT_REMAINING,
    NAMESPACE_FINALIZERS_REMAINING,
)

OK_MESSAGES = {
    NAMESPACE_DELETION_DISCOVERY_FAILURE: "All resources successfully discovered",
    NAMESPACE_DELETION_GV_PARSING_FAILURE: "All legacy kube types successfully parsed",
    NAMESPACE_DELETION_CONTENT_FAILURE: (
        "All content successfully deleted, may be waiting on finalization"
    ),
    NAMESPACE_CONTENT_REMAINING: "All content successfully removed",
    NAMESPACE_FINALIZERS_REMAINING: "All content-preserving finalizers finished",
}

OK_REASONS = {
    NAMESPACE_DELETION_DISCOVERY_FAILURE: "ResourcesDiscovered",
    NAMESPACE_DELETION_GV_PARSING_FAILURE: "ParsedGroupVersions",
    NAMESPACE_DELETION_CONTENT_FAILURE: "ContentDeleted",
    NAMESPACE_CONTENT_REMAINING: "ContentRemoved",
    NAMESPACE_FINALIZERS_REMAINING: "ContentHasNoFinalizers",
}

Condition = dict[str, Any]


@dataclass
class AllGVRDeletionMetadata:
    """``allGVRDeletionMetadata``: what is left, by resource and by finalizer."""

    gvr_to_num_remaining: dict[GroupResource, int] = field(default_factory=dict)
    finalizers_to_num_remaining: dict[str, int] = field(default_factory=dict)


@dataclass
class NamespaceConditionUpdater:
    """``namespaceConditionUpdater``: collects failures during a pass, then writes them."""

    new_conditions: list[Condition] = field(default_factory=list)
    delete_content_errors: list[Exception] = field(default_factory=list)

    def process_discover_resources_err(self, error: Exception, now: str) -> None:
        self.new_conditions.append(
            _condition(NAMESPACE_DELETION_DISCOVERY_FAILURE, "DiscoveryFailed", str(error), now)
        )

    def process_group_version_err(self, error: Exception, now: str) -> None:
        self.new_conditions.append(
            _condition(
                NAMESPACE_DELETION_GV_PARSING_FAILURE, "GroupVersionParsingFailed", str(error), now
            )
        )

    def process_delete_content_err(self, error: Exception) -> None:
        self.delete_content_errors.append(error)

    def process_content_totals(self, totals: AllGVRDeletionMetadata, now: str) -> None:
        """``ProcessContentTotals``: ``NamespaceContentRemaining`` and
        ``NamespaceFinalizersRemaining``, sorted for stable messages."""
        if totals.gvr_to_num_remaining:
            remaining = sorted(
                f"{gr.resource}.{gr.group} has {count} resource instances"
                for gr, count in totals.gvr_to_num_remaining.items()
                if count
            )
            self.new_conditions.append(
                _condition(
                    NAMESPACE_CONTENT_REMAINING,
                    "SomeResourcesRemain",
                    f"Some resources are remaining: {', '.join(remaining)}",
                    now,
                )
            )
        if totals.finalizers_to_num_remaining:
            by_finalizer = sorted(
                f"{finalizer} in {count} resource instances"
                for finalizer, count in totals.finalizers_to_num_remaining.items()
                if count
            )
            self.new_conditions.append(
                _condition(
                    NAMESPACE_FINALIZERS_REMAINING,
                    "SomeFinalizersRemain",
                    "Some content in the namespace has finalizers remaining: "
                    + ", ".join(by_finalizer),
                    now,
                )
            )

    def update(self, namespace: dict[str, Any], now: str) -> bool:
        """``Update``: write the collected conditions into ``namespace.status`` (in place);
        True when anything changed."""
        if _get_condition(self.new_conditions, NAMESPACE_DELETION_CONTENT_FAILURE) is None:
            failure = _make_delete_content_condition(self.delete_content_errors, now)
            if failure is not None:
                self.new_conditions.append(failure)
        status = namespace.setdefault("status", {})
        return update_conditions(status, self.new_conditions, now)


def update_conditions(status: dict[str, Any], new_conditions: list[Condition], now: str) -> bool:
    """``updateConditions``: every maintained type gets its new or "ok" condition."""
    conditions: list[Condition] = status.setdefault("conditions", [])
    changed = False
    for kind in CONDITION_TYPES:
        new = _get_condition(new_conditions, kind) or new_successful_condition(kind, now)
        old = _get_condition(conditions, kind)
        if old is None:
            conditions.append(new)
            changed = True
        elif (old.get("status"), old.get("message"), old.get("reason")) != (
            new["status"],
            new["message"],
            new["reason"],
        ):
            if old.get("status") != new["status"]:
                old["lastTransitionTime"] = now
            old.update(type=kind, status=new["status"], reason=new["reason"])
            old["message"] = new["message"]
            changed = True
    return changed


def new_successful_condition(kind: str, now: str) -> Condition:
    return _condition(kind, OK_REASONS[kind], OK_MESSAGES[kind], now, status="False")


def _make_delete_content_condition(errors: list[Exception], now: str) -> Condition | None:
    if not errors:
        return None
    messages = sorted(str(error) for error in errors)
    return _condition(
        NAMESPACE_DELETION_CONTENT_FAILURE,
        "ContentDeletionFailed",
        f"Failed to delete all resource types, {len(errors)} remaining: {', '.join(messages)}",
        now,
    )


def _condition(kind: str, reason: str, message: str, now: str, status: str = "True") -> Condition:
    return {
        "type": kind,
        "status": status,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }


def _get_condition(conditions: list[Condition], kind: str) -> Condition | None:
    for condition in conditions:
        if condition.get("type") == kind:
            return condition
    return None


def conditions_by_type(namespace: Mapping[str, Any]) -> dict[str, Condition]:
    """The namespace's conditions keyed by type (for readers and tests)."""
    return {c.get("type", ""): c for c in (namespace.get("status") or {}).get("conditions") or ()}
