"""Rate limits (suite.ratelimit) kept in AccountsTable beside the accounts they protect."""

from __future__ import annotations

from certctrl.store import common
from suite.ratelimit import Decision, limiter_for

__all__ = ["Decision", "count", "hit", "reset"]


def _limiter():
    return limiter_for(common.accounts(), sort_key=("sk", "RL"))


def hit(key: str, *, limit: int, window_seconds: int) -> Decision:
    return _limiter().hit(key, limit=limit, window_seconds=window_seconds)


def count(key: str, *, window_seconds: int) -> int:
    return _limiter().count(key, window_seconds=window_seconds)


def reset(key: str, *, window_seconds: int) -> None:
    _limiter().reset(key, window_seconds=window_seconds)
