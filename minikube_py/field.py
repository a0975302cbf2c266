"""Field errors: the ``field.Error`` of apimachinery, rendered exactly as Go renders them.

Validation anywhere in the project (names, labels, selectors, object schemas, per-kind rules)
reports problems as :class:`FieldError` s. An ``Invalid`` (422) Status lists them as its
``details.causes`` and joins them into its message, so their wording is what users read in
``kubectl``'s "The Deployment "web" is invalid: spec.replicas: Invalid value: -1: ..." -- and it
has to match upstream (``k8s.io/apimachinery/pkg/util/validation/field/errors.go``).

Go prints a bad value with ``%v``/``%q``/``%#v`` depending on its type; :func:`go_value` renders a
JSON-shaped Python value the way those verbs render its Go counterpart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class FieldErrorType(StrEnum):
    """``field.ErrorType``; the value doubles as the StatusCause ``reason``."""

    NOT_FOUND = "FieldValueNotFound"
    REQUIRED = "FieldValueRequired"
    DUPLICATE = "FieldValueDuplicate"
    INVALID = "FieldValueInvalid"
    NOT_SUPPORTED = "FieldValueNotSupported"
    FORBIDDEN = "FieldValueForbidden"
    TOO_LONG = "FieldValueTooLong"
    TOO_MANY = "FieldValueTooMany"
    INTERNAL = "InternalError"
    TYPE_INVALID = "FieldValueTypeInvalid"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field-level validation error.

    ``message`` is upstream's ``ErrorBody()`` (what goes into ``StatusCause.message``);
    ``str()`` is ``Error()``, i.e. ``"<field>: <message>"``.
    """

    field: str
    reason: FieldErrorType
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message

    def cause(self) -> dict[str, str]:
        """This error as a ``metav1.StatusCause``."""
        return {"reason": self.reason.value, "message": self.message, "field": self.field}


_GO_ESCAPES: Final = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    '"': '\\"',
    "\\": "\\\\",
}


def go_quote(s: str) -> str:
    """Go's ``strconv.Quote`` (what ``%q`` and ``%#v`` print for a string)."""
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return f'"{s}"'
    out = ['"']
    for ch in s:
        escaped = _GO_ESCAPES.get(ch)
        if escaped is not None:
            out.append(escaped)
        elif ch.isprintable():
            out.append(ch)
        else:
            point = ord(ch)
            if point < 0x80:
                out.append(f"\\x{point:02x}")
            elif point < 0x10000:
                out.append(f"\\u{point:04x}")
            else:
                out.append(f"\\U{point:08x}")
    out.append('"')
    return "".join(out)


def go_string_slice(values: Sequence[str] | None) -> str:
    """Go's ``%#v`` of a ``[]string``."""
    if values is None:
        return "[]string(nil)"
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}"


def go_value(value: object) -> str:
    """How ``field.Invalid``/``NotSupported``/``Duplicate`` print a bad value (``ErrorBody``)."""
    if value is None:
        return '"null"'  # upstream substitutes the string "null", then quotes it
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return go_string_slice(value)
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_value(v) for v in value) + "}"
    if isinstance(value, dict):
        body = ", ".join(f"{go_quote(str(k))}:{go_value(v)}" for k, v in value.items())
        return "map[string]interface {}{" + body + "}"
    return go_quote(str(value))


def _go_float(value: float) -> str:
    """``%v`` of a float64: shortest representation, exponent form for large/small magnitudes."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, exponent = text.split("e")
        sign = exponent[0] if exponent[0] in "+-" else "+"
        digits = exponent.lstrip("+-").rjust(2, "0")
        return f"{mantissa}e{sign}{digits}"
    return text


def _with_detail(body: str, detail: str) -> str:
    return f"{body}: {detail}" if detail else body


def invalid(
    path: str, value: object, detail: str = "", *, rendered: str | None = None
) -> FieldError:
    """``field.Invalid``; pass ``rendered`` when the value's Go rendering is known better."""
    shown = go_value(value) if rendered is None else rendered
    return FieldError(path, FieldErrorType.INVALID, _with_detail(f"Invalid value: {shown}", detail))


def required(path: str, detail: str = "") -> FieldError:
    return FieldError(path, FieldErrorType.REQUIRED, _with_detail("Required value", detail))


def forbidden(path: str, detail: str = "") -> FieldError:
    return FieldError(path, FieldErrorType.FORBIDDEN, _with_detail("Forbidden", detail))


def not_found(path: str, value: object) -> FieldError:
    return FieldError(path, FieldErrorType.NOT_FOUND, f"Not found: {go_value(value)}")


def duplicate(path: str, value: object) -> FieldError:
    return FieldError(path, FieldErrorType.DUPLICATE, f"Duplicate value: {go_value(value)}")


def not_supported(
    path: str, value: object, valid: Sequence[str], *, rendered: str | None = None
) -> FieldError:
    shown = go_value(value) if rendered is None else rendered
    detail = "supported values: " + ", ".join(go_quote(v) for v in valid) if valid else ""
    return FieldError(
        path, FieldErrorType.NOT_SUPPORTED, _with_detail(f"Unsupported value: {shown}", detail)
    )


def too_long(path: str, max_length: int) -> FieldError:
    detail = f"may not be more than {max_length} bytes" if max_length >= 0 else ""
    return FieldError(path, FieldErrorType.TOO_LONG, _with_detail("Too long", detail))


def too_many(path: str, actual: int, max_items: int) -> FieldError:
    return FieldError(
        path,
        FieldErrorType.TOO_MANY,
        f"Too many: {actual}: must have at most {max_items} items",
    )


def aggregate(errors: Sequence[FieldError]) -> tuple[str, tuple[FieldError, ...]]:
    """``ErrorList.ToAggregate().Error()``: duplicates dropped, several errors in brackets."""
    seen: set[str] = set()
    kept: list[FieldError] = []
    for error in errors:
        text = str(error)
        if text not in seen:
            seen.add(text)
            kept.append(error)
    if len(kept) == 1:
        return str(kept[0]), tuple(kept)
    return "[" + ", ".join(str(e) for e in kept) + "]", tuple(kept)


def child(path: str, name: str) -> str:
    """``path.Child(name)``."""
    return f"{path}.{name}" if path else name


def index(path: str, i: int) -> str:
    """``path.Index(i)``."""
    return f"{path}[{i}]"


def key(path: str, k: str) -> str:
    """``path.Key(k)``."""
    return f"{path}[{k}]"
