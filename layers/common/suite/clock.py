"""Time helpers every service needs: epoch seconds, ISO-8601 in the forms the originals' clients parse, fixed
UTC offsets (no time-zone database in the runtime).

A service's own `clock.py` decides how it shows time (ccjk: UTC with milliseconds and a Z; kook: the
operator's fixed offset) on top of these, and is the one place its tests move time.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time

_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def now() -> float:
    """Seconds since the epoch."""
    return time.time()


def epoch() -> int:
    """Whole seconds since the epoch (TTL attributes, windows)."""
    return int(time.time())


def iso_utc(seconds: float | None = None, *, precision: str = "milliseconds") -> str:
    """ISO-8601 UTC with a Z: `2026-02-02T10:00:00.000Z` (JavaScript's toISOString form)."""
    moment = dt.datetime.fromtimestamp(now() if seconds is None else seconds, dt.UTC)
    return moment.isoformat(timespec=precision).replace("+00:00", "Z")


def parse_iso(text: str) -> float:
    """Seconds since the epoch from ISO-8601 (a Z or an offset; naive means UTC); ValueError when it is not one."""
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()


@functools.cache
def fixed_zone(offset: str, default: str = "+00:00") -> dt.timezone:
    """A fixed UTC offset such as "+08:00" (or "+0800"); `default` when `offset` is not one."""
    match = _OFFSET.match(offset.strip()) or _OFFSET.match(default)
    if match is None:
        raise ValueError(f"not a UTC offset: {default!r}")
    sign = -1 if match.group(1) == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))
