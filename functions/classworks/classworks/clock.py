"""How classworks tells time (the one place its tests move it): the original's JSON dates are JavaScript's
toISOString form (`2026-02-02T10:00:00.000Z`), epoch seconds for TTLs and windows, milliseconds for `pong`."""

from __future__ import annotations

from suite.clock import epoch, iso_utc, now

__all__ = ["epoch", "iso_utc", "now", "now_iso", "now_ms"]


def now_iso() -> str:
    return iso_utc()


def now_ms() -> int:
    return int(now() * 1000)
