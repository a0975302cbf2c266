"""Building the ``meta.k8s.io/v1`` Table that answers ``Accept: ...;as=Table``.

Owns the Table envelope and the per-row object, as upstream splits them between
``pkg/printers/tablegenerator.go`` (``GenerateTable``: columns, rows, list metadata; no column
definitions when ``NoHeaders``), ``k8s.io/apiserver/pkg/registry/rest/table.go`` (the default
table for kinds without a printer: ``Name`` and ``Created At``, an RFC 3339 cell) and
``k8s.io/apiserver/pkg/endpoints/handlers/response.go`` ``asTable`` (``includeObject``):

- ``Metadata`` (the default, also for ""): the row's object is a ``PartialObjectMetadata``
  carrying the object's whole ``metadata`` -- kubectl reads namespaces for ``-A`` and labels for
  ``-L``/``--show-labels`` from it;
- ``Object``: the object itself;
- ``None``: no object;
- anything else: 400 ``unrecognized includeObject value: "<v>"``.

A watch sends one Table per event; after the first, ``no_headers`` leaves the column
definitions empty, and kubectl keeps the header it printed.

The result shares structure with the input: a row's ``object`` (or its ``metadata``) *is* the
object's dict, not a copy. Serialise the Table; do not mutate it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Final

from apiserver.printers._format import sub, text
from apiserver.printers._swagger import DOCS
from apiserver.printers.columns import NAME, Column, Obj, TablePrinter
from apiserver.printers.duration import Since, format_rfc3339
from apiserver.printers.registry import printer_for
from minikube_py.errors import BadRequest
from minikube_py.field import go_quote

TABLE_API_VERSION: Final = "meta.k8s.io/v1"

#: ``rest.NewDefaultTableConvertor``'s columns.
DEFAULT_COLUMNS: Final = (
    NAME,
    Column("Created At", "date", DOCS["metav1.ObjectMeta.creationTimestamp"]),
)

_INCLUDE_OBJECT: Final = frozenset({"", "Metadata", "Object", "None"})


def _default_cells(obj: Obj, since: Since) -> list[Any]:
    meta = sub(obj, "metadata")
    return [text(meta, "name"), format_rfc3339(meta.get("creationTimestamp"))]


_DEFAULT_PRINTER: Final = TablePrinter(DEFAULT_COLUMNS, _default_cells)


def _list_meta(list_metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """The Table's ``ListMeta``: ``resourceVersion``, ``continue``, ``remainingItemCount``."""
    meta: dict[str, Any] = {}
    if not list_metadata:
        return meta
    for key in ("resourceVersion", "continue"):
        value = list_metadata.get(key)
        if value:
            meta[key] = value
    remaining = list_metadata.get("remainingItemCount")
    if remaining is not None:
        meta["remainingItemCount"] = remaining
    return meta


def column_definitions(group: str, kind: str) -> list[dict[str, Any]]:
    """The ``columnDefinitions`` of ``kind``'s Table (the default table's if it has no printer)."""
    printer = printer_for(group, kind) or _DEFAULT_PRINTER
    return [column.definition() for column in printer.columns]


def table_for(
    group: str,
    kind: str,
    objects: Sequence[Obj],
    *,
    now: datetime,
    include_object: str = "Metadata",
    no_headers: bool = False,
    list_metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Render ``objects`` (all of ``kind`` in ``group``) as kube-apiserver v1.32 would.

    ``now`` is the cluster clock's time, from which every age is measured. ``list_metadata``
    supplies the Table's ``resourceVersion``/``continue``/``remainingItemCount`` (for a single
    object, pass its ``resourceVersion``). Every column is present, priority 1 included; kubectl
    hides those unless ``-o wide``. Raises ``BadRequest`` for an unknown ``include_object``.
    """
    if include_object not in _INCLUDE_OBJECT:
        raise BadRequest(f"unrecognized includeObject value: {go_quote(str(include_object))}")
    printer = printer_for(group, kind) or _DEFAULT_PRINTER
    since = Since(now)
    cells = printer.cells
    conditions = printer.conditions
    if printer.sort_key is not None and len(objects) > 1:
        objects = sorted(objects, key=printer.sort_key)

    rows: list[dict[str, Any]] = []
    append = rows.append
    for obj in objects:
        row: dict[str, Any] = {"cells": cells(obj, since)}
        if conditions is not None:
            row_conditions = conditions(obj)
            if row_conditions:
                row["conditions"] = row_conditions
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": TABLE_API_VERSION,
                "metadata": obj.get("metadata") or {},
            }
        append(row)

    return {
        "kind": "Table",
        "apiVersion": TABLE_API_VERSION,
        "metadata": _list_meta(list_metadata),
        "columnDefinitions": (
            [] if no_headers else [column.definition() for column in printer.columns]
        ),
        "rows": rows,
    }
