"""The few Go library behaviours that decide whether a request body decodes, and what it says
when it does not.

kube-apiserver decodes a body into Go structs. Besides ``encoding/json``'s own type errors (built
in :mod:`apiserver.schema.validation`), three leaf types bring their own parsers and error texts,
and users meet them often enough that the wording matters:

- ``metav1.Time`` / ``metav1.MicroTime`` call ``time.Parse(time.RFC3339, s)`` /
  ``time.Parse("2006-01-02T15:04:05.000000Z07:00", s)``: :func:`time_parse_error` replays Go's
  layout-driven parser (``time/format.go`` ``parse``) for exactly these two layouts, so a Lease
  with ``renewTime: "2024-01-01T00:00:00Z"`` fails as upstream does with
  ``parsing time "..." as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"``;
- ``resource.Quantity`` calls ``ParseQuantity`` (``apimachinery/pkg/api/resource/quantity.go``):
  :func:`quantity_parse_error` follows its scanner and suffix table;
- ``[]byte`` fields (Secret ``data``, ConfigMap ``binaryData``) are base64 ``StdEncoding``:
  :func:`base64_error` reproduces ``encoding/base64``'s ``illegal base64 data at input byte N``
  offsets, newlines skipped as Go skips them.

:func:`go_sprint` is ``fmt.Sprintf("%v", x)`` of JSON-shaped data as Go holds it after decoding
into ``map[string]interface{}`` (the value a strategic-merge-patch error quotes).

Divergences: ``ParseQuantity``'s ``unable to parse numeric part of quantity`` is approximated
(a value with no digit that must take the arbitrary-precision path); floats are printed from
their Python value, not from the original JSON literal.
"""

from __future__ import annotations

import base64
import math
import re
from decimal import Decimal
from typing import Any, Final

QUANTITY_FORMAT_ERROR: Final = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
QUANTITY_NUMERIC_ERROR: Final = "unable to parse numeric part of quantity"
QUANTITY_SUFFIX_ERROR: Final = "unable to parse quantity's suffix"

RFC3339: Final = "2006-01-02T15:04:05Z07:00"
RFC3339_MICRO: Final = "2006-01-02T15:04:05.000000Z07:00"

# ---------------------------------------------------------------------------------------------
# time.Parse for the two layouts metav1 uses

_YEAR, _MONTH, _DAY, _HOUR, _MINUTE, _SECOND, _FRACTION, _ZONE = range(8)

# (literal prefix, element, the layout text of the element) in layout order
_RFC3339_CHUNKS: Final = (
    (b"", _YEAR, "2006"),
    (b"-", _MONTH, "01"),
    (b"-", _DAY, "02"),
    (b"T", _HOUR, "15"),
    (b":", _MINUTE, "04"),
    (b":", _SECOND, "05"),
    (b"", _ZONE, "Z07:00"),
)
_RFC3339_MICRO_CHUNKS: Final = (
    *_RFC3339_CHUNKS[:6],
    (b"", _FRACTION, ".000000"),
    (b"", _ZONE, "Z07:00"),
)
_DAYS_IN_MONTH: Final = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_FAST_ZONE: Final = r"(?:Z|[+-](?:[01][0-9]|2[0-4]):(?:[0-5][0-9]|60))"
_FAST_CLOCK: Final = r"([0-9]{4})-([0-9]{2})-([0-9]{2})T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
_FAST_RFC3339: Final = re.compile(_FAST_CLOCK + r"(?:[.,][0-9]+)?" + _FAST_ZONE)
_FAST_RFC3339_MICRO: Final = re.compile(_FAST_CLOCK + r"[.,][0-9]{6}" + _FAST_ZONE)


def time_parse_error(value: str, *, micro: bool = False) -> str | None:
    """The error ``time.Parse`` gives for ``value`` in RFC 3339 (``micro``: RFC 3339 with exactly
    six fractional digits, ``metav1.RFC3339Micro``), or None when it parses."""
    fast = (_FAST_RFC3339_MICRO if micro else _FAST_RFC3339).fullmatch(value)
    if fast is not None and _valid_date(fast.group(1), fast.group(2), fast.group(3)):
        return None  # the common, well-formed case; zone offsets of such values are in range
    return _parse_time(value.encode(), RFC3339_MICRO if micro else RFC3339)


def _valid_date(year: str, month: str, day: str) -> bool:
    m = int(month)
    return 1 <= m <= 12 and 1 <= int(day) <= _days_in(m, int(year))


def _days_in(month: int, year: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def _parse_time(value: bytes, layout: str) -> str | None:
    chunks = _RFC3339_MICRO_CHUNKS if layout == RFC3339_MICRO else _RFC3339_CHUNKS
    rest = value
    year = month = day = -1
    for position, (prefix, element, element_text) in enumerate(chunks):
        if not rest.startswith(prefix):
            return _cannot_parse(value, layout, rest, prefix.decode())
        rest = rest[len(prefix) :]
        hold = rest
        bad = False
        out_of_range = ""
        if element == _YEAR:
            if len(rest) < 4 or not _digit(rest, 0):
                bad = True
            else:
                number = _atoi(rest[:4])
                bad = number is None
                year = number or 0
                rest = rest[4:]
        elif element == _MONTH:
            month, rest, bad = _getnum(rest, fixed=True)
            if not bad and not 1 <= month <= 12:
                out_of_range = "month"
        elif element == _DAY:
            day, rest, bad = _getnum(rest, fixed=True)
        elif element == _HOUR:
            hour, rest, bad = _getnum(rest, fixed=False)
            if not 0 <= hour < 24:
                out_of_range = "hour"
        elif element == _MINUTE:
            minute, rest, bad = _getnum(rest, fixed=True)
            if not 0 <= minute < 60:
                out_of_range = "minute"
        elif element == _SECOND:
            second, rest, bad = _getnum(rest, fixed=True)
            if not bad and not 0 <= second < 60:
                out_of_range = "second"
            elif (
                not bad
                and len(rest) >= 2
                and rest[0] in b".,"
                and _digit(rest, 1)
                and chunks[position + 1][1] != _FRACTION
            ):
                # a fraction the layout does not mention is accepted after the seconds
                end = 2
                while end < len(rest) and _digit(rest, end):
                    end += 1
                out_of_range, bad = _nanoseconds(rest, end)
                rest = rest[end:]
        elif element == _FRACTION:
            if len(rest) < 7:
                bad = True
            else:
                out_of_range, bad = _nanoseconds(rest, 7)
                rest = rest[7:]
        else:  # _ZONE, "Z07:00"
            if rest[:1] == b"Z":
                rest = rest[1:]
            elif len(rest) < 6 or rest[3:4] != b":":
                bad = True
            else:
                sign, hours, minutes, rest = rest[:1], rest[1:3], rest[4:6], rest[6:]
                offset_hours, _, bad = _getnum(hours, fixed=True)
                offset_minutes = 0
                if not bad:
                    offset_minutes, _, bad = _getnum(minutes, fixed=True)
                if offset_hours > 24:
                    out_of_range = "time zone offset hour"
                if offset_minutes > 60:
                    out_of_range = "time zone offset minute"
                if sign not in (b"+", b"-"):
                    bad = True
        if out_of_range:
            return f"parsing time {_time_quote(value)}: {out_of_range} out of range"
        if bad:
            return _cannot_parse(value, layout, hold, element_text)
    if rest:
        return f"parsing time {_time_quote(value)}: extra text: {_time_quote(rest)}"
    if day < 1 or day > _days_in(month, year):
        return f"parsing time {_time_quote(value)}: day out of range"
    return None


def _cannot_parse(value: bytes, layout: str, rest: bytes, element: str) -> str:
    return (
        f"parsing time {_time_quote(value)} as {_time_quote(layout.encode())}: "
        f"cannot parse {_time_quote(rest)} as {_time_quote(element.encode())}"
    )


def _digit(s: bytes, i: int) -> bool:
    return i < len(s) and 0x30 <= s[i] <= 0x39


def _getnum(s: bytes, *, fixed: bool) -> tuple[int, bytes, bool]:
    """Go's ``getnum``: one or two leading digits; ``fixed`` demands two."""
    if not _digit(s, 0):
        return 0, s, True
    if not _digit(s, 1):
        if fixed:
            return 0, s, True
        return s[0] - 0x30, s[1:], False
    return (s[0] - 0x30) * 10 + s[1] - 0x30, s[2:], False


def _atoi(s: bytes) -> int | None:
    """Go's ``time.atoi``: an optional sign, then digits only."""
    negative = s[:1] == b"-"
    if s[:1] in (b"-", b"+"):
        s = s[1:]
    if not s or not s.isdigit():
        return None
    number = int(s)
    return -number if negative else number


def _nanoseconds(s: bytes, nbytes: int) -> tuple[str, bool]:
    """Go's ``parseNanoseconds``: (range error, bad)."""
    if s[:1] not in (b".", b","):
        return "", True
    number = _atoi(s[1 : min(nbytes, 10)])
    if number is None:
        return "", True
    if number < 0:
        return "fractional second", False
    return "", False


def _time_quote(s: bytes) -> str:
    """``time.quote``: control and non-ASCII bytes as ``\\xNN``."""
    out = ['"']
    for byte in s:
        if byte < 0x20 or byte >= 0x80:
            out.append(f"\\x{byte:02x}")
        elif byte in (0x22, 0x5C):
            out.append("\\" + chr(byte))
        else:
            out.append(chr(byte))
    out.append('"')
    return "".join(out)


# ---------------------------------------------------------------------------------------------
# resource.ParseQuantity

_SUFFIX_LETTERS: Final = frozenset("eEinumkKMGTP")
_KNOWN_SUFFIXES: Final = frozenset(
    ["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"]
)
_FAST_QUANTITY: Final = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?(?:[numkMGTPE]|[KMGTPE]i)?")


def quantity_parse_error(text: str) -> str | None:
    """The error ``resource.ParseQuantity`` gives for ``text`` (already trimmed), or None."""
    if _FAST_QUANTITY.fullmatch(text):
        return None
    if not text:
        return QUANTITY_FORMAT_ERROR
    if text == "0":
        return None
    scanned = _scan_quantity(text)
    if scanned is None:
        return QUANTITY_FORMAT_ERROR
    value, num, denom, suffix = scanned
    exponent = len(suffix) > 1 and suffix[0] in "eE" and _go_parse_int(suffix[1:])
    if suffix not in _KNOWN_SUFFIXES and not exponent:
        return QUANTITY_SUFFIX_ERROR
    binary = suffix.endswith("i")
    # The int64 fast path takes short decimal values; the rest go through inf.Dec, which
    # cannot parse a value without digits (approximated: Go's exact rule is precision-based).
    fast = (not binary and len(num) + len(denom) <= 18) or (binary and not denom)
    if not fast and not any(ch.isdigit() for ch in value):
        return QUANTITY_NUMERIC_ERROR
    return None


def _scan_quantity(text: str) -> tuple[str, str, str, str] | None:
    """``parseQuantityString``: (value, numerator, denominator, suffix), None for a bad format."""
    end = len(text)
    pos = 0
    if text[0] in "+-":
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return "0", "0", "", ""
    start = pos
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    num = text[start:pos] or "0"
    if pos >= end:
        return text, num, "", ""
    denom = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos].isdigit() and text[pos].isascii():
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return text, num, denom, ""
    value = text[:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_LETTERS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos].isdigit() and text[pos].isascii():
        pos += 1
    if pos < end:
        return None
    return value, num, denom, text[suffix_start:]


def _go_parse_int(text: str) -> bool:
    """Whether ``strconv.ParseInt(text, 10, 64)`` succeeds."""
    digits = text[1:] if text[:1] in ("+", "-") else text
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    return -(2**63) <= int(text) < 2**63


# ---------------------------------------------------------------------------------------------
# encoding/base64 StdEncoding

_BASE64_ALPHABET: Final = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BASE64_VALID: Final = frozenset(_BASE64_ALPHABET)
_FAST_BASE64: Final = re.compile(rb"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def base64_error(text: str) -> str | None:
    """``illegal base64 data at input byte N`` as Go's ``StdEncoding.Decode`` reports it, or None
    when ``text`` decodes (Go skips ``\\r`` and ``\\n`` anywhere)."""
    data = text.encode()
    if _FAST_BASE64.fullmatch(data):
        return None
    offset = _base64_error_offset(data)
    return None if offset is None else f"illegal base64 data at input byte {offset}"


def base64_canonical(text: str) -> str:
    """What Go stores after decoding: the standard, padded encoding (newlines gone)."""
    data = text.encode()
    if not data.endswith(b"=") and _FAST_BASE64.fullmatch(data):
        return text  # no padding: no unused bits that re-encoding could clear
    cleaned = data.replace(b"\n", b"").replace(b"\r", b"")
    return base64.b64encode(base64.b64decode(cleaned)).decode()


def _base64_error_offset(src: bytes) -> int | None:
    si = 0
    while si < len(src):
        si, offset = _base64_quantum(src, si)
        if offset is not None:
            return offset
    return None


def _base64_quantum(src: bytes, si: int) -> tuple[int, int | None]:
    """One ``decodeQuantum``: (next index, error offset or None)."""
    j = 0
    while j < 4:
        if si == len(src):
            return si, (None if j == 0 else si - j)
        byte = src[si]
        si += 1
        if byte in _BASE64_VALID:
            j += 1
            continue
        if byte in (0x0A, 0x0D):
            continue
        if byte != 0x3D:  # not "="
            return si, si - 1
        if j < 2:
            return si, si - 1
        if j == 2:  # "==" expected; the first "=" is consumed
            while si < len(src) and src[si] in (0x0A, 0x0D):
                si += 1
            if si == len(src):
                return si, len(src)
            if src[si] != 0x3D:
                return si, si - 1
            si += 1
        while si < len(src) and src[si] in (0x0A, 0x0D):
            si += 1
        return si, (si if si < len(src) else None)
    return si, None


# ---------------------------------------------------------------------------------------------
# fmt %v


def go_sprint(value: Any) -> str:
    """``fmt.Sprintf("%v", value)`` for a value decoded into ``interface{}`` (maps sorted)."""
    if value is None:
        return "<nil>"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        items = " ".join(f"{key}:{go_sprint(value[key])}" for key in sorted(value))
        return f"map[{items}]"
    if isinstance(value, list):
        return "[" + " ".join(go_sprint(item) for item in value) + "]"
    return str(value)


def go_float(value: float) -> str:
    """``strconv.FormatFloat(value, 'g', -1, 64)``, which is what ``%v`` prints."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    point = len(digit_tuple) + exponent  # decimal point position relative to the digits
    head = "-" if sign else ""
    exp = point - 1
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{head}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{head}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return head + digits + "0" * (point - len(digits))
    return f"{head}{digits[:point]}.{digits[point:]}"
