"""Pacing per target inside one execution environment: at most the configured rate (system-config
`discord_rate_limit_per_5s`, `telegram_rate_limit_per_second`, `feishu_rate_limit_per_second`; Feishu never above
its 5 messages per second per group), and no call before a provider's announced bucket reset (Discord's
`X-RateLimit-Remaining: 0` + `X-RateLimit-Reset-After`).

Short waits (up to MAX_INLINE_WAIT_SECONDS) happen in place; a longer one raises ProviderError("rate_limited"),
so the message is deferred through the queue's visibility timeout instead of holding the Lambda. Rate limits
across execution environments are the providers' 429s, which the senders always honour.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from kook.store import settings
from suite.outbound import ProviderError

MAX_INLINE_WAIT_SECONDS = 2.0
CONFIG_CACHE_SECONDS = 60.0
DEFAULT_INTERVALS = {"discord": 1.0, "telegram": 1 / 30, "feishu": 1 / 5}
# Feishu allows 5 messages per second in one group whatever the app's own limit: a floor per target.
MIN_INTERVALS = {"feishu": 1 / 5}

_next_allowed: dict[str, float] = {}
_lock = threading.Lock()


@dataclass
class _Intervals:
    read_at: float
    by_platform: dict[str, float]


_cached: list[_Intervals] = []  # at most one entry: the intervals last read from system-config


def interval(platform: str) -> float:
    """Seconds between two calls to one target, from system-config (re-read at most once a minute)."""
    if not _cached or time.monotonic() - _cached[0].read_at > CONFIG_CACHE_SECONDS:
        stored = settings.document("system_config") or {}
        intervals = dict(DEFAULT_INTERVALS)
        if stored.get("discord_rate_limit_per_5s"):
            intervals["discord"] = 5.0 / float(stored["discord_rate_limit_per_5s"])
        if stored.get("telegram_rate_limit_per_second"):
            intervals["telegram"] = 1.0 / float(stored["telegram_rate_limit_per_second"])
        if stored.get("feishu_rate_limit_per_second"):
            intervals["feishu"] = 1.0 / float(stored["feishu_rate_limit_per_second"])
        for name, floor in MIN_INTERVALS.items():
            intervals[name] = max(intervals[name], floor)
        _cached[:] = [_Intervals(time.monotonic(), intervals)]
    return _cached[0].by_platform[platform]


def before_call(target: str, platform: str) -> None:
    """Wait for the target's turn, or raise ProviderError("rate_limited") when the wait would be long."""
    with _lock:
        wait = _next_allowed.get(target, 0.0) - time.monotonic()
    if wait > MAX_INLINE_WAIT_SECONDS:
        raise ProviderError("rate_limited", f"{platform}: waiting for the target's rate limit", retry_after=wait)
    if wait > 0:
        time.sleep(wait)
    with _lock:
        _next_allowed[target] = max(_next_allowed.get(target, 0.0), time.monotonic() + interval(platform))


def after_call(target: str, wait_seconds: float) -> None:
    """The provider said its bucket is empty for `wait_seconds`."""
    if wait_seconds > 0:
        with _lock:
            _next_allowed[target] = max(_next_allowed.get(target, 0.0), time.monotonic() + wait_seconds)


def reset() -> None:
    with _lock:
        _next_allowed.clear()
    _cached.clear()
