"""Request rate limits: fixed one-minute windows counted in DynamoDB (suite.ratelimit), 429 + Retry-After.

KV limits are the original's (express-rate-limit, per token, falling back to the client IP): read 1024,
write 512, delete 256, batch 128 per minute. Requests that check a device password or hand out tokens
(auth/token, device passwords, device codes) share a per-IP limit of 50 a minute, the original's limit for
its `/apps` and `/auth` routes in the apps.md era. Every answer carries the IETF draft-7 `RateLimit` and
`RateLimit-Policy` headers, as express-rate-limit's `standardHeaders: "draft-7"` sent them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from classworks import clock
from classworks.logic import metrics
from classworks.store import limits as counters
from suite.errors import TooManyRequests


@dataclass(frozen=True)
class Limit:
    name: str
    limit: int
    window_seconds: int
    message: str


KV_READ = Limit("kv-read", 1024, 60, "读操作请求过于频繁，请稍后再试")
KV_WRITE = Limit("kv-write", 512, 60, "写操作请求过于频繁，请稍后再试")
KV_DELETE = Limit("kv-delete", 256, 60, "删除操作请求过于频繁，请稍后再试")
KV_BATCH = Limit("kv-batch", 128, 60, "批量操作请求过于频繁，请稍后再试")
CREDENTIALS = Limit("credentials", 50, 60, "请求过于频繁，请稍后再试")


def headers(limit: Limit, decision: Any, now: float) -> dict[str, str]:
    """The draft-7 headers of a suite.ratelimit Decision (`allowed`, `remaining`, `retry_after`)."""
    reset = decision.retry_after if not decision.allowed else math.ceil(
        limit.window_seconds - (now % limit.window_seconds))
    return {
        "RateLimit-Policy": f"{limit.limit};w={limit.window_seconds}",
        "RateLimit": f"limit={limit.limit}, remaining={decision.remaining}, reset={max(1, reset)}",
    }


def enforce(limit: Limit, subject: str) -> dict[str, str]:
    """Count one request of `subject` (e.g. `token:<digest>` or `ip:1.2.3.4`); the headers to send, or 429."""
    decision = counters.hit(f"{limit.name}:{subject}", limit=limit.limit, window_seconds=limit.window_seconds)
    answer = headers(limit, decision, clock.now())
    if not decision.allowed:
        metrics.count("RateLimited")
        raise TooManyRequests(limit.message, retry_after=decision.retry_after, headers=answer)
    return answer
