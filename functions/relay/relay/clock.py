"""How relay tells time (the one place its tests move it).

Times on the wire are ISO-8601 UTC with a Z (`2026-01-05T10:00:00.000Z`, what the admin UI's `new Date()`
parses). Usage days, ISO weeks and months begin at the configured offset (`RELAY_UTC_OFFSET`, UTC by default):
the counters of the proxy and the reads of the usage routes both come from here.
"""

from __future__ import annotations

import datetime as dt

from relay import config
from suite import clock as base


def now() -> float:
    return base.now()


def epoch() -> int:
    return int(now())


def iso(seconds: float | None = None) -> str:
    return base.iso_utc(now() if seconds is None else seconds)


def parse_iso(text: str) -> float:
    return base.parse_iso(text)


def _local(seconds: float | None = None) -> dt.datetime:
    zone = base.fixed_zone(config.get().utc_offset)
    return dt.datetime.fromtimestamp(now() if seconds is None else seconds, zone)


def day(seconds: float | None = None) -> str:
    """The usage day (YYYY-MM-DD) `seconds` falls in."""
    return _local(seconds).strftime("%Y-%m-%d")


def month(seconds: float | None = None) -> str:
    return _local(seconds).strftime("%Y-%m")


def iso_week(seconds: float | None = None) -> str:
    year, week, _ = _local(seconds).isocalendar()
    return f"{year}-W{week:02d}"


def days_between(start: str, end: str) -> list[str]:
    """Every day from start to end (YYYY-MM-DD, inclusive)."""
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def shift_day(text: str, days: int) -> str:
    return (dt.date.fromisoformat(text) + dt.timedelta(days=days)).isoformat()


def day_start(text: str) -> float:
    """Epoch seconds at the start of a usage day."""
    zone = base.fixed_zone(config.get().utc_offset)
    return dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), zone).timestamp()
