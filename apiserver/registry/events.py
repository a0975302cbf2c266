"""``events.k8s.io/v1`` Events: a second view of the core/v1 Events' storage.

kube-apiserver keeps one set of Events: ``events.k8s.io`` is served from the same etcd prefix
(``/registry/events``) as core/v1 ``events``, objects stored as core/v1 Events and converted on
the way in and out (``pkg/apis/events/v1/conversion.go``). So an Event recorded through one API
group is read, listed, watched, patched and deleted through the other. The fields map as

===============================  =================================
core/v1 Event                    events.k8s.io/v1 Event
===============================  =================================
``involvedObject``               ``regarding``
``message``                      ``note``
``source``                       ``deprecatedSource``
``firstTimestamp``               ``deprecatedFirstTimestamp``
``lastTimestamp``                ``deprecatedLastTimestamp``
``count``                        ``deprecatedCount``
``reportingComponent``           ``reportingController``
===============================  =================================

and ``eventTime``, ``series``, ``action``, ``reason``, ``related``, ``type``,
``reportingInstance`` keep their names. Each view serializes as Go's types do: the core/v1 type
always carries ``involvedObject``, ``source``, the timestamps (null when unset),
``reportingComponent`` and ``reportingInstance``; the events.k8s.io/v1 type always carries
``eventTime``, ``regarding``, ``deprecatedSource`` and the deprecated timestamps.

:class:`EventsV1Store` is the generic store over the shared prefix with the conversion in its
codec; :class:`EventsV1Strategy` validates as ``ValidateEventCreate``/``ValidateEventUpdate``
do for a request in ``events.k8s.io/v1`` (the strict rules: ``eventTime``,
``reportingController``, ``reportingInstance``, ``action``, ``reason`` required, ``type``
Normal or Warning, the deprecated fields unset on create) and selects on the v1 field names.
"""

from __future__ import annotations

from typing import Any

from apiserver.registry.store import RegistryStore
from apiserver.registry.strategy import Strategy
from minikube_py import field, objects
from minikube_py.field import FieldError
from minikube_py.names import is_qualified_name
from minikube_py.objects import Object

#: Where both views keep their objects (the core/v1 resource's prefix).
EVENTS_PREFIX = "/registry/events"
EVENTS_V1 = "events.k8s.io/v1"

#: core/v1 name -> events.k8s.io/v1 name, for the fields whose name differs
_RENAMED = {
    "involvedObject": "regarding",
    "message": "note",
    "source": "deprecatedSource",
    "firstTimestamp": "deprecatedFirstTimestamp",
    "lastTimestamp": "deprecatedLastTimestamp",
    "count": "deprecatedCount",
    "reportingComponent": "reportingController",
}
_BACK = {v1: core for core, v1 in _RENAMED.items()}
_SAME = ("eventTime", "series", "action", "reason", "related", "type", "reportingInstance")

_REPORTING_INSTANCE_LIMIT = 128
_ACTION_LIMIT = 128
_REASON_LIMIT = 128
_NOTE_LIMIT = 1024


def core_to_events_v1(event: Object) -> Object:
    """A stored core/v1 Event as ``events.k8s.io/v1`` shows it."""
    out: dict[str, Any] = {"kind": "Event", "apiVersion": EVENTS_V1}
    out["metadata"] = event.get("metadata") or {}
    for name in _SAME:
        if name in event:
            out[name] = event[name]
    for core, v1 in _RENAMED.items():
        if core in event:
            out[v1] = event[core]
    # Go's types: what events.k8s.io/v1 never omits, and what it omits when empty
    out.setdefault("eventTime", None)
    out["regarding"] = out.get("regarding") or {}
    out["deprecatedSource"] = out.get("deprecatedSource") or {}
    out.setdefault("deprecatedFirstTimestamp", None)
    out.setdefault("deprecatedLastTimestamp", None)
    for name in ("reportingController", "reportingInstance", "action", "reason", "note", "type"):
        if not out.get(name):
            out.pop(name, None)
    if not out.get("deprecatedCount"):
        out.pop("deprecatedCount", None)
    for name in ("series", "related"):
        if out.get(name) is None:
            out.pop(name, None)
    return out


def events_v1_to_core(event: Object) -> Object:
    """An ``events.k8s.io/v1`` Event as core/v1 stores it."""
    out: dict[str, Any] = {"kind": "Event", "apiVersion": "v1"}
    out["metadata"] = event.get("metadata") or {}
    for name in _SAME:
        if name in event:
            out[name] = event[name]
    for v1, core in _BACK.items():
        if v1 in event:
            out[core] = event[v1]
    out["involvedObject"] = out.get("involvedObject") or {}
    out["source"] = out.get("source") or {}
    out.setdefault("firstTimestamp", None)
    out.setdefault("lastTimestamp", None)
    out.setdefault("eventTime", None)
    out.setdefault("reportingComponent", "")
    out.setdefault("reportingInstance", "")
    for name in ("action", "reason", "message", "type"):
        if not out.get(name):
            out.pop(name, None)
    if not out.get("count"):
        out.pop("count", None)
    for name in ("series", "related"):
        if out.get(name) is None:
            out.pop(name, None)
    return out


class EventsV1Store(RegistryStore):
    """The generic store over core/v1 Events' keys, speaking ``events.k8s.io/v1``."""

    def _to_bytes(self, obj: Object) -> bytes:
        return super()._to_bytes(events_v1_to_core(obj))

    def _from_kv(self, value: bytes, revision: int) -> Object:  # type: ignore[override]
        obj = core_to_events_v1(objects.decode(value))
        obj["metadata"]["resourceVersion"] = str(revision)
        return obj


class EventsV1Strategy(Strategy):
    selectable = (
        "regarding.kind",
        "regarding.namespace",
        "regarding.name",
        "regarding.uid",
        "regarding.apiVersion",
        "regarding.resourceVersion",
        "regarding.fieldPath",
        "reason",
        "reportingController",
        "source",
        "type",
    )

    def fields(self, obj: Object) -> dict[str, str]:
        fields = super().fields(obj)
        regarding = obj.get("regarding") or {}
        for name in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion"):
            fields[f"regarding.{name}"] = str(regarding.get(name) or "")
        fields["regarding.fieldPath"] = str(regarding.get("fieldPath") or "")
        fields["reason"] = obj.get("reason") or ""
        fields["reportingController"] = obj.get("reportingController") or ""
        source = (obj.get("deprecatedSource") or {}).get("component") or ""
        fields["source"] = source or fields["reportingController"]
        fields["type"] = obj.get("type") or ""
        return fields

    def validate(self, obj: Object) -> list[FieldError]:
        """``ValidateEventCreate`` for an ``events.k8s.io/v1`` request."""
        errors = _legacy_validate(obj)
        errors += _validate_series(obj)
        if not obj.get("eventTime"):
            errors.append(field.required("eventTime"))
        event_type = obj.get("type") or ""
        if event_type not in ("Normal", "Warning"):
            errors.append(field.invalid("type", "", f"has invalid value: {event_type}"))
        if obj.get("deprecatedFirstTimestamp"):
            errors.append(field.invalid("deprecatedFirstTimestamp", "", "needs to be unset"))
        if obj.get("deprecatedLastTimestamp"):
            errors.append(field.invalid("deprecatedLastTimestamp", "", "needs to be unset"))
        if obj.get("deprecatedCount"):
            errors.append(field.invalid("deprecatedCount", "", "needs to be unset"))
        source = obj.get("deprecatedSource") or {}
        if source.get("component") or source.get("host"):
            errors.append(field.invalid("deprecatedSource", "", "needs to be unset"))
        return errors

    def validate_update(self, new: Object, old: Object) -> list[FieldError]:
        """``ValidateEventUpdate`` for an ``events.k8s.io/v1`` request: what an Event
        records may not change (paths named as upstream's internal type names them)."""
        errors = _legacy_validate(new)
        if new.get("series") != old.get("series"):
            errors += _validate_series(new)
        for v1_name, path in (
            ("regarding", "involvedObject"),
            ("reason", "reason"),
            ("note", "message"),
            ("deprecatedSource", "source"),
            ("deprecatedFirstTimestamp", "firstTimestamp"),
            ("deprecatedLastTimestamp", "lastTimestamp"),
            ("deprecatedCount", "count"),
            ("type", "type"),
            ("action", "action"),
            ("reportingController", "reportingController"),
            ("reportingInstance", "reportingInstance"),
            ("eventTime", "eventTime"),
            ("related", "related"),
        ):
            if new.get(v1_name) != old.get(v1_name):
                errors.append(field.invalid(path, new.get(v1_name), "field is immutable"))
        return errors


def _legacy_validate(event: Object) -> list[FieldError]:
    """``legacyValidateEvent`` (the rules every Event passes) for an events.k8s.io/v1 Event."""
    errors: list[FieldError] = []
    namespace = (event.get("metadata") or {}).get("namespace", "")
    regarding_ns = (event.get("regarding") or {}).get("namespace") or ""
    if not event.get("eventTime"):
        if not regarding_ns:
            if namespace not in ("", "default"):
                errors.append(
                    field.invalid(
                        "involvedObject.namespace", regarding_ns, "does not match event.namespace"
                    )
                )
        elif namespace != regarding_ns:
            errors.append(
                field.invalid(
                    "involvedObject.namespace", regarding_ns, "does not match event.namespace"
                )
            )
        return errors
    if not regarding_ns and namespace not in ("default", "kube-system"):
        errors.append(
            field.invalid(
                "involvedObject.namespace", regarding_ns, "does not match event.namespace"
            )
        )
    controller = event.get("reportingController") or ""
    if not controller:
        errors.append(field.required("reportingController"))
    errors += [
        field.invalid("reportingController", controller, message)
        for message in is_qualified_name(controller)
    ]
    instance = event.get("reportingInstance") or ""
    if not instance:
        errors.append(field.required("reportingInstance"))
    if len(instance) > _REPORTING_INSTANCE_LIMIT:
        errors.append(
            field.invalid(
                "reportingInstance", "", f"can have at most {_REPORTING_INSTANCE_LIMIT} characters"
            )
        )
    action = event.get("action") or ""
    if not action:
        errors.append(field.required("action"))
    if len(action) > _ACTION_LIMIT:
        errors.append(field.invalid("action", "", f"can have at most {_ACTION_LIMIT} characters"))
    reason = event.get("reason") or ""
    if not reason:
        errors.append(field.required("reason"))
    if len(reason) > _REASON_LIMIT:
        errors.append(field.invalid("reason", "", f"can have at most {_REASON_LIMIT} characters"))
    if len(event.get("note") or "") > _NOTE_LIMIT:
        errors.append(field.invalid("message", "", f"can have at most {_NOTE_LIMIT} characters"))
    return errors


def _validate_series(event: Object) -> list[FieldError]:
    """``validateV1EventSeries``: a series counts at least two and was last observed."""
    series = event.get("series")
    if series is None:
        return []
    errors: list[FieldError] = []
    if (series.get("count") or 0) < 2:
        errors.append(field.invalid("series.count", "", "should be at least 2"))
    if not series.get("lastObservedTime"):
        errors.append(field.required("series.lastObservedTime"))
    return errors


__all__ = [
    "EVENTS_PREFIX",
    "EventsV1Store",
    "EventsV1Strategy",
    "core_to_events_v1",
    "events_v1_to_core",
]
