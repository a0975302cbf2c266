"""Recording who owns which fields on every write, and server-side apply.

Two entry points, one per kind of write:

- :func:`update_managed_fields` -- for create, update and the non-apply patches (upstream
  ``FieldManager.UpdateNoErrors``). The writer becomes the owner of every field it added or
  changed; everyone else loses the fields it changed or removed.
- :func:`apply` -- for ``application/apply-patch+yaml`` (upstream ``FieldManager.Apply``). The
  configuration is merged into the live object by the schema, fields the manager applied last
  time and dropped now are pruned unless someone else owns them, and changing a field another
  manager owns is a conflict unless forced.

Upstream composes these from a stack of wrappers (``internal/fieldmanager.go``,
``NewDefaultFieldManager``); the steps below keep their order, each named after its file::

    FieldManager            decode the live entries (or the request's, for updates)
    versioncheck.go         apply body of the wrong apiVersion/kind  -> 400
    lastappliedupdater.go   after apply by "kubectl": refresh the CSA annotation
    lastappliedmanager.go   on conflicts for "kubectl": excuse what the annotation shows
    skipnonapplied.go       untracked object: updates stay untracked; apply first records
                            the existing fields as "before-first-apply"
    capmanagers.go          after updates: at most 10 Update entries
    buildmanagerinfo.go     the writer's identity (manager, operation, version, subresource)
    managedfieldsupdater.go updates own what they changed; time set when ownership changed
    stripmeta.go            name, uid, resourceVersion, ... are never owned
    structuredmerge.go      managedFields in an apply body -> 400; unwalkable body -> 500
    merge/update.go (SMD)   compare, conflicts, merge, prune

What stays at the edge (the HTTP handler and the registry), with upstream's wording:

- ``PatchOptions`` validation, 422 ``PatchOptions.meta.k8s.io "" is invalid: fieldManager:
  Required value: is required for apply patch`` and ``force: Forbidden: may not be specified
  for non-apply patch`` -- :func:`patch_options_errors` builds the field errors;
- the default manager name from the User-Agent -- :func:`manager_or_user_agent`;
- decoding the body (400 ``error decoding YAML: ...``), ``fieldValidation`` of unknown fields
  (400 ``error strict decoding YAML: ...``), the URL/body name check, 201 versus 200;
- what the strategy resets: ``status`` on main-resource writes, ``spec`` on ``/status``
  (``ResetFieldsStrategy.GetResetFields``) -- pass it as ``reset_fields``; changes there are
  neither owned nor conflicts, and the strategy restores the old values itself;
- defaulting of the applied result, admission, and restoring managedFields timestamps on a
  write that changed nothing (``IgnoreManagedFieldsTimestampsTransformer``).

Left out: conversion between API versions (every manager's set is read against the one schema
given), the ``scale`` subresource's translation of ownership (``scalehandler.go``),
``reconcileManagedFieldsWithSchemaChanges`` (schemas do not change under a running object
here), and rejecting fields the schema does not declare (they are walked as untyped data; see
``typed``).

Both functions are pure: they never modify their arguments and return values that share no
container with them.

A create (nobody owns anything yet, the old object is the kind's empty one) takes a shortcut,
:func:`_first_owner`: the writer's ``FieldsV1`` comes straight from the object, in one walk,
instead of from comparing, filtering and encoding sets: the same entry, for a fraction of the work.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, Final

from minikube_py.errors import BadRequest, StatusError
from minikube_py.field import FieldError, invalid, required, too_long
from minikube_py.field import forbidden as forbidden_error
from minikube_py.managedfields.conflicts import conflict_error
from minikube_py.managedfields.fieldpath import FieldSet
from minikube_py.managedfields.firstowner import FirstOwnerMemo
from minikube_py.managedfields.lastapplied import (
    KUBECTL_MANAGER,
    allowed_conflicts,
    build_last_applied,
    has_last_applied,
    set_last_applied,
)
from minikube_py.managedfields.managers import (
    APPLY,
    STRIPPED_FIELDS,
    UPDATE,
    ManagedFieldsError,
    ManagerEntry,
    cap_update_managers,
    decode_managed_fields,
    encode_managed_fields,
    identifier,
    strip_meta,
    wire_entry,
)
from minikube_py.managedfields.typed import (
    Comparison,
    TypedError,
    compare,
    ensure_named_fields_are_members,
    field_set,
    merge,
    owned_fields_v1_from_empty,
    remove_items,
)
from minikube_py.managedfields.validation import format_errors, validate
from minikube_py.patch._values import clone
from minikube_py.typeinfo import UNKNOWN, TypeNode

#: who owns the fields of an object that was never tracked, when it is first applied to
BEFORE_FIRST_APPLY: Final = "before-first-apply"
#: ``validation.FieldManagerMaxLength``
FIELD_MANAGER_MAX_LENGTH: Final = 128

_Managers = dict[str, ManagerEntry]


class _Conflicts(Exception):
    """Fields other managers own that an apply would change, by manager identifier."""

    def __init__(self, conflicts: dict[str, FieldSet], managers: _Managers) -> None:
        super().__init__("apply conflicts")
        self.conflicts = conflicts
        self.managers = managers


# --------------------------------------------------------------------------- updates


def update_managed_fields(
    live_old: Mapping[str, Any] | None,
    live_new: Mapping[str, Any],
    managed_fields: Sequence[Mapping[str, Any]] | None,
    manager: str,
    api_version: str,
    now: str,
    *,
    schema: TypeNode = UNKNOWN,
    subresource: str = "",
    reset_fields: FieldSet | None = None,
) -> list[dict[str, Any]]:
    """The ``metadata.managedFields`` to store after a non-apply write (operation ``Update``).

    ``live_old`` is the stored object, or None on create (upstream compares against the kind's
    empty object then; pass a skeleton such as ``{"metadata": {}, "spec": {}}`` instead of
    None to mimic a built-in kind's zero value). ``live_new`` is the object about to be stored.
    ``managed_fields`` are the stored entries (None: ``live_old``'s); entries the client put in
    ``live_new`` replace them on main-resource writes, and ``[]`` (or ``[{}]``) there resets
    them. ``now`` is an RFC 3339 time (``2024-05-01T10:00:00Z``), given to the entry whose
    ownership changed. An empty result means "no managedFields": remove the field.

    Like upstream's ``UpdateNoErrors`` this never fails: an object that cannot be walked with
    its schema ends up without managedFields.
    """
    if managed_fields is None and live_old is not None:
        managed_fields = _managed_fields_of(live_old)
    managers = _decode_live_or_new(managed_fields, live_new, subresource)
    creating = live_old is None or not _uid(live_old)
    if not managers and not creating:
        return []  # skipnonapplied: an untracked object stays untracked until applied
    try:
        if not managers:
            first = _first_owner(
                live_old,
                live_new,
                manager or "unknown",
                api_version,
                subresource,
                now,
                schema,
                reset_fields,
            )
            if first is not None:
                return first
        managers = _update(
            {} if live_old is None else live_old,
            live_new,
            managers,
            manager or "unknown",
            api_version,
            subresource,
            now,
            schema,
            reset_fields,
        )
    except TypedError:
        return []
    cap_update_managers(managers)
    return encode_managed_fields(managers)


def _decode_live_or_new(
    stored: Sequence[Mapping[str, Any]] | None, new: Mapping[str, Any], subresource: str
) -> _Managers:
    """``decodeLiveOrNew``; undecodable entries count as none."""
    if not subresource:
        requested = _managed_fields_of(new)
        if isinstance(requested, list) and (
            not requested or (len(requested) == 1 and not requested[0])
        ):
            return {}  # isResetManagedFields
        if requested and requested != stored:  # a client that echoes them changes nothing
            try:
                managers = decode_managed_fields(requested, canonical=False)
            except ManagedFieldsError:
                managers = {}
            if managers:
                return managers
    try:
        return decode_managed_fields(stored)
    except ManagedFieldsError:
        return {}


def _update(
    live: Mapping[str, Any],
    new: Mapping[str, Any],
    managers: _Managers,
    manager: str,
    api_version: str,
    subresource: str,
    now: str,
    schema: TypeNode,
    reset: FieldSet | None,
) -> _Managers:
    """managedfieldsupdater.go + stripmeta.go + SMD ``Updater.Update``."""
    comparison = compare(_without_managed_fields(live), _without_managed_fields(new), schema)
    comparison = comparison.filtered(reset)
    managers = _take_changed(managers, comparison, skip=None, force=True)
    owned = comparison.modified.union(comparison.added).difference(STRIPPED_FIELDS)
    if owned:
        key = identifier(manager, UPDATE, api_version, subresource)
        previous = managers.get(key)
        if previous is not None:
            owned = owned.union(previous.fields)
        managers[key] = ManagerEntry(manager, UPDATE, api_version, subresource, now, owned)
    return managers


def _first_owner(
    live_old: Mapping[str, Any] | None,
    live_new: Mapping[str, Any],
    manager: str,
    api_version: str,
    subresource: str,
    now: str,
    schema: TypeNode,
    reset: FieldSet | None,
) -> list[dict[str, Any]] | None:
    """The entries :func:`_update` and the encoding make when nobody owned anything and the old
    object is the kind's empty one (a create): one ``Update`` entry holding what the writer set,
    or none. None when :func:`~minikube_py.managedfields.typed.owned_fields_v1_from_empty`
    does not apply; raises :class:`TypedError` as :func:`_update` would.

    With no managers, ``_take_changed`` has nobody to take from, no previous entry joins the
    writer's, the update cap has one entry to count, and the entry is encoded from its set;
    ``owned_fields_v1_from_empty`` computes that encoding from the object directly.
    """
    fields_v1 = _owned_fields_v1_from_empty(
        _without_managed_fields({} if live_old is None else live_old),
        _without_managed_fields(live_new),
        schema,
        reset,
        STRIPPED_FIELDS,
    )
    if fields_v1 is None:
        return None
    if not fields_v1:
        return []
    return [wire_entry(manager, UPDATE, api_version, now, subresource, fields_v1)]


#: :func:`owned_fields_v1_from_empty`, remembered for objects shaped alike (every Pod of a
#: ReplicaSet); see :mod:`minikube_py.managedfields.firstowner`.
_owned_fields_v1_from_empty = FirstOwnerMemo(owned_fields_v1_from_empty)


def _take_changed(
    managers: _Managers, comparison: Comparison, skip: str | None, force: bool
) -> _Managers:
    """SMD ``Updater.update``: other managers lose what was changed (conflicts, unless
    forced) and what was removed; empty entries go."""
    if not managers:
        return {}
    changed = comparison.modified.union(comparison.added)
    removed = comparison.removed
    conflicts: dict[str, FieldSet] = {}
    if changed.members or changed.children:
        for key, entry in managers.items():
            if key != skip:
                lost = entry.fields.intersection(changed)
                if lost.members or lost.children:
                    conflicts[key] = lost
    if conflicts and not force:
        raise _Conflicts(conflicts, managers)
    has_removed = bool(removed.members or removed.children)
    out: _Managers = {}
    for key, entry in managers.items():
        fields = entry.fields
        if key != skip:
            lost = conflicts.get(key)
            if lost is not None:
                fields = fields.difference(lost)
            if has_removed:
                fields = fields.difference(removed)
        if fields.members or fields.children:
            out[key] = entry if fields is entry.fields else entry.with_fields(fields)
    return out


# --------------------------------------------------------------------------- apply


def apply(
    live: Mapping[str, Any] | None,
    config: Mapping[str, Any],
    manager: str,
    api_version: str,
    force: bool,
    managed_fields: Sequence[Mapping[str, Any]] | None,
    schema: TypeNode,
    now: str,
    *,
    kind: str | None = None,
    subresource: str = "",
    reset_fields: FieldSet | None = None,
    zero_object: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Server-side apply of ``config`` by ``manager``: the new object and its managedFields.

    ``live`` is the stored object, None to create it (the result is then ``config`` merged into
    ``zero_object``, default ``{}``). ``managed_fields`` are the stored entries (None: read them
    from ``live``). ``api_version`` and ``kind`` are what the URL addresses; the body must
    match them (``kind`` None: only the apiVersion is checked). The returned object carries the
    returned entries in ``metadata.managedFields`` (absent when there are none); when nothing
    but ownership changed it is a copy of ``live`` and no entry gets a new ``time``.

    Raises :class:`~minikube_py.managedfields.conflicts.ApplyConflict` (409) when another
    manager owns a field the configuration would change and ``force`` is false;
    :class:`~minikube_py.errors.BadRequest` (400) for a body of another apiVersion/kind
    (``invalid object type: apps/v1, Kind=Deployment``) or one carrying
    ``metadata.managedFields`` (``metadata.managedFields must be nil``); a 500
    :class:`~minikube_py.errors.StatusError` without reason for a body that cannot be walked
    (``failed to create typed patch object (ns/name; /v1, Kind=ConfigMap): ...``) or stored
    entries that cannot be decoded (``failed to decode managed fields: ...``).
    """
    base: Mapping[str, Any] = (
        (zero_object if zero_object is not None else {}) if live is None else live
    )
    if managed_fields is None:
        managed_fields = _managed_fields_of(base)
    try:
        managers = decode_managed_fields(managed_fields)
    except ManagedFieldsError as e:
        raise _internal(f"failed to decode managed fields: {e}") from None
    _check_version(config, api_version, kind)
    zero = zero_object if zero_object is not None else {}
    try:
        new_object, managers, changed = _apply_resolving_conflicts(
            base,
            config,
            managers,
            _Request(manager, api_version, subresource, schema, now, reset_fields, zero),
            force,
        )
    except _Conflicts as e:
        raise conflict_error(e.conflicts, e.managers) from None
    except TypedError:
        raise _internal(
            f"failed to create typed live object ({_gvknn(base, api_version, kind)}): "
            + format_errors(validate(base, schema, allow_duplicates=True, check_scalars=False))
        ) from None
    result = clone(new_object if changed else base)
    if manager == KUBECTL_MANAGER and has_last_applied(result):
        set_last_applied(result, build_last_applied(config))
    encoded = encode_managed_fields(managers)
    _set_managed_fields(result, encoded)
    return result, encoded


@dataclasses.dataclass(frozen=True, slots=True)
class _Request:
    """What one apply request fixes for all its steps."""

    manager: str
    api_version: str
    subresource: str
    schema: TypeNode
    now: str
    reset: FieldSet | None
    zero: Mapping[str, Any]


def _apply_resolving_conflicts(
    live: Mapping[str, Any],
    config: Mapping[str, Any],
    managers: _Managers,
    request: _Request,
    force: bool,
) -> tuple[Any, _Managers, bool]:
    """lastappliedmanager.go around the rest of the apply."""
    try:
        return _apply(live, config, managers, request, force)
    except _Conflicts as e:
        if request.manager != KUBECTL_MANAGER:
            raise
        allowed = allowed_conflicts(live, request.api_version, request.schema)
        if allowed is None:
            raise
        remaining = {}
        for key, fields in e.conflicts.items():
            kept = FieldSet.from_paths(p for p in fields.paths() if not allowed.has(p))
            if kept:
                remaining[key] = kept
        if remaining:
            raise _Conflicts(remaining, e.managers) from None
        return _apply(live, config, managers, request, True)


def _apply(
    live: Mapping[str, Any],
    config: Mapping[str, Any],
    managers: _Managers,
    request: _Request,
    force: bool,
) -> tuple[Any, _Managers, bool]:
    """skipnonapplied.go, managedfieldsupdater.go, stripmeta.go, structuredmerge.go and SMD
    ``Updater.Apply``."""
    manager = request.manager or "unknown"
    api_version, subresource, schema = request.api_version, request.subresource, request.schema
    reset = request.reset
    if not managers:
        managers = _update(
            request.zero,
            live,
            {},
            BEFORE_FIRST_APPLY,
            api_version,
            subresource,
            request.now,
            schema,
            reset,
        )
        cap_update_managers(managers)
    _check_apply_body(config, schema, api_version)
    key = identifier(manager, APPLY, api_version, subresource)
    stripped_live = _without_managed_fields(live)
    merged = _without_managed_fields(merge(stripped_live, config, schema))
    last = managers.get(key)
    applied = field_set(config, schema)
    if reset:
        applied = applied.recursive_difference(reset)
    managers = dict(managers)
    if last is None:
        managers[key] = ManagerEntry(manager, APPLY, api_version, subresource, None, applied)
    else:
        managers[key] = dataclasses.replace(last, api_version=api_version, fields=applied)
    if last is not None and last.fields.difference(applied):
        merged = _prune(merged, managers, last.fields, schema)
    comparison = compare(stripped_live, merged, schema)
    changed = not comparison.is_same()
    managers = _take_changed(managers, comparison.filtered(reset), skip=key, force=force)
    strip_meta(managers, key)
    if changed and key in managers:
        managers[key] = dataclasses.replace(managers[key], time=request.now)
    return merged, managers, changed


def _prune(merged: Any, managers: _Managers, last: FieldSet, schema: TypeNode) -> Any:
    """SMD ``Updater.prune``: remove what the applier applied last time and not now, unless
    another manager (or the new configuration) owns it, and only what the applier owned.

    Runs only when the applier dropped something: with nothing dropped every field it owned
    last time is still owned (by its new set), and the three passes remove nothing.
    """
    last_named = ensure_named_fields_are_members(last, schema)
    pruned = remove_items(merged, last_named, schema)
    # addBackOwnedItems: keep what anyone owns
    owned = FieldSet()
    for entry in managers.values():
        owned = owned.union(entry.fields)
    merged_named = ensure_named_fields_are_members(field_set(merged, schema), schema)
    pruned_named = ensure_named_fields_are_members(field_set(pruned, schema), schema)
    owned_named = ensure_named_fields_are_members(owned, schema)
    pruned = remove_items(merged, merged_named.difference(pruned_named.union(owned_named)), schema)
    # addBackDanglingItems: only remove what the applier owned
    pruned_named = ensure_named_fields_are_members(field_set(pruned, schema), schema)
    return remove_items(
        merged, merged_named.difference(pruned_named).intersection(last_named), schema
    )


# --------------------------------------------------------------------------- body checks


def _parse_group_version(api_version: Any) -> tuple[str, str] | None:
    """``schema.ParseGroupVersion``; None where it errs."""
    if not isinstance(api_version, str) or api_version in ("", "/"):
        return ("", "")
    slashes = api_version.count("/")
    if slashes == 0:
        return ("", api_version)
    if slashes == 1:
        group, version = api_version.split("/")
        return (group, version)
    return None


def _gvk_string(obj: Mapping[str, Any]) -> tuple[tuple[str, str, str], str]:
    kind = obj.get("kind")
    kind = kind if isinstance(kind, str) else ""
    parsed = _parse_group_version(obj.get("apiVersion"))
    group, version = parsed if parsed is not None else ("", "")
    return (group, version, kind), f"{group}/{version}, Kind={kind}"


def _check_version(config: Mapping[str, Any], api_version: str, kind: str | None) -> None:
    """versioncheck.go: the body must be of the addressed group, version and kind."""
    (group, version, body_kind), text = _gvk_string(config)
    expected = _parse_group_version(api_version) or ("", "")
    if (group, version) != expected or (kind is not None and body_kind != kind):
        raise BadRequest(f"invalid object type: {text}")


def _check_apply_body(config: Mapping[str, Any], schema: TypeNode, api_version: str) -> None:
    """structuredmerge.go ``Apply``: no managedFields, and a body the schema can walk."""
    requested = _managed_fields_of(config)
    if isinstance(requested, list) and all(isinstance(e, dict) for e in requested):
        raise BadRequest("metadata.managedFields must be nil")
    errors = validate(config, schema, allow_duplicates=False, check_scalars=True)
    if errors:
        raise _internal(
            f"failed to create typed patch object ({_gvknn(config, api_version, None)}): "
            + format_errors(errors)
        )


def _gvknn(obj: Mapping[str, Any], api_version: str, kind: str | None) -> str:
    """``objectGVKNN``: ``namespace/name; group/version, Kind=kind``."""
    metadata = obj.get("metadata")
    metadata = metadata if isinstance(metadata, Mapping) else {}
    namespace = metadata.get("namespace") or ""
    name = metadata.get("name") or ""
    if obj.get("apiVersion") is None and obj.get("kind") is None:
        group, version = _parse_group_version(api_version) or ("", "")
        text = f"{group}/{version}, Kind={kind or ''}"
    else:
        _, text = _gvk_string(obj)
    return f"{namespace}/{name}; {text}"


def _internal(message: str) -> StatusError:
    """A plain Go error reaching the handler: 500 with no reason (``StatusReasonUnknown``)."""
    return StatusError(message, code=500, reason="")


# --------------------------------------------------------------------------- edge helpers


def manager_or_user_agent(manager: str, user_agent: str) -> str:
    """``managerOrUserAgent``: the fieldManager, else the User-Agent up to its first ``/``,
    printable characters only, cut at 128 bytes."""
    if manager:
        return manager
    out: list[str] = []
    size = 0
    for ch in user_agent.split("/")[0]:
        if not ch.isprintable():
            continue
        width = len(ch.encode("utf-8", "surrogatepass"))
        if size + width > FIELD_MANAGER_MAX_LENGTH:
            break
        out.append(ch)
        size += width
    return "".join(out)


def patch_options_errors(field_manager: str, force: bool | None, apply: bool) -> list[FieldError]:
    """``ValidatePatchOptions`` (fieldManager and force only). The edge raises them as
    ``Invalid(GroupKind("meta.k8s.io", "PatchOptions"), "", errors)``."""
    errors: list[FieldError] = []
    if apply:
        if not field_manager:
            errors.append(required("fieldManager", "is required for apply patch"))
    elif force is not None:
        errors.append(forbidden_error("force", "may not be specified for non-apply patch"))
    if len(field_manager.encode()) > FIELD_MANAGER_MAX_LENGTH:
        errors.append(too_long("fieldManager", FIELD_MANAGER_MAX_LENGTH))
    offset = 0
    for ch in field_manager:
        if not ch.isprintable():
            errors.append(
                invalid(
                    "fieldManager",
                    field_manager,
                    f"invalid character U+{ord(ch):04X} (at position {offset})",
                )
            )
        offset += len(ch.encode("utf-8", "surrogatepass"))
    return errors


# --------------------------------------------------------------------------- object helpers


def _is_mapping(value: Any) -> bool:
    """``isinstance(value, Mapping)``, answering for plain dicts without the ABC machinery."""
    return type(value) is dict or isinstance(value, Mapping)


def _uid(obj: Mapping[str, Any]) -> str:
    metadata = obj.get("metadata")
    uid = metadata.get("uid") if _is_mapping(metadata) else None
    return uid if isinstance(uid, str) else ""


def _managed_fields_of(obj: Mapping[str, Any]) -> Any:
    metadata = obj.get("metadata")
    return metadata.get("managedFields") if _is_mapping(metadata) else None


def _without_managed_fields(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """``obj`` minus ``metadata.managedFields`` (a shallow copy only when it has them)."""
    metadata = obj.get("metadata")
    if not _is_mapping(metadata) or "managedFields" not in metadata:
        return obj
    return {
        **obj,
        "metadata": {k: v for k, v in metadata.items() if k != "managedFields"},
    }


def _set_managed_fields(obj: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """``EncodeObjectManagedFields``: none means the field is removed."""
    metadata = obj.get("metadata")
    if entries:
        if not isinstance(metadata, dict):
            metadata = obj["metadata"] = {}
        metadata["managedFields"] = entries
    elif isinstance(metadata, dict):
        metadata.pop("managedFields", None)
