"""``metadata.managedFields`` entries: decoding, encoding, identity, order and the update cap.

Upstream sources (``k8s.io/apimachinery/pkg/util/managedfields/internal``):

- ``managedfields.go`` -- ``DecodeManagedFields`` (validation of each entry and its error
  texts), ``BuildManagerIdentifier``, ``encodeManagedFields`` and ``sortEncodedManagedFields``;
- ``buildmanagerinfo.go`` -- the identity of a writer: ``manager``, ``operation``,
  ``subresource`` and, for ``Update`` only, ``apiVersion``;
- ``capmanagers.go`` -- at most 10 ``Update`` entries; the oldest are folded into one
  ``ancient-changes`` entry per apiVersion;
- ``stripmeta.go`` -- the fields no entry ever owns.

Upstream keys its ``ManagedFields`` map by the identifier *string* (the entry marshalled without
fields and time, and without apiVersion for appliers), and orders by it where it sorts managers
(the cap, conflict messages). :func:`identifier` builds the same string, so those orders match.

An entry remembers the ``fieldsV1`` it was decoded from; encoding reuses a copy of it while the
entry's set is still the decoded one, so an untouched entry costs a clone, not a re-encode. The
decoded sets also keep their own encoding (:meth:`FieldSet.remember_fields_v1`), so a set grown
from one -- the writer's old fields plus what it changed now -- re-encodes only the changed part.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Final

import msgspec

from minikube_py.field import go_quote
from minikube_py.managedfields.fieldpath import FieldPathError, FieldSet, go_json
from minikube_py.patch._values import clone

APPLY: Final = "Apply"
UPDATE: Final = "Update"
FIELDS_V1: Final = "FieldsV1"

#: ``DefaultMaxUpdateManagers``
MAX_UPDATE_MANAGERS: Final = 10
#: the bucket the oldest update entries are folded into (``capManagersManager``)
ANCIENT_CHANGES: Final = "ancient-changes"

#: ``stripMetaManager.stripSet``: never owned by anyone. ``.metadata`` itself is a member here,
#: so a manager never owns the metadata struct, only fields inside it.
STRIPPED_FIELDS: Final = FieldSet.from_paths(
    [
        ("apiVersion",),
        ("kind",),
        ("metadata",),
        ("metadata", "name"),
        ("metadata", "namespace"),
        ("metadata", "creationTimestamp"),
        ("metadata", "selfLink"),
        ("metadata", "uid"),
        ("metadata", "clusterName"),
        ("metadata", "generation"),
        ("metadata", "managedFields"),
        ("metadata", "resourceVersion"),
    ]
)


class ManagedFieldsError(ValueError):
    """``metadata.managedFields`` that cannot be decoded; the message is upstream's."""


@dataclass(frozen=True, slots=True)
class ManagerEntry:
    """One writer's ownership: upstream's ``VersionedSet`` plus what its identifier encodes."""

    manager: str
    operation: str
    api_version: str
    subresource: str
    time: str | None
    fields: FieldSet
    raw_fields: Any = None  # the fieldsV1 ``fields`` was decoded from
    decoded: FieldSet | None = None  # ``fields`` as decoded, to tell whether it changed

    @property
    def applied(self) -> bool:
        return self.operation == APPLY

    def with_fields(self, fields: FieldSet) -> ManagerEntry:
        return dataclasses.replace(self, fields=fields)


@lru_cache(maxsize=1024)
def identifier(manager: str, operation: str, api_version: str, subresource: str) -> str:
    """``BuildManagerIdentifier``: the entry as JSON without fields and time, and without
    apiVersion for appliers (so one applier is one entry whatever version it applies in)."""
    parts = [f'"manager":{go_json(manager)}'] if manager else []
    parts.append(f'"operation":{go_json(operation)}')
    if operation != APPLY and api_version:
        parts.append(f'"apiVersion":{go_json(api_version)}')
    if subresource:
        parts.append(f'"subresource":{go_json(subresource)}')
    return "{" + ",".join(parts) + "}"


def entry_identifier(entry: ManagerEntry) -> str:
    return identifier(entry.manager, entry.operation, entry.api_version, entry.subresource)


def describe_manager(entry: ManagerEntry) -> str:
    """``printManager``: ``"m"``, ``"m" with subresource "s"``, plus ``using v`` for updaters."""
    text = go_quote(entry.manager)
    if entry.subresource:
        text = f"{text} with subresource {go_quote(entry.subresource)}"
    if entry.operation == UPDATE:
        text = f"{text} using {entry.api_version}"
    return text


def decode_managed_fields(entries: Any, *, canonical: bool = True) -> dict[str, ManagerEntry]:
    """``DecodeManagedFields``: entries keyed by identifier; a later duplicate wins.

    ``canonical`` says the entries were encoded by this module (they come from a stored
    object), so an unchanged entry may be written back as it was read; entries a client wrote
    are re-encoded, which drops unknown element types and restores upstream's key order.
    """
    managers: dict[str, ManagerEntry] = {}
    if entries is None:
        return managers
    if not isinstance(entries, Sequence) or isinstance(entries, str | bytes):
        raise ManagedFieldsError("managedFields must be a list")
    for i, raw in enumerate(entries):
        if not isinstance(raw, Mapping):
            raise ManagedFieldsError(f"managed fields entry {i} is not an object")
        operation = raw.get("operation")
        if operation not in (APPLY, UPDATE):
            raise ManagedFieldsError("operation must be `Apply` or `Update`")
        api_version = raw.get("apiVersion") or ""
        if not isinstance(api_version, str) or not api_version:
            raise ManagedFieldsError("apiVersion must not be empty")
        fields_type = raw.get("fieldsType") or ""
        if fields_type == "":
            raise ManagedFieldsError(f"missing fieldsType in managed fields entry {i}")
        if fields_type != FIELDS_V1:
            raise ManagedFieldsError(
                f"invalid fieldsType {go_quote(str(fields_type))} in managed fields entry {i}"
            )
        manager = raw.get("manager") or ""
        subresource = raw.get("subresource") or ""
        time = raw.get("time") or None
        if not isinstance(manager, str) or not isinstance(subresource, str):
            raise ManagedFieldsError(f"managed fields entry {i} has a non-string manager")
        raw_fields = raw.get("fieldsV1")
        try:
            fields = _decode_fields(raw_fields)
        except FieldPathError as e:
            raise ManagedFieldsError(
                f"error decoding versioned set from entry {i}: error decoding set: {e}"
            ) from None
        entry = ManagerEntry(
            manager=manager,
            operation=operation,
            api_version=api_version,
            subresource=subresource,
            time=time if isinstance(time, str) else None,
            fields=fields,
            raw_fields=raw_fields if canonical else None,
            decoded=fields if canonical else None,
        )
        managers[entry_identifier(entry)] = entry
    return managers


_ENCODER: Final = msgspec.json.Encoder()


def _decode_fields(raw_fields: Any) -> FieldSet:
    """``FieldsV1`` to a set, through a cache keyed by the document's JSON: stored objects are
    decoded afresh on every read, so the same documents come back as new dicts each time."""
    if not isinstance(raw_fields, dict):
        return FieldSet.from_fields_v1(raw_fields)
    try:
        text = _ENCODER.encode(raw_fields)
    except (TypeError, ValueError, msgspec.MsgspecError):
        return FieldSet.from_fields_v1(raw_fields)
    return _decode_cached(text)


@lru_cache(maxsize=1024)
def _decode_cached(text: bytes) -> FieldSet:
    fields = FieldSet.from_fields_v1(text)  # sets are immutable: sharing them is safe
    fields.remember_fields_v1()  # and so is reusing their encoding (see FieldSet)
    return fields


def encode_managed_fields(managers: Mapping[str, ManagerEntry]) -> list[dict[str, Any]]:
    """``encodeManagedFields``: wire entries in upstream's order (empty list: no entries)."""
    out = []
    for entry in sorted(managers.values(), key=_sort_key):
        decoded = entry.decoded
        if (
            decoded is not None
            and (decoded is entry.fields or decoded == entry.fields)
            and isinstance(entry.raw_fields, dict)
        ):
            fields_v1 = clone(entry.raw_fields)
        else:
            fields_v1 = entry.fields.to_fields_v1()
        out.append(
            wire_entry(
                entry.manager,
                entry.operation,
                entry.api_version,
                entry.time,
                entry.subresource,
                fields_v1,
            )
        )
    return out


def wire_entry(
    manager: str,
    operation: str,
    api_version: str,
    time: str | None,
    subresource: str,
    fields_v1: dict[str, Any],
) -> dict[str, Any]:
    """One ``managedFields`` entry as it is stored: empty manager, time and subresource left out."""
    encoded: dict[str, Any] = {}
    if manager:
        encoded["manager"] = manager
    encoded["operation"] = operation
    encoded["apiVersion"] = api_version
    if time:
        encoded["time"] = time
    encoded["fieldsType"] = FIELDS_V1
    encoded["fieldsV1"] = fields_v1
    if subresource:
        encoded["subresource"] = subresource
    return encoded


def _sort_key(entry: ManagerEntry) -> tuple[str, int, str, str, str]:
    """``sortEncodedManagedFields``: operation, time (seconds), manager, apiVersion,
    subresource."""
    return (
        entry.operation,
        unix_seconds(entry.time),
        entry.manager,
        entry.api_version,
        entry.subresource,
    )


@lru_cache(maxsize=4096)
def unix_seconds(time: str | None) -> int:
    """Seconds since the epoch of an RFC 3339 timestamp; 0 for none (or an unreadable one)."""
    if not time:
        return 0
    try:
        return int(datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp())
    except ValueError:
        return 0


def strip_meta(managers: dict[str, ManagerEntry], manager: str) -> None:
    """``stripMetaManager.stripFields``: drop the never-owned fields from one manager."""
    entry = managers.get(manager)
    if entry is None:
        return
    fields = entry.fields.difference(STRIPPED_FIELDS)
    if not fields:
        del managers[manager]
    elif fields != entry.fields:
        managers[manager] = entry.with_fields(fields)


def cap_update_managers(
    managers: dict[str, ManagerEntry], max_update_managers: int = MAX_UPDATE_MANAGERS
) -> None:
    """``capManagersManager.capUpdateManagers``: fold the oldest update entries into one
    ``ancient-changes`` entry per apiVersion until at most ``max_update_managers`` remain.

    Oldest first by time, then by identifier. The first entry seen for a version is folded only
    once a second one for the same version is; the bucket takes the time of the newest entry
    folded into it. (Upstream's loop is kept step for step, including its corner where an
    existing bucket that is not the oldest entry of its version folds into itself.)
    """
    updaters = [key for key, entry in managers.items() if not entry.applied]
    if len(updaters) <= max_update_managers:
        return
    updaters.sort(key=lambda key: (unix_seconds(managers[key].time), key))
    first_for_version: dict[str, str] = {}
    remaining = len(updaters)
    for key in updaters:
        if remaining <= max_update_managers:
            break
        entry = managers.get(key)
        if entry is None:
            continue
        version = entry.api_version
        bucket = identifier(ANCIENT_CHANGES, UPDATE, version, "")
        first = first_for_version.get(version)
        if first is None:
            first_for_version[version] = key
            continue
        if bucket not in managers:
            moved = managers.pop(first)
            managers[bucket] = ManagerEntry(
                ANCIENT_CHANGES, UPDATE, moved.api_version, "", None, moved.fields
            )
        held = managers[bucket]
        managers[bucket] = ManagerEntry(
            ANCIENT_CHANGES,
            UPDATE,
            entry.api_version,
            "",
            entry.time,
            entry.fields.union(held.fields),
        )
        managers.pop(key, None)
        remaining -= 1
