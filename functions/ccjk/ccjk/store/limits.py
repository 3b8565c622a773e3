"""Rate limits (suite.ratelimit) kept in the ccjk table under the sort key `LIMIT`, with TTL."""

from __future__ import annotations

from ccjk.store.common import table
from suite.ratelimit import Decision, FixedWindowLimiter, limiter_for


def limiter() -> FixedWindowLimiter:
    return limiter_for(table(), sort_key=("sk", "LIMIT"))


def hit(key: str, *, limit: int, window_seconds: int) -> Decision:
    return limiter().hit(key, limit=limit, window_seconds=window_seconds)


def reset(key: str, *, window_seconds: int) -> None:
    limiter().reset(key, window_seconds=window_seconds)
