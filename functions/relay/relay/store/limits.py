"""Per-IP fixed-window limits (suite.ratelimit) in RelayStateTable, beside the runtime state."""

from __future__ import annotations

from relay import config
from suite.ratelimit import Decision, limiter_for


def _limiter():
    return limiter_for(config.get().state_table, sort_key=("sk", "RL"))


def hit(key: str, *, limit: int, window_seconds: int) -> Decision:
    return _limiter().hit(key, limit=limit, window_seconds=window_seconds)


def reset(key: str, *, window_seconds: int) -> None:
    _limiter().reset(key, window_seconds=window_seconds)
