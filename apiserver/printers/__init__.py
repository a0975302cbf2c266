"""Server-side Tables (``as=Table``): what ``kubectl get`` prints, rendered as kube-apiserver
v1.32 renders it.

kubectl asks every list, get and watch for a ``meta.k8s.io/v1`` Table and prints the server's
cells verbatim -- READY, STATUS, RESTARTS, AGE are all computed here, not in kubectl. Without
Tables kubectl falls back to NAME and AGE. So this package reproduces, per built-in kind, the
column definitions (names, types, formats, priorities and the exact descriptions, which kubectl
compares to decide whether to reprint a watch header) and the row cells of upstream's
``pkg/printers/internalversion/printers.go``, plus the default table of ``rest/table.go`` for
kinds without a printer.

Layout: ``duration`` (HumanDuration, ages), ``columns`` (column and printer types),
``_format`` (shared formatting helpers), one module per API area with its printers (``pods``,
``core``, ``apps``, ``batch``, ``networking``, ``storage``, ``access``, ``cluster``),
``registry`` (which printer serves which kind) and ``table`` (the Table envelope, the default
table, ``includeObject``).

Printers read objects as served (JSON-shaped dicts, camelCase) and tolerate any optional field
being absent; they never read the wall clock -- the caller passes the cluster's ``now``.
"""

from apiserver.printers.columns import Column, TablePrinter
from apiserver.printers.duration import human_duration, short_human_duration
from apiserver.printers.registry import printer_for
from apiserver.printers.table import DEFAULT_COLUMNS, column_definitions, table_for

__all__ = [
    "DEFAULT_COLUMNS",
    "Column",
    "TablePrinter",
    "column_definitions",
    "human_duration",
    "printer_for",
    "short_human_duration",
    "table_for",
]
