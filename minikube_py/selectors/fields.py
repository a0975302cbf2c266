"""Field selectors: ``?fieldSelector=metadata.name=foo,spec.nodeName!=,status.phase==Running``.

This module owns the field-selector grammar of k8s.io/apimachinery v0.32
(``pkg/fields/selector.go``: ``ParseSelector``, ``EscapeValue``, ``UnescapeValue``) and the
check the API server makes before using one: that every field named is selectable for the
kind (``runtime.DefaultMetaV1FieldSelectorConversion`` and the per-kind field-label conversion
functions), with upstream's wording for the refusal.

The grammar is much smaller than the label one — terms split on unescaped commas, each term
split at the first ``!=``, ``==`` or ``=``, values unescaped with backslashes — so it is kept as
the same three small steps upstream uses; the terms are sorted by their raw text before
parsing, which fixes both the rendering order and which bad term an error names. A missing
field reads as the empty string, so ``spec.nodeName=`` selects unscheduled pods and ``x!=y``
selects objects without ``x``.

Matching is on the list/watch hot path: a ``FieldSelector`` is immutable, holds its terms as
plain ``(field, value, want_equal)`` tuples, and parsing is cached by selector string.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from minikube_py.selectors.labels import Operator, SelectorParseError, _go_quote

__all__ = [
    "DEFAULT_SELECTABLE_FIELDS",
    "FieldRequirement",
    "FieldSelector",
    "check_selectable_fields",
    "escape_value",
    "parse_field_selector",
    "unescape_value",
    "unsupported_field_message",
]

#: The fields every kind without its own field-label conversion function accepts.
DEFAULT_SELECTABLE_FIELDS: Final = frozenset({"metadata.name", "metadata.namespace"})

_NO_FIELDS: Final[Mapping[str, str]] = {}


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """``fields.Requirement``: ``field = value`` or ``field != value``."""

    field: str
    operator: Operator  # Operator.EQUALS or Operator.NOT_EQUALS
    value: str

    def matches(self, fields: Mapping[str, str] | None) -> bool:
        """Whether ``fields`` satisfy this term; a missing field reads as ``""``."""
        actual = (fields or _NO_FIELDS).get(self.field, "")
        return (actual == self.value) is (self.operator is Operator.EQUALS)

    def __str__(self) -> str:
        op = "=" if self.operator is Operator.EQUALS else "!="
        return f"{self.field}{op}{escape_value(self.value)}"


class FieldSelector:
    """An immutable, compiled field selector: its requirements ANDed, in parse order."""

    __slots__ = ("_requirements", "_terms")

    _requirements: tuple[FieldRequirement, ...]
    _terms: tuple[tuple[str, str, bool], ...]

    def __init__(self, requirements: Iterable[FieldRequirement] = ()) -> None:
        self._requirements = tuple(requirements)
        self._terms = tuple(
            (r.field, r.value, r.operator is Operator.EQUALS) for r in self._requirements
        )

    @classmethod
    def everything(cls) -> FieldSelector:
        """The selector that matches every object (``fields.Everything()``)."""
        return _EVERYTHING

    @property
    def requirements(self) -> tuple[FieldRequirement, ...]:
        """The terms, in the order they are matched and printed."""
        return self._requirements

    def matches(self, fields: Mapping[str, str] | None) -> bool:
        """Whether every term holds for ``fields`` (an object's selectable field values)."""
        if fields is None:
            fields = _NO_FIELDS
        get = fields.get
        for field, value, want_equal in self._terms:
            if (get(field, "") == value) is not want_equal:
                return False
        return True

    def empty(self) -> bool:
        """True if the selector does not restrict anything."""
        return not self._terms

    def field_names(self) -> frozenset[str]:
        """The fields the selector reads, for checking against what a kind supports."""
        return frozenset(field for field, _, _ in self._terms)

    def requires_exact_match(self, field: str) -> str | None:
        """The value ``field`` must equal, if some ``field=value`` term pins it."""
        for name, value, want_equal in self._terms:
            if want_equal and name == field:
                return value
        return None

    def transform(self, fn: Callable[[str, str], tuple[str, str]]) -> FieldSelector:
        """``Selector.Transform``: rewrite each term; drop those mapped to ``("", "")``.

        ``fn`` may raise to reject a term (the API layer raises ``SelectorParseError``).
        """
        kept = []
        for req in self._requirements:
            field, value = fn(req.field, req.value)
            if field or value:
                kept.append(FieldRequirement(field, req.operator, value))
        return FieldSelector(kept)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self._requirements)

    def __repr__(self) -> str:
        return f"FieldSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSelector):
            return NotImplemented
        return self._requirements == other._requirements

    def __hash__(self) -> int:
        return hash(self._requirements)


_EVERYTHING: Final = FieldSelector()

# --- escaping ---------------------------------------------------------------------------------

_SPECIAL_IN_VALUE: Final = frozenset("\\,=")


def escape_value(value: str) -> str:
    """``fields.EscapeValue``: backslash-escape ``\\``, ``,`` and ``=`` in a literal value."""
    if "\\" not in value and "," not in value and "=" not in value:
        return value
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_value(value: str) -> str:
    """``fields.UnescapeValue``: the literal value of an escaped one, or ``SelectorParseError``."""
    if "\\" not in value and "," not in value and "=" not in value:
        return value
    out: list[str] = []
    in_slash = False
    for ch in value:
        if in_slash:
            if ch not in _SPECIAL_IN_VALUE:
                raise SelectorParseError(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch in (",", "="):
            # upstream formats the rune with %v, which prints its code point
            raise SelectorParseError(
                f"invalid field selector: unescaped character in value: {ord(ch)}"
            )
        else:
            out.append(ch)
    if in_slash:
        raise SelectorParseError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


# --- parsing ----------------------------------------------------------------------------------


def _split_terms(selector: str) -> list[str]:
    """Split on commas that are not backslash-escaped; the backslashes stay in the terms."""
    if not selector:
        return []
    terms = []
    start = 0
    in_slash = False
    for index, ch in enumerate(selector):
        if in_slash:
            in_slash = False
        elif ch == "\\":
            in_slash = True
        elif ch == ",":
            terms.append(selector[start:index])
            start = index + 1
    terms.append(selector[start:])
    return terms


# "==" is tried before "=" so that it does not leave a leading "=" on the value.
_TERM_OPERATORS: Final = (
    ("!=", Operator.NOT_EQUALS),
    ("==", Operator.EQUALS),
    ("=", Operator.EQUALS),
)


def _split_term(term: str) -> tuple[str, Operator, str] | None:
    """Split at the first operator; the field part has no escaping."""
    for index in range(len(term)):
        if term[index] not in "!=":
            continue
        for literal, operator in _TERM_OPERATORS:
            if term.startswith(literal, index):
                return term[:index], operator, term[index + len(literal) :]
    return None


def parse_field_selector(selector: str) -> FieldSelector:
    """``fields.ParseSelector``; raises ``SelectorParseError`` with upstream's message.

    Results are cached by selector string (selectors are immutable).
    """
    return _parse_cached(selector)


@lru_cache(maxsize=1024)
def _parse_cached(selector: str) -> FieldSelector:
    requirements = []
    for part in sorted(_split_terms(selector)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise SelectorParseError(f"invalid selector: '{selector}'; can't understand '{part}'")
        field, operator, raw_value = split
        value = unescape_value(raw_value)
        # upstream's identity Transform drops a term whose field and value are both empty
        if field or value:
            requirements.append(FieldRequirement(field, operator, value))
    return FieldSelector(requirements) if requirements else _EVERYTHING


# --- which fields a kind supports -------------------------------------------------------------


def unsupported_field_message(field: str, supported: Collection[str] | None = None) -> str:
    """Upstream's refusal of a field a kind cannot select on.

    ``supported=None`` means the kind has no field-label conversion function of its own, so
    ``runtime.DefaultMetaV1FieldSelectorConversion`` answers::

        "foo" is not a known field selector: only "metadata.name", "metadata.namespace"

    Kinds that register their own function (core/v1 Pod, Node, Event, Namespace, Secret,
    Service, ReplicationController, and custom resources) answer ``field label not supported:
    foo`` instead; pass their supported set to get that wording.
    """
    if supported is None:
        return (
            f"{_go_quote(field)} is not a known field selector: "
            'only "metadata.name", "metadata.namespace"'
        )
    return f"field label not supported: {field}"


def check_selectable_fields(
    selector: FieldSelector, supported: Collection[str] | None = None
) -> None:
    """Raise ``SelectorParseError`` for the first term whose field the kind cannot select on.

    ``supported=None`` stands for ``DEFAULT_SELECTABLE_FIELDS`` with the default wording; see
    ``unsupported_field_message``. Terms are checked in selector order, as upstream's
    ``Transform`` visits them, so the same field is named.
    """
    allowed = DEFAULT_SELECTABLE_FIELDS if supported is None else supported
    for field, _, _ in selector._terms:
        if field not in allowed:
            raise SelectorParseError(unsupported_field_message(field, supported))
