"""Durations and ages as the server renders them into Table cells.

Mirrors ``k8s.io/apimachinery/pkg/util/duration`` (v0.32.4: ``HumanDuration``,
``ShortHumanDuration``) and the helpers at the top of upstream's
``pkg/printers/internalversion/printers.go`` (``translateTimestampSince``,
``translateMicroTimestampSince``). Every age and duration cell of the built-in printers goes
through ``HumanDuration``, the two-unit form ("3h2m", "2d3h", "5m30s" under ten minutes);
``ShortHumanDuration`` (one unit) is kept for callers outside the printers.

Go does this arithmetic on integer nanoseconds and truncates toward zero; we do it on integer
microseconds (the finest unit a ``metav1.MicroTime`` carries), which gives the same strings.
A timestamp up to two seconds in the future still reads "0s" (clock skew between machines);
further ahead it is "<invalid>". A missing, null, zero (``0001-01-01T00:00:00Z``) or unparsable
timestamp reads "<unknown>", as a zero ``metav1.Time`` does upstream.

``Since`` binds the cluster clock's *now* once per Table and memoises ages by their timestamp
string: the pods of one list are mostly created within a few seconds of each other, so a
10,000-row Table parses a handful of distinct timestamps, not 10,000.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

_US_PER_SECOND: Final = 1_000_000
_US_PER_MINUTE: Final = 60 * _US_PER_SECOND
_US_PER_HOUR: Final = 60 * _US_PER_MINUTE
_ONE_US: Final = timedelta(microseconds=1)
_GO_ZERO_TIME: Final = datetime(1, 1, 1, tzinfo=UTC)

UNKNOWN: Final = "<unknown>"


def _microseconds(d: timedelta) -> int:
    return d // _ONE_US


def human_duration(d: timedelta) -> str:
    """``duration.HumanDuration``: about two significant units ("45s", "5m30s", "3h2m", "2d3h")."""
    us = _microseconds(d)
    seconds = int(us / _US_PER_SECOND)  # Go: int(d.Seconds()), truncated toward zero
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60 * 2:
        return f"{seconds}s"
    minutes = us // _US_PER_MINUTE
    if minutes < 10:
        s = (us // _US_PER_SECOND) % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = us // _US_PER_HOUR
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if dy == 0 else f"{years}y{dy}d"
    return f"{hours // 24 // 365}y"


def short_human_duration(d: timedelta) -> str:
    """``duration.ShortHumanDuration``: one unit only ("45s", "5m", "3h", "2d", "1y")."""
    us = _microseconds(d)
    seconds = int(us / _US_PER_SECOND)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 60:
        return f"{seconds}s"
    minutes = us // _US_PER_MINUTE
    if minutes < 60:
        return f"{minutes}m"
    hours = us // _US_PER_HOUR
    if hours < 24:
        return f"{hours}h"
    if hours < 24 * 365:
        return f"{hours // 24}d"
    return f"{hours // 24 // 365}y"


def parse_timestamp(value: object) -> datetime | None:
    """A ``metav1.Time``/``MicroTime`` as served (RFC 3339), or None where Go would hold zero.

    None for a missing or null field, the zero time, and text that is not RFC 3339 (a Table
    must render even for an object it cannot fully make sense of).
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)  # 3.11 reads the trailing "Z"
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment == _GO_ZERO_TIME:
        return None
    return moment


def format_rfc3339(value: object) -> str:
    """``metav1.Time.UTC().Format(time.RFC3339)``; the zero time for a missing timestamp."""
    if isinstance(value, str) and len(value) == 20 and value[-1] == "Z":
        return value  # already what the server stores: whole seconds, UTC
    m = (parse_timestamp(value) or _GO_ZERO_TIME).astimezone(UTC)
    return f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}Z"


class Since:
    """The cluster's *now* for one Table, and the ages measured from it.

    ``age(ts)`` is upstream's ``translateTimestampSince`` (and ``translateMicroTimestampSince``):
    ``HumanDuration(now - ts)``, or "<unknown>" when ``ts`` is zero. Results are memoised per
    timestamp string for the life of the object.
    """

    __slots__ = ("_ages", "now")

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware (the cluster clock's UTC time)")
        self.now = now
        self._ages: dict[object, str] = {}

    def age(self, timestamp: object) -> str:
        """The age of ``timestamp`` (a served RFC 3339 string, or None) as an AGE cell shows it."""
        try:
            return self._ages[timestamp]
        except KeyError:
            pass
        except TypeError:  # an unhashable value where a timestamp belongs
            return UNKNOWN
        moment = parse_timestamp(timestamp)
        text = UNKNOWN if moment is None else human_duration(self.now - moment)
        self._ages[timestamp] = text
        return text

    def age_of(self, moment: datetime) -> str:
        """``translateTimestampSince`` for an already parsed, non-zero time."""
        return human_duration(self.now - moment)

    def elapsed(self, moment: datetime) -> timedelta:
        """``time.Since(moment)`` on the cluster clock."""
        return self.now - moment
