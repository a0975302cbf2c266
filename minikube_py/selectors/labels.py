"""Label selectors: the string grammar, the metav1.LabelSelector form, and label syntax.

This module owns everything Kubernetes calls a *label selector*, with the behaviour of
k8s.io/apimachinery v0.32:

* ``parse_label_selector`` reads the string form used by ``?labelSelector=`` and ``kubectl -l``
  (``pkg/labels/selector.go``: ``Parse``). It keeps upstream's two-stage shape — a lexer that
  produces all tokens, then a recursive-descent parser with one token of lookahead — because the
  exact error messages ("unable to parse requirement: ...", "found ',', expected: ...") fall out
  of *where* that machine stops, and a different parser would word its errors differently.
* ``new_requirement`` is upstream's ``NewRequirement``: the one place a requirement is validated
  (key is a qualified name, values are label values, value counts fit the operator). Its errors
  are aggregated ``field.Error`` strings, rendered the way Go renders them (``%q``, ``%#v``).
* ``from_label_selector`` is ``metav1.LabelSelectorAsSelector``: a null selector matches
  nothing, an empty one everything. ``validate_label_selector`` is
  ``metav1/validation.ValidateLabelSelector`` and returns field-path causes for an Invalid error.

Selectors are matched against every object on the list/watch hot path, so a ``LabelSelector``
is immutable and compiled once: each requirement becomes a small closure over a precomputed
value (a string, a frozenset, or an int), and ``matches`` is a plain loop with no regex and no
allocation. Parsing is cached by selector string for the same reason — clients repeat the same
selector on every relist.

Known divergence: upstream sorts requirements with Go's unstable ``sort.Sort``; we sort stably by
key. The two orders agree for selectors of up to twelve requirements (Go uses insertion sort
there) and only ever differ in ``str()`` for longer selectors that repeat a key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from functools import lru_cache
from typing import Any, Final

from minikube_py.field import (
    FieldError,
    FieldErrorType,
    aggregate,
    child,
    go_quote,
    go_string_slice,
)
from minikube_py.field import forbidden as _forbidden
from minikube_py.field import invalid as _invalid_value
from minikube_py.field import not_supported as _not_supported_value
from minikube_py.field import required as _required
from minikube_py.names import is_qualified_name, is_valid_label_value

__all__ = [
    "FieldError",
    "FieldErrorType",
    "LabelSelector",
    "Operator",
    "Requirement",
    "SelectorParseError",
    "from_label_selector",
    "is_qualified_name",
    "is_valid_label_value",
    "new_requirement",
    "parse_label_selector",
    "selector_from_set",
    "validate_label_selector",
    "validate_labels",
]


class SelectorParseError(ValueError):
    """A label or field selector could not be parsed or built.

    The message is upstream's error text, ready for a ``400 BadRequest`` Status. When the error
    came from requirement validation, ``causes`` holds the individual field errors.
    """

    def __init__(self, message: str, causes: Sequence[FieldError] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.causes: tuple[FieldError, ...] = tuple(causes)


class Operator(StrEnum):
    """``selection.Operator``: the relation between a key and its values."""

    DOES_NOT_EXIST = "!"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    IN = "in"
    NOT_EQUALS = "!="
    NOT_IN = "notin"
    EXISTS = "exists"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


_BINARY_OPERATORS: Final = (
    Operator.IN,
    Operator.NOT_IN,
    Operator.EQUALS,
    Operator.DOUBLE_EQUALS,
    Operator.NOT_EQUALS,
    Operator.GREATER_THAN,
    Operator.LESS_THAN,
)
_UNARY_OPERATORS: Final = (Operator.EXISTS, Operator.DOES_NOT_EXIST)
_VALID_OPERATORS: Final = _BINARY_OPERATORS + _UNARY_OPERATORS


def _invalid(path: str, shown_value: str, detail: str) -> FieldError:
    return _invalid_value(path, None, detail, rendered=shown_value)


def _not_supported(path: str, shown_value: str, valid: Sequence[str]) -> FieldError:
    return _not_supported_value(path, None, valid, rendered=shown_value)


_aggregate = aggregate
_child = child
_go_quote = go_quote
_go_string_slice = go_string_slice


_INT64_MIN: Final = -(1 << 63)
_INT64_MAX: Final = (1 << 63) - 1


def _parse_int64(s: str) -> int | None:
    """Go's ``strconv.ParseInt(s, 10, 64)``: optional sign, ASCII digits, int64 range."""
    digits = s[1:] if s[:1] in ("+", "-") else s
    if not digits or not digits.isascii() or not digits.isdigit():
        return None
    number = int(s)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


# --- requirements --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    """``labels.Requirement``: a key, an operator, and the values it relates them to.

    Build one through ``new_requirement`` (which validates); the values keep the order they were
    given in, and ``str()`` sorts them, as upstream does.
    """

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # accept "in" for Operator.IN and any sequence of values when built directly
        if not isinstance(self.operator, Operator):
            object.__setattr__(self, "operator", Operator(self.operator))
        if not isinstance(self.values, tuple):
            object.__setattr__(self, "values", tuple(self.values))

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether ``labels`` satisfy this requirement (``Requirement.Matches``)."""
        return _compile(self)(labels if labels is not None else _NO_LABELS)

    def __str__(self) -> str:
        op = self.operator
        if op is Operator.EXISTS:
            return self.key
        if op is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        values = ",".join(sorted(self.values)) if len(self.values) > 1 else "".join(self.values)
        if op is Operator.IN:
            return f"{self.key} in ({values})"
        if op is Operator.NOT_IN:
            return f"{self.key} notin ({values})"
        if op is Operator.GREATER_THAN:
            return f"{self.key}>{values}"
        if op is Operator.LESS_THAN:
            return f"{self.key}<{values}"
        return f"{self.key}{op.value}{values}"


def _requirement_errors(
    key: str, operator: str, values: Sequence[str], values_are_nil: bool
) -> list[FieldError]:
    """The checks of upstream ``NewRequirement``, in upstream's order."""
    errors: list[FieldError] = []
    key_errors = is_qualified_name(key)
    if key_errors:
        errors.append(_invalid("key", _go_quote(key), "; ".join(key_errors)))
    shown = _go_string_slice(None if values_are_nil else values)
    if operator in (Operator.IN, Operator.NOT_IN):
        if not values:
            errors.append(
                _invalid("values", shown, "for 'in', 'notin' operators, values set can't be empty")
            )
    elif operator in (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.NOT_EQUALS):
        if len(values) != 1:
            errors.append(
                _invalid("values", shown, "exact-match compatibility requires one single value")
            )
    elif operator in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
        if values:
            errors.append(
                _invalid("values", shown, "values set must be empty for exists and does not exist")
            )
    elif operator in (Operator.GREATER_THAN, Operator.LESS_THAN):
        if len(values) != 1:
            errors.append(
                _invalid("values", shown, "for 'Gt', 'Lt' operators, exactly one value is required")
            )
        for index, value in enumerate(values):
            if _parse_int64(value) is None:
                errors.append(
                    _invalid(
                        f"values[{index}]",
                        _go_quote(value),
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    )
                )
    else:
        errors.append(_not_supported("operator", _go_quote(operator), _VALID_OPERATORS))
    for index, value in enumerate(values):
        value_errors = is_valid_label_value(value)
        if value_errors:
            errors.append(
                _invalid(f"values[{index}][{key}]", _go_quote(value), "; ".join(value_errors))
            )
    return errors


def new_requirement(
    key: str, operator: Operator | str, values: Iterable[str] | None = None
) -> Requirement:
    """``labels.NewRequirement``: validate and build one requirement.

    ``values=None`` stands for a Go nil slice and an empty iterable for an empty one; the two
    only differ in how an error message shows them. Raises ``SelectorParseError`` with the
    aggregated field errors.
    """
    value_tuple = tuple(values) if values is not None else ()
    errors = _requirement_errors(key, operator, value_tuple, values_are_nil=values is None)
    if errors:
        message, causes = _aggregate(errors)
        raise SelectorParseError(message, causes)
    return Requirement(key, Operator(operator), value_tuple)


# --- compiled matching ---------------------------------------------------------------------

_NO_LABELS: Final[Mapping[str, str]] = {}
_Check = Callable[[Mapping[str, str]], bool]


def _never(_labels: Mapping[str, str]) -> bool:
    return False


def _compile(req: Requirement) -> _Check:
    """Turn a requirement into a closure; absent keys read as ``None`` and so never equal."""
    key = req.key
    op = req.operator
    values = req.values
    if op in (Operator.IN, Operator.EQUALS, Operator.DOUBLE_EQUALS):
        if len(values) == 1:
            only = values[0]
            return lambda labels: labels.get(key) == only
        allowed = frozenset(values)
        return lambda labels: labels.get(key) in allowed
    if op in (Operator.NOT_IN, Operator.NOT_EQUALS):
        if len(values) == 1:
            only = values[0]
            return lambda labels: labels.get(key) != only
        excluded = frozenset(values)
        return lambda labels: labels.get(key) not in excluded
    if op is Operator.EXISTS:
        return lambda labels: key in labels
    if op is Operator.DOES_NOT_EXIST:
        return lambda labels: key not in labels
    if op in (Operator.GREATER_THAN, Operator.LESS_THAN):
        bound = _parse_int64(values[0]) if len(values) == 1 else None
        if bound is None:
            return _never
        greater = op is Operator.GREATER_THAN

        def _compare(labels: Mapping[str, str]) -> bool:
            raw = labels.get(key)
            if raw is None:
                return False
            number = _parse_int64(raw)
            if number is None:
                return False
            return number > bound if greater else number < bound

        return _compare
    return _never


class LabelSelector:
    """An immutable, compiled label selector (upstream's ``internalSelector`` / ``Nothing()``).

    The requirements are ANDed and kept sorted by key. ``matches`` on the empty selector is
    always true; on ``LabelSelector.nothing()`` always false.
    """

    __slots__ = ("_checks", "_nothing", "_requirements")

    _requirements: tuple[Requirement, ...]
    _checks: tuple[_Check, ...]
    _nothing: bool

    def __init__(self, requirements: Iterable[Requirement] = ()) -> None:
        ordered = tuple(sorted(requirements, key=_by_key))
        self._requirements = ordered
        self._checks = tuple(_compile(r) for r in ordered)
        self._nothing = False

    @classmethod
    def everything(cls) -> LabelSelector:
        """The selector that matches every label set (``labels.Everything()``)."""
        return _EVERYTHING

    @classmethod
    def nothing(cls) -> LabelSelector:
        """The selector that matches no label set (``labels.Nothing()``)."""
        return _NOTHING

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        """The requirements, sorted by key."""
        return self._requirements

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether every requirement holds for ``labels`` (``None`` means no labels)."""
        if labels is None:
            labels = _NO_LABELS
        # a plain loop: measurably faster than all() over a generator on this hot path
        for check in self._checks:  # noqa: SIM110
            if not check(labels):
                return False
        return True

    def empty(self) -> bool:
        """True if the selector does not restrict anything; false for ``nothing()``."""
        return not self._requirements and not self._nothing

    def matches_nothing(self) -> bool:
        """True only for ``nothing()`` (upstream ``labels.MatchesNothing``)."""
        return self._nothing

    def requires_exact_match(self, key: str) -> str | None:
        """The single value ``key`` must have, if the first requirement on it pins one."""
        for req in self._requirements:
            if req.key == key:
                if req.operator in _EXACT_OPERATORS and len(req.values) == 1:
                    return req.values[0]
                return None
        return None

    def add(self, *requirements: Requirement) -> LabelSelector:
        """A new selector with ``requirements`` added (``Selector.Add``)."""
        if self._nothing:
            return self
        return LabelSelector(self._requirements + requirements)

    def __str__(self) -> str:
        return ",".join(str(r) for r in self._requirements)

    def __repr__(self) -> str:
        if self._nothing:
            return "LabelSelector.nothing()"
        return f"LabelSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LabelSelector):
            return NotImplemented
        return self._nothing == other._nothing and self._requirements == other._requirements

    def __hash__(self) -> int:
        return hash((self._nothing, self._requirements))


def _by_key(req: Requirement) -> str:
    return req.key


_EXACT_OPERATORS: Final = frozenset({Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.IN})
_EVERYTHING: Final = LabelSelector()
_NOTHING: Final = LabelSelector()
_NOTHING._nothing = True
_NOTHING._checks = (_never,)


def selector_from_set(labels: Mapping[str, str] | None) -> LabelSelector:
    """``labels.SelectorFromSet``: ``key=value`` for each entry, unvalidated; empty matches all."""
    if not labels:
        return _EVERYTHING
    return LabelSelector(Requirement(k, Operator.EQUALS, (v,)) for k, v in labels.items())


# --- the string grammar: lexer ----------------------------------------------------------------


class _Token(IntEnum):
    ERROR = 0
    END_OF_STRING = 1
    CLOSED_PAR = 2
    COMMA = 3
    DOES_NOT_EXIST = 4
    DOUBLE_EQUALS = 5
    EQUALS = 6
    GREATER_THAN = 7
    IDENTIFIER = 8
    IN = 9
    LESS_THAN = 10
    NOT_EQUALS = 11
    NOT_IN = 12
    OPEN_PAR = 13


_LITERAL_TOKENS: Final = {
    ")": _Token.CLOSED_PAR,
    ",": _Token.COMMA,
    "!": _Token.DOES_NOT_EXIST,
    "==": _Token.DOUBLE_EQUALS,
    "=": _Token.EQUALS,
    ">": _Token.GREATER_THAN,
    "in": _Token.IN,
    "<": _Token.LESS_THAN,
    "!=": _Token.NOT_EQUALS,
    "notin": _Token.NOT_IN,
    "(": _Token.OPEN_PAR,
}
_WHITESPACE: Final = frozenset(" \t\r\n")
_SPECIAL: Final = frozenset("=!(),><")
# The lexer reads a NUL as "end of input", as upstream's byte reader does.
_IDENTIFIER_STOP: Final = _WHITESPACE | _SPECIAL | {"\0"}

_ScannedItem = tuple[_Token, str]


def _scan(text: str) -> list[_ScannedItem]:
    """Tokenise ``text`` up to and including the end-of-string token (upstream ``Lexer.Lex``)."""
    items: list[_ScannedItem] = []
    pos = 0
    end = len(text)
    while True:
        while pos < end and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= end or text[pos] == "\0":
            items.append((_Token.END_OF_STRING, ""))
            return items
        if text[pos] in _SPECIAL:
            item, pos = _scan_special_symbol(text, pos)
        else:
            start = pos
            while pos < end and text[pos] not in _IDENTIFIER_STOP:
                pos += 1
            literal = text[start:pos]
            if pos < end and text[pos] == "\0":
                pos += 1  # upstream consumes the NUL that ends an identifier
            item = (_LITERAL_TOKENS.get(literal, _Token.IDENTIFIER), literal)
        items.append(item)


def _scan_special_symbol(text: str, pos: int) -> tuple[_ScannedItem, int]:
    """The longest run of special characters that is still an operator token."""
    buffer = ""
    last: _ScannedItem | None = None
    end = len(text)
    while pos < end:
        ch = text[pos]
        pos += 1
        if ch == "\0":
            break
        if ch not in _SPECIAL:
            pos -= 1
            break
        buffer += ch
        token = _LITERAL_TOKENS.get(buffer)
        if token is not None:
            last = (token, buffer)
        elif last is not None:
            pos -= 1
            break
    if last is None:
        return (_Token.ERROR, f"error expected: keyword found '{buffer}'"), pos
    return last, pos


# --- the string grammar: parser ---------------------------------------------------------------


class _Context(IntEnum):
    KEY_AND_OPERATOR = 0
    VALUES = 1  # "in" and "notin" read as identifiers here


class _Parser:
    """Recursive descent over the scanned tokens, one token of lookahead (upstream ``Parser``)."""

    __slots__ = ("_items", "_position")

    def __init__(self, text: str) -> None:
        self._items = _scan(text)
        self._position = 0

    def _lookahead(self, context: _Context) -> _ScannedItem:
        token, literal = self._items[min(self._position, len(self._items) - 1)]
        if context is _Context.VALUES and token in (_Token.IN, _Token.NOT_IN):
            token = _Token.IDENTIFIER
        return token, literal

    def _consume(self, context: _Context) -> _ScannedItem:
        item = self._lookahead(context)
        self._position += 1
        return item

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            token, literal = self._lookahead(_Context.VALUES)
            if token in (_Token.IDENTIFIER, _Token.DOES_NOT_EXIST):
                try:
                    requirements.append(self._parse_requirement())
                except SelectorParseError as err:
                    raise SelectorParseError(
                        f"unable to parse requirement: {err.message}", err.causes
                    ) from None
                token, literal = self._consume(_Context.VALUES)
                if token is _Token.END_OF_STRING:
                    return requirements
                if token is not _Token.COMMA:
                    raise SelectorParseError(f"found '{literal}', expected: ',' or 'end of string'")
                next_token, next_literal = self._lookahead(_Context.VALUES)
                if next_token not in (_Token.IDENTIFIER, _Token.DOES_NOT_EXIST):
                    raise SelectorParseError(
                        f"found '{next_literal}', expected: identifier after ','"
                    )
            elif token is _Token.END_OF_STRING:
                return requirements
            else:
                raise SelectorParseError(
                    f"found '{literal}', expected: !, identifier, or 'end of string'"
                )

    def _parse_requirement(self) -> Requirement:
        key, operator = self._parse_key_and_infer_operator()
        if operator is not None:
            return _checked_requirement(key, operator, [])
        operator = self._parse_operator()
        if operator in (Operator.IN, Operator.NOT_IN):
            values = self._parse_values()
        else:
            values = self._parse_exact_value()
        return _checked_requirement(key, operator, sorted(values))

    def _parse_key_and_infer_operator(self) -> tuple[str, Operator | None]:
        operator: Operator | None = None
        token, literal = self._consume(_Context.VALUES)
        if token is _Token.DOES_NOT_EXIST:
            operator = Operator.DOES_NOT_EXIST
            token, literal = self._consume(_Context.VALUES)
        if token is not _Token.IDENTIFIER:
            raise SelectorParseError(f"found '{literal}', expected: identifier")
        key_errors = is_qualified_name(literal)
        if key_errors:
            # upstream validates against a nil *field.Path here, which prints as "<nil>"
            error = _invalid("<nil>", _go_quote(literal), "; ".join(key_errors))
            raise SelectorParseError(str(error), (error,))
        next_token, _ = self._lookahead(_Context.VALUES)
        if operator is None and next_token in (_Token.END_OF_STRING, _Token.COMMA):
            operator = Operator.EXISTS
        return literal, operator

    def _parse_operator(self) -> Operator:
        token, literal = self._consume(_Context.KEY_AND_OPERATOR)
        operator = _OPERATOR_TOKENS.get(token)
        if operator is None:
            expected = ", ".join(op.value for op in _BINARY_OPERATORS)
            raise SelectorParseError(f"found '{literal}', expected: {expected}")
        return operator

    def _parse_values(self) -> set[str]:
        token, literal = self._consume(_Context.VALUES)
        if token is not _Token.OPEN_PAR:
            raise SelectorParseError(f"found '{literal}' expected: '('")
        token, literal = self._lookahead(_Context.VALUES)
        if token in (_Token.IDENTIFIER, _Token.COMMA):
            values = self._parse_identifiers_list()
            if self._consume(_Context.VALUES)[0] is not _Token.CLOSED_PAR:
                raise SelectorParseError(f"found '{literal}', expected: ')'")
            return values
        if token is _Token.CLOSED_PAR:
            self._consume(_Context.VALUES)
            return {""}
        raise SelectorParseError(f"found '{literal}', expected: ',', ')' or identifier")

    def _parse_identifiers_list(self) -> set[str]:
        # Mirrors v0.32 exactly, including that a doubled comma is consumed as one step
        # (so "(a,,)" is an error in v0.32 while "(a,,b)" and "(a,)" are not).
        values: set[str] = set()
        while True:
            token, literal = self._consume(_Context.VALUES)
            if token is _Token.IDENTIFIER:
                values.add(literal)
                next_token, next_literal = self._lookahead(_Context.VALUES)
                if next_token is _Token.COMMA:
                    continue
                if next_token is _Token.CLOSED_PAR:
                    return values
                raise SelectorParseError(f"found '{next_literal}', expected: ',' or ')'")
            if token is _Token.COMMA:
                if not values:
                    values.add("")
                next_token, _ = self._lookahead(_Context.VALUES)
                if next_token is _Token.CLOSED_PAR:
                    values.add("")
                    return values
                if next_token is _Token.COMMA:
                    self._consume(_Context.VALUES)
                    values.add("")
            else:
                raise SelectorParseError(f"found '{literal}', expected: ',', or identifier")

    def _parse_exact_value(self) -> set[str]:
        token, _ = self._lookahead(_Context.VALUES)
        if token in (_Token.END_OF_STRING, _Token.COMMA):
            return {""}
        token, literal = self._consume(_Context.VALUES)
        if token is _Token.IDENTIFIER:
            return {literal}
        raise SelectorParseError(f"found '{literal}', expected: identifier")


_OPERATOR_TOKENS: Final = {
    _Token.IN: Operator.IN,
    _Token.EQUALS: Operator.EQUALS,
    _Token.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS,
    _Token.GREATER_THAN: Operator.GREATER_THAN,
    _Token.LESS_THAN: Operator.LESS_THAN,
    _Token.NOT_IN: Operator.NOT_IN,
    _Token.NOT_EQUALS: Operator.NOT_EQUALS,
}


def _checked_requirement(key: str, operator: Operator, values: list[str]) -> Requirement:
    errors = _requirement_errors(key, operator, values, values_are_nil=False)
    if errors:
        message, causes = _aggregate(errors)
        raise SelectorParseError(message, causes)
    return Requirement(key, operator, tuple(values))


def parse_label_selector(selector: str) -> LabelSelector:
    """``labels.Parse``: the string form (``a=b,c!=d,e in (x,y),f notin (z),g,!h,i>3``).

    Raises ``SelectorParseError`` carrying upstream's message. Results are cached: selectors are
    immutable, and clients send the same string on every list and watch.
    """
    return _parse_cached(selector)


@lru_cache(maxsize=1024)
def _parse_cached(selector: str) -> LabelSelector:
    requirements = _Parser(selector).parse()
    return LabelSelector(requirements) if requirements else _EVERYTHING


# --- metav1.LabelSelector ----------------------------------------------------------------------

_METAV1_OPERATORS: Final = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}


def from_label_selector(selector: Mapping[str, Any] | None) -> LabelSelector:
    """``metav1.LabelSelectorAsSelector`` for a decoded ``metav1.LabelSelector`` dict.

    ``None`` (a null selector) matches nothing; ``{}`` matches everything. Raises
    ``SelectorParseError`` with upstream's message for an unknown operator or an invalid
    requirement. ``matchLabels`` are checked in key order (Go visits the map at random).
    """
    if selector is None:
        return _NOTHING
    match_labels: Mapping[str, str] = selector.get("matchLabels") or {}
    expressions: Sequence[Mapping[str, Any]] = selector.get("matchExpressions") or ()
    if not match_labels and not expressions:
        return _EVERYTHING
    requirements = [
        new_requirement(k, Operator.EQUALS, [match_labels[k]]) for k in sorted(match_labels)
    ]
    for expression in expressions:
        raw_operator = expression.get("operator") or ""
        operator = _METAV1_OPERATORS.get(raw_operator)
        if operator is None:
            raise SelectorParseError(
                f"{_go_quote(str(raw_operator))} is not a valid label selector operator"
            )
        # upstream copies the values with append([]string(nil), ...): an empty list becomes nil
        values = expression.get("values") or None
        requirements.append(new_requirement(expression.get("key") or "", operator, values))
    return LabelSelector(requirements)


def validate_labels(labels: Mapping[str, str] | None, path: str) -> list[FieldError]:
    """``metav1/validation.ValidateLabels``: keys and values of a label map, all at ``path``."""
    errors: list[FieldError] = []
    for key, value in sorted((labels or {}).items()):
        errors.extend(_invalid(path, _go_quote(key), msg) for msg in is_qualified_name(key))
        errors.extend(_invalid(path, _go_quote(value), msg) for msg in is_valid_label_value(value))
    return errors


def validate_label_selector(
    selector: Mapping[str, Any] | None,
    path: str,
    *,
    allow_invalid_label_value: bool = False,
    allow_unknown_operator: bool = False,
) -> list[FieldError]:
    """``metav1/validation.ValidateLabelSelector``: the causes of an Invalid error, or ``[]``.

    ``path`` is where the selector sits, e.g. ``"spec.selector"``; a null selector is valid.
    The keyword options are upstream's ``LabelSelectorValidationOptions``.
    """
    if selector is None:
        return []
    errors = validate_labels(selector.get("matchLabels"), _child(path, "matchLabels"))
    for index, expression in enumerate(selector.get("matchExpressions") or ()):
        expression_path = f"{_child(path, 'matchExpressions')}[{index}]"
        errors.extend(
            _validate_requirement(
                expression, expression_path, allow_invalid_label_value, allow_unknown_operator
            )
        )
    return errors


def _validate_requirement(
    expression: Mapping[str, Any],
    path: str,
    allow_invalid_label_value: bool,
    allow_unknown_operator: bool,
) -> list[FieldError]:
    errors: list[FieldError] = []
    operator = expression.get("operator") or ""
    values: Sequence[str] = expression.get("values") or ()
    values_path = _child(path, "values")
    if operator in ("In", "NotIn"):
        if not values:
            errors.append(
                _required(values_path, "must be specified when `operator` is 'In' or 'NotIn'")
            )
    elif operator in ("Exists", "DoesNotExist"):
        if values:
            errors.append(
                _forbidden(
                    values_path,
                    "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
                )
            )
    elif not allow_unknown_operator:
        errors.append(
            _invalid(
                _child(path, "operator"), _go_quote(str(operator)), "not a valid selector operator"
            )
        )
    key = expression.get("key") or ""
    key_path = _child(path, "key")
    errors.extend(_invalid(key_path, _go_quote(key), msg) for msg in is_qualified_name(key))
    if not allow_invalid_label_value:
        for index, value in enumerate(values):
            errors.extend(
                _invalid(f"{values_path}[{index}]", _go_quote(value), msg)
                for msg in is_valid_label_value(value)
            )
    return errors
