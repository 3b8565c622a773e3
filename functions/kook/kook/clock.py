"""Time as this service shows it: timestamps in the operator's UTC offset, stats days in that offset too.

KOOK's users are mostly in China (UTC+8, no daylight saving), so "today" in the stats and `created_at` in the
answers use a fixed offset from `KOOK_UTC_OFFSET` ("+08:00" by default; suite.clock.fixed_zone) rather than the
Lambda's UTC. A fixed offset needs no time-zone database in the runtime. This module is the one place kook reads
the time (suite.clock underneath), so it is the one place tests move it.
"""

from __future__ import annotations

import datetime as dt

from kook import config
from suite import clock as suite_clock

DEFAULT_OFFSET = "+08:00"


def zone() -> dt.timezone:
    return suite_clock.fixed_zone(config.get().utc_offset, DEFAULT_OFFSET)


def now() -> dt.datetime:
    return dt.datetime.fromtimestamp(suite_clock.now(), zone())


def epoch() -> int:
    return suite_clock.epoch()


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
