"""How ccjk tells time (suite.clock): UTC with milliseconds and a Z, the JavaScript toISOString form the clients
parse. The one place tests move time (bind-code expiry, dedupe windows): they patch `clock.now`."""

from __future__ import annotations

from suite import clock as suite_clock

parse_iso = suite_clock.parse_iso


def now() -> float:
    """Seconds since the epoch."""
    return suite_clock.now()


def iso(seconds: float | None = None) -> str:
    """ISO-8601 UTC with milliseconds and a Z: `2026-02-02T10:00:00.000Z`."""
    return suite_clock.iso_utc(now() if seconds is None else seconds)
