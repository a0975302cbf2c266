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

Sets are values: every operation returns a new set (or an operand itself, when the result
would equal it) and may share unchanged sub-tries with its operands, so a set must never be
mutated after it has been handed out. ``insert`` exists for building fresh sets only. No node
ever holds an empty child. A long-lived set may keep its encoding
(:meth:`FieldSet.remember_fields_v1`), which every set sharing its sub-tries then reuses.

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
from collections.abc import Collection, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any, Final, TypeAlias

import msgspec

from minikube_py.field import go_quote
from minikube_py.patch._values import clone, go_float_text


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


@lru_cache(maxsize=8192)
def _cached_order(element: tuple[Any, ...]) -> tuple[Any, ...]:
    """:func:`element_order` of a key, value or index element, remembered: list items recur
    (the same container names, env names and ports on every Pod of a template)."""
    return element_order(element)


def _element_order(element: PathElement) -> tuple[Any, ...]:
    return (0, element) if type(element) is str else _cached_order(element)


def sorted_elements(elements: Collection[PathElement]) -> Collection[PathElement]:
    """``elements`` in upstream's order (``PathElement.Compare``), as ``FieldsV1`` lists them;
    field names alone (the common case) sort as strings, and fewer than two need no sorting."""
    if len(elements) < 2:
        return elements
    for element in elements:
        if type(element) is not str:
            return sorted(elements, key=_element_order)
    return sorted(elements)


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


def element_key(element: PathElement) -> str:
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

    __slots__ = ("_fields_v1", "children", "members")

    def __init__(
        self,
        members: set[PathElement] | None = None,
        children: dict[PathElement, FieldSet] | None = None,
    ) -> None:
        self.members: set[PathElement] = set() if members is None else members
        self.children: dict[PathElement, FieldSet] = {} if children is None else children
        #: this node's FieldsV1 (without its ``"."``), once :meth:`remember_fields_v1` ran
        self._fields_v1: dict[str, Any] | None = None

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
        return bool(self.members or self.children)

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
        for element in sorted_elements(self.members):
            yield (*prefix, element)
        for element in sorted_elements(self.children):
            yield from self.children[element]._paths((*prefix, element))

    def __iter__(self) -> Iterator[Path]:
        return self.paths()

    def __repr__(self) -> str:
        return "FieldSet(" + ", ".join(path_string(p) for p in self.paths()) + ")"

    # algebra -----------------------------------------------------------------------------
    #
    # Emptiness is tested as ``s.members or s.children`` rather than through ``__bool__`` (a
    # Python call per test, and these run for every node of every write), and an operation
    # that leaves a set unchanged returns that set itself rather than an equal copy: sets are
    # values, so the two are interchangeable, and sharing keeps the copies (and the encodings
    # kept by :meth:`remember_fields_v1`) from being made again.

    def union(self, other: FieldSet) -> FieldSet:
        if not (other.members or other.children):
            return self
        if not (self.members or self.children):
            return other
        children = dict(self.children)
        for element, theirs in other.children.items():
            ours = children.get(element)
            children[element] = theirs if ours is None else ours.union(theirs)
        return FieldSet(self.members | other.members, children)

    __or__ = union

    def intersection(self, other: FieldSet) -> FieldSet:
        if not (self.members or self.children) or not (other.members or other.children):
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
                if common.members or common.children:
                    children[element] = common
        return FieldSet(self.members & other.members, children)

    __and__ = intersection

    def difference(self, other: FieldSet) -> FieldSet:
        """Members of ``self`` not in ``other``. A member of ``other`` does not remove the
        children below it: ``{a.b} - {a} == {a.b}`` (upstream ``Difference``)."""
        if not (self.members or self.children) or not (other.members or other.children):
            return self
        children = {}
        same = True
        theirs_children = other.children
        for element, child in self.children.items():
            theirs = theirs_children.get(element)
            if theirs is None:
                children[element] = child
                continue
            rest = child.difference(theirs)
            if rest is not child:
                same = False
            if rest.members or rest.children:
                children[element] = rest
        members = self.members - other.members
        if same and len(members) == len(self.members):
            return self
        return FieldSet(members, children)

    __sub__ = difference

    def recursive_difference(self, other: FieldSet) -> FieldSet:
        """Like :meth:`difference`, but a member of ``other`` removes everything below it too
        (upstream ``RecursiveDifference``, the reset-fields filter)."""
        if not (self.members or self.children) or not (other.members or other.children):
            return self
        children = {}
        same = True
        theirs_members, theirs_children = other.members, other.children
        for element, child in self.children.items():
            if element in theirs_members:
                same = False
                continue
            theirs = theirs_children.get(element)
            if theirs is None:
                children[element] = child
                continue
            rest = child.recursive_difference(theirs)
            if rest is not child:
                same = False
            if rest.members or rest.children:
                children[element] = rest
        members = self.members - theirs_members
        if same and len(members) == len(self.members):
            return self
        return FieldSet(members, children)

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
        """The ``FieldsV1`` object for this set, keys in upstream's order: a fresh dict tree,
        the caller's to keep or change."""
        borrowed: list[bool] = []
        out = self._emit(False, borrowed)
        return clone(out) if borrowed else out  # kept encodings went in as they are: copy

    def _emit(self, include_self: bool, borrowed: list[bool]) -> dict[str, Any]:
        """This node's FieldsV1, with ``"."`` first when ``include_self``; a node's kept
        encoding (see :meth:`remember_fields_v1`) is used as it is, and noted in
        ``borrowed``."""
        remembered = self._fields_v1
        if remembered is not None:
            borrowed.append(True)
            return {".": {}, **remembered} if include_self else remembered
        out: dict[str, Any] = {".": {}} if include_self else {}
        members, children = self.members, self.children
        if not children:
            for element in sorted_elements(members):
                out["f:" + element if type(element) is str else _tuple_element_key(element)] = {}
            return out
        for element in sorted_elements(members.union(children)):
            key = "f:" + element if type(element) is str else _tuple_element_key(element)
            child = children.get(element)
            out[key] = {} if child is None else child._emit(element in members, borrowed)
        return out

    def remember_fields_v1(self) -> None:
        """Compute this set's FieldsV1 now and keep it in every node, so that later encodings
        of any set sharing these nodes copy them instead of sorting and building them again.

        For long-lived sets only (the decoded entries cache keeps its sets across requests):
        the set must never change afterwards, which is the rule for handed-out sets anyway. An
        update by the manager who owns most of an object re-encodes the union of its old set
        and a few new fields; that union shares the untouched sub-tries with the old set, and
        with them their encoding. The kept dicts are never handed out: :meth:`to_fields_v1`
        copies its result when it used any.
        """
        self._remember()

    def _remember(self) -> dict[str, Any]:
        """:meth:`_emit` (``include_self`` False) of this node, kept in the node and in those
        below it (a node's kept dict holds those of its children)."""
        remembered = self._fields_v1
        if remembered is None:
            remembered = {}
            members, children = self.members, self.children
            for element in sorted_elements(members.union(children) if children else members):
                key = "f:" + element if type(element) is str else _tuple_element_key(element)
                child = children.get(element)
                if child is None:
                    remembered[key] = {}
                elif element in members:
                    remembered[key] = {".": {}, **child._remember()}
                else:
                    remembered[key] = child._remember()
            self._fields_v1 = remembered
        return remembered

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
