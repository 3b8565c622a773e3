"""The service's notion of now, in one place so tests can move time (bind-code expiry, dedupe windows)."""

from __future__ import annotations

import datetime as dt
import time


def now() -> float:
    """Seconds since the epoch."""
    return time.time()


def iso(seconds: float | None = None) -> str:
    """ISO-8601 UTC with milliseconds and a Z, the JavaScript toISOString form the clients parse."""
    moment = dt.datetime.fromtimestamp(now() if seconds is None else seconds, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(text: str) -> float:
    """Seconds since the epoch from an ISO-8601 timestamp; ValueError when it is not one."""
    moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.timestamp()
