"""Request quotas keyed by device (issue 18, item 7): the device a token names, else the client's anonymous
install id (`X-Device-ID`, which the client team asked for: offices share one address), else the client address.
Every limited answer says where the caller stands (`X-RateLimit-Limit`, `X-RateLimit-Remaining`,
`X-RateLimit-Reset` = the epoch second the window ends); a refusal is 429 with `Retry-After` too.

Windows are suite.ratelimit's fixed windows (one conditional counter per key and window, so concurrent requests
never get past a limit)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ccjk import clock
from ccjk.store import limits
from suite.errors import TooManyRequests

CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


@dataclass(frozen=True)
class Quota:
    name: str
    limit: int
    window_seconds: int


def caller_key(*, device_id: str | None, client_id: str | None, source_ip: str) -> str:
    if device_id:
        return f"device#{device_id}"
    if client_id and CLIENT_ID.match(client_id.strip()):
        return f"client#{client_id.strip()}"
    return f"ip#{source_ip}"


def take(quota: Quota, key: str) -> dict[str, str]:
    """Count one request against the quota: the headers to answer with, or TooManyRequests (with them)."""
    decision = limits.hit(f"quota#{quota.name}#{key}", limit=quota.limit, window_seconds=quota.window_seconds)
    reset = (int(clock.now()) // quota.window_seconds + 1) * quota.window_seconds
    headers = {"X-RateLimit-Limit": str(quota.limit), "X-RateLimit-Remaining": str(decision.remaining),
               "X-RateLimit-Reset": str(reset)}
    if not decision.allowed:
        raise TooManyRequests("Too many requests, slow down", retry_after=decision.retry_after, headers=headers)
    return headers
