"""``resource.Quantity`` values: exact for validation, integer for the scheduler and kubelets.

This is kernel vocabulary (``k8s.io/apimachinery/pkg/api/resource``): the API server validates
with it, the scheduler and the simulated kubelets do resource arithmetic with it.

Quantities arrive as strings ("500m", "1Gi", "1e3") or JSON numbers. Validation compares them
(a claim may not shrink, a LimitRange min may not exceed its max) and checks signs; it never
needs Go's canonical re-printing, so the value here is an exact :class:`~fractions.Fraction`.
The grammar is ``ParseQuantity``'s: a signed decimal number, then a binary suffix (Ki..Ei), a
decimal suffix (n, u, m, k, M..E) or a decimal exponent (e3, E-2).

Messages print a quantity the way ``Quantity.String()`` does, canonically: the largest suffix
that keeps the number whole, in the format the quantity was written in ("1.5" is "1500m",
"1024Mi" is "1Gi", "2e3" is "2e3"), after rounding up to nano precision.
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import lru_cache
from typing import Any, Final

_QUANTITY_RE: Final = re.compile(
    r"(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?"
)
_BINARY: Final = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL: Final = {"n": -9, "u": -6, "m": -3, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}


def parse_quantity(value: Any) -> Fraction | None:
    """The exact value of a quantity, or None when it does not parse."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Fraction(value)
    if not isinstance(value, str):
        return None
    match = _QUANTITY_RE.fullmatch(value.strip())
    if match is None:
        return None
    number = Fraction(match["number"])
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        return number * 2 ** _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * Fraction(10) ** _DECIMAL[suffix]
    if suffix:
        return number * Fraction(10) ** int(suffix[1:])
    return number


_DECIMAL_SUFFIXES: Final = {exponent: suffix for suffix, exponent in _DECIMAL.items()} | {0: ""}


def canonical_quantity(value: Any) -> str:
    """``Quantity.String()`` of a quantity (or the value as given when it does not parse)."""
    amount = parse_quantity(value)
    if amount is None:
        return str(value)
    amount = Fraction(math.ceil(amount * 10**9), 10**9)  # ParseQuantity keeps nano precision
    if amount == 0:
        return "0"
    suffix = _QUANTITY_RE.fullmatch(value.strip()).group("suffix") if isinstance(value, str) else ""
    suffix = suffix or ""
    sign, magnitude = ("-" if amount < 0 else ""), abs(amount)
    if suffix in _BINARY and magnitude >= 1024 and magnitude.denominator == 1:
        shift = 0
        while shift < 60 and magnitude.numerator % (1 << (shift + 10)) == 0:
            shift += 10
        unit = {0: "", 10: "Ki", 20: "Mi", 30: "Gi", 40: "Ti", 50: "Pi", 60: "Ei"}[shift]
        return f"{sign}{magnitude.numerator >> shift}{unit}"
    exponent = -9
    while exponent < 18 and (magnitude / Fraction(10) ** (exponent + 3)).denominator == 1:
        exponent += 3
    mantissa = magnitude / Fraction(10) ** exponent
    if suffix[:1] in ("e", "E"):
        return f"{sign}{mantissa.numerator}" + (f"e{exponent}" if exponent else "")
    return f"{sign}{mantissa.numerator}{_DECIMAL_SUFFIXES[exponent]}"


def value(quantity: Any) -> int:
    """``Quantity.Value()``: the value rounded up to a whole number (0 when it does not parse).

    Strings are cached: the scheduler reads the same few request strings (``"100m"``,
    ``"128Mi"``) for every pod it looks at.
    """
    if isinstance(quantity, str):
        return _value_of_string(quantity)
    amount = parse_quantity(quantity)
    return math.ceil(amount) if amount is not None else 0


def milli_value(quantity: Any) -> int:
    """``Quantity.MilliValue()``: thousandths, rounded up (``"0.5"`` and ``"500m"`` are 500)."""
    if isinstance(quantity, str):
        return _milli_value_of_string(quantity)
    amount = parse_quantity(quantity)
    return math.ceil(amount * 1000) if amount is not None else 0


@lru_cache(maxsize=4096)
def _value_of_string(quantity: str) -> int:
    amount = parse_quantity(quantity)
    return math.ceil(amount) if amount is not None else 0


@lru_cache(maxsize=4096)
def _milli_value_of_string(quantity: str) -> int:
    amount = parse_quantity(quantity)
    return math.ceil(amount * 1000) if amount is not None else 0


__all__ = ["canonical_quantity", "milli_value", "parse_quantity", "value"]
