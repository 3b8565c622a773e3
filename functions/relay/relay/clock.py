"""How relay tells time (the one place its tests move it)."""

from suite.clock import epoch, iso_utc, now, parse_iso

__all__ = ["epoch", "iso_utc", "now", "parse_iso"]
