"""Rate-limit counters: suite.ratelimit's fixed windows in RATE_LIMIT_TABLE (atomic `ADD`, TTL on old windows)."""

from __future__ import annotations

from typing import Any

from classworks import config
from suite.ratelimit import limiter_for


def hit(key: str, *, limit: int, window_seconds: int) -> Any:
    """Count one request of `key`; the suite.ratelimit Decision (allowed, remaining, retry_after)."""
    return limiter_for(config.rate_limit_table()).hit(key, limit=limit, window_seconds=window_seconds)
