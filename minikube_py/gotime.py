"""Go's ``time.Duration.String``, for messages that quote durations as upstream prints them."""

from __future__ import annotations


def go_duration(seconds: float) -> str:
    """Go's ``time.Duration.String`` of a duration truncated to milliseconds (``0s``,
    ``250ms``, ``1.5s``, ``5m0s``, ``1h2m3s``)."""
    millis = int(seconds * 1000 + 1e-6)
    if millis == 0:
        return "0s"
    if millis < 1000:
        return f"{millis}ms"
    minutes, ms = divmod(millis, 60_000)
    secs = f"{ms / 1000:.3f}".rstrip("0").rstrip(".")
    hours, minutes = divmod(minutes, 60)
    out = f"{secs}s"
    if minutes or hours:
        out = f"{minutes}m" + out
    if hours:
        out = f"{hours}h" + out
    return out
