"""Creates of bodies alike share their decode, defaulting and first managedFields entry.

Before admission a create turns the request body into the object to admit in three steps that
read nothing but the body and the request's options: the typed decode (copy, type checks,
unknown fields pruned, ``fieldValidation`` warnings), the strategy's defaults, and the
writer's managedFields entry. Objects created in bulk repeat one another -- every Pod of a
ReplicaSet carries the same ``generateName``, labels, owner reference and spec; at most its
name differs -- so the outcome of those steps is remembered, keyed on the JSON of the body with
its name left out, and a create of a body seen before decodes the remembered outcome instead of
redoing them.

Why the answer is the same:

* the pipeline's first act is to copy the body by a JSON round trip
  (:func:`minikube_py.objects.deep_copy`), so everything after is a function of the body's
  encoding -- which, with a name set to ``null`` in its place, is the key;
* a name (a string: bodies with a name of another type take the full path) is checked only for
  being a string by the decode, is dropped whatever its value by field management (a stripped
  field), and is not read by the defaults of the kinds that take part
  (:attr:`Strategy.name_blind_defaults`); the remembered object holds ``null`` in the name's
  place, so the name goes back where it was and the key order, hence the stored bytes, are
  unchanged. A body without a name (``generateName``) is keyed as it is;
* the only other input is the time of the managedFields entry: taken part only when the body
  carries no managedFields of its own, where field management makes at most one entry and
  stamps it with the request's time, which is put back on each use;
* the key also holds what else the steps read: the resource (its schema, strategy and
  apiVersion), ``fieldValidation``, the field manager. Bodies that fail to decode are never
  remembered: they take the full path each time and fail as it fails. A body that comes with
  its raw bytes (over HTTP) always takes the full path, since a key repeated in those bytes is
  a finding the parsed body no longer shows.

The remembered object is kept as bytes and decoded for each create (admission and the store
then edit it); one that repeats is compiled into a function building fresh copies faster
(:mod:`apiserver.endpoints.copier`). The memo is bounded (cleared when full) and steps aside
while every body is new (:class:`~minikube_py.managedfields.firstowner.MemoGate`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import msgspec

from apiserver.endpoints.copier import compile_copier
from minikube_py.managedfields.firstowner import MemoGate
from minikube_py.objects import Object

#: Outcomes kept at most; a workload creating more distinct bodies than this misses.
MAX_ENTRIES: Final = 1024

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()

#: The full path: (the object to admit, the decode's warnings) from the request.
Prepare = Callable[[], tuple[Object, tuple[str, ...]]]


#: Hits after which an outcome is compiled into a copier (:mod:`apiserver.endpoints.copier`):
#: compiling a Pod costs about 0.5 ms and each copy then saves about 4 us over a decode, so
#: only an outcome that has repeated this often is likely to repay it.
COMPILE_AFTER: Final = 128


class _Outcome:
    """A remembered object to admit (with ``null`` as its name if it has one), made afresh for
    each create: decoded from its JSON, or built by a compiled copier once it has repeated."""

    __slots__ = ("copy", "encoded", "hits", "stamped", "warnings")

    def __init__(self, encoded: bytes, warnings: tuple[str, ...], stamped: bool) -> None:
        self.encoded = encoded
        self.warnings = warnings
        self.stamped = stamped  # it holds one managedFields entry, whose ``time`` is the request's
        self.hits = 0
        self.copy: Callable[[], Any] | None = None

    def make(self, compile_after: int) -> Object:
        copy = self.copy
        if copy is not None:
            return copy()  # type: ignore[no-any-return]
        self.hits += 1
        if self.hits == compile_after:
            copy = compile_copier(_decoder.decode(self.encoded))
            if copy is not None:
                self.copy = copy
                return copy()  # type: ignore[no-any-return]
        return _decoder.decode(self.encoded)  # type: ignore[no-any-return]


class CreateMemo:
    """Remembers the object a create body becomes before admission, per resource."""

    __slots__ = ("_compile_after", "_gate", "_outcomes")

    def __init__(self, *, compile_after: int = COMPILE_AFTER) -> None:
        self._compile_after = compile_after
        self._gate = MemoGate()
        self._outcomes: dict[tuple[Any, ...], _Outcome] = {}

    def prepare(
        self, resource: Any, options: tuple[str, ...], body: Any, now: str, full: Prepare
    ) -> tuple[Object, tuple[str, ...]]:
        """What ``full()`` answers for ``body``; ``resource`` and ``options`` name everything
        else the full path reads (compared by equality), ``now`` is the request's time."""
        key = self._key(resource, options, body)
        if key is None:
            return full()
        name = body["metadata"].get("name")
        outcome = self._outcomes.get(key)
        if outcome is not None:
            self._gate.hit()
            obj = outcome.make(self._compile_after)
            metadata = obj["metadata"]
            if name is not None:
                metadata["name"] = name
            if outcome.stamped:
                metadata["managedFields"][0]["time"] = now
            return obj, outcome.warnings
        self._gate.miss()
        obj, warnings = full()
        remembered = _outcome_of(obj, now, warnings, name)
        if remembered is not None:
            if len(self._outcomes) >= MAX_ENTRIES:
                self._outcomes.clear()
            self._outcomes[key] = remembered
        return obj, warnings

    def _key(self, resource: Any, options: tuple[str, ...], body: Any) -> tuple[Any, ...] | None:
        """The key of a body that may take part, else None."""
        if type(body) is not dict or not self._gate.open():
            return None
        metadata = body.get("metadata")
        if type(metadata) is not dict or "managedFields" in metadata:
            return None
        if "name" in metadata:
            if type(metadata["name"]) is not str:
                return None
            body = {**body, "metadata": {**metadata, "name": None}}
        try:
            encoded = _encoder.encode(body)
        except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
            return None  # the full path fails as it fails
        return (resource, options, encoded)

    def __len__(self) -> int:
        return len(self._outcomes)

    def clear(self) -> None:
        self._outcomes.clear()


def _outcome_of(
    obj: Object, now: str, warnings: tuple[str, ...], name: str | None
) -> _Outcome | None:
    """What to remember of the full path's answer (``name``: the body's, None when it has
    none), or None when it does not fit the rules above (the name changed, came or went;
    entries the memo cannot re-stamp)."""
    metadata = obj.get("metadata")
    if type(metadata) is not dict or metadata.get("name") != name:
        return None
    if name is None and "name" in metadata:
        return None
    entries = metadata.get("managedFields")
    stamped = False
    if entries is not None:
        if (
            type(entries) is not list
            or len(entries) != 1
            or type(entries[0]) is not dict
            or entries[0].get("time") != now
        ):
            return None
        stamped = True
    if name is not None:
        obj = {**obj, "metadata": {**metadata, "name": None}}
    try:
        encoded = _encoder.encode(obj)
    except (TypeError, ValueError, OverflowError, msgspec.EncodeError):
        return None
    return _Outcome(encoded, warnings, stamped)


__all__ = ["COMPILE_AFTER", "MAX_ENTRIES", "CreateMemo"]
