"""Column definitions and the shape of a printer: what each kind's Table is made of.

Upstream (``pkg/printers/internalversion/printers.go`` ``AddHandlers``) registers, per internal
type, a list of ``metav1.TableColumnDefinition`` and a function that turns one object into one
``TableRow``. Here a ``TablePrinter`` holds the same two things for one ``(group, kind)``:
``columns`` and ``cells(obj, since) -> list``, plus the rare extras (row ``conditions`` for pods,
a ``sort_key`` for the one kind whose list printer sorts).

The API server always prints *wide*: ``pkg/printers/storage`` calls the generator with
``Wide: true``, so every column -- priority 1 included -- is in the Table and every row has all
cells; kubectl hides the priority-1 columns unless ``-o wide``. A printer here therefore always
produces every cell, which also means no clipping of the long forms (a LoadBalancer's full
address list, for instance).

``NAME``, ``AGE`` and the wide ``CONTAINERS``/``IMAGES`` columns recur across kinds with the
same wording, so they are defined once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from apiserver.printers._swagger import DOCS
from apiserver.printers.duration import Since

#: One object as served: a JSON-shaped dict (camelCase fields), possibly sparse.
Obj = dict[str, Any]
#: Renders the cells of one row, in column order.
CellsFunc = Callable[[Obj, Since], list[Any]]


class Column(NamedTuple):
    """``metav1.TableColumnDefinition``; ``priority`` 1 marks a column kubectl shows only wide."""

    name: str
    type: str
    description: str
    priority: int = 0
    format: str = ""

    def definition(self) -> dict[str, Any]:
        """The column as it is serialised in a Table (every field present, as Go encodes it)."""
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


@dataclass(frozen=True, slots=True)
class TablePrinter:
    """The Table of one kind: its columns and how to render a row."""

    columns: tuple[Column, ...]
    cells: CellsFunc
    #: ``TableRow.conditions`` for an object, or None (only pods set them upstream).
    conditions: Callable[[Obj], list[dict[str, str]] | None] | None = None
    #: Order the rows of a list (upstream's list printer sorts only FlowSchemas).
    sort_key: Callable[[Obj], Any] | None = None


def string(name: str, description: str, *, priority: int = 0) -> Column:
    """A ``type: string`` column."""
    return Column(name, "string", description, priority)


def integer(name: str, description: str, *, priority: int = 0) -> Column:
    """A ``type: integer`` column."""
    return Column(name, "integer", description, priority)


def boolean(name: str, description: str, *, priority: int = 0) -> Column:
    """A ``type: boolean`` column."""
    return Column(name, "boolean", description, priority)


NAME = Column("Name", "string", DOCS["metav1.ObjectMeta.name"], 0, "name")
AGE = string("Age", DOCS["metav1.ObjectMeta.creationTimestamp"])
CONTAINERS_WIDE = string("Containers", "Names of each container in the template.", priority=1)
IMAGES_WIDE = string("Images", "Images referenced by each container in the template.", priority=1)
