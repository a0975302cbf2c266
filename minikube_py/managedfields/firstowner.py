"""A memo of the first writer's ``FieldsV1``: creates of same-shaped objects walk once.

Every create records its writer as the owner of every field it set
(:func:`~minikube_py.managedfields.typed.owned_fields_v1_from_empty`), a walk of the whole
object that costs as much as the rest of a Pod create's field management together. Yet the
objects created in bulk repeat one another: every Pod of a ReplicaSet carries the same spec, the
same labels, the same owner reference, and differs only in the fields nobody owns (name,
namespace, uid, ...). The walk is a pure function of the object, its schema, the fields the
strategy resets and the stripped ones, so its answer can be remembered.

The key is the JSON encoding of what the walk reads -- the empty object it compares against and
the new object less the stripped scalar metadata fields (``name``, ``namespace``: the walk drops
a scalar stripped field whatever its value, and only those differ from Pod to Pod) -- with the
schema and the reset set by identity. Two objects with the same encoding are the same JSON
value, so they have the same answer; NaN and infinities encode as ``null``, but the walk looks
at a scalar only to know it is there. An encoding costs a few microseconds in C, the walk tens
of microseconds in Python.

Answers are kept as bytes and decoded for each caller: the entry ends up inside the stored and
returned object, and a caller that edits its copy must not change the next create's. The memo is
bounded (cleared when full). A miss costs two encodings more than no memo at all (about 10% of
a Pod create), so a memo that keeps missing -- every object different -- is skipped for a while
(:class:`MemoGate`) and costs almost nothing there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import msgspec

from minikube_py.managedfields.fieldpath import FieldSet
from minikube_py.typeinfo import TypeNode

#: Answers kept at most; a workload creating more distinct shapes than this misses.
MAX_ENTRIES: Final = 1024

#: Misses in a row after which a memo is skipped for :data:`PAUSE` calls.
MISSES_BEFORE_PAUSE: Final = 32
PAUSE: Final = 1024

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()

_Walk = Callable[[Any, Any, TypeNode, "FieldSet | None", FieldSet], "dict[str, Any] | None"]


class MemoGate:
    """Whether a memo is worth consulting: after :data:`MISSES_BEFORE_PAUSE` misses in a row it
    is skipped for the next :data:`PAUSE` calls, then tried again."""

    __slots__ = ("_misses", "_skip")

    def __init__(self) -> None:
        self._misses = 0
        self._skip = 0

    def open(self) -> bool:
        if self._skip:
            self._skip -= 1
            return False
        return True

    def hit(self) -> None:
        self._misses = 0

    def miss(self) -> None:
        self._misses += 1
        if self._misses >= MISSES_BEFORE_PAUSE:
            self._misses = 0
            self._skip = PAUSE


class FirstOwnerMemo:
    """Remembers ``walk(left, right, node, reset, stripped)`` by the JSON of its inputs."""

    __slots__ = ("_answers", "_gate", "_walk")

    def __init__(self, walk: _Walk) -> None:
        self._walk = walk
        self._gate = MemoGate()
        # (id(node), id(reset), id(stripped), encoded inputs) -> (node, reset, stripped, answer)
        self._answers: dict[
            tuple[int, int, int, bytes], tuple[TypeNode, FieldSet | None, FieldSet, bytes | None]
        ] = {}

    def __call__(
        self,
        left: Any,
        right: Any,
        node: TypeNode,
        reset: FieldSet | None,
        stripped: FieldSet,
    ) -> dict[str, Any] | None:
        gate = self._gate
        fingerprint = _fingerprint(left, right, stripped) if gate.open() else None
        if fingerprint is None:
            return self._walk(left, right, node, reset, stripped)
        key = (id(node), id(reset), id(stripped), fingerprint)
        cached = self._answers.get(key)
        if (
            cached is not None
            and cached[0] is node
            and cached[1] is reset
            and cached[2] is stripped
        ):
            gate.hit()
            answer = cached[3]
            return None if answer is None else _decoder.decode(answer)
        gate.miss()
        result = self._walk(left, right, node, reset, stripped)  # raises as the walk does
        if len(self._answers) >= MAX_ENTRIES:
            self._answers.clear()
        self._answers[key] = (
            node,
            reset,
            stripped,
            None if result is None else _encoder.encode(result),
        )
        return result

    def clear(self) -> None:
        self._answers.clear()


def _fingerprint(left: Any, right: Any, stripped: FieldSet) -> bytes | None:
    """The JSON of what the walk reads, or None when it cannot be encoded as JSON."""
    if type(right) is dict:
        metadata = right.get("metadata")
        below = stripped.children.get("metadata")
        if type(metadata) is dict and below is not None:
            dropped = below.members
            right = {
                **right,
                "metadata": {
                    k: v
                    for k, v in metadata.items()
                    if k not in dropped or type(v) is dict or type(v) is list
                },
            }
    try:
        return _encoder.encode((left, right))
    except (TypeError, ValueError, msgspec.EncodeError):
        return None
