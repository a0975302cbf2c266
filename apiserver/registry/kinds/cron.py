"""The CronJob schedule grammar: ``robfig/cron/v3``'s ``ParseStandard``, for validation only.

kube-apiserver validates ``spec.schedule`` by parsing it (``parsers.ParseCronScheduleWithPanic
Recovery`` around ``cron.ParseStandard``) and reports the parser's error verbatim, e.g.
``spec.schedule: Invalid value: "off": expected exactly 5 fields, found 1: [off]``. This module
walks the same grammar and returns the same error text; it computes no schedule.

The grammar, in the order the parser checks it:

* an empty spec is ``empty spec string``;
* a ``TZ=<zone> `` or ``CRON_TZ=<zone> `` prefix names a location (``time.LoadLocation``); with
  no space after it the parser slices out of range and panics, which the wrapper reports as
  ``invalid schedule format: runtime error: ...``;
* ``@yearly``/``@annually``/``@monthly``/``@weekly``/``@daily``/``@midnight``/``@hourly`` and
  ``@every <Go duration>`` are descriptors; any other ``@...`` is unrecognized;
* otherwise exactly five whitespace-separated fields -- minute, hour, day of month, month, day
  of week -- each a comma-separated list of ``*``/``?``, ``N``, ``N-M``, each optionally
  ``/step``; months and weekdays also by three-letter name, any case.
"""

from __future__ import annotations

import re
import zoneinfo
from typing import Final, NamedTuple

from minikube_py.field import go_quote


class _Bounds(NamedTuple):
    low: int
    high: int
    names: dict[str, int]


_MONTHS: Final = {
    name: i + 1
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_WEEKDAYS: Final = {
    name: i for i, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat"))
}
#: minute, hour, day of month, month, day of week (ParseStandard has no seconds field)
_FIELDS: Final = (
    _Bounds(0, 59, {}),
    _Bounds(0, 23, {}),
    _Bounds(1, 31, {}),
    _Bounds(1, 12, _MONTHS),
    _Bounds(0, 6, _WEEKDAYS),
)
_DESCRIPTORS: Final = frozenset(
    ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
)
_ATOI_RE: Final = re.compile(r"[+-]?[0-9]+")
_INT64_MAX: Final = (1 << 63) - 1
_DURATION_UNITS: Final = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,  # U+00B5
    "μs": 1_000,  # U+03BC
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}


class _CronError(Exception):
    pass


def schedule_error(spec: str) -> str | None:
    """Why ``cron.ParseStandard(spec)`` fails, in its words, or None when it parses."""
    try:
        _parse_standard(spec)
    except _CronError as error:
        return str(error)
    return None


def _parse_standard(spec: str) -> None:
    if not spec:
        raise _CronError("empty spec string")
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space, equals = spec.find(" "), spec.find("=")
        if space < 0:
            # spec[eq+1:-1] panics; the apiserver's wrapper recovers and reports it
            raise _CronError(
                "invalid schedule format: runtime error: slice bounds out of range [:-1]"
            )
        location = spec[equals + 1 : space]
        problem = location_error(location)
        if problem is not None:
            raise _CronError(f"provided bad location {location}: {problem}")
        spec = spec[space:].strip()
    if spec.startswith("@"):
        _parse_descriptor(spec)
        return
    fields = spec.split()
    if len(fields) != len(_FIELDS):
        raise _CronError(
            f"expected exactly {len(_FIELDS)} fields, found {len(fields)}: [{' '.join(fields)}]"
        )
    for text, bounds in zip(fields, _FIELDS, strict=True):
        for expr in (part for part in text.split(",") if part):
            _check_range(expr, bounds)


def _parse_descriptor(spec: str) -> None:
    if spec in _DESCRIPTORS:
        return
    if spec.startswith("@every "):
        problem = duration_error(spec[len("@every ") :])
        if problem is not None:
            raise _CronError(f"failed to parse duration {spec}: {problem}")
        return
    raise _CronError(f"unrecognized descriptor: {spec}")


def _check_range(expr: str, bounds: _Bounds) -> None:
    """``getRange``: ``number | number "-" number [ "/" number ]`` within the field's bounds."""
    range_and_step = expr.split("/")
    low_and_high = range_and_step[0].split("-")
    single = len(low_and_high) == 1
    if low_and_high[0] in ("*", "?"):
        start, end = bounds.low, bounds.high
    else:
        start = _int_or_name(low_and_high[0], bounds.names)
        if len(low_and_high) == 1:
            end = start
        elif len(low_and_high) == 2:
            end = _int_or_name(low_and_high[1], bounds.names)
        else:
            raise _CronError(f"too many hyphens: {expr}")
    if len(range_and_step) == 1:
        step = 1
    elif len(range_and_step) == 2:
        step = _must_parse_int(range_and_step[1])
        if single:
            end = bounds.high  # "N/step" means "N-max/step"
    else:
        raise _CronError(f"too many slashes: {expr}")
    if start < bounds.low:
        raise _CronError(f"beginning of range ({start}) below minimum ({bounds.low}): {expr}")
    if end > bounds.high:
        raise _CronError(f"end of range ({end}) above maximum ({bounds.high}): {expr}")
    if start > end:
        raise _CronError(f"beginning of range ({start}) beyond end of range ({end}): {expr}")
    if step == 0:
        raise _CronError(f"step of range should be a positive number: {expr}")


def _int_or_name(expr: str, names: dict[str, int]) -> int:
    named = names.get(expr.lower())
    return named if named is not None else _must_parse_int(expr)


def _must_parse_int(expr: str) -> int:
    """``mustParseInt``: ``strconv.Atoi`` then a sign check."""
    if not _ATOI_RE.fullmatch(expr):
        raise _CronError(
            f"failed to parse int from {expr}: strconv.Atoi: parsing {go_quote(expr)}: "
            "invalid syntax"
        )
    number = int(expr)
    if not -_INT64_MAX - 1 <= number <= _INT64_MAX:
        raise _CronError(
            f"failed to parse int from {expr}: strconv.Atoi: parsing {go_quote(expr)}: "
            "value out of range"
        )
    if number < 0:
        raise _CronError(f"negative number ({number}) not allowed: {expr}")
    return number


def location_error(name: str) -> str | None:
    """Why Go's ``time.LoadLocation(name)`` fails, or None (tzdata from the system)."""
    if name in ("", "UTC", "Local"):
        return None
    if ".." in name.split("/") or name.startswith(("/", "\\")):
        return "time: invalid location name"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown time zone {name}"
    return None


def duration_error(text: str) -> str | None:
    """Why Go's ``time.ParseDuration(text)`` fails, or None."""
    invalid = f"time: invalid duration {go_quote(text)}"
    s = text
    if s[:1] in ("-", "+"):
        s = s[1:]
    if s == "0":
        return None
    if not s:
        return invalid
    total = 0
    while s:
        if not (s[0] == "." or (s[0].isdigit() and s[0].isascii())):
            return invalid
        digits = re.match(r"[0-9]*", s)
        assert digits is not None
        whole, s = digits.group(), s[digits.end() :]
        fraction = ""
        if s.startswith("."):
            frac = re.match(r"[0-9]*", s[1:])
            assert frac is not None
            fraction, s = frac.group(), s[1 + frac.end() :]
            if not whole and not fraction:
                return invalid
        elif not whole:
            return invalid
        unit_len = 0
        while unit_len < len(s) and s[unit_len] != "." and not s[unit_len].isdigit():
            unit_len += 1
        if unit_len == 0:
            return f"time: missing unit in duration {go_quote(text)}"
        unit, s = s[:unit_len], s[unit_len:]
        scale = _DURATION_UNITS.get(unit)
        if scale is None:
            return f"time: unknown unit {go_quote(unit)} in duration {go_quote(text)}"
        value = int(whole or "0") * scale
        if fraction:
            value += int(fraction) * scale // 10 ** len(fraction)
        total += value
        if total > 1 << 63:
            return invalid
    return None


__all__ = ["duration_error", "location_error", "schedule_error"]
