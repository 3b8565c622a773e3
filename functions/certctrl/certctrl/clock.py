"""How certctrl tells time (the one place its tests move it: patch `now`) and how the long poll waits."""

from __future__ import annotations

import time

from suite import clock as _clock
from suite.clock import iso_utc, parse_iso

__all__ = ["epoch", "epoch_ms", "iso_utc", "monotonic", "now", "parse_iso", "sleep"]


def now() -> float:
    """Seconds since the epoch."""
    return _clock.now()


def epoch() -> int:
    """Whole seconds since the epoch (TTL attributes, JWT times, `auth_time`)."""
    return int(now())


def epoch_ms() -> int:
    """Milliseconds since the epoch (signal timestamps, `created_at` fields)."""
    return int(now() * 1000)


def monotonic() -> float:
    return time.monotonic()


def sleep(seconds: float) -> None:
    time.sleep(seconds)
