"""Field paths, sets of them, and their ``FieldsV1`` wire form.

This is ``sigs.k8s.io/structured-merge-diff/v4/fieldpath`` (``element.go``, ``path.go``,
``set.go``, ``serialize.go``, ``serialize-pe.go``), reshaped for Python.

A *path element* names one step into an object:

=============  =========================  ==================  ================================
upstream        here                      FieldsV1 key        ``Path.String()``
=============  =========================  ==================  ================================
``FieldName``   the ``str`` itself        ``f:image``         ``.image``
``Key``         ``(KEY, ((name, v),..))`` ``k:{"name":"c"}``  ``[name="c"]``
``Value``       ``(VALUE, v)``            ``v:"x"``           ``[="x"]``
``Index``       ``(INDEX, i)``            ``i:0``             ``[0]``
=============  =========================  ==================  ================================

Field names, by far the most common element, are plain strings; the others are tuples tagged
with a private sentinel, so every element hashes and compares at C speed and a field named
``"k:..."`` can never be confused with a key. Values inside keys and set elements are *frozen*
(:func:`freeze`): ``true`` becomes a sentinel so that it is not equal to ``1`` (upstream keeps
booleans and numbers apart), lists and maps become tagged tuples. ``1`` and ``1.0`` stay equal,
as they are upstream.

A :class:`FieldSet` is upstream's ``Set``: a trie whose nodes hold ``members`` (elements that
are themselves in the set) and ``children`` (elements with members further down; being a child
does not make an element a member). Upstream keeps both sorted; here they are a ``set`` and a
``dict`` and sorting happens only where order shows -- encoding and iteration -- with
:func:`element_order`, which is upstream's ``PathElement.Compare`` (field < key < value <
index; numbers < strings < booleans < lists < maps < null).

Sets are values: every operation returns a new set and may share unchanged sub-tries with its
operands, so a set must never be mutated after it has been handed out. ``insert`` exists for
building fresh sets only. No node ever holds an empty child.

Worked example: the Deployment fields ``spec.replicas`` and the container ``c``'s ``image``,
where the container element itself is owned too::

    FieldSet
      children: {"spec": FieldSet
                   members: {"replicas"}
                   children: {"template": ... {"containers": FieldSet
                                  members: {(KEY, (("name", "c"),))}
                                  children: {(KEY, (("name", "c"),)): FieldSet
                                                members: {"image"}}}}}}

encodes as ``{"f:spec":{"f:replicas":{},"f:template":{...{"f:containers":{"k:{\\"name\\":
\\"c\\"}":{".":{},"f:image":{}}}}}}}`` -- ``"."`` marks an element that is a member *and* has
children.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any, Final, TypeAlias

import msgspec

from minikube_py.field import go_quote
from minikube_py.patch._values import go_float_text


class _Tag:
    """A sentinel tagging path-element tuples and frozen values."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


KEY: Final = _Tag("KEY")
VALUE: Final = _Tag("VALUE")
INDEX: Final = _Tag("INDEX")
_LIST: Final = _Tag("LIST")
_MAP: Final = _Tag("MAP")


class _Bool:
    """A frozen JSON boolean, kept apart from the integers 0 and 1."""

    __slots__ = ("value",)

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "true" if self.value else "false"


_TRUE: Final = _Bool(True)
_FALSE: Final = _Bool(False)

#: One step of a path: a field name, or a tagged key / value / index tuple.
PathElement: TypeAlias = "str | tuple[Any, ...]"
#: A path from the root of an object.
Path: TypeAlias = "tuple[PathElement, ...]"


class FieldPathError(ValueError):
    """A ``FieldsV1`` document (or a path element in it) that cannot be read."""


# --------------------------------------------------------------------------- values and elements


def freeze(value: Any) -> Any:
    """A hashable stand-in for a JSON value, equal where upstream's ``value.Equals`` is."""
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    if isinstance(value, list | tuple):
        return (_LIST, *(freeze(item) for item in value))
    if isinstance(value, dict):
        return (_MAP, tuple(sorted((k, freeze(v)) for k, v in value.items())))
    return value


def thaw(frozen: Any) -> Any:
    """The JSON value :func:`freeze` stood in for."""
    if isinstance(frozen, _Bool):
        return frozen.value
    if isinstance(frozen, tuple):
        if frozen and frozen[0] is _LIST:
            return [thaw(item) for item in frozen[1:]]
        return {k: thaw(v) for k, v in frozen[1]}
    return frozen


def key_element(fields: Mapping[str, Any]) -> tuple[Any, ...]:
    """The element selecting the list-map item whose key fields have these values."""
    return (KEY, tuple(sorted((name, freeze(v)) for name, v in fields.items())))


def value_element(value: Any) -> tuple[Any, ...]:
    """The element selecting the set item equal to ``value``."""
    return (VALUE, freeze(value))


def index_element(index: int) -> tuple[Any, ...]:
    return (INDEX, index)


def _value_order(frozen: Any) -> tuple[Any, ...]:
    if isinstance(frozen, _Bool):
        return (2, frozen.value)
    if isinstance(frozen, str):
        return (1, frozen)
    if frozen is None:
        return (5,)
    if isinstance(frozen, tuple):
        if frozen[0] is _LIST:
            return (3, tuple(_value_order(item) for item in frozen[1:]))
        return (4, tuple((k, _value_order(v)) for k, v in frozen[1]))
    return (0, frozen)  # int or float, compared numerically


def element_order(element: PathElement) -> tuple[Any, ...]:
    """Sort key giving upstream's ``PathElement.Compare`` order."""
    if type(element) is str:
        return (0, element)
    tag = element[0]
    if tag is KEY:
        return (1, tuple((name, _value_order(v)) for name, v in element[1]))
    if tag is VALUE:
        return (2, _value_order(element[1]))
    return (3, element[1])


def _sorted(elements: Iterable[PathElement]) -> list[PathElement]:
    elements = list(elements)
    if len(elements) > 1:
        if all(type(e) is str for e in elements):
            elements.sort()
        else:
            elements.sort(key=element_order)
    return elements


def _go_v(frozen: Any) -> str:
    """Upstream's ``value.ToString`` of a frozen value."""
    if frozen is None:
        return "null"
    if isinstance(frozen, _Bool):
        return "true" if frozen.value else "false"
    if isinstance(frozen, str):
        return go_quote(frozen)
    if isinstance(frozen, float):
        return go_float_v(frozen)
    if isinstance(frozen, int):
        return str(frozen)
    if frozen[0] is _LIST:
        return "[" + ",".join(_go_v(item) for item in frozen[1:]) + "]"
    return "".join(f"{k}={_go_v(v)}" for k, v in frozen[1])


def go_float_v(number: float) -> str:
    """Go's ``%v`` of a float64: ``%g`` with the exponent threshold raised to 21."""
    if math.isinf(number):
        return "+Inf" if number > 0 else "-Inf"
    if number == int(number) and abs(number) < 1e21:
        return str(int(number)) if number or math.copysign(1, number) > 0 else "-0"
    text = repr(number)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    sign = "-" if exponent.startswith("-") else "+"
    return f"{mantissa}e{sign}{exponent.lstrip('+-').rjust(2, '0')}"


def element_string(element: PathElement) -> str:
    """Upstream's ``PathElement.String()``: ``.name``, ``[k=v,...]``, ``[=v]``, ``[i]``."""
    if type(element) is str:
        return "." + element
    tag = element[0]
    if tag is KEY:
        return "[" + ",".join(f"{name}={_go_v(v)}" for name, v in element[1]) + "]"
    if tag is VALUE:
        return f"[={_go_v(element[1])}]"
    return f"[{element[1]}]"


def path_string(path: Iterable[PathElement]) -> str:
    """Upstream's ``Path.String()``, e.g. ``.spec.containers[name="c"].image``."""
    return "".join(element_string(element) for element in path)


# --------------------------------------------------------------------------- Go-compatible JSON


_HTML_ESCAPES: Final = (
    ("<", "\\u003c"),
    (">", "\\u003e"),
    ("&", "\\u0026"),
    ("\u2028", "\\u2028"),
    ("\u2029", "\\u2029"),
)


def go_json(value: Any) -> str:
    """``value`` as Go's ``encoding/json`` writes it: map keys sorted, no spaces, ``<>&`` and
    U+2028/U+2029 escaped, floats in Go's shortest form."""
    if _has_float(value):
        text = _go_json_slowly(value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    for raw, escaped in _HTML_ESCAPES:
        if raw in text:
            text = text.replace(raw, escaped)
    return text


def _has_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, dict):
        return any(_has_float(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_float(v) for v in value)
    return False


def _go_json_slowly(value: Any) -> str:
    if isinstance(value, float):
        return go_float_text(value)
    if isinstance(value, dict):
        body = ",".join(
            json.dumps(k, ensure_ascii=False) + ":" + _go_json_slowly(value[k])
            for k in sorted(value)
        )
        return "{" + body + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_go_json_slowly(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _element_key(element: PathElement) -> str:
    """The ``FieldsV1`` key of an element (``SerializePathElement``)."""
    if type(element) is str:
        return "f:" + element
    return _tuple_element_key(element)


@lru_cache(maxsize=8192)
def _tuple_element_key(element: tuple[Any, ...]) -> str:
    tag = element[0]
    if tag is KEY:
        return "k:" + go_json({name: thaw(v) for name, v in element[1]})
    if tag is VALUE:
        return "v:" + go_json(thaw(element[1]))
    return f"i:{element[1]}"


_DECODER: Final = msgspec.json.Decoder()


def _parse_element_key(key: str) -> PathElement | None:
    """``DeserializePathElement``; None for element types this version does not know."""
    if len(key) < 2:
        raise FieldPathError("key must be 2 characters long:")
    if key[1] != ":":
        raise FieldPathError(f"missing colon: {key}")
    kind, body = key[0], key[2:]
    if kind == "f":
        return body
    if kind == "k":
        try:
            fields = _DECODER.decode(body)
        except msgspec.DecodeError as e:
            raise FieldPathError(str(e)) from None
        if not isinstance(fields, dict):
            raise FieldPathError(f"key must be an object: {body}")
        return key_element(fields)
    if kind == "v":
        try:
            return value_element(_DECODER.decode(body))
        except msgspec.DecodeError as e:
            raise FieldPathError(str(e)) from None
    if kind == "i":
        try:
            return (INDEX, int(body))
        except ValueError as e:
            raise FieldPathError(str(e)) from None
    return None


# --------------------------------------------------------------------------- the set


class FieldSet:
    """A set of field paths (upstream ``fieldpath.Set``). Treat as immutable once built."""

    __slots__ = ("children", "members")

    def __init__(
        self,
        members: set[PathElement] | None = None,
        children: dict[PathElement, FieldSet] | None = None,
    ) -> None:
        self.members: set[PathElement] = set() if members is None else members
        self.children: dict[PathElement, FieldSet] = {} if children is None else children

    # construction ------------------------------------------------------------------------

    @classmethod
    def from_paths(cls, paths: Iterable[Iterable[PathElement]]) -> FieldSet:
        """A set holding these paths (upstream ``NewSet(paths...)``); parents are not added."""
        out = cls()
        for path in paths:
            out.insert(tuple(path))
        return out

    def insert(self, path: Path) -> None:
        """Add one path. Only for sets under construction; the empty path is ignored."""
        if not path:
            return
        node = self
        for element in path[:-1]:
            child = node.children.get(element)
            if child is None:
                child = node.children[element] = FieldSet()
            node = child
        node.members.add(path[-1])

    # queries -----------------------------------------------------------------------------

    def empty(self) -> bool:
        return not self.members and not self.children

    def __bool__(self) -> bool:
        return bool(self.members) or bool(self.children)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSet):
            return NotImplemented
        return self is other or (self.members == other.members and self.children == other.children)

    __hash__ = None  # type: ignore[assignment]

    def has(self, path: Path) -> bool:
        if not path:
            return False
        node = self
        for element in path[:-1]:
            child = node.children.get(element)
            if child is None:
                return False
            node = child
        return path[-1] in node.members

    def size(self) -> int:
        return len(self.members) + sum(child.size() for child in self.children.values())

    def with_prefix(self, element: PathElement) -> FieldSet:
        """The paths below ``element``, without it (upstream ``WithPrefix``)."""
        return self.children.get(element) or _EMPTY

    def paths(self) -> Iterator[Path]:
        """Every member path, in upstream's ``Iterate`` order (members, then children)."""
        yield from self._paths(())

    def _paths(self, prefix: Path) -> Iterator[Path]:
        for element in _sorted(self.members):
            yield (*prefix, element)
        for element in _sorted(self.children):
            yield from self.children[element]._paths((*prefix, element))

    def __iter__(self) -> Iterator[Path]:
        return self.paths()

    def __repr__(self) -> str:
        return "FieldSet(" + ", ".join(path_string(p) for p in self.paths()) + ")"

    # algebra -----------------------------------------------------------------------------

    def union(self, other: FieldSet) -> FieldSet:
        if not other:
            return self
        if not self:
            return other
        children = dict(self.children)
        for element, theirs in other.children.items():
            ours = children.get(element)
            children[element] = theirs if ours is None else ours.union(theirs)
        return FieldSet(self.members | other.members, children)

    __or__ = union

    def intersection(self, other: FieldSet) -> FieldSet:
        if not self or not other:
            return _EMPTY
        children = {}
        small, large = (
            (self.children, other.children)
            if len(self.children) <= len(other.children)
            else (other.children, self.children)
        )
        for element, child in small.items():
            theirs = large.get(element)
            if theirs is not None:
                common = child.intersection(theirs)
                if common:
                    children[element] = common
        return FieldSet(self.members & other.members, children)

    __and__ = intersection

    def difference(self, other: FieldSet) -> FieldSet:
        """Members of ``self`` not in ``other``. A member of ``other`` does not remove the
        children below it: ``{a.b} - {a} == {a.b}`` (upstream ``Difference``)."""
        if not self or not other:
            return self
        children = {}
        for element, child in self.children.items():
            theirs = other.children.get(element)
            if theirs is None:
                children[element] = child
            else:
                rest = child.difference(theirs)
                if rest:
                    children[element] = rest
        return FieldSet(self.members - other.members, children)

    __sub__ = difference

    def recursive_difference(self, other: FieldSet) -> FieldSet:
        """Like :meth:`difference`, but a member of ``other`` removes everything below it too
        (upstream ``RecursiveDifference``, the reset-fields filter)."""
        if not self or not other:
            return self
        children = {}
        for element, child in self.children.items():
            if element in other.members:
                continue
            theirs = other.children.get(element)
            if theirs is None:
                children[element] = child
            else:
                rest = child.recursive_difference(theirs)
                if rest:
                    children[element] = rest
        return FieldSet(self.members - other.members, children)

    def leaves(self) -> FieldSet:
        """Only the members that have no children (upstream ``Leaves``)."""
        children = {}
        for element, child in self.children.items():
            sub = child.leaves()
            if sub:
                children[element] = sub
        return FieldSet(self.members - self.children.keys(), children)

    # FieldsV1 ----------------------------------------------------------------------------

    def to_fields_v1(self) -> dict[str, Any]:
        """The ``FieldsV1`` object for this set, keys in upstream's order."""
        return self._emit(False)

    def _emit(self, include_self: bool) -> dict[str, Any]:
        out: dict[str, Any] = {".": {}} if include_self else {}
        members, children = self.members, self.children
        if not children:
            for element in _sorted(members):
                out["f:" + element if type(element) is str else _tuple_element_key(element)] = {}
            return out
        for element in _sorted(members | children.keys()):
            key = "f:" + element if type(element) is str else _tuple_element_key(element)
            child = children.get(element)
            out[key] = {} if child is None else child._emit(element in members)
        return out

    @classmethod
    def from_fields_v1(cls, fields: Any) -> FieldSet:
        """Read a ``FieldsV1`` object (a dict, or its JSON text or bytes).

        Keys of unknown element types are dropped, as upstream does; anything else that is
        not a valid ``FieldsV1`` raises :class:`FieldPathError`.
        """
        if isinstance(fields, str | bytes):
            try:
                fields = _DECODER.decode(fields)
            except msgspec.DecodeError as e:
                raise FieldPathError(str(e)) from None
        if fields is None:
            return cls()
        if not isinstance(fields, dict):
            raise FieldPathError(f"expected an object, got {type(fields).__name__}")
        found, _ = _read(fields)
        return found if found is not None else cls()


def _read(node: Mapping[str, Any]) -> tuple[FieldSet | None, bool]:
    """``readIterV1``: the children set of ``node`` and whether ``node`` is itself a member."""
    out: FieldSet | None = None
    is_member = False
    for key, sub in node.items():
        if key == ".":
            is_member = True
            continue
        element = _parse_element_key(key)
        if element is None:
            continue
        if not isinstance(sub, dict):
            raise FieldPathError(f"expected an object under {key!r}")
        grandchildren, child_is_member = _read(sub)
        if child_is_member or grandchildren is not None:
            if out is None:
                out = FieldSet()
            if child_is_member:
                out.members.add(element)
            if grandchildren is not None:
                previous = out.children.get(element)
                out.children[element] = (
                    grandchildren if previous is None else previous.union(grandchildren)
                )
    if out is None:
        is_member = True
    return out, is_member


_EMPTY: Final = FieldSet()


def fieldset_from_dotted(*paths: str) -> FieldSet:
    """A set of field-name paths written ``"metadata.labels"`` (for reset-field sets)."""
    return FieldSet.from_paths(tuple(p.split(".")) for p in paths)
