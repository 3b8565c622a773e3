"""Time as this service shows it: timestamps in the operator's UTC offset, stats days in that offset too.

KOOK's users are mostly in China (UTC+8, no daylight saving), so "today" in the stats and `created_at` in the
answers use a fixed offset from `KOOK_UTC_OFFSET` ("+08:00" by default) rather than the Lambda's UTC. A fixed
offset needs no time-zone database in the runtime.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import time

_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


@functools.cache
def _zone(text: str) -> dt.timezone:
    match = _OFFSET.match(text.strip())
    if not match:
        return dt.timezone(dt.timedelta(hours=8))
    sign = -1 if match.group(1) == "-" else 1
    return dt.timezone(sign * dt.timedelta(hours=int(match.group(2)), minutes=int(match.group(3))))


def zone() -> dt.timezone:
    return _zone(os.environ.get("KOOK_UTC_OFFSET", "+08:00"))


def now() -> dt.datetime:
    return dt.datetime.now(zone())


def epoch() -> int:
    return int(time.time())


def iso(moment: dt.datetime | None = None) -> str:
    """ISO-8601 in the display offset, seconds precision: 2025-10-19T15:30:00+08:00."""
    return (moment or now()).astimezone(zone()).isoformat(timespec="seconds")


def precise(moment: dt.datetime) -> str:
    """Sortable ISO-8601 with microseconds in the display offset (used as a sort key)."""
    return moment.astimezone(zone()).isoformat(timespec="microseconds")


def day(moment: dt.datetime) -> str:
    """The stats day (YYYY-MM-DD) of `moment` in the display offset."""
    return moment.astimezone(zone()).strftime("%Y-%m-%d")


def hour(moment: dt.datetime) -> str:
    return moment.astimezone(zone()).strftime("%H")


def start_of_day(moment: dt.datetime) -> dt.datetime:
    local = moment.astimezone(zone())
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def parse(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def parse_epoch(seconds: int | float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, zone())
