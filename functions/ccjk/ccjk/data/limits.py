"""Rate limits (suite.ratelimit) kept in the service table under the sort key `LIMIT`, with TTL."""

from __future__ import annotations

import functools

from ccjk import settings
from suite.ratelimit import Decision, FixedWindowLimiter


@functools.cache
def _limiter(table_name: str) -> FixedWindowLimiter:
    return FixedWindowLimiter(table_name, sort_key=("sk", "LIMIT"))


def hit(key: str, *, limit: int, window_seconds: int) -> Decision:
    return _limiter(settings.table_name()).hit(key, limit=limit, window_seconds=window_seconds)


def reset(key: str, *, window_seconds: int) -> None:
    _limiter(settings.table_name()).reset(key, window_seconds=window_seconds)
