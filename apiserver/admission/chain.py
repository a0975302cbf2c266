"""The admission chain: an ordered list of plugins, mutating pass then validating pass."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any, Protocol

import msgspec

from apiserver.registry.catalog import ResourceInfo


class Operation(StrEnum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    CONNECT = "CONNECT"


class Attributes(msgspec.Struct, kw_only=True):
    operation: Operation
    info: ResourceInfo
    namespace: str
    name: str
    subresource: str = ""
    obj: Any = None
    old: Any = None
    user: str = ""
    dry_run: bool = False


class AdmissionPlugin(Protocol):
    name: str

    async def admit(self, attrs: Attributes) -> None:
        """Mutate ``attrs.obj`` if this plugin mutates; raise a StatusError to refuse."""
        ...

    async def validate(self, attrs: Attributes) -> None:
        """Refuse by raising a StatusError; never mutate."""
        ...


class AdmissionChain:
    """The plugins in order. A plugin whose ``mutates`` (``validates``) attribute is False
    says its ``admit`` (``validate``) does nothing, and is left out of that pass: every write
    runs both passes, and an await of a no-op costs as much as a small check."""

    def __init__(self, plugins: Sequence[AdmissionPlugin] = ()) -> None:
        self.plugins = list(plugins)

    async def admit(self, attrs: Attributes) -> None:
        for plugin in self.plugins:
            if getattr(plugin, "mutates", True):
                await plugin.admit(attrs)

    async def validate(self, attrs: Attributes) -> None:
        for plugin in self.plugins:
            if getattr(plugin, "validates", True):
                await plugin.validate(attrs)
