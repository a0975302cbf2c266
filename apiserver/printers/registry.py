"""Which printer renders which kind: the ``(group, kind) -> TablePrinter`` map.

The counterpart of upstream's ``AddHandlers`` registering one handler per internal type, and of
each REST storage choosing between that generator (``pkg/printers/storage.TableConvertor``)
and ``rest.NewDefaultTableConvertor``. Kinds absent here -- Roles, ClusterRoles, LimitRanges,
CustomResourceDefinitions, APIServices, custom resources -- get the default table
(``NAME``, ``CREATED AT``) from ``apiserver.printers.table``.

Events are registered under both ``""`` and ``events.k8s.io``: upstream serves the two from the
same storage and so the same printer, each reading its own version's field names.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from apiserver.printers import access, apps, batch, cluster, core, networking, pods, storage
from apiserver.printers.columns import TablePrinter

PRINTERS: Final[Mapping[tuple[str, str], TablePrinter]] = {
    **pods.PRINTERS,
    **core.PRINTERS,
    **apps.PRINTERS,
    **batch.PRINTERS,
    **networking.PRINTERS,
    **storage.PRINTERS,
    **access.PRINTERS,
    **cluster.PRINTERS,
}


def printer_for(group: str, kind: str) -> TablePrinter | None:
    """The built-in printer of ``kind`` in ``group`` ("" or "core" for the core group)."""
    if group == "core":
        group = ""
    return PRINTERS.get((group, kind))
